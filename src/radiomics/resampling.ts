/**
 * The resampling grid PyRadiomics builds around the ROI (imageoperations.resampleImage,
 * PyRadiomics 3.1), and the cropping it does instead when only `preCrop` is asked
 * (imageoperations.cropToTumorMask with padDistance).
 *
 * The new grid keeps the mask's direction, covers the ROI's bounding box plus `padDistance`
 * voxels of the new spacing (never beyond the original image), and is placed so that the
 * corner of its first voxel coincides with a corner of the original grid's voxel lattice
 * scaled to the new spacing. The image is interpolated with the chosen interpolator and keeps
 * its pixel type (an int16 image stays int16: values are truncated, as SimpleITK's Resample
 * with SetOutputPixelType does); the label map is resampled by nearest neighbour.
 */
import { resampleVolume, type Interpolation } from '../imaging/resample.ts';
import { cropVolume, indexToWorld, type Geometry, type Vec3, type Volume } from '../imaging/volume.ts';
import type { ExtractionSettings } from './settings.ts';

/** Voxel bounding box as SimpleITK's LabelShapeStatistics reports it: start and size per axis. */
export interface IndexBox {
  start: Vec3;
  size: Vec3;
}

const INTERPOLATION: Record<string, Interpolation> = {
  sitkNearestNeighbor: 'nearest',
  sitkLinear: 'linear',
  sitkBSpline: 'bspline',
};

/** The interpolation of a PyRadiomics `interpolator` name, or an error naming what is supported. */
export function interpolationOf(name: string): Interpolation {
  const i = INTERPOLATION[name];
  if (i === undefined)
    throw new RangeError(
      `not supported yet: interpolator ${name} (supported: ${Object.keys(INTERPOLATION).join(', ')})`,
    );
  return i;
}

/** numpy.allclose(a, b) with its default tolerances (rtol 1e-5, atol 1e-8). */
function allClose(a: Vec3, b: Vec3): boolean {
  return a.every((v, c) => Math.abs(v - b[c]!) <= 1e-8 + 1e-5 * Math.abs(b[c]!));
}

/**
 * The grid of imageoperations.resampleImage for an ROI with bounding box `box` on `mask`, or null
 * when the spacing already equals the requested one (PyRadiomics then only resamples the mask
 * onto the image grid, which for a mask on the image grid changes nothing).
 */
export function resamplingGrid(
  image: Geometry,
  mask: Geometry,
  box: IndexBox,
  resampledPixelSpacing: readonly number[],
  padDistance: number,
): Geometry | null {
  const maskSpacing = mask.spacingMm;
  // A spacing of 0 keeps the original spacing on that axis; so does an ROI one slice thick.
  const spacing = [0, 1, 2].map((c) =>
    resampledPixelSpacing[c] === 0 || box.size[c] === 1 ? maskSpacing[c]! : resampledPixelSpacing[c]!,
  ) as unknown as Vec3;
  if (allClose(maskSpacing, spacing) && allClose(image.spacingMm, spacing)) return null;

  const ratio = [0, 1, 2].map((c) => maskSpacing[c]! / spacing[c]!);
  const size: number[] = [];
  const originIndex: number[] = [];
  for (let c = 0; c < 3; c += 1) {
    const r = ratio[c]!;
    // Round outward so the whole ROI is kept; the extra 0.5 covers up-sampling at the edges.
    let lower = Math.floor((box.start[c]! - 0.5) * r - padDistance);
    let upper = Math.ceil((box.start[c]! + box.size[c]! - 0.5) * r + padDistance);
    const maxUpper = Math.ceil(mask.size[c]! * r) - 1;
    if (lower < 0) lower = 0;
    if (upper > maxUpper) upper = maxUpper;
    size.push(Math.trunc(upper - lower + 1));
    // Continuous index (old grid) of the new first voxel centre: the new voxel's corner sits at
    // the old voxel's corner, shifted by the crop's lower bound.
    originIndex.push((0.5 * (spacing[c]! - maskSpacing[c]!)) / maskSpacing[c]! + lower / r);
  }
  return {
    size: size as unknown as Vec3,
    spacingMm: spacing,
    originMm: indexToWorld(mask, originIndex[0]!, originIndex[1]!, originIndex[2]!),
    direction: mask.direction,
  };
}

/** Image (interpolated, pixel type kept) and label map (nearest neighbour) on `grid`. */
export function resampleImageAndMask(
  image: Volume,
  mask: Volume,
  grid: Geometry,
  interpolator: string,
): { image: Volume; mask: Volume } {
  return {
    image: resampleVolume(image, grid, interpolationOf(interpolator), { pixelType: 'same' }),
    mask: resampleVolume(mask, grid, 'nearest', { pixelType: 'same' }),
  };
}

/** cropToTumorMask with padding: the grid `box` ± `padDistance` voxels, clipped to the image. */
export function cropWithPadding(volume: Volume, box: IndexBox, padDistance: number): Volume {
  const from = [0, 1, 2].map((c) => Math.max(0, box.start[c]! - padDistance)) as unknown as Vec3;
  const to = [0, 1, 2].map((c) =>
    Math.min(volume.size[c]! - 1, box.start[c]! + box.size[c]! - 1 + padDistance),
  ) as unknown as Vec3;
  return cropVolume(volume, from, to);
}

/** The settings this module reads. */
export type ResamplingSettings = Pick<
  ExtractionSettings,
  'resampledPixelSpacing' | 'interpolator' | 'padDistance' | 'preCrop' | 'label'
>;
