import type { AxillaConfig } from '../config/config.ts';
import { prepareImagingModel, type ImagingModel } from '../pipeline/imaging/imaging-model.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { Logger } from '../util/logger.ts';
import { loadBundles, type RefusedBundle } from './bundle.ts';
import type { LoadedBundle } from './bundle-types.ts';
import { readsImages } from './manifest.ts';
import { readTrustedKeys } from './signature.ts';

/** The verified bundles the service holds, and the one its hooks serve. */
export interface ModelRegistry {
  active(): LoadedBundle | undefined;
  all(): LoadedBundle[];
  refused: RefusedBundle[];
  /** Verified bundles whose imaging inputs cannot be computed as the bundle asks. */
  notServed: RefusedBundle[];
  /** Imaging models ready for the pipeline, by bundle digest. */
  imaging: ReadonlyMap<string, ImagingModel>;
  /** The highest verified version of a bundle id. */
  latest(id: string): LoadedBundle | undefined;
  /** The highest verified version of `id` when it is a clinical-only bundle (the imaging fallback). */
  clinical(id: string | null): LoadedBundle | undefined;
  close(): Promise<void>;
}

/**
 * Loads and verifies every bundle under the models folder. Bundles that fail verification are
 * refused: logged, audited and never served. Imaging bundles are prepared for the imaging
 * pipeline (series rules, narrowed extraction settings); one that cannot be is listed as not
 * served. The active bundle is the highest verified version of the
 * configured id.
 */
export async function createModelRegistry(
  models: AxillaConfig['models'],
  logger: Logger,
  audit: AuditStore,
): Promise<ModelRegistry> {
  const refused: RefusedBundle[] = [];
  const notServed: RefusedBundle[] = [];
  const imaging = new Map<string, ImagingModel>();
  let bundles: LoadedBundle[] = [];
  try {
    const trustedKeys = await readTrustedKeys(models.trustedKeys);
    const loaded = await loadBundles(models.dir, { trustedKeys, logger });
    refused.push(...loaded.refused);
    for (const b of loaded.bundles) {
      if (!readsImages(b.manifest)) {
        bundles.push(b);
        continue;
      }
      try {
        imaging.set(b.digest, await prepareImagingModel(b));
        bundles.push(b);
      } catch (err) {
        // Verified, but its images cannot be read as it asks (rules or parameter files that do
        // not fit its inputs): listed, not served, and not a signature problem.
        const reason = `model bundle ${b.dir} verified but not served: ${(err as Error).message}`;
        logger.warn({ bundleDir: b.dir }, reason);
        notServed.push({ dir: b.dir, reason });
        await b.close();
      }
    }
  } catch (err) {
    const reason = `no model bundle can be verified: ${(err as Error).message}`;
    logger.error({ modelsDir: models.dir }, reason);
    refused.push({ dir: models.dir, reason });
    for (const b of bundles) await b.close();
    bundles = [];
  }
  for (const r of refused) audit.append({ kind: 'bundle-refused', outcome: 'refused', detail: { ...r } });

  const latest = (id: string) =>
    bundles
      .filter((b) => b.manifest.id === id)
      .sort((a, b) => compareSemver(b.manifest.version, a.manifest.version))[0];
  const active = latest(models.active);
  if (!active)
    logger.error(
      { active: models.active },
      'no verified bundle for the configured active model; hooks will answer 500',
    );
  return {
    active: () => active,
    all: () => [...bundles],
    refused,
    notServed,
    imaging,
    latest,
    clinical: (id) => {
      const b = id ? latest(id) : undefined;
      return b && !readsImages(b.manifest) ? b : undefined;
    },
    async close() {
      for (const b of bundles) await b.close();
    },
  };
}

/** Semantic-version order of `major.minor.patch` (pre-release tags sort before the release). */
export function compareSemver(a: string, b: string): number {
  const parse = (v: string): [number[], string] => {
    const [core = '', pre = ''] = v.split('-', 2);
    return [core.split('.').map(Number), pre];
  };
  const [ca, pa] = parse(a);
  const [cb, pb] = parse(b);
  for (let i = 0; i < 3; i += 1) {
    const d = (ca[i] ?? 0) - (cb[i] ?? 0);
    if (d !== 0) return d;
  }
  if (pa === pb) return 0;
  if (pa === '') return 1;
  if (pb === '') return -1;
  return pa < pb ? -1 : 1;
}
