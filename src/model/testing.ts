/**
 * Helpers for tests of model bundles: paths of the shipped bundle, throw-away publisher keys and
 * re-signing of edited copies. Tests work on copies in a temporary folder, never on `models/`.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { MANIFEST_FILE, SIGNATURE_FILE } from './manifest.ts';
import { readTrustedKeys, signManifest, type SigningAlgorithm, type TrustedKeySet } from './signature.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const shippedModelsDir = join(repoRoot, 'models');
export const shippedClinicalBundle = join(shippedModelsDir, 'clinical-literature', '1.0.0');
export const committedTrustedKeysPath = join(shippedModelsDir, 'trusted-publishers.jwks.json');

export interface TestKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function makeTestKey(kid: string, alg: SigningAlgorithm = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

/** The committed trusted keys plus the given test keys. */
export async function trustedKeysWith(...extra: TestKey[]): Promise<TrustedKeySet> {
  const committed = await readTrustedKeys(committedTrustedKeysPath);
  return { keys: [...committed.keys, ...extra.map((k) => k.publicJwk)] };
}

export async function tempDir(prefix = 'axilla-model-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Copies the shipped clinical bundle to `<parent>/clinical-literature/1.0.0` and returns that folder. */
export async function copyShippedBundle(parent: string): Promise<string> {
  const dir = join(parent, 'clinical-literature', '1.0.0');
  await cp(shippedClinicalBundle, dir, { recursive: true });
  return dir;
}

export async function readManifestJson(dir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
}

/** Writes `manifest` as manifest.json and signs those exact bytes with `key`, with no schema check. */
export async function writeSignedManifest(dir: string, manifest: unknown, key: TestKey): Promise<void> {
  const bytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, MANIFEST_FILE), bytes);
  await writeFile(join(dir, SIGNATURE_FILE), `${await signManifest(bytes, key.privateJwk, key.kid)}\n`);
}
