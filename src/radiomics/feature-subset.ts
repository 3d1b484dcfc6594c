/**
 * Extraction settings narrowed to the features a model reads. Each derived image and each
 * feature class is computed independently of the others (the whole-image normalisation and the
 * resampling happen before any image type), so the narrowed settings give the same values for
 * the kept features as the full parameter file — only faster. feature-subset.test.ts checks this.
 */
import { logImageName } from './image-types.ts';
import { FAMILY_NAMES, type ExtractionSettings, type FamilyName, type FeatureSelection } from './settings.ts';

export class FeatureSubsetError extends Error {
  override name = 'FeatureSubsetError';
}

/** Image-name prefix (PyRadiomics feature names' first part) of each simple image type. */
const SIMPLE_TYPES: Record<string, string> = {
  Original: 'original',
  Square: 'square',
  SquareRoot: 'squareroot',
  Logarithm: 'logarithm',
  Exponential: 'exponential',
  Gradient: 'gradient',
};

/** `wavelet-LLH_glcm_Contrast` → image `wavelet-LLH`, family `glcm`, feature `Contrast`. */
function splitName(name: string): { image: string; family: FamilyName; feature: string } | undefined {
  for (const family of FAMILY_NAMES) {
    const marker = `_${family}_`;
    const at = name.indexOf(marker);
    if (at > 0) return { image: name.slice(0, at), family, feature: name.slice(at + marker.length) };
  }
  return undefined;
}

/**
 * `settings` restricted to the image types and feature classes that produce `names`; throws when
 * a name is not produced by the parameter file at all (a model input the bundle cannot compute).
 */
export function settingsForFeatures(
  settings: ExtractionSettings,
  names: Iterable<string>,
): ExtractionSettings {
  const images = new Set<string>();
  const byFamily = new Map<FamilyName, Set<string>>();
  for (const name of names) {
    const parts = splitName(name);
    if (!parts) throw new FeatureSubsetError(`${name} is not a PyRadiomics feature name`);
    const enabled = settings.featureClass[parts.family];
    if (enabled === undefined || (enabled !== null && !enabled.includes(parts.feature)))
      throw new FeatureSubsetError(
        `${name}: feature class ${parts.family} does not compute ${parts.feature}`,
      );
    if (parts.family !== 'shape' && parts.family !== 'shape2D') images.add(parts.image);
    let set = byFamily.get(parts.family);
    if (!set) byFamily.set(parts.family, (set = new Set()));
    set.add(parts.feature);
  }
  const imageTypes: ExtractionSettings['imageTypes'] = [];
  const produced = new Set<string>();
  for (const t of settings.imageTypes) {
    if (t.type === 'LoG') {
      const sigma = t.settings.sigma.filter((s) => images.has(logImageName(s)));
      sigma.forEach((s) => produced.add(logImageName(s)));
      if (sigma.length > 0) imageTypes.push({ type: t.type, settings: { ...t.settings, sigma } });
    } else if (t.type === 'Wavelet') {
      // The decomposition yields every sub-band at once; the unused ones cost no feature time.
      const wanted = [...images].filter((i) => i.startsWith('wavelet'));
      wanted.forEach((i) => produced.add(i));
      if (wanted.length > 0) imageTypes.push(t);
    } else {
      const prefix = SIMPLE_TYPES[t.type];
      if (prefix && images.has(prefix)) {
        produced.add(prefix);
        imageTypes.push(t);
      }
    }
  }
  const missing = [...images].filter((i) => !produced.has(i));
  if (missing.length > 0)
    throw new FeatureSubsetError(`the parameter file does not produce image(s) ${missing.join(', ')}`);
  const featureClass: FeatureSelection = {};
  for (const [family, set] of byFamily) featureClass[family] = [...set].sort();
  return { ...settings, imageTypes, featureClass };
}
