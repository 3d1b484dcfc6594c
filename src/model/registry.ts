import type { AxillaConfig } from '../config/config.ts';
import { isKnownClinicalFeature } from '../pipeline/clinical-features.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { Logger } from '../util/logger.ts';
import { loadBundles, type RefusedBundle } from './bundle.ts';
import type { LoadedBundle } from './bundle-types.ts';
import { readTrustedKeys } from './signature.ts';

/** The verified bundles the service holds, and the one its hooks serve. */
export interface ModelRegistry {
  active(): LoadedBundle | undefined;
  all(): LoadedBundle[];
  refused: RefusedBundle[];
  /** Verified bundles whose inputs the hooks cannot compute yet (imaging models). */
  notServed: RefusedBundle[];
  close(): Promise<void>;
}

/**
 * Loads and verifies every bundle under the models folder. Bundles that fail verification, or
 * that need inputs this service version cannot compute yet (imaging), are refused: logged,
 * audited and never served. The active bundle is the highest verified version of the
 * configured id.
 */
export async function createModelRegistry(
  models: AxillaConfig['models'],
  logger: Logger,
  audit: AuditStore,
): Promise<ModelRegistry> {
  const refused: RefusedBundle[] = [];
  const notServed: RefusedBundle[] = [];
  let bundles: LoadedBundle[] = [];
  try {
    const trustedKeys = await readTrustedKeys(models.trustedKeys);
    const loaded = await loadBundles(models.dir, { trustedKeys, logger });
    refused.push(...loaded.refused);
    for (const b of loaded.bundles) {
      const unservable = b.manifest.inputs.find(
        (i) => i.source !== 'clinical' || !isKnownClinicalFeature(i.name),
      );
      if (unservable) {
        // Verified, but its imaging inputs are not computed by the hooks of this service version:
        // kept out of serving (and listed), not refused — the bundle itself is sound.
        const reason = `model bundle ${b.dir} verified but not served: input ${unservable.name} (${unservable.source}) is not computed by this service version's hooks`;
        logger.info({ bundleDir: b.dir }, reason);
        notServed.push({ dir: b.dir, reason });
        await b.close();
      } else {
        bundles.push(b);
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

  const candidates = bundles
    .filter((b) => b.manifest.id === models.active)
    .sort((a, b) => compareSemver(b.manifest.version, a.manifest.version));
  const active = candidates[0];
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
