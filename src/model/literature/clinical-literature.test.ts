import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadBundle, type LoadedBundle } from '../bundle.ts';
import { sha256Hex } from '../digest.ts';
import { inspectModel } from '../onnx/inspect.ts';
import { readTrustedKeys } from '../signature.ts';
import { committedTrustedKeysPath, shippedClinicalBundle } from '../testing.ts';
import { buildClinicalLiteratureBundle } from './clinical-literature.ts';

// Odds ratios as published (Li et al. 2026, doi 10.2147/BCTT.S568337), typed here independently
// of the code under test.
const PUBLISHED_OR: Record<string, number> = {
  ER_positive: 0.27,
  HER2_positive: 5.9,
  cT_T2: 0.191,
  cT_T3: 0.112,
  cT_T4: 0.083,
};
const STUDY_APCR_RATE = 0.567;

let bundle: LoadedBundle;

before(async () => {
  bundle = await loadBundle(shippedClinicalBundle, {
    trustedKeys: await readTrustedKeys(committedTrustedKeysPath),
  });
});
after(async () => bundle?.close());

const logit = (p: number): number => Math.log(p / (1 - p));

test('the shipped bundle verifies with the committed trusted keys', () => {
  assert.equal(bundle.publisherKid, 'axilla-cds-publisher-2026-11');
  assert.equal(bundle.manifest.id, 'clinical-literature');
  assert.equal(bundle.manifest.version, '1.0.0');
  assert.equal(bundle.manifest.kind, 'clinical');
  assert.equal(bundle.manifest.validationStatus, 'literature-derived, not validated');
  assert.equal(bundle.manifest.threshold, 'not available');
  assert.deepEqual(bundle.manifest.metrics, { training: 'not available', validation: 'not available' });
  assert.deepEqual(bundle.manifest.requiredClinicalInputs, ['ER', 'HER2', 'cT']);
  assert.deepEqual(
    bundle.manifest.inputs.map((i) => i.name),
    ['ER_positive', 'HER2_positive', 'cT_T2', 'cT_T3', 'cT_T4'],
  );
  assert.equal(bundle.manifest.literature?.doi, '10.2147/BCTT.S568337');
  assert.match(bundle.manifest.trainingData.assumedCovariateDistribution?.statement ?? '', /ASSUMPTION/);
});

test('the coefficients are ln(OR) of the published odds ratios: manifest, ONNX weights and predictions', async () => {
  const names = bundle.manifest.inputs.map((i) => i.name);
  const onnx = inspectModel(new Uint8Array(await readFile(join(shippedClinicalBundle, 'classifier.onnx'))));
  const onnxWeights = onnx.initializers.weights?.values ?? [];
  assert.equal(onnxWeights.length, names.length);
  assert.equal(onnx.initializers.mean, undefined, 'no scaler expected');
  assert.equal(onnx.initializers.scale, undefined, 'no scaler expected');

  const reference = await bundle.predict(names.map(() => 0)); // ER−, HER2−, cT1
  for (const [i, name] of names.entries()) {
    const want = Math.log(PUBLISHED_OR[name]!);
    assert.equal(bundle.manifest.coefficients?.weights[name], want, `manifest weight of ${name}`);
    assert.equal(onnxWeights[i], want, `ONNX weight of ${name}`);
    // Switching one indicator on moves the log-odds by exactly that weight.
    const p = await bundle.predict(names.map((_, j) => (j === i ? 1 : 0)));
    assert.ok(Math.abs(logit(p) - logit(reference) - want) < 1e-9, `log-odds step of ${name}`);
  }
  assert.equal(onnx.initializers.intercept?.values[0], bundle.manifest.coefficients?.intercept);
  assert.ok(Math.abs(logit(reference) - bundle.manifest.coefficients!.intercept) < 1e-9);
});

test('mean predicted P(apCR) over the documented assumed distribution is the study rate 0.567', async (t) => {
  const distribution = bundle.manifest.trainingData.assumedCovariateDistribution;
  assert.ok(distribution, 'the manifest must document its assumed covariate distribution');
  assert.equal(bundle.manifest.trainingData.outcomeRate, STUDY_APCR_RATE);
  const factor = (name: string) => {
    const f = distribution.factors.find((x) => x.name === name);
    assert.ok(f, `factor ${name}`);
    return f;
  };
  const er = factor('ER');
  const her2 = factor('HER2');
  const cT = factor('cT');
  assert.deepEqual(
    [er, her2, cT].map((f) => f.levels.map((l) => [l.label, l.probability])),
    [
      [
        ['positive', 0.6],
        ['negative', 0.4],
      ],
      [
        ['positive', 0.35],
        ['negative', 0.65],
      ],
      [
        ['T1', 0.15],
        ['T2', 0.55],
        ['T3', 0.2],
        ['T4', 0.1],
      ],
    ],
  );

  const names = bundle.manifest.inputs.map((i) => i.name);
  let mean = 0;
  let total = 0;
  let cells = 0;
  for (const a of er.levels) {
    for (const b of her2.levels) {
      for (const c of cT.levels) {
        const encoding = { ...a.encoding, ...b.encoding, ...c.encoding };
        const x = names.map((n) => encoding[n] ?? 0);
        const weight = a.probability * b.probability * c.probability;
        mean += weight * (await bundle.predict(x));
        total += weight;
        cells++;
      }
    }
  }
  t.diagnostic(
    `mean P(apCR) over ${cells} cells = ${mean.toFixed(15)} (|Δ| = ${Math.abs(mean - STUDY_APCR_RATE).toExponential(2)})`,
  );
  assert.equal(cells, 16);
  assert.ok(Math.abs(total - 1) < 1e-12);
  assert.ok(Math.abs(mean - STUDY_APCR_RATE) < 1e-9, `mean ${mean} differs from ${STUDY_APCR_RATE}`);
});

test('the shipped classifier and README are exactly what the code builds today', async () => {
  const built = buildClinicalLiteratureBundle({ createdAt: bundle.manifest.createdAt });
  for (const file of built.files) {
    const shipped = await readFile(join(shippedClinicalBundle, file.path));
    assert.equal(sha256Hex(shipped), sha256Hex(file.bytes), `${file.path} differs from a fresh build`);
  }
  const { createdAt: _a, ...shippedRest } = bundle.manifest;
  const { createdAt: _b, ...builtRest } = built.manifest;
  assert.deepEqual(shippedRest, builtRest);
});

test('predict rejects a vector of the wrong length and non-finite values', async () => {
  await assert.rejects(bundle.predict([1, 0, 0, 0]), /expected 5 features \(ER_positive, .*\), got 4/);
  await assert.rejects(bundle.predict([1, 0, 0, 0, 0, 0]), /expected 5 features/);
  await assert.rejects(
    bundle.predict([1, Number.NaN, 0, 0, 0]),
    /feature "HER2_positive" is not a finite number/,
  );
});
