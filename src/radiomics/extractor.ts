/**
 * PyRadiomics-compatible extraction (featureextractor.RadiomicsFeatureExtractor.execute,
 * PyRadiomics 3.1): load (checks, normalisation, resampling — load-image.ts), ROI preparation
 * (roi.ts), shape features once on the ROI (`original_shape_…`), then for every derived image of
 * the enabled image types (image-types.ts): crop to the ROI's bounding box, discretise with that
 * type's settings, and every enabled non-shape class, named `<image type>_<class>_<Feature>`.
 */
import type { Volume } from '../imaging/volume.ts';
import { discretise } from './discretise.ts';
import { FAMILIES } from './families.ts';
import { checkImageTypes, derivedImages, type SkippedImage } from './image-types.ts';
import { loadForExtraction, type LoadedImage } from './load-image.ts';
import { copyBox, prepareRoi, RoiError, type BoundingBox, type PreparedRoi } from './roi.ts';
import { SettingsError, type ExtractionSettings, type FamilyName } from './settings.ts';
import type { CroppedRoi, DiscretisedRoi } from './types.ts';

export type Diagnostics = Record<string, string | number | number[]>;

const SHAPE_FAMILIES: readonly FamilyName[] = ['shape', 'shape2D'];

function selectFeatures(
  family: FamilyName,
  all: Record<string, number>,
  requested: string[] | null,
): string[] {
  const deprecated = FAMILIES[family]!.deprecated;
  if (requested === null) return Object.keys(all).filter((n) => !deprecated.includes(n));
  const unknown = requested.filter((n) => !(n in all));
  if (unknown.length > 0)
    throw new SettingsError(
      `unknown ${family} feature(s): ${unknown.join(', ')} (known: ${Object.keys(all).join(', ')})`,
    );
  return requested;
}

/** Refuses enabled classes and image types that are not implemented (never silently skipped). */
function checkEnabled(settings: ExtractionSettings): FamilyName[] {
  const enabled = Object.keys(settings.featureClass) as FamilyName[];
  const missing = enabled.filter((f) => FAMILIES[f] === null);
  if (missing.length > 0)
    throw new SettingsError(`not supported yet: feature class(es) ${missing.join(', ')}`);
  try {
    checkImageTypes(settings);
  } catch (err) {
    throw new SettingsError((err as Error).message);
  }
  return enabled;
}

/** True when every ROI voxel of `values` is finite. */
function finiteInRoi(values: Float64Array, mask: Uint8Array): boolean {
  for (let n = 0; n < values.length; n += 1) if (mask[n] && !Number.isFinite(values[n]!)) return false;
  return true;
}

/** The derived image cropped to the ROI's box, with the ROI mask (cropToTumorMask). */
function cropDerived(image: Volume, prepared: PreparedRoi, name: string): CroppedRoi {
  const roi = prepared.roi;
  const values = new Float64Array(roi.mask.length);
  copyBox(image.data, image.size[0], image.size[1], prepared.boundingBox, values);
  if (!finiteInRoi(values, roi.mask))
    throw new RoiError(`image type ${name} has non-finite values inside the ROI; cannot extract features`);
  return { size: roi.size, spacingMm: roi.spacingMm, image: values, mask: roi.mask };
}

/**
 * Where extraction time goes (milliseconds), for bench/radiomics: `load` (checks, normalisation,
 * resampling), `roi`, `image:<name>` (computing one derived image), `crop:<name>`,
 * `family:<class>` (summed over image types, discretisation included).
 */
export type ExtractionTimings = Map<string, number>;

export interface ExtractOptions {
  timings?: ExtractionTimings;
}

interface Extraction {
  loaded: LoadedImage;
  prepared: PreparedRoi;
  features: Record<string, number>;
  skipped: SkippedImage[];
}

function extract(
  image: Volume,
  mask: Volume,
  settings: ExtractionSettings,
  options: ExtractOptions = {},
): Extraction {
  const timings = options.timings;
  let clock = performance.now();
  const lap = (key: string) => {
    const now = performance.now();
    if (timings) timings.set(key, (timings.get(key) ?? 0) + now - clock);
    clock = now;
  };
  const enabled = checkEnabled(settings);
  const loaded = loadForExtraction(image, mask, settings);
  lap('load');
  const prepared = prepareRoi(loaded.image, loaded.mask, settings);
  lap('roi');
  const features: Record<string, number> = {};
  const run = (family: FamilyName, prefix: string, roi: DiscretisedRoi, s: ExtractionSettings) => {
    const all = FAMILIES[family]!.compute({ roi, shapeRoi: prepared.shapeRoi, settings: s });
    for (const name of selectFeatures(family, all, settings.featureClass[family] ?? null))
      features[`${prefix}_${family}_${name}`] = all[name]!;
    lap(`family:${family}`);
  };
  // Shape depends on the mask only: computed once, named original_shape_* (execute, step 6).
  const shapeFamilies = enabled.filter((f) => SHAPE_FAMILIES.includes(f));
  if (shapeFamilies.length > 0) {
    const roi = discretise(prepared.roi, settings);
    for (const family of shapeFamilies) run(family, 'original', roi, settings);
  }
  const skipped: SkippedImage[] = [];
  const images = derivedImages(loaded.image, settings, skipped);
  for (let next = images.next(); !next.done; next = images.next()) {
    const derived = next.value;
    lap(`image:${derived.name}`);
    const s: ExtractionSettings = { ...settings, ...derived.settings };
    const roi =
      derived.name === 'original' ? prepared.roi : cropDerived(derived.image, prepared, derived.name);
    // Discretised once per derived image, shared by every class.
    const discretised = discretise(roi, s);
    lap(`crop:${derived.name}`);
    for (const family of enabled.filter((f) => !SHAPE_FAMILIES.includes(f)))
      run(family, derived.name, discretised, s);
  }
  return { loaded, prepared, features, skipped };
}

/** Features of the ROI `settings.label` of `mask` on `image`, PyRadiomics names → values. */
export function extractFeatures(
  image: Volume,
  mask: Volume,
  settings: ExtractionSettings,
  options: ExtractOptions = {},
): Record<string, number> {
  return extract(image, mask, settings, options).features;
}

/** Number of 6-connected components of the mask (sitk.ConnectedComponent, not fully connected). */
function componentCount(mask: Uint8Array, size: readonly [number, number, number]): number {
  const [ni, nj] = size;
  const seen = new Uint8Array(mask.length);
  const stack: number[] = [];
  let count = 0;
  for (let start = 0; start < mask.length; start += 1) {
    if (!mask[start] || seen[start]) continue;
    count += 1;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const n = stack.pop()!;
      const i = n % ni;
      const j = Math.floor(n / ni) % nj;
      const k = Math.floor(n / (ni * nj));
      const neighbours = [
        i > 0 ? n - 1 : -1,
        i < ni - 1 ? n + 1 : -1,
        j > 0 ? n - ni : -1,
        j < nj - 1 ? n + ni : -1,
        k > 0 ? n - ni * nj : -1,
        k < size[2] - 1 ? n + ni * nj : -1,
      ];
      for (const m of neighbours)
        if (m >= 0 && mask[m] && !seen[m]) {
          seen[m] = 1;
          stack.push(m);
        }
    }
  }
  return count;
}

function stats(
  data: ArrayLike<number>,
  mask?: Uint8Array,
): { n: number; mean: number; min: number; max: number } {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i += 1) {
    if (mask && !mask[i]) continue;
    const v = data[i]!;
    n += 1;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { n, mean: sum / n, min, max };
}

/** (x, y, z, size x, size y, size z), as PyRadiomics reports a bounding box. */
function boxTuple(bb: BoundingBox): number[] {
  return [bb[0], bb[2], bb[4], bb[1] - bb[0] + 1, bb[3] - bb[2] + 1, bb[5] - bb[4] + 1];
}

/**
 * A subset of PyRadiomics' generalinfo diagnostics: the input image and mask (`-original`), the
 * resampled ones when resampling ran (`-interpolated`), the ROI after resegmentation, and the
 * derived images PyRadiomics would skip.
 */
function diagnosticsOf(input: Volume, x: Extraction, settings: ExtractionSettings): Diagnostics {
  const { loaded, prepared } = x;
  const roi = prepared.roi;
  const whole = stats(input.data);
  const inRoi = stats(roi.image, roi.mask);
  const b = loaded.originalBox;
  const d: Diagnostics = {
    diagnostics_Versions_Axilla: '0.1.0',
    diagnostics_Configuration_EnabledImageTypes: settings.imageTypes.map((t) => t.type).join(', '),
    'diagnostics_Image-original_Dimensionality': '3D',
    'diagnostics_Image-original_Spacing': [...input.spacingMm],
    'diagnostics_Image-original_Size': [...input.size],
    'diagnostics_Image-original_Mean': whole.mean,
    'diagnostics_Image-original_Minimum': whole.min,
    'diagnostics_Image-original_Maximum': whole.max,
    'diagnostics_Mask-original_Spacing': [...input.spacingMm],
    'diagnostics_Mask-original_Size': [...input.size],
    'diagnostics_Mask-original_BoundingBox': [...b.start, ...b.size],
    'diagnostics_Mask-original_VoxelNum': prepared.originalVoxelCount,
  };
  if (loaded.interpolated) {
    const img = stats(loaded.image.data);
    Object.assign(d, {
      'diagnostics_Image-interpolated_Spacing': [...loaded.image.spacingMm],
      'diagnostics_Image-interpolated_Size': [...loaded.image.size],
      'diagnostics_Image-interpolated_Mean': img.mean,
      'diagnostics_Image-interpolated_Minimum': img.min,
      'diagnostics_Image-interpolated_Maximum': img.max,
    });
  }
  Object.assign(d, {
    'diagnostics_Mask-interpolated_BoundingBox': boxTuple(prepared.boundingBox),
    'diagnostics_Mask-interpolated_VoxelNum': inRoi.n,
    'diagnostics_Mask-interpolated_VolumeNum': componentCount(roi.mask, roi.size),
    'diagnostics_Mask-interpolated_Mean': inRoi.mean,
    'diagnostics_Mask-interpolated_Minimum': inRoi.min,
    'diagnostics_Mask-interpolated_Maximum': inRoi.max,
  });
  if (settings.resegmentRange !== null)
    d['diagnostics_Mask-original_VoxelNumBeforeResegmentation'] = prepared.originalVoxelCount;
  for (const s of x.skipped) d[`diagnostics_Skipped_${s.name}`] = s.reason;
  return d;
}

/** Features plus the diagnostics PyRadiomics adds with `additionalInfo`. */
export function extractWithDiagnostics(
  image: Volume,
  mask: Volume,
  settings: ExtractionSettings,
): { features: Record<string, number>; diagnostics: Diagnostics } {
  const x = extract(image, mask, settings);
  return { features: x.features, diagnostics: diagnosticsOf(image, x, settings) };
}
