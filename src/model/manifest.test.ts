import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseManifest, serializeManifest, validateManifest } from './manifest.ts';
import { shippedClinicalBundle } from './testing.ts';

const shippedBytes = async () => new Uint8Array(await readFile(join(shippedClinicalBundle, 'manifest.json')));
const shipped = async () =>
  JSON.parse(new TextDecoder().decode(await shippedBytes())) as Record<string, unknown>;

type Path = (string | number)[];
const DELETE = Symbol('delete');

function get(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], value);
}

/** Validates a copy of `base` with the value at `path` replaced (or deleted); returns the error or "accepted". */
function reasons(base: unknown, path: Path, value: unknown): string {
  const m = structuredClone(base);
  const parent = get(m, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  if (value === DELETE) delete parent[key];
  else parent[key] = value;
  try {
    validateManifest(m);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
}

test('the shipped manifest re-serialises to the same bytes (stable key order, pretty)', async () => {
  const bytes = await shippedBytes();
  assert.deepEqual(Buffer.from(serializeManifest(parseManifest(bytes))), Buffer.from(bytes));
  // Key order follows the schema, whatever order the input had.
  const reversed = Object.fromEntries(Object.entries(await shipped()).reverse());
  assert.deepEqual(Buffer.from(serializeManifest(validateManifest(reversed))), Buffer.from(bytes));
});

test('schema errors name the path and the problem', async () => {
  const base = await shipped();
  const file0 = get(base, ['files', 0]) as Record<string, unknown>;
  const input0 = get(base, ['inputs', 0]) as Record<string, unknown>;
  const cases: [Path, unknown, RegExp][] = [
    [['extra'], 1, /\(root\): unknown key "extra"/],
    [['schema'], 'axilla-model-bundle/2', /schema: /],
    [['id'], 'Clinical Literature', /id: must be a slug/],
    [['version'], '1.0', /version: must be a semantic version/],
    [['kind'], 'nomogram', /kind: /],
    [['inputs', 0, 'name'], 'ER_pos', /inputs\.0\.name: unknown clinical input "ER_pos"/],
    [['inputs', 1], { ...input0 }, /inputs\.1\.name: "ER_positive" appears twice/],
    [['requiredClinicalInputs'], ['ER', 'cT'], /requiredClinicalInputs: must include "HER2"/],
    [['requiredClinicalInputs'], ['ER', 'HER2', 'cT', 'Her2'], /requiredClinicalInputs\.3: /],
    [['threshold'], 'n/a', /threshold: must be "not available" or \{ value, method, source \}/],
    [['threshold'], { value: 1.2, method: 'youden', source: 'x' }, /threshold\.value: Too big/],
    [['threshold'], { value: 0.5, method: 'otsu', source: 'x' }, /threshold\.method: /],
    [['metrics', 'validation'], { auc: 0.8, aucCI: [0.7, 0.9] }, /metrics\.validation: unknown key "aucCI"/],
    [['files', 0, 'sha256'], 'ABC', /files\.0\.sha256: must be a lower-case hex SHA-256/],
    [['files', 1, 'path'], 'docs/../../x', /files\.1\.path: must be a relative path inside the bundle/],
    [['files', 1, 'path'], '/etc/passwd', /files\.1\.path: must be a relative path inside the bundle/],
    [['files', 1, 'path'], 'a\\b', /files\.1\.path: must be a relative path inside the bundle/],
    [['files', 2], { ...file0 }, /files\.2\.path: "classifier\.onnx" is listed twice/],
    [['files', 2], { ...file0, path: 'manifest.json' }, /cannot list itself/],
    [
      ['extraction'],
      { DCE: 'params/dce.yaml' },
      /extraction\.DCE: "params\/dce\.yaml" is not listed in files/,
    ],
    [['inputs', 0, 'source'], 'deep', /deepBackbone: is required when an input has source "deep"/],
    [
      ['coefficients', 'weights'],
      { HER2_positive: 1 },
      /coefficients\.weights: must name exactly the inputs/,
    ],
    [
      ['trainingData', 'assumedCovariateDistribution', 'factors', 2, 'levels', 0, 'probability'],
      0.2,
      /levels: level probabilities must sum to 1/,
    ],
    [['literature', 'doi'], 'https://doi.org/10.2147/BCTT.S568337', /literature\.doi: /],
    [['createdAt'], '23/11/2026', /createdAt: /],
    [['intendedUse'], DELETE, /intendedUse: /],
    [['classifier', 'outputKind'], 'logits', /classifier\.outputKind: /],
  ];
  for (const [path, value, want] of cases) assert.match(reasons(base, path, value), want);
  assert.equal(reasons(base, ['name'], get(base, ['name'])), 'accepted');
});

test('manifest bytes that are not JSON or not UTF-8 are refused', () => {
  assert.throws(() => parseManifest(new TextEncoder().encode('{"schema":')), /not valid UTF-8 JSON/);
  assert.throws(() => parseManifest(Uint8Array.from([0x7b, 0xff, 0x7d])), /not valid UTF-8 JSON/);
});
