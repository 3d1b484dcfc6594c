/**
 * Model bundle contract (DESIGN §4). A bundle is a folder holding `manifest.json`, the files it
 * names with their SHA-256, and `manifest.jws`, a detached JWS over the manifest bytes made with
 * a publisher key the service trusts.
 */
import type { BundleManifest } from './manifest.ts';
import type { PcaProjector } from './pca-projector.ts';

export interface LoadedBundle {
  /** Folder the bundle was loaded from. */
  dir: string;
  manifest: BundleManifest;
  /** SHA-256 (hex) of the manifest bytes: names the bundle and, through its file digests, every file. */
  digest: string;
  /** `kid` of the publisher key whose signature verified. */
  publisherKid: string;
  /** Runs the classifier on one feature vector ordered as `manifest.inputs`; returns P(apCR). */
  predict(features: readonly number[]): Promise<number>;
  /** The deep-feature projection when the manifest has `deepPca`. */
  deepPca?: PcaProjector;
  close(): Promise<void>;
}

export class BundleVerificationError extends Error {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(`model bundle ${dir} refused: ${message}`);
    this.name = 'BundleVerificationError';
  }
}
