/**
 * The backbone's input image: three MRI sequences stacked as the R, G and B channels of one
 * 224 × 224 picture, as in the MRI deep-learning-radiomics study (DCE → R, DWI → G, T2 → B),
 * pre-processed the way an ImageNet-trained torchvision model expects.
 *
 * Field of view: a square in the plane of the selected DCE slice, its axes the DCE slice's two
 * in-plane voxel axes (so for an axial series, columns run along i towards patient left and rows
 * along j towards posterior: the usual radiological display), centred on the centre of the ROI's
 * in-plane bounding box on that slice, side = max(FOV_MARGIN × the larger in-plane ROI extent,
 * MIN_FOV_MM). Why these numbers:
 *   - 1.5 × leaves a margin of a quarter of the tumour's extent on each side, so the peritumoral
 *     tissue — itself predictive of response to neoadjuvant therapy (Braman et al., Breast Cancer
 *     Res 2017;19:57, intra- and peritumoral radiomics for pCR) — is in the picture while the
 *     tumour stays its dominant, centred object, as in the object-centred photographs ImageNet
 *     features were learnt from;
 *   - at least 40 mm, so a small or shrunken (post-NAT) lesion is not magnified from a handful of
 *     DCE voxels to 224 pixels: 40 mm over 224 pixels is 0.18 mm, about 4× finer than a 0.7 mm
 *     DCE voxel, and a 5 mm residue still sits in recognisable surroundings.
 * The same field, moved by ±1 DCE slice along the slice normal, serves the ±1-slice variant.
 *
 * Sampling: each sequence is sampled at the field's pixel centres in world coordinates (DICOM
 * LPS; the sequences of one study share the frame of reference) with trilinear interpolation by
 * `resampleVolume` (ITK's rules: a point beyond half a voxel outside a volume takes the fill value
 * 0, which is below or at every MR magnitude, so it reads as "no signal"). A sequence that does not
 * reach the centre of the field (the ROI centre) cannot describe the tumour, and the composite is
 * refused rather than built from fill.
 *
 * Intensities: per channel, min–max scaling to [0, 1] over the field's 224 × 224 values (MR
 * signal has no absolute scale, and ImageNet models expect [0, 1] inputs, torchvision's ToTensor),
 * then ImageNet normalisation x' = (x − mean_c) / std_c with mean (0.485, 0.456, 0.406) and std
 * (0.229, 0.224, 0.225): the constants torchvision's ImageNet weights were trained with
 * (torchvision `transforms/_presets.py` `ImageClassification`, and the "Models and pre-trained
 * weights" documentation). A channel with a single value throughout (max = min, up to rounding)
 * scales to 0.
 *
 * Layout of the output: CHW float32, channel c, row j, column i at c·224² + j·224 + i (the NCHW
 * order ONNX Conv takes).
 */
import { resampleVolume } from '../imaging/resample.ts';
import {
  indexToWorld,
  worldToIndex,
  type Geometry,
  type Mask,
  type Mat3,
  type Vec3,
  type Volume,
} from '../imaging/volume.ts';
import { inPlaneAxes, type AxialSlice } from './slice-selection.ts';

export const COMPOSITE_SIZE = 224;
export const COMPOSITE_PIXELS = COMPOSITE_SIZE * COMPOSITE_SIZE;
/** Field-of-view side as a multiple of the larger in-plane ROI extent. */
export const FOV_MARGIN = 1.5;
/** Smallest field-of-view side, mm. */
export const MIN_FOV_MM = 40;
/** ImageNet channel means and standard deviations (R, G, B), torchvision. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

export class CompositeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompositeError';
  }
}

/** The three sequences of one study, any grids, one frame of reference. */
export interface CompositeSources {
  /** R channel: the DCE volume (e.g. the first post-contrast phase). */
  dce: Volume;
  /** G channel: the diffusion-weighted volume (e.g. the highest b value). */
  dwi: Volume;
  /** B channel: the T2-weighted volume. */
  t2: Volume;
}

export interface CompositeField {
  /** The 224 × 224 × 1 sampling grid. */
  geometry: Geometry;
  /** World position of the field's centre (the ROI bounding-box centre in the plane), LPS mm. */
  centreMm: Vec3;
  /** Side of the square field, mm. */
  sideMm: number;
  /** In-plane ROI extents on the selected slice (bounding box, voxel edge to edge), mm. */
  roiExtentMm: [number, number];
}

/**
 * The sampling field for the ROI's slice `slice` (from `largestRoiSlice` on `mask`, which lies on
 * the DCE grid), in the plane of DCE slice `planeIndex` (default: the selected slice itself; ±1
 * for the neighbours of the averaging variant, with the same in-plane field).
 */
export function compositeField(mask: Mask, slice: AxialSlice, planeIndex = slice.index): CompositeField {
  const { axis } = slice;
  const [u, v] = inPlaneAxes(axis);
  const box = inPlaneBoundingBox(mask, slice);
  const su = mask.spacingMm[u];
  const sv = mask.spacingMm[v];
  const extentU = (box.max[0] - box.min[0] + 1) * su;
  const extentV = (box.max[1] - box.min[1] + 1) * sv;
  const sideMm = Math.max(FOV_MARGIN * Math.max(extentU, extentV), MIN_FOV_MM);
  const pixelMm = sideMm / COMPOSITE_SIZE;

  const centreIndex = [0, 0, 0];
  centreIndex[u] = (box.min[0] + box.max[0]) / 2;
  centreIndex[v] = (box.min[1] + box.max[1]) / 2;
  centreIndex[axis] = planeIndex;
  const centreMm = indexToWorld(mask, centreIndex[0]!, centreIndex[1]!, centreIndex[2]!);

  const d = mask.direction;
  const column = (c: number): Vec3 => [d[c]!, d[3 + c]!, d[6 + c]!];
  const du = column(u);
  const dv = column(v);
  const dn = column(axis);
  // Pixel centres run from −(224 − 1)/2 to +(224 − 1)/2 pixels about the centre, so the field's
  // outer pixel edges lie at ±side/2.
  const half = ((COMPOSITE_SIZE - 1) / 2) * pixelMm;
  const originMm: Vec3 = [
    centreMm[0] - half * (du[0] + dv[0]),
    centreMm[1] - half * (du[1] + dv[1]),
    centreMm[2] - half * (du[2] + dv[2]),
  ];
  // Row-major matrix whose columns are du, dv, dn (volume.ts convention).
  const direction: Mat3 = [du[0], dv[0], dn[0], du[1], dv[1], dn[1], du[2], dv[2], dn[2]];
  return {
    geometry: {
      size: [COMPOSITE_SIZE, COMPOSITE_SIZE, 1],
      spacingMm: [pixelMm, pixelMm, mask.spacingMm[axis]],
      originMm,
      direction,
    },
    centreMm,
    sideMm,
    roiExtentMm: [extentU, extentV],
  };
}

/** Inclusive in-plane index bounds [u, v] of the ROI on the selected slice. */
function inPlaneBoundingBox(mask: Mask, slice: AxialSlice): { min: [number, number]; max: [number, number] } {
  const [u, v] = inPlaneAxes(slice.axis);
  const min: [number, number] = [Infinity, Infinity];
  const max: [number, number] = [-Infinity, -Infinity];
  const idx = [0, 0, 0];
  idx[slice.axis] = slice.index;
  for (let b = 0; b < mask.size[v]; b += 1) {
    idx[v] = b;
    for (let a = 0; a < mask.size[u]; a += 1) {
      idx[u] = a;
      if (mask.data[idx[0]! + mask.size[0] * (idx[1]! + mask.size[1] * idx[2]!)] === 0) continue;
      if (a < min[0]) min[0] = a;
      if (a > max[0]) max[0] = a;
      if (b < min[1]) min[1] = b;
      if (b > max[1]) max[1] = b;
    }
  }
  if (min[0] === Infinity) {
    throw new CompositeError(`the ROI has no voxel on slice ${slice.index} (axis ${slice.axis})`);
  }
  return { min, max };
}

/** The normalised composite of `sources` on `field` (CHW float32, 3 × 224 × 224). */
export function rgbComposite(sources: CompositeSources, field: CompositeField): Float32Array {
  const out = new Float32Array(3 * COMPOSITE_PIXELS);
  writeRgbComposite(sources, field, out, 0);
  return out;
}

/** As `rgbComposite`, written into `out` from `offset` (to fill a batch without copies). */
export function writeRgbComposite(
  sources: CompositeSources,
  field: CompositeField,
  out: Float32Array,
  offset: number,
): void {
  if (offset < 0 || offset + 3 * COMPOSITE_PIXELS > out.length) {
    throw new RangeError(
      `no room for a ${3 * COMPOSITE_PIXELS}-value composite at ${offset} in ${out.length}`,
    );
  }
  const channels: [string, Volume][] = [
    ['DCE', sources.dce],
    ['DWI', sources.dwi],
    ['T2', sources.t2],
  ];
  channels.forEach(([name, volume], c) => {
    if (!reaches(volume, field.centreMm)) {
      throw new CompositeError(
        `the ${name} series does not cover the tumour's slice (ROI centre at ${field.centreMm.map((x) => x.toFixed(1)).join(', ')} mm LPS lies outside it)`,
      );
    }
    const sampled = resampleVolume(volume, field.geometry, 'linear').data;
    const [lo, hi] = range(sampled);
    // A channel constant up to rounding (spread ≤ 1e-9 of its magnitude, e.g. a uniform region
    // whose interpolation weights differ in the last bit) is constant: its rounding noise must
    // not be stretched to [0, 1].
    const scale = hi - lo > 1e-9 * Math.max(Math.abs(lo), Math.abs(hi)) ? 1 / (hi - lo) : 0;
    const mean = IMAGENET_MEAN[c]!;
    const std = IMAGENET_STD[c]!;
    const base = offset + c * COMPOSITE_PIXELS;
    for (let p = 0; p < COMPOSITE_PIXELS; p += 1) {
      out[base + p] = ((sampled[p]! - lo) * scale - mean) / std;
    }
  });
}

/** Whether `point` is within the volume's buffer extended by half a voxel (resample.ts' inside test). */
function reaches(volume: Volume, point: Vec3): boolean {
  const index = worldToIndex(volume, point);
  return index.every((x, a) => x >= -0.5 && x < volume.size[a]! - 0.5);
}

function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < values.length; p += 1) {
    const x = values[p]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}
