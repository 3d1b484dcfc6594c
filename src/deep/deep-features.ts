/**
 * Deep features of one study, the MRI deep-learning-radiomics recipe: the axial slice with the
 * largest tumour area on the DCE ROI (`slice-selection.ts`), DCE / DWI / T2 composited to one
 * ImageNet-normalised RGB image on a common 224 × 224 grid (`rgb-composite.ts`), and the
 * backbone's 2048-d global-average-pooled output (`backbone.ts`). Pre- and post-NAT features
 * come from two calls; delta = post − pre; the model bundle's PCA reduces the columns later.
 *
 * Variant: with `averageAdjacentSlices`, the features of slices k − 1, k and k + 1 (the same
 * field of view moved along the slice normal; only the slices inside the volume) are averaged
 * element-wise, the study's ±1-slice averaging.
 */
import { sameGeometry, type Mask, type Volume } from '../imaging/volume.ts';
import { BACKBONE_FEATURE_LENGTH, BACKBONE_IMAGE_VALUES, type Backbone } from './backbone.ts';
import { compositeField, writeRgbComposite, type CompositeField } from './rgb-composite.ts';
import { adjacentSlices, largestRoiSlice, type AxialSlice } from './slice-selection.ts';

export type DeepTimePoint = 'pre' | 'post' | 'delta';

export interface DeepFeatureInputs {
  /** R channel (the DCE phase the ROI was drawn on, e.g. the first post-contrast phase). */
  dce: Volume;
  /** G channel (e.g. the highest b value). */
  dwi: Volume;
  /** B channel. */
  t2: Volume;
  /** Tumour ROI on the DCE grid. */
  mask: Mask;
}

export interface DeepFeatureOptions {
  /** Average the features of the slices k − 1, k, k + 1 (study variant); default false. */
  averageAdjacentSlices?: boolean;
}

export interface DeepFeatureResult {
  /** 2048 values, the columns `deepFeatureNames(timePoint)`. */
  features: Float32Array;
  /** The selected slice's index along the DCE axial axis. */
  sliceIndex: number;
  /** ROI area on that slice, mm². */
  areaMm2: number;
  /** DCE slices whose features were averaged (just `sliceIndex` without the variant). */
  slicesUsed: number[];
}

/** The composites to run for one study: everything before the backbone. */
export interface DeepFeatureBatch {
  slice: AxialSlice;
  slicesUsed: number[];
  fields: CompositeField[];
  /** `fields.length` CHW images back to back. */
  batch: Float32Array;
}

/** Slice selection and compositing (no backbone): the pre-processing of `extractDeepFeatures`. */
export function prepareDeepFeatureBatch(
  inputs: DeepFeatureInputs,
  options: DeepFeatureOptions = {},
): DeepFeatureBatch {
  if (!sameGeometry(inputs.mask, inputs.dce)) {
    throw new RangeError(
      'the tumour ROI must lie on the DCE grid (same size, spacing, origin and direction)',
    );
  }
  const slice = largestRoiSlice(inputs.mask);
  const slicesUsed = options.averageAdjacentSlices
    ? adjacentSlices(slice.index, inputs.mask.size[slice.axis])
    : [slice.index];
  const fields = slicesUsed.map((plane) => compositeField(inputs.mask, slice, plane));
  const batch = new Float32Array(fields.length * BACKBONE_IMAGE_VALUES);
  fields.forEach((field, n) => writeRgbComposite(inputs, field, batch, n * BACKBONE_IMAGE_VALUES));
  return { slice, slicesUsed, fields, batch };
}

/** Deep features of one study (see the module comment). */
export async function extractDeepFeatures(
  backbone: Backbone,
  inputs: DeepFeatureInputs,
  options: DeepFeatureOptions = {},
): Promise<DeepFeatureResult> {
  const prepared = prepareDeepFeatureBatch(inputs, options);
  const outputs = await backbone.run(prepared.batch, prepared.fields.length);
  return {
    features: meanFeatures(outputs),
    sliceIndex: prepared.slice.index,
    areaMm2: prepared.slice.areaMm2,
    slicesUsed: prepared.slicesUsed,
  };
}

/** Element-wise mean of feature vectors (accumulated in float64). */
function meanFeatures(vectors: Float32Array[]): Float32Array {
  const sum = new Float64Array(BACKBONE_FEATURE_LENGTH);
  for (const v of vectors) {
    if (v.length !== BACKBONE_FEATURE_LENGTH) {
      throw new RangeError(`a feature vector has ${v.length} values, expected ${BACKBONE_FEATURE_LENGTH}`);
    }
    for (let f = 0; f < BACKBONE_FEATURE_LENGTH; f += 1) sum[f]! += v[f]!;
  }
  return Float32Array.from(sum, (s) => s / vectors.length);
}

/** Delta features, post − pre element-wise (the study's definition of delta, as for radiomics). */
export function deltaFeatures(pre: Float32Array, post: Float32Array): Float32Array {
  if (pre.length !== post.length) {
    throw new RangeError(`pre has ${pre.length} deep features, post ${post.length}`);
  }
  return Float32Array.from(post, (x, f) => x - pre[f]!);
}

/** Column names of the deep features of a time point: DL_<tp>_0001 … DL_<tp>_2048. */
export function deepFeatureNames(timePoint: DeepTimePoint): string[] {
  return Array.from(
    { length: BACKBONE_FEATURE_LENGTH },
    (_, f) => `DL_${timePoint}_${String(f + 1).padStart(4, '0')}`,
  );
}
