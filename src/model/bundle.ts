/**
 * Loads model bundles and refuses any that does not verify (DESIGN §4): the detached JWS over
 * manifest.json must verify with a trusted publisher key, the manifest must satisfy the schema,
 * every listed file must match its SHA-256 and the classifier must honour the ONNX contract.
 * Order matters: the signature is checked on the raw bytes before anything in them is trusted.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../util/logger.ts';
import { BundleFileError, readVerifiedFiles } from './bundle-files.ts';
import { BundleVerificationError, type LoadedBundle } from './bundle-types.ts';
import { ClassifierError, createClassifier } from './classifier.ts';
import { createPcaProjector, type PcaProjector } from './pca-projector.ts';
import { sha256Hex } from './digest.ts';
import { MANIFEST_FILE, ManifestError, parseManifest, SIGNATURE_FILE } from './manifest.ts';
import { SignatureError, verifyManifestSignature, type TrustedKeySet } from './signature.ts';

export { BundleVerificationError, type LoadedBundle } from './bundle-types.ts';

export interface LoadBundleOptions {
  trustedKeys: TrustedKeySet;
  logger?: Logger;
}

export interface RefusedBundle {
  dir: string;
  reason: string;
}

/** The bundle's identity: SHA-256 (hex) of the exact manifest.json bytes, which pin every file. */
export function bundleDigest(manifestBytes: Uint8Array): string {
  return sha256Hex(manifestBytes);
}

export async function loadBundle(dir: string, options: LoadBundleOptions): Promise<LoadedBundle> {
  const logger = options.logger ?? silentLogger;
  const manifestBytes = await readRequired(dir, MANIFEST_FILE, 'manifest.json is missing');
  const jws = new TextDecoder().decode(
    await readRequired(dir, SIGNATURE_FILE, 'manifest.jws is missing: the bundle is not signed'),
  );

  try {
    const publisherKid = await verifyManifestSignature(manifestBytes, jws, options.trustedKeys);
    const manifest = parseManifest(manifestBytes);
    const files = await readVerifiedFiles(dir, manifest.files);
    const classifierBytes = files.get(manifest.classifier.file);
    // parseManifest guarantees the classifier is listed; this only satisfies the type checker.
    if (!classifierBytes)
      throw new ManifestError([`classifier.file: "${manifest.classifier.file}" is not listed`]);
    const classifier = await createClassifier(classifierBytes, {
      inputName: manifest.classifier.inputName,
      outputName: manifest.classifier.outputName,
      outputKind: manifest.classifier.outputKind,
      ...(manifest.classifier.positiveClass === undefined
        ? {}
        : { positiveClass: manifest.classifier.positiveClass }),
      featureNames: manifest.inputs.map((input) => input.name),
    });
    let deepPca: PcaProjector | undefined;
    if (manifest.deepPca) {
      try {
        deepPca = await createPcaProjector(files.get(manifest.deepPca.file)!, manifest.deepPca);
      } catch (e) {
        await classifier.close();
        throw e;
      }
    }
    const digest = bundleDigest(manifestBytes);
    logger.info(
      { bundle: `${manifest.id}@${manifest.version}`, digest, publisherKid, inputType: classifier.inputType },
      'model bundle loaded',
    );
    return {
      dir,
      manifest,
      digest,
      publisherKid,
      predict: (features) => classifier.predict(features),
      ...(deepPca ? { deepPca } : {}),
      close: async () => {
        await classifier.close();
        await deepPca?.close();
      },
    };
  } catch (e) {
    if (
      e instanceof SignatureError ||
      e instanceof ManifestError ||
      e instanceof BundleFileError ||
      e instanceof ClassifierError
    ) {
      throw new BundleVerificationError(dir, e.message);
    }
    throw e;
  }
}

/**
 * Loads every `<modelsDir>/<id>/<version>/` bundle. A bundle that does not verify is left out and
 * reported in `refused`, with one `error` log line each; the others still load.
 */
export async function loadBundles(
  modelsDir: string,
  options: LoadBundleOptions,
): Promise<{ bundles: LoadedBundle[]; refused: RefusedBundle[] }> {
  const logger = options.logger ?? silentLogger;
  const bundles: LoadedBundle[] = [];
  const refused: RefusedBundle[] = [];
  for (const { dir, id, version } of await bundleFolders(modelsDir)) {
    try {
      const bundle = await loadBundle(dir, options);
      if (bundle.manifest.id !== id || bundle.manifest.version !== version) {
        await bundle.close();
        throw new BundleVerificationError(
          dir,
          `folder ${id}/${version} holds bundle ${bundle.manifest.id}@${bundle.manifest.version}; it must be stored as <id>/<version>`,
        );
      }
      bundles.push(bundle);
    } catch (e) {
      const reason =
        e instanceof BundleVerificationError
          ? e.message
          : `model bundle ${dir} refused: ${(e as Error).message}`;
      refused.push({ dir, reason });
      logger.error({ bundleDir: dir }, reason);
    }
  }
  return { bundles, refused };
}

/** `<id>/<version>` folders, sorted; files next to them (e.g. trusted-publishers.jwks.json) are skipped. */
async function bundleFolders(modelsDir: string): Promise<{ dir: string; id: string; version: string }[]> {
  const out: { dir: string; id: string; version: string }[] = [];
  const ids = (await readdir(modelsDir, { withFileTypes: true })).filter((d) => d.isDirectory());
  for (const id of ids.map((d) => d.name).sort()) {
    const versions = (await readdir(join(modelsDir, id), { withFileTypes: true })).filter((d) =>
      d.isDirectory(),
    );
    for (const version of versions.map((d) => d.name).sort()) {
      out.push({ dir: join(modelsDir, id, version), id, version });
    }
  }
  return out;
}

async function readRequired(dir: string, name: string, missing: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(join(dir, name)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BundleVerificationError(dir, missing);
    throw new BundleVerificationError(dir, `${name} cannot be read: ${(e as Error).message}`);
  }
}
