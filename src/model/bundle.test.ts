import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { base64url } from 'jose';
import { pino } from 'pino';
import { BundleVerificationError, bundleDigest, loadBundle, loadBundles } from './bundle.ts';
import { sha256Hex } from './digest.ts';
import { buildLogisticHead } from './onnx/linear-head.ts';
import type { TrustedKeySet } from './signature.ts';
import {
  copyShippedBundle,
  makeTestKey,
  readManifestJson,
  tempDir,
  trustedKeysWith,
  writeSignedManifest,
  type TestKey,
} from './testing.ts';

let root: string;
let siteKey: TestKey; // trusted in these tests
let strangerKey: TestKey; // never trusted
let trustedKeys: TrustedKeySet;
let counter = 0;

before(async () => {
  root = await tempDir();
  siteKey = await makeTestKey('test-site-publisher');
  strangerKey = await makeTestKey('stranger');
  trustedKeys = await trustedKeysWith(siteKey);
});
after(async () => rm(root, { recursive: true, force: true }));

/** A fresh copy of the shipped bundle in its own models folder. */
async function freshCopy(): Promise<string> {
  return copyShippedBundle(join(root, `case-${++counter}`));
}

async function refusal(dir: string, keys: TrustedKeySet = trustedKeys): Promise<string> {
  try {
    const bundle = await loadBundle(dir, { trustedKeys: keys });
    await bundle.close();
  } catch (e) {
    assert.ok(e instanceof BundleVerificationError, `expected BundleVerificationError, got ${String(e)}`);
    assert.equal(e.dir, dir);
    return e.message;
  }
  assert.fail('the bundle was accepted');
}

/** Edits manifest.json as JSON and re-signs it with the trusted test key. */
async function editAndResign(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const manifest = await readManifestJson(dir);
  edit(manifest);
  await writeSignedManifest(dir, manifest, siteKey);
}

const fileList = (m: Record<string, unknown>) => m.files as { path: string; sha256: string; role: string }[];

test('an untouched copy loads, and the digest is the SHA-256 of manifest.json', async () => {
  const dir = await freshCopy();
  const bundle = await loadBundle(dir, { trustedKeys });
  try {
    const bytes = await readFile(join(dir, 'manifest.json'));
    assert.equal(bundle.digest, bundleDigest(bytes));
    assert.equal(bundle.digest, sha256Hex(bytes));
    assert.equal(bundle.publisherKid, 'axilla-cds-publisher-2026-11');
  } finally {
    await bundle.close();
  }
});

test('a re-signed copy with a trusted test key loads and reports that kid', async () => {
  const dir = await freshCopy();
  await editAndResign(dir, (m) => {
    m.version = '1.0.1';
  });
  const bundle = await loadBundle(dir, { trustedKeys });
  assert.equal(bundle.publisherKid, 'test-site-publisher');
  await bundle.close();
});

test('refused: a file whose bytes changed, naming the file', async () => {
  const dir = await freshCopy();
  await appendFile(join(dir, 'README.md'), ' ');
  assert.match(await refusal(dir), /file "README\.md" does not match its SHA-256 in manifest\.json/);

  const dir2 = await freshCopy();
  const onnx = await readFile(join(dir2, 'classifier.onnx'));
  onnx.writeUInt8(onnx.readUInt8(onnx.length - 1) ^ 0x01, onnx.length - 1);
  await writeFile(join(dir2, 'classifier.onnx'), onnx);
  assert.match(await refusal(dir2), /file "classifier\.onnx" does not match its SHA-256/);
});

test('refused: a classifier swapped for another valid model, even with a re-computed digest left unsigned', async () => {
  const dir = await freshCopy();
  const other = buildLogisticHead({
    inputName: 'features',
    featureCount: 5,
    coefficients: [9, 9, 9, 9, 9],
    intercept: 9,
    producer: 'x',
  });
  await writeFile(join(dir, 'classifier.onnx'), other);
  const manifest = await readManifestJson(dir);
  fileList(manifest)[0]!.sha256 = sha256Hex(other);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`); // not re-signed
  assert.match(
    await refusal(dir),
    /signature does not verify with publisher key "axilla-cds-publisher-2026-11"/,
  );
});

test('refused: manifest edited after signing (one byte of the intended use)', async () => {
  const dir = await freshCopy();
  const text = await readFile(join(dir, 'manifest.json'), 'utf8');
  await writeFile(join(dir, 'manifest.json'), text.replace('not validated', 'Not validated'));
  assert.match(await refusal(dir), /signature does not verify/);
});

test('refused: signed by an untrusted key', async () => {
  const dir = await freshCopy();
  await writeSignedManifest(dir, await readManifestJson(dir), strangerKey);
  assert.match(await refusal(dir), /unknown kid "stranger": not among the trusted publisher keys/);
});

test('refused: signed by another key that claims the trusted kid', async () => {
  const dir = await freshCopy();
  const impostor = await makeTestKey('axilla-cds-publisher-2026-11', 'ES384');
  await writeSignedManifest(dir, await readManifestJson(dir), impostor);
  assert.match(
    await refusal(dir),
    /signature does not verify with publisher key "axilla-cds-publisher-2026-11"/,
  );
});

test('refused: the shipped bundle when its publisher key is not trusted', async () => {
  const dir = await freshCopy();
  assert.match(
    await refusal(dir, { keys: [siteKey.publicJwk] }),
    /unknown kid "axilla-cds-publisher-2026-11"/,
  );
});

test('refused: a JWS with alg "none"', async () => {
  const dir = await freshCopy();
  const header = base64url.encode(JSON.stringify({ alg: 'none', kid: 'axilla-cds-publisher-2026-11' }));
  await writeFile(join(dir, 'manifest.jws'), `${header}..\n`);
  assert.match(await refusal(dir), /alg "none" is not allowed/);
});

test('refused: a JWS with alg HS256, even with a valid HMAC keyed by public key bytes', async () => {
  const dir = await freshCopy();
  const { createHmac } = await import('node:crypto');
  const header = base64url.encode(JSON.stringify({ alg: 'HS256', kid: 'axilla-cds-publisher-2026-11' }));
  const payload = base64url.encode(await readFile(join(dir, 'manifest.json')));
  // The classic confusion attack: HMAC keyed with the (public) x coordinate of the trusted key.
  const secret = String(trustedKeys.keys[0]!.x);
  const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  await writeFile(join(dir, 'manifest.jws'), `${header}..${mac}\n`);
  assert.match(await refusal(dir), /alg "HS256" is not allowed/);
});

test('refused: an attached (non-detached) JWS and a missing signature file', async () => {
  const dir = await freshCopy();
  const jws = (await readFile(join(dir, 'manifest.jws'), 'utf8')).trim();
  const payload = base64url.encode(await readFile(join(dir, 'manifest.json')));
  await writeFile(join(dir, 'manifest.jws'), jws.replace('..', `.${payload}.`));
  assert.match(await refusal(dir), /attached payload; expected a detached JWS/);

  const dir2 = await freshCopy();
  await rm(join(dir2, 'manifest.jws'));
  assert.match(await refusal(dir2), /manifest\.jws is missing: the bundle is not signed/);
});

test('refused: a signed manifest failing the schema (unknown key), with its path', async () => {
  const dir = await freshCopy();
  await editAndResign(dir, (m) => {
    m.threshhold = 0.5;
  });
  assert.match(await refusal(dir), /manifest\.json is invalid: \(root\): unknown key "threshhold"/);

  const dir2 = await freshCopy();
  await editAndResign(dir2, (m) => {
    (m.classifier as Record<string, unknown>).device = 'gpu';
  });
  assert.match(await refusal(dir2), /classifier: unknown key "device"/);

  const dir3 = await freshCopy();
  await editAndResign(dir3, (m) => {
    m.threshold = { value: 1.5, method: 'youden', source: 'training' };
  });
  assert.match(await refusal(dir3), /threshold\.value: /);
});

test('refused: a listed file that is missing', async () => {
  const dir = await freshCopy();
  await rm(join(dir, 'README.md'));
  assert.match(await refusal(dir), /file "README\.md" listed in manifest\.json is missing/);
});

test('refused: a path with ".." even when the file it names exists and matches', async () => {
  const dir = await freshCopy();
  const outside = join(dir, '..', 'outside.txt');
  await writeFile(outside, 'outside the bundle');
  await editAndResign(dir, (m) => {
    fileList(m).push({
      path: '../outside.txt',
      sha256: sha256Hex(Buffer.from('outside the bundle')),
      role: 'other',
    });
  });
  assert.match(
    await refusal(dir),
    /files\.2\.path: must be a relative path inside the bundle \(plain segments, no "\.\.", no leading "\/"\), got "\.\.\/outside\.txt"/,
  );
});

test('refused: a listed file that is a symbolic link leading out of the bundle', async () => {
  const dir = await freshCopy();
  const outside = join(dir, '..', 'README-outside.md');
  await cp(join(dir, 'README.md'), outside);
  await rm(join(dir, 'README.md'));
  await symlink(outside, join(dir, 'README.md'));
  assert.match(await refusal(dir), /file "README\.md" resolves outside the bundle folder/);
});

test('refused: the classifier file not listed, or listed under another role', async () => {
  const dir = await freshCopy();
  await editAndResign(dir, (m) => {
    m.files = fileList(m).filter((f) => f.path !== 'classifier.onnx');
  });
  assert.match(await refusal(dir), /classifier\.file: "classifier\.onnx" is not listed in files/);

  const dir2 = await freshCopy();
  await editAndResign(dir2, (m) => {
    fileList(m)[0]!.role = 'other';
  });
  assert.match(
    await refusal(dir2),
    /classifier\.file: "classifier\.onnx" is listed with role "other", expected "classifier"/,
  );
});

test('refused: a classifier whose input does not fit the manifest inputs', async () => {
  const dir = await freshCopy();
  const four = buildLogisticHead({
    inputName: 'features',
    featureCount: 4,
    coefficients: [1, 2, 3, 4],
    intercept: 0,
    producer: 'x',
  });
  await writeFile(join(dir, 'classifier.onnx'), four);
  await editAndResign(dir, (m) => {
    fileList(m)[0]!.sha256 = sha256Hex(four);
  });
  assert.match(
    await refusal(dir),
    /classifier input "features" must be \[N, 5\] for the 5 manifest inputs, is \[N, 4\]/,
  );

  const dir2 = await freshCopy();
  await editAndResign(dir2, (m) => {
    (m.classifier as Record<string, unknown>).outputName = 'proba';
  });
  assert.match(await refusal(dir2), /classifier has no output "proba" \(outputs: logit, probability\)/);
});

test('predict refuses an output that is not a probability', async () => {
  const dir = await freshCopy();
  await editAndResign(dir, (m) => {
    (m.classifier as Record<string, unknown>).outputName = 'logit';
  });
  const bundle = await loadBundle(dir, { trustedKeys });
  try {
    // ER−, HER2+, cT1: logit = b + ln 5.9 ≈ 3.9, not a probability.
    await assert.rejects(
      bundle.predict([0, 1, 0, 0, 0]),
      /output "logit" is 3\.9\d+, not a probability in \[0, 1\]/,
    );
  } finally {
    await bundle.close();
  }
});

test('a float32 classifier in a bundle is fed float32', async () => {
  const dir = await freshCopy();
  const manifest = await readManifestJson(dir);
  const weights = Object.values((manifest.coefficients as { weights: Record<string, number> }).weights);
  const intercept = (manifest.coefficients as { intercept: number }).intercept;
  const f32 = buildLogisticHead({
    inputName: 'features',
    featureCount: 5,
    coefficients: weights,
    intercept,
    producer: 'x',
    elementType: 'float32',
  });
  await writeFile(join(dir, 'classifier.onnx'), f32);
  fileList(manifest)[0]!.sha256 = sha256Hex(f32);
  await writeSignedManifest(dir, manifest, siteKey);
  const bundle = await loadBundle(dir, { trustedKeys });
  try {
    const x = [1, 1, 0, 1, 0];
    const z = intercept + weights[0]! + weights[1]! + weights[3]!;
    const p = await bundle.predict(x);
    assert.ok(Math.abs(p - 1 / (1 + Math.exp(-z))) < 1e-6);
    assert.notEqual(p, 1 / (1 + Math.exp(-z)), 'float32 arithmetic cannot give the float64 result exactly');
  } finally {
    await bundle.close();
  }
});

test('loadBundles keeps good bundles, refuses bad ones and logs one error line per refusal', async () => {
  const models = join(root, 'models-scan');
  await copyShippedBundle(models); // good
  await writeFile(join(models, 'trusted-publishers.jwks.json'), '{"keys":[]}'); // a file, not a bundle: skipped

  const tampered = join(models, 'tampered', '1.0.0');
  await cp(join(models, 'clinical-literature', '1.0.0'), tampered, { recursive: true });
  await editAndResign(tampered, (m) => {
    m.id = 'tampered';
  });
  await appendFile(join(tampered, 'README.md'), 'x');

  const misfiled = join(models, 'clinical-literature', '2.0.0');
  await cp(join(models, 'clinical-literature', '1.0.0'), misfiled, { recursive: true });

  await mkdir(join(models, 'empty', '0.1.0'), { recursive: true });

  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const { bundles, refused } = await loadBundles(models, { trustedKeys, logger });
  try {
    assert.deepEqual(
      bundles.map((b) => `${b.manifest.id}@${b.manifest.version}`),
      ['clinical-literature@1.0.0'],
    );
    assert.deepEqual(
      refused.map((r) => r.dir),
      [misfiled, join(models, 'empty', '0.1.0'), tampered],
    );
    assert.match(
      refused[0]!.reason,
      /folder clinical-literature\/2\.0\.0 holds bundle clinical-literature@1\.0\.0/,
    );
    assert.match(refused[1]!.reason, /manifest\.json is missing/);
    assert.match(refused[2]!.reason, /file "README\.md" does not match its SHA-256/);

    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, refused.length, 'one error line per refused bundle');
    for (const r of refused) assert.ok(errors.some((l) => l.msg === r.reason && l.bundleDir === r.dir));
  } finally {
    await Promise.all(bundles.map((b) => b.close()));
  }
});
