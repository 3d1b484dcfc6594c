/**
 * Extraction settings narrowed to the features a model reads. Each derived image and each
 * feature class is computed independently of the others (the whole-image normalisation and the
 * resampling happen before any image type), so the narrowed settings give the same values for
 * the kept features as the full parameter file — only faster. feature-subset.test.ts checks this.
 */
import { createVolume, type Mat3 } from '../imaging/volume.ts';
import { waveletImageNames } from '../imaging/filters/stationary-wavelet.ts';
import { extractFeatures } from './extractor.ts';
import { FAMILIES } from './families.ts';
import { logImageName } from './image-types.ts';
import {
  defaultSettings,
  FAMILY_NAMES,
  type ExtractionSettings,
  type FamilyName,
  type FeatureSelection,
} from './settings.ts';

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
    const deprecated = FAMILIES[parts.family]!.deprecated.includes(parts.feature);
    if (!deprecated && !familyFeatureNames(parts.family).has(parts.feature))
      throw new FeatureSubsetError(`${name}: feature class ${parts.family} has no feature ${parts.feature}`);
    // With the whole class enabled PyRadiomics leaves its deprecated features out.
    if (enabled === null && deprecated)
      throw new FeatureSubsetError(`${name}: ${parts.feature} is deprecated and not computed by this file`);
    const isShape = parts.family === 'shape' || parts.family === 'shape2D';
    // Shape depends on the mask only and is named after the original image (extractor step 6).
    if (isShape && parts.image !== 'original')
      throw new FeatureSubsetError(`${name}: shape features are named original_shape_…`);
    if (parts.image.startsWith('wavelet') && !/^wavelet\d*-[LH]{2,3}$/.test(parts.image))
      throw new FeatureSubsetError(`${name}: ${parts.image} is not a wavelet sub-band name`);
    if (!isShape) images.add(parts.image);
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
      const bands = new Set(
        waveletImageNames(t.settings.level, t.settings.force2D ? 2 : 3).filter(
          (b) => waveletLevel(b) > t.settings.start_level,
        ),
      );
      const wanted = [...images].filter((i) => bands.has(i));
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

/** `wavelet-LLH` → 1, `wavelet2-LLH` → 2 (PyRadiomics getWaveletImage names). */
function waveletLevel(name: string): number {
  const m = /^wavelet(\d*)-/.exec(name);
  return m && m[1] ? Number(m[1]) : 1;
}

let knownNames: Map<FamilyName, Set<string>> | undefined;

/**
 * The (non-deprecated) feature names of a class, learnt once per process by running every class
 * on a small textured cube: names do not depend on the image, and the extractor is their one
 * source, so no second list can drift from it.
 */
function familyFeatureNames(family: FamilyName): Set<string> {
  if (!knownNames) {
    const n = 12;
    const geometry = {
      size: [n, n, n] as [number, number, number],
      spacingMm: [1, 1, 1] as [number, number, number],
      originMm: [0, 0, 0] as [number, number, number],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as unknown as Mat3,
    };
    const image = new Float32Array(n ** 3).map((_, i) => (i * 7919) % 97);
    const mask = new Uint8Array(n ** 3).map((_, i) => {
      const [x, y, z] = [i % n, Math.floor(i / n) % n, Math.floor(i / n / n)];
      return x >= 3 && x < 9 && y >= 3 && y < 9 && z >= 3 && z < 9 ? 1 : 0;
    });
    // PyRadiomics' defaults: Original image, every class but shape2D (which needs force2D).
    const all = extractFeatures(
      createVolume(geometry, image),
      createVolume(geometry, mask),
      defaultSettings(),
    );
    knownNames = new Map();
    for (const name of Object.keys(all)) {
      const parts = splitName(name);
      if (!parts) continue;
      let set = knownNames.get(parts.family);
      if (!set) knownNames.set(parts.family, (set = new Set()));
      set.add(parts.feature);
    }
  }
  return knownNames.get(family) ?? new Set();
}
