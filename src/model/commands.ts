/**
 * `axilla models …` operations as plain async functions: they return data and throw on error;
 * printing and exit codes belong to the CLI that wires them up.
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Logger } from '../util/logger.ts';
import { loadBundle, loadBundles, type RefusedBundle } from './bundle.ts';
import { readBundleFile } from './bundle-files.ts';
import type { LoadedBundle } from './bundle-types.ts';
import { sha256Hex } from './digest.ts';
import {
  bundlePathSchema,
  MANIFEST_FILE,
  serializeManifest,
  SIGNATURE_FILE,
  validateManifest,
  type BundleManifest,
} from './manifest.ts';
import { buildClinicalLiteratureBundle } from './literature/clinical-literature.ts';
import {
  ALLOWED_JWS_ALGORITHMS,
  parseTrustedKeys,
  readTrustedKeys,
  SignatureError,
  signManifest,
  type SigningAlgorithm,
  type TrustedKeySet,
} from './signature.ts';

/** What `models list` / `models verify` report about a bundle that verified. */
export interface BundleSummary {
  id: string;
  version: string;
  name: string;
  kind: BundleManifest['kind'];
  validationStatus: string;
  dir: string;
  digest: string;
  publisherKid: string;
  inputs: string[];
  threshold: BundleManifest['threshold'];
  metrics: BundleManifest['metrics'];
}

function summarise(bundle: LoadedBundle): BundleSummary {
  const m = bundle.manifest;
  return {
    id: m.id,
    version: m.version,
    name: m.name,
    kind: m.kind,
    validationStatus: m.validationStatus,
    dir: bundle.dir,
    digest: bundle.digest,
    publisherKid: bundle.publisherKid,
    inputs: m.inputs.map((i) => i.name),
    threshold: m.threshold,
    metrics: m.metrics,
  };
}

const kidPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Creates a publisher signing key pair. The private JWK goes to `<outDir>/<kid>.private.jwk.json`
 * (mode 0600, never overwritten); the public JWK is returned and also written next to it as
 * `<kid>.public.jwk.json`, ready to be added to a site's trusted keys.
 */
export async function generatePublisherKey(options: {
  outDir: string;
  kid: string;
  alg?: SigningAlgorithm;
}): Promise<{ privateKeyPath: string; publicKeyPath: string; publicJwk: JWK }> {
  const alg = options.alg ?? 'ES384';
  if (!kidPattern.test(options.kid))
    throw new Error(`kid "${options.kid}" must be letters, digits, ".", "_" or "-"`);
  if (!ALLOWED_JWS_ALGORITHMS.includes(alg)) throw new Error(`alg "${alg}" is not allowed`);
  // RSA keys of 3072 bits match the ~128-bit security of P-256 (NIST SP 800-57 Part 1 Rev. 5, Table 2).
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 3072 });
  const meta = { kid: options.kid, alg, use: 'sig' } as const;
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), ...meta };
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), ...meta };

  await mkdir(options.outDir, { recursive: true, mode: 0o700 });
  const privateKeyPath = join(options.outDir, `${options.kid}.private.jwk.json`);
  const publicKeyPath = join(options.outDir, `${options.kid}.public.jwk.json`);
  // 'wx' fails if the file exists: an existing private key is never silently replaced.
  await writeFile(privateKeyPath, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(privateKeyPath, 0o600);
  await writeFile(publicKeyPath, `${JSON.stringify(publicJwk, null, 2)}\n`, { flag: 'wx' });
  return { privateKeyPath, publicKeyPath, publicJwk };
}

/** Adds a public key to a trusted-keys JWKS file (created when absent); refuses a kid already present. */
export async function trustPublisherKey(options: {
  trustedKeysPath: string;
  publicJwk: JWK;
}): Promise<TrustedKeySet> {
  let current: TrustedKeySet = { keys: [] };
  try {
    current = parseTrustedKeys(JSON.parse(await readFile(options.trustedKeysPath, 'utf8')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (current.keys.some((k) => k.kid === options.publicJwk.kid)) {
    throw new SignatureError(
      `kid "${options.publicJwk.kid}" is already trusted in ${options.trustedKeysPath}`,
    );
  }
  const next = parseTrustedKeys({ keys: [...current.keys, options.publicJwk] });
  await writeFile(options.trustedKeysPath, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}

/**
 * Signs a bundle folder: recomputes the SHA-256 of every listed file (and of the deep backbone),
 * writes the validated manifest.json, then manifest.jws over exactly those bytes.
 */
export async function signBundle(options: {
  dir: string;
  privateKeyPath: string;
}): Promise<{ dir: string; digest: string; kid: string; files: BundleManifest['files'] }> {
  const privateJwk = JSON.parse(await readFile(options.privateKeyPath, 'utf8')) as JWK;
  if (typeof privateJwk.kid !== 'string' || privateJwk.kid === '') {
    throw new SignatureError(`${options.privateKeyPath} has no "kid"`);
  }
  const draft = JSON.parse(await readFile(join(options.dir, MANIFEST_FILE), 'utf8')) as unknown;
  const manifest = validateManifest(await withFreshDigests(options.dir, draft));
  const bytes = serializeManifest(manifest);
  const jws = await signManifest(bytes, privateJwk, privateJwk.kid);
  await writeFile(join(options.dir, MANIFEST_FILE), bytes);
  await writeFile(join(options.dir, SIGNATURE_FILE), `${jws}\n`);
  return { dir: options.dir, digest: sha256Hex(bytes), kid: privateJwk.kid, files: manifest.files };
}

/** Fills `files[].sha256` (and `deepBackbone.sha256`) from the files on disk; paths are checked first. */
async function withFreshDigests(dir: string, draft: unknown): Promise<unknown> {
  if (typeof draft !== 'object' || draft === null || !Array.isArray((draft as { files?: unknown }).files))
    return draft;
  const record = draft as { files: unknown[]; deepBackbone?: unknown };
  const digests = new Map<string, string>();
  const files = await Promise.all(
    record.files.map(async (entry) => {
      const path = (entry as { path?: unknown } | null)?.path;
      if (!bundlePathSchema.safeParse(path).success) return entry; // the schema reports it
      const sha256 = sha256Hex(await readBundleFile(dir, path as string));
      digests.set(path as string, sha256);
      return { ...(entry as object), sha256 };
    }),
  );
  const backbone = record.deepBackbone as { file?: unknown } | null | undefined;
  const backboneDigest = typeof backbone?.file === 'string' ? digests.get(backbone.file) : undefined;
  return {
    ...record,
    files,
    ...(backbone && backboneDigest ? { deepBackbone: { ...backbone, sha256: backboneDigest } } : {}),
  };
}

/** Fully verifies one bundle (signature, schema, digests, classifier) and reports it. */
export async function verifyBundle(options: {
  dir: string;
  trustedKeysPath: string;
}): Promise<BundleSummary> {
  const bundle = await loadBundle(options.dir, {
    trustedKeys: await readTrustedKeys(options.trustedKeysPath),
  });
  try {
    return summarise(bundle);
  } finally {
    await bundle.close();
  }
}

/** Verifies every `<modelsDir>/<id>/<version>` bundle; refused ones are reported with their reason. */
export async function listBundles(options: {
  modelsDir: string;
  trustedKeysPath: string;
  logger?: Logger;
}): Promise<{ bundles: BundleSummary[]; refused: RefusedBundle[] }> {
  const { bundles, refused } = await loadBundles(options.modelsDir, {
    trustedKeys: await readTrustedKeys(options.trustedKeysPath),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const summaries = bundles.map(summarise);
  await Promise.all(bundles.map((b) => b.close()));
  return { bundles: summaries, refused };
}

/**
 * Writes the literature-derived clinical bundle (manifest.json, classifier.onnx, README.md) into
 * `outDir`, unsigned: any old manifest.jws is removed, since it would no longer match. Sign it
 * with signBundle.
 */
export async function buildLiteratureClinicalBundle(options: {
  outDir: string;
  createdAt?: string;
}): Promise<{ dir: string; manifest: BundleManifest; intercept: number }> {
  const built = buildClinicalLiteratureBundle(options.createdAt ? { createdAt: options.createdAt } : {});
  await mkdir(options.outDir, { recursive: true });
  for (const file of built.files) await writeFile(join(options.outDir, file.path), file.bytes);
  await writeFile(join(options.outDir, MANIFEST_FILE), serializeManifest(built.manifest));
  await rm(join(options.outDir, SIGNATURE_FILE), { force: true });
  return { dir: options.outDir, manifest: built.manifest, intercept: built.model.intercept };
}
