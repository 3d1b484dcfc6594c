import assert from 'node:assert/strict';
import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  buildLiteratureClinicalBundle,
  generatePublisherKey,
  listBundles,
  signBundle,
  trustPublisherKey,
  verifyBundle,
} from './commands.ts';
import { sha256Hex } from './digest.ts';
import { tempDir } from './testing.ts';

let root: string;
before(async () => {
  root = await tempDir('axilla-model-commands-');
});
after(async () => rm(root, { recursive: true, force: true }));

test('a site generates a key, trusts it, builds, signs, verifies and lists a bundle', async () => {
  const keyDir = join(root, 'keys');
  const key = await generatePublisherKey({ outDir: keyDir, kid: 'site-2026' });
  assert.equal(key.privateKeyPath, join(keyDir, 'site-2026.private.jwk.json'));
  assert.equal((await stat(key.privateKeyPath)).mode & 0o777, 0o600, 'private key file must be 0600');
  assert.equal(key.publicJwk.d, undefined, 'the returned key must be public');
  assert.deepEqual([key.publicJwk.kty, key.publicJwk.crv, key.publicJwk.alg], ['EC', 'P-384', 'ES384']);
  await assert.rejects(generatePublisherKey({ outDir: keyDir, kid: 'site-2026' }), /EEXIST/);
  await assert.rejects(generatePublisherKey({ outDir: keyDir, kid: '../evil' }), /must be letters, digits/);

  const trustedKeysPath = join(root, 'models', 'trusted-publishers.jwks.json');
  const bundleDir = join(root, 'models', 'clinical-literature', '1.0.0');
  await buildLiteratureClinicalBundle({ outDir: bundleDir });
  await assert.rejects(verifyBundle({ dir: bundleDir, trustedKeysPath }), /cannot read trusted keys/);
  await trustPublisherKey({ trustedKeysPath, publicJwk: key.publicJwk });
  await assert.rejects(trustPublisherKey({ trustedKeysPath, publicJwk: key.publicJwk }), /already trusted/);
  await assert.rejects(verifyBundle({ dir: bundleDir, trustedKeysPath }), /manifest\.jws is missing/);

  const signed = await signBundle({ dir: bundleDir, privateKeyPath: key.privateKeyPath });
  assert.equal(signed.kid, 'site-2026');
  const summary = await verifyBundle({ dir: bundleDir, trustedKeysPath });
  assert.equal(summary.digest, signed.digest);
  assert.equal(summary.digest, sha256Hex(await readFile(join(bundleDir, 'manifest.json'))));
  assert.deepEqual(
    [summary.id, summary.version, summary.publisherKid],
    ['clinical-literature', '1.0.0', 'site-2026'],
  );

  // Changing a listed file breaks verification until the bundle is signed again, which re-hashes it.
  await appendFile(join(bundleDir, 'README.md'), '\nLocal note.\n');
  await assert.rejects(verifyBundle({ dir: bundleDir, trustedKeysPath }), /file "README\.md" does not match/);
  const resigned = await signBundle({ dir: bundleDir, privateKeyPath: key.privateKeyPath });
  assert.notEqual(resigned.digest, signed.digest);
  assert.equal(
    resigned.files.find((f) => f.path === 'README.md')?.sha256,
    sha256Hex(await readFile(join(bundleDir, 'README.md'))),
  );

  const listed = await listBundles({ modelsDir: join(root, 'models'), trustedKeysPath });
  assert.deepEqual(
    listed.bundles.map((b) => b.digest),
    [resigned.digest],
  );
  assert.deepEqual(listed.refused, []);
});

test('signBundle refuses a manifest whose paths leave the bundle, without reading them', async () => {
  const key = await generatePublisherKey({ outDir: join(root, 'keys2'), kid: 'k2' });
  const dir = join(root, 'evil', '1.0.0');
  await buildLiteratureClinicalBundle({ outDir: dir });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: unknown[] };
  manifest.files.push({ path: '../../keys2/k2.private.jwk.json', sha256: '0'.repeat(64), role: 'other' });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await assert.rejects(
    signBundle({ dir, privateKeyPath: key.privateKeyPath }),
    /must be a relative path inside the bundle/,
  );
});
