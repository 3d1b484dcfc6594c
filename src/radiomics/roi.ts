/**
 * From image + label map to the cropped ROI the feature families read, following PyRadiomics'
 * featureextractor.execute / loadImage and imageoperations (getMask, checkMask, normalizeImage,
 * resegmentMask, cropToTumorMask):
 *
 *   1. whole-image normalisation (before any masking or cropping), if `normalize` — done by
 *      load-image.ts, which also resamples;
 *   2. label selection and mask checks (geometry, label present, dimensions, size);
 *   3. resegmentation of the mask by intensity, then the mask checks again;
 *   4. cropping of image and mask to the bounding box of the (resegmented) ROI.
 */
import { sameGeometry, voxelCount, type Vec3, type Volume } from '../imaging/volume.ts';
import type { IndexBox } from './resampling.ts';
import type { ExtractionSettings } from './settings.ts';
import type { CroppedRoi } from './types.ts';

/** The ROI cannot be used for extraction (messages follow PyRadiomics'). */
export class RoiError extends Error {
  override name = 'RoiError';
}

/** Inclusive voxel bounds of the ROI: [lowI, highI, lowJ, highJ, lowK, highK] (checkMask order). */
export type BoundingBox = [number, number, number, number, number, number];

export interface PreparedRoi {
  /** The ROI used for intensity and texture features (resegmented when asked). */
  roi: CroppedRoi;
  /** The ROI for shape features: the resegmented one only with `resegmentShape`. */
  shapeRoi: CroppedRoi;
  /** Bounding box of `roi` in the input grid. */
  boundingBox: BoundingBox;
  /** The whole image after normalisation and resampling (used for diagnostics and filters). */
  image: Float64Array;
  /** Voxels in the selected label before resegmentation. */
  originalVoxelCount: number;
}

type RoiSettings = Pick<
  ExtractionSettings,
  | 'label'
  | 'minimumROIDimensions'
  | 'minimumROISize'
  | 'normalize'
  | 'normalizeScale'
  | 'removeOutliers'
  | 'resegmentRange'
  | 'resegmentMode'
  | 'resegmentShape'
  | 'correctMask'
  | 'geometryTolerance'
>;

/** Mean and sample standard deviation of every voxel (ITK StatisticsImageFilter: N − 1). */
export interface IntensityStats {
  mean: number;
  sigma: number;
}

export function intensityStats(data: ArrayLike<number>): IntensityStats {
  const n = data.length;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i += 1) {
    const v = data[i]!;
    sum += v;
    sumSq += v * v;
  }
  return { mean: sum / n, sigma: Math.sqrt((sumSq - (sum * sum) / n) / (n - 1)) };
}

/**
 * sitk.Normalize (ITK NormalizeImageFilter): f(x) = (x − μ) / σ with the statistics of the
 * whole image; then, with removeOutliers n, values clipped to [−n, n]; then multiplied by
 * normalizeScale. `data` may be a block of the image: the statistics stay the whole image's.
 */
export function normalizeImage(
  data: ArrayLike<number>,
  scale: number,
  removeOutliers: number | null,
  stats: IntensityStats = intensityStats(data),
): Float64Array {
  const n = data.length;
  const { mean, sigma } = stats;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let v = (data[i]! - mean) / sigma;
    if (removeOutliers !== null) {
      if (v > removeOutliers) v = removeOutliers;
      else if (v < -removeOutliers) v = -removeOutliers;
    }
    out[i] = v * scale;
  }
  return out;
}

function boundingBoxOf(mask: Uint8Array, size: Vec3): BoundingBox | null {
  const [ni, nj, nk] = size;
  const bb: BoundingBox = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
  let any = false;
  let n = 0;
  for (let k = 0; k < nk; k += 1)
    for (let j = 0; j < nj; j += 1)
      for (let i = 0; i < ni; i += 1, n += 1) {
        if (mask[n] === 0) continue;
        any = true;
        if (i < bb[0]) bb[0] = i;
        if (i > bb[1]) bb[1] = i;
        if (j < bb[2]) bb[2] = j;
        if (j > bb[3]) bb[3] = j;
        if (k < bb[4]) bb[4] = k;
        if (k > bb[5]) bb[5] = k;
      }
  return any ? bb : null;
}

function countOnes(mask: Uint8Array): number {
  let c = 0;
  for (const v of mask) c += v;
  return c;
}

/** imageoperations.checkMask steps 3–4: dimensions of the bounding box and ROI size. */
export function checkRoiSize(bb: BoundingBox, count: number, s: RoiSettings): void {
  let ndims = 0;
  for (let c = 0; c < 3; c += 1) if (bb[2 * c + 1]! - bb[2 * c]! + 1 > 1) ndims += 1;
  if (ndims === 0)
    throw new RoiError('mask only contains 1 segmented voxel! Cannot extract features for a single voxel.');
  if (ndims < s.minimumROIDimensions)
    throw new RoiError(
      `mask has too few dimensions (number of dimensions ${ndims}, minimum required ${s.minimumROIDimensions})`,
    );
  if (s.minimumROISize !== null && count <= s.minimumROISize)
    throw new RoiError(
      `Size of the ROI is too small (minimum size: ${s.minimumROISize}, ROI size: ${count})`,
    );
}

/** numpy.mean / numpy.std (population) of the image inside the mask. */
function meanStd(image: Float64Array, mask: Uint8Array): { mean: number; std: number; max: number } {
  let n = 0;
  let sum = 0;
  let max = -Infinity;
  for (let i = 0; i < mask.length; i += 1)
    if (mask[i]) {
      n += 1;
      sum += image[i]!;
      if (image[i]! > max) max = image[i]!;
    }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < mask.length; i += 1) if (mask[i]) ss += (image[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / n), max };
}

/**
 * imageoperations.resegmentMask: thresholds sorted; absolute = the values, relative = fraction of
 * the ROI maximum, sigma = mean + k·std (population) of the ROI. Keeps T_low ≤ x (≤ T_high).
 */
export function resegmentMask(
  image: Float64Array,
  mask: Uint8Array,
  range: number[],
  mode: RoiSettings['resegmentMode'],
  label: number,
): Uint8Array {
  if (range.length === 0 || range.length > 2)
    throw new RoiError(`Length ${range.length} is not allowed for resegmentRange`);
  const sorted = [...range].sort((a, b) => a - b);
  const st = meanStd(image, mask);
  const thresholds =
    mode === 'absolute'
      ? sorted
      : mode === 'relative'
        ? sorted.map((t) => st.max * t)
        : sorted.map((t) => st.mean + st.std * t);
  const lo = thresholds[0]!;
  const hi = thresholds.length === 2 ? thresholds[1]! : Infinity;
  const out = new Uint8Array(mask.length);
  let kept = 0;
  for (let i = 0; i < mask.length; i += 1)
    if (mask[i] && image[i]! >= lo && image[i]! <= hi) {
      out[i] = 1;
      kept += 1;
    }
  if (kept <= 1)
    throw new RoiError(
      `Resegmentation excluded too many voxels with label ${label} (retained ${kept} voxel(s))! Cannot extract features`,
    );
  return out;
}

/** imageoperations.cropToTumorMask without padding: image and mask inside the bounding box. */
export function cropToBox(
  image: Float64Array,
  mask: Uint8Array,
  size: Vec3,
  spacingMm: Vec3,
  bb: BoundingBox,
): CroppedRoi {
  const cs: Vec3 = [bb[1] - bb[0] + 1, bb[3] - bb[2] + 1, bb[5] - bb[4] + 1];
  const n = cs[0] * cs[1] * cs[2];
  const img = new Float64Array(n);
  const msk = new Uint8Array(n);
  copyBox(image, size[0], size[1], bb, img);
  copyBox(mask, size[0], size[1], bb, msk);
  return { size: cs, spacingMm, image: img, mask: msk };
}

/** Copies the box `bb` of a grid of size (ni, nj, ·) into `out` (i fastest); any voxel type. */
export function copyBox(
  data: ArrayLike<number>,
  ni: number,
  nj: number,
  bb: BoundingBox,
  out: Float64Array | Uint8Array,
): void {
  let o = 0;
  for (let k = bb[4]; k <= bb[5]; k += 1)
    for (let j = bb[2]; j <= bb[3]; j += 1) {
      const row = ni * (j + nj * k);
      for (let i = row + bb[0], end = row + bb[1]; i <= end; i += 1) out[o++] = data[i]!;
    }
}

/** Bounding box (start and size per axis, as SimpleITK reports it) and voxel count of a label. */
export interface LabelBox extends IndexBox {
  count: number;
}

/**
 * One pass over a label map: every label present, and the box and count of `label`. Masks are
 * mostly background, so 8-bit maps are read four voxels at a time and empty words skipped.
 */
export function scanLabels(mask: Volume, label: number): { labels: Set<number>; box: LabelBox | null } {
  const [ni, nj] = mask.size;
  const data = mask.data;
  const labels = new Set<number>();
  let loI = Infinity;
  let loJ = Infinity;
  let loK = Infinity;
  let hiI = -1;
  let hiJ = -1;
  let hiK = -1;
  let count = 0;
  let last = 0;
  const visit = (n: number) => {
    const v = data[n]!;
    if (v === 0) return;
    if (v !== last) {
      labels.add(v);
      last = v;
    }
    if (v !== label) return;
    count += 1;
    const i = n % ni;
    const j = ((n - i) / ni) % nj;
    const k = (n - i - j * ni) / (ni * nj);
    if (i < loI) loI = i;
    if (i > hiI) hiI = i;
    if (j < loJ) loJ = j;
    if (j > hiJ) hiJ = j;
    if (k < loK) loK = k;
    if (k > hiK) hiK = k;
  };
  let n = 0;
  if (data instanceof Uint8Array && data.byteOffset % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
    for (let w = 0; w < words.length; w += 1)
      if (words[w] !== 0) for (let b = 0; b < 4; b += 1) visit(4 * w + b);
    n = words.length * 4;
  }
  for (; n < data.length; n += 1) visit(n);
  const box: LabelBox | null =
    count === 0
      ? null
      : { start: [loI, loJ, loK], size: [hiI - loI + 1, hiJ - loJ + 1, hiK - loK + 1], count };
  return { labels, box };
}

/**
 * Checks before anything is computed (imageoperations.checkMask step 1 and getMask): image and
 * mask on the same grid within the tolerance, no NaN voxel, the label present. Returns the
 * label's bounding box.
 */
export function checkInputs(
  image: Volume,
  mask: Volume,
  s: Pick<RoiSettings, 'label' | 'correctMask' | 'geometryTolerance'>,
): LabelBox {
  // PyRadiomics' default tolerance is SimpleITK's 1e-6 (relative to spacing); geometryTolerance
  // overrides it. Resampling a mismatched mask (correctMask) is not built.
  const tol = s.geometryTolerance ?? 1e-6 * Math.max(...image.spacingMm);
  if (!sameGeometry(image, mask, tol)) {
    const what = image.size.some((v, c) => v !== mask.size[c])
      ? `image size ${image.size.join('×')}, mask size ${mask.size.join('×')}`
      : 'origin, spacing or direction differ';
    if (s.correctMask)
      throw new RoiError(`not supported yet: correctMask (resampling the mask to the image grid; ${what})`);
    throw new RoiError(
      `Image/Mask geometry mismatch (${what}). Potential fix: increase tolerance using geometryTolerance`,
    );
  }
  const n = voxelCount(image);
  const raw = image.data;
  // Only floating-point voxels can be NaN.
  if (raw instanceof Float32Array || raw instanceof Float64Array)
    for (let i = 0; i < n; i += 1)
      if (Number.isNaN(raw[i]!))
        throw new RoiError('image contains NaN voxel values; cannot extract features');
  const { labels, box } = scanLabels(mask, s.label);
  if (labels.size === 0) throw new RoiError('No labels found in this mask (i.e. nothing is segmented)!');
  if (!labels.has(s.label))
    throw new RoiError(
      `Label (${s.label}) not present in mask. Choose from [${[...labels].sort((a, b) => a - b).join(' ')}]`,
    );
  return box!;
}

/**
 * Steps 2–4 of the module comment on an image already normalised and resampled (load-image.ts):
 * label selection, ROI checks, resegmentation, cropping.
 */
export function prepareRoi(image: Volume, mask: Volume, s: RoiSettings): PreparedRoi {
  const n = voxelCount(image);
  const labelMask = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) if (mask.data[i] === s.label) labelMask[i] = 1;
  const img = image.data instanceof Float64Array ? image.data : Float64Array.from(image.data);

  const shapeBox = boundingBoxOf(labelMask, image.size);
  if (shapeBox === null)
    throw new RoiError(`Label (${s.label}) not present in mask after resampling: the ROI vanished`);
  const originalVoxelCount = countOnes(labelMask);
  checkRoiSize(shapeBox, originalVoxelCount, s);
  const shapeRoi = cropToBox(img, labelMask, image.size, image.spacingMm, shapeBox);

  if (s.resegmentRange === null)
    return { roi: shapeRoi, shapeRoi, boundingBox: shapeBox, image: img, originalVoxelCount };

  const reseg = resegmentMask(img, labelMask, s.resegmentRange, s.resegmentMode, s.label);
  const box = boundingBoxOf(reseg, image.size)!;
  checkRoiSize(box, countOnes(reseg), s);
  const roi = cropToBox(img, reseg, image.size, image.spacingMm, box);
  return {
    roi,
    shapeRoi: s.resegmentShape ? roi : shapeRoi,
    boundingBox: box,
    image: img,
    originalVoxelCount,
  };
}
