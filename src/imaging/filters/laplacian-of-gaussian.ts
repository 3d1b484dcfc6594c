/**
 * Laplacian of Gaussian as PyRadiomics computes it (`imageoperations.getLoGImage`, PyRadiomics 3.1):
 * SimpleITK's `LaplacianRecursiveGaussianImageFilter` with `SetNormalizeAcrossScale(True)` and
 * `SetSigma(sigma)`, which wraps `itk::LaplacianRecursiveGaussianImageFilter<TInput, Image<float>>`
 * (Modules/Filtering/ImageFeature/include/itkLaplacianRecursiveGaussianImageFilter.hxx).
 *
 * ITK sums, over the dimensions d, the second Gaussian derivative along d smoothed by the zero-order
 * Gaussian along the two other axes (in increasing axis order), divided by spacing_d². With
 * NormalizeAcrossScale the second derivative (per voxel) carries sigma² in mm², so the result is
 * σ²·∇²(G_σ * f) in physical units.
 *
 * Precision, as in ITK: every pass computes in double but stores into a float image
 * (`InternalRealType` is float, "to save memory"): the derivative pass reads the input pixels
 * (short or double) and writes float, each smoothing pass reads and writes float; the accumulator
 * image is float, updated as float(double(acc) + double(b)·(1/spacing²)) (the add functor's
 * arithmetic is in `RealType`, double). The output is that float image.
 */
import { voxelCount, type Geometry, type Volume } from '../volume.ts';
import { filterAlongAxis, recursiveGaussianCoefficients, type Axis } from './recursive-gaussian.ts';

/**
 * PyRadiomics' guard before running the filter for one sigma (getLoGImage):
 * `numpy.all(size >= numpy.ceil(sigma / spacing) + 1)`; it also needs every size ≥ 4 (checked
 * once for all sigmas: `numpy.min(size) < 4` yields no LoG image at all), and sigma > 0.
 */
export function logSigmaFits(
  size: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
  sigmaMm: number,
): boolean {
  if (!(sigmaMm > 0)) return false;
  if (Math.min(...size) < 4) return false;
  return size.every((n, c) => n >= Math.ceil(sigmaMm / spacingMm[c]!) + 1);
}

/** The two axes other than `d`, in the order ITK assigns them to its smoothing filters. */
function otherAxes(d: Axis): [Axis, Axis] {
  return d === 0 ? [1, 2] : d === 1 ? [0, 2] : [0, 1];
}

/**
 * ITK `LaplacianRecursiveGaussianImageFilter` with NormalizeAcrossScale on, sigma in mm, on a 3-D
 * volume (every size ≥ 4, as ITK requires). The geometry (spacing, origin, direction) is kept;
 * the direction cosines play no part, as in ITK.
 */
export function laplacianOfGaussian(image: Volume, sigmaMm: number): Volume<Float32Array> {
  if (Math.min(...image.size) < 4)
    throw new RangeError(`LoG needs at least 4 voxels along every axis (size ${image.size.join('×')})`);
  const n = voxelCount(image);
  const acc = new Float32Array(n);
  const work = new Float32Array(n);
  for (const d of [0, 1, 2] as const) {
    const spacing = image.spacingMm;
    filterAlongAxis(
      image.data,
      work,
      image.size,
      d,
      recursiveGaussianCoefficients(sigmaMm, spacing[d], 2, true),
    );
    for (const s of otherAxes(d))
      filterAlongAxis(work, work, image.size, s, recursiveGaussianCoefficients(sigmaMm, spacing[s], 0, true));
    const spacing2 = spacing[d] * spacing[d];
    const scale = 1.0 / spacing2;
    for (let p = 0; p < n; p += 1) acc[p] = acc[p]! + work[p]! * scale;
  }
  return withGeometry(image, acc);
}

function withGeometry(g: Geometry, data: Float32Array): Volume<Float32Array> {
  return { size: g.size, spacingMm: g.spacingMm, originMm: g.originMm, direction: g.direction, data };
}
