/**
 * What PyRadiomics does between reading the files and computing features
 * (featureextractor.loadImage, PyRadiomics 3.1): checks, whole-image normalisation, then either
 * resampling image and label map onto a grid around the ROI, or — with `preCrop` and no
 * resampling — cropping both to the ROI's bounding box plus `padDistance`. Filters (image types)
 * then run on the result, so their border effects are those PyRadiomics sees.
 */
import { checkVoxelLimit, type Volume } from '../imaging/volume.ts';
import {
  cropWithPadding,
  labelBox,
  resampleImageAndMask,
  resamplingGrid,
  type IndexBox,
} from './resampling.ts';
import { checkInputs, checkRoiSize, normalizeImage, RoiError } from './roi.ts';
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
  checkInputs(image, mask, s);
  const originalBox = labelBox(mask, s.label);
  if (originalBox === null) throw new RoiError(`Label (${s.label}) not present in mask`);
  // checkMask runs on the input ROI before resampling, so a one-voxel ROI is refused as such.
  let count = 0;
  for (const v of mask.data) if (v === s.label) count += 1;
  const [i, j, k] = originalBox.start;
  const [si, sj, sk] = originalBox.size;
  checkRoiSize([i, i + si - 1, j, j + sj - 1, k, k + sk - 1], count, s);
  const normalised: Volume = s.normalize
    ? { ...image, data: normalizeImage(image.data, s.normalizeScale, s.removeOutliers) }
    : image;

  if (s.resampledPixelSpacing !== null && s.interpolator !== null) {
    const grid = resamplingGrid(normalised, mask, originalBox, s.resampledPixelSpacing, s.padDistance);
    if (grid === null) return { image: normalised, mask, interpolated: false, originalBox };
    return {
      ...resampleImageAndMask(normalised, mask, grid, s.interpolator),
      interpolated: true,
      originalBox,
    };
  }
  if (s.preCrop)
    return {
      image: cropWithPadding(normalised, originalBox, s.padDistance),
      mask: cropWithPadding(mask, originalBox, s.padDistance),
      interpolated: false,
      originalBox,
    };
  return { image: normalised, mask, interpolated: false, originalBox };
}
