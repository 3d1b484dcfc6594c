/**
 * Gradient magnitude as PyRadiomics computes it (`imageoperations.getGradientImage`, PyRadiomics
 * 3.1): SimpleITK's `GradientMagnitudeImageFilter` with `SetUseImageSpacing(gradientUseSpacing)`
 * (default true). SimpleITK instantiates `itk::GradientMagnitudeImageFilter<TInput, Image<float>>`
 * (its filter description sets `output_pixel_type` to float), so the result is float32.
 *
 * ITK (Modules/Filtering/ImageGradient/include/itkGradientMagnitudeImageFilter.hxx): for each axis a
 * `DerivativeOperator` of order 1, coefficients [0.5, 0, −0.5] (DerivativeOperator::GenerateCoefficients),
 * scaled by 1/spacing when UseImageSpacing; the inner product with the 3 neighbours along the axis
 * in double; |∇f| = sqrt(g₀² + g₁² + g₂²) accumulated in that order, then cast to float. Neighbours
 * outside the image take the value of the nearest voxel (ZeroFluxNeumannBoundaryCondition, the
 * filter's fixed boundary condition), so at a border the difference is one-sided and halved:
 * (f[1] − f[0]) / (2·spacing). The direction cosines play no part, as in ITK.
 */
import { voxelCount, type Volume } from '../volume.ts';

/** ITK GradientMagnitudeImageFilter on a 3-D volume; output float32 on the input's geometry. */
export function gradientMagnitude(image: Volume, useSpacing = true): Volume<Float32Array> {
  const [ni, nj, nk] = image.size;
  const src = image.data;
  const out = new Float32Array(voxelCount(image));
  // Operator coefficients after NeighborhoodOperator::ScaleCoefficients(1 / spacing): c·f[−1] − c·f[+1].
  const coef = [0, 1, 2].map((a) => {
    const s = image.spacingMm[a]!;
    if (useSpacing && s === 0) throw new RangeError('image spacing cannot be zero');
    return useSpacing ? 0.5 * (1.0 / s) : 0.5;
  });
  const [c0, c1, c2] = coef as [number, number, number];
  const sj = ni;
  const sk = ni * nj;
  let p = 0;
  for (let k = 0; k < nk; k += 1) {
    const kLo = k > 0 ? -sk : 0;
    const kHi = k < nk - 1 ? sk : 0;
    for (let j = 0; j < nj; j += 1) {
      const jLo = j > 0 ? -sj : 0;
      const jHi = j < nj - 1 ? sj : 0;
      for (let i = 0; i < ni; i += 1, p += 1) {
        const iLo = i > 0 ? -1 : 0;
        const iHi = i < ni - 1 ? 1 : 0;
        // Inner product c·f[−1] + 0·f[0] + (−c)·f[+1]; the zero term changes nothing (finite data).
        const g0 = c0 * src[p + iLo]! + -c0 * src[p + iHi]!;
        const g1 = c1 * src[p + jLo]! + -c1 * src[p + jHi]!;
        const g2 = c2 * src[p + kLo]! + -c2 * src[p + kHi]!;
        out[p] = Math.sqrt(g0 * g0 + g1 * g1 + g2 * g2);
      }
    }
  }
  return {
    size: image.size,
    spacingMm: image.spacingMm,
    originMm: image.originMm,
    direction: image.direction,
    data: out,
  };
}
