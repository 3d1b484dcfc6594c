/**
 * What PyRadiomics does between reading the files and computing features
 * (featureextractor.loadImage, PyRadiomics 3.1): checks, whole-image normalisation, then either
 * resampling image and label map onto a grid around the ROI, or — with `preCrop` and no
 * resampling — cropping both to the ROI's bounding box plus `padDistance`. Filters (image types)
 * then run on the result, so their border effects are those PyRadiomics sees.
 */
import { requiredInputBox } from '../imaging/resample.ts';
import { checkVoxelLimit, cropVolume, type Volume } from '../imaging/volume.ts';
import {
  cropWithPadding,
  interpolationOf,
  resampleImageAndMask,
  resamplingGrid,
  type IndexBox,
} from './resampling.ts';
import { checkInputs, checkRoiSize, intensityStats, normalizeImage, RoiError } from './roi.ts';
import type { ExtractionSettings } from './settings.ts';

export interface LoadedImage {
  /** Image after normalisation and resampling / pre-cropping. */
  image: Volume;
  /** Label map on the grid of `image`. */
  mask: Volume;
  /** True when image and mask were resampled (diagnostics `*-interpolated_*`). */
  interpolated: boolean;
  /** Bounding box of the label in the input mask. */
  originalBox: IndexBox;
}

export function loadForExtraction(image: Volume, mask: Volume, s: ExtractionSettings): LoadedImage {
  try {
    checkVoxelLimit(image.size, 'image');
  } catch (err) {
    throw new RoiError((err as Error).message);
  }
  const { count, ...originalBox } = checkInputs(image, mask, s);
  // checkMask runs on the input ROI before resampling, so a one-voxel ROI is refused as such.
  const [i, j, k] = originalBox.start;
  const [si, sj, sk] = originalBox.size;
  checkRoiSize([i, i + si - 1, j, j + sj - 1, k, k + sk - 1], count, s);

  // Normalisation uses the statistics of the whole image, but only the voxels that later steps
  // read need normalising: the block resampling reads, or the pre-cropped block.
  const stats = s.normalize ? intensityStats(image.data) : null;
  const normalised = (v: Volume): Volume =>
    stats ? { ...v, data: normalizeImage(v.data, s.normalizeScale, s.removeOutliers, stats) } : v;

  if (s.resampledPixelSpacing !== null && s.interpolator !== null) {
    const grid = resamplingGrid(image, mask, originalBox, s.resampledPixelSpacing, s.padDistance);
    if (grid === null) return { image: normalised(image), mask, interpolated: false, originalBox };
    const box = requiredInputBox(image, grid, interpolationOf(s.interpolator));
    const source = normalised(box ? cropVolume(image, box[0], box[1]) : image);
    return { ...resampleImageAndMask(source, mask, grid, s.interpolator), interpolated: true, originalBox };
  }
  if (s.preCrop)
    return {
      image: normalised(cropWithPadding(image, originalBox, s.padDistance)),
      mask: cropWithPadding(mask, originalBox, s.padDistance),
      interpolated: false,
      originalBox,
    };
  return { image: normalised(image), mask, interpolated: false, originalBox };
}
