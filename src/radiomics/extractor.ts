/**
 * PyRadiomics-compatible extraction (featureextractor.RadiomicsFeatureExtractor.execute) for the
 * Original image type: ROI preparation (roi.ts), discretisation (discretise.ts), then every
 * enabled feature class, named `original_<class>_<Feature>`.
 */
import type { Volume } from '../imaging/volume.ts';
import { discretise } from './discretise.ts';
import { FAMILIES } from './families.ts';
import { prepareRoi, type BoundingBox, type PreparedRoi } from './roi.ts';
import { SettingsError, type ExtractionSettings, type FamilyName } from './settings.ts';

export type Diagnostics = Record<string, string | number | number[]>;

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

/** Refuses enabled classes that are not implemented yet (never silently skipped). */
function checkFamilies(settings: ExtractionSettings): FamilyName[] {
  const enabled = Object.keys(settings.featureClass) as FamilyName[];
  const missing = enabled.filter((f) => FAMILIES[f] === null);
  if (missing.length > 0)
    throw new SettingsError(`not supported yet: feature class(es) ${missing.join(', ')}`);
  return enabled;
}

function featuresOf(prepared: PreparedRoi, settings: ExtractionSettings): Record<string, number> {
  const enabled = checkFamilies(settings);
  const roi = discretise(prepared.roi, settings);
  const out: Record<string, number> = {};
  for (const family of enabled) {
    const all = FAMILIES[family]!.compute({ roi, shapeRoi: prepared.shapeRoi, settings });
    for (const name of selectFeatures(family, all, settings.featureClass[family] ?? null))
      out[`original_${family}_${name}`] = all[name]!;
  }
  return out;
}

/** Features of the ROI `settings.label` of `mask` on `image`, PyRadiomics names → values. */
export function extractFeatures(
  image: Volume,
  mask: Volume,
  settings: ExtractionSettings,
): Record<string, number> {
  checkFamilies(settings);
  return featuresOf(prepareRoi(image, mask, settings), settings);
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

/**
 * A subset of PyRadiomics' generalinfo diagnostics for the original image and mask (after
 * resegmentation): BoundingBox is (x, y, z, size x, size y, size z) as PyRadiomics reports it.
 */
function diagnosticsOf(image: Volume, prepared: PreparedRoi, settings: ExtractionSettings): Diagnostics {
  const bb: BoundingBox = prepared.boundingBox;
  const roi = prepared.roi;
  let voxels = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < roi.mask.length; n += 1)
    if (roi.mask[n]) {
      voxels += 1;
      const v = roi.image[n]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  let imgSum = 0;
  let imgMin = Infinity;
  let imgMax = -Infinity;
  for (const v of prepared.image) {
    imgSum += v;
    if (v < imgMin) imgMin = v;
    if (v > imgMax) imgMax = v;
  }
  return {
    diagnostics_Versions_Axilla: '0.1.0',
    diagnostics_Configuration_EnabledImageTypes: 'Original',
    'diagnostics_Image-original_Dimensionality': '3D',
    'diagnostics_Image-original_Spacing': [...image.spacingMm],
    'diagnostics_Image-original_Size': [...image.size],
    'diagnostics_Image-original_Mean': imgSum / prepared.image.length,
    'diagnostics_Image-original_Minimum': imgMin,
    'diagnostics_Image-original_Maximum': imgMax,
    'diagnostics_Mask-original_Spacing': [...image.spacingMm],
    'diagnostics_Mask-original_Size': [...image.size],
    'diagnostics_Mask-original_BoundingBox': [
      bb[0],
      bb[2],
      bb[4],
      bb[1] - bb[0] + 1,
      bb[3] - bb[2] + 1,
      bb[5] - bb[4] + 1,
    ],
    'diagnostics_Mask-original_VoxelNum': voxels,
    'diagnostics_Mask-original_VolumeNum': componentCount(roi.mask, roi.size),
    ...(settings.resegmentRange !== null
      ? { 'diagnostics_Mask-original_VoxelNumBeforeResegmentation': prepared.originalVoxelCount }
      : {}),
    'diagnostics_Mask-interpolated_Mean': sum / voxels,
    'diagnostics_Mask-interpolated_Minimum': min,
    'diagnostics_Mask-interpolated_Maximum': max,
  };
}

/** Features plus the diagnostics PyRadiomics adds with `additionalInfo`. */
export function extractWithDiagnostics(
  image: Volume,
  mask: Volume,
  settings: ExtractionSettings,
): { features: Record<string, number>; diagnostics: Diagnostics } {
  checkFamilies(settings);
  const prepared = prepareRoi(image, mask, settings);
  return { features: featuresOf(prepared, settings), diagnostics: diagnosticsOf(image, prepared, settings) };
}
