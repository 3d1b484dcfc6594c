/**
 * Cubic B-spline interpolation as ITK computes it (itk::BSplineDecompositionImageFilter and
 * itk::BSplineInterpolateImageFunction, spline order 3), which is what SimpleITK's sitkBSpline
 * and therefore PyRadiomics' default resampling use.
 *
 * Interpolation with cubic B-splines needs coefficients c such that the spline through them
 * passes through the samples; Unser, Aldroubi & Eden, "B-spline signal processing" (IEEE TSP
 * 1993) obtain them with a causal and an anti-causal first-order recursive filter with pole
 * z = √3 − 2 and mirror-symmetric boundaries, one axis at a time (Unser 1999, "Splines: a perfect
 * fit for signal and image processing", box 2). ITK follows that scheme; the details that change
 * the numbers are reproduced here:
 *   - gain λ = (1 − z)(1 − 1/z) applied before the recursions;
 *   - the causal initial value summed over a horizon of ⌈ln(tolerance)/ln|z|⌉ samples
 *     (tolerance 1e-10 → 18 samples) when the line is longer, else the exact mirror sum;
 *   - the anti-causal initial value c[N−1] = z/(z² − 1) · (z·c[N−2] + c[N−1]);
 *   - a line of length 1 is left as it is.
 */
import type { Vec3, VoxelArray } from './volume.ts';

/** Pole of the cubic B-spline prefilter (Unser 1999, table 1). */
const POLE = Math.sqrt(3) - 2;
/** itk::BSplineDecompositionImageFilter::m_Tolerance. */
const TOLERANCE = 1e-10;
const HORIZON = Math.ceil(Math.log(TOLERANCE) / Math.log(Math.abs(POLE)));
const GAIN = (1 - POLE) * (1 - 1 / POLE);

/**
 * In-place conversion to cubic B-spline coefficients of `width` parallel lines of length n:
 * element k of line l is c[base + k·rowStride + l]. Treating neighbouring lines together keeps
 * memory access contiguous along the slower axes; each line's arithmetic is the scalar one.
 */
function samplesToCoefficients(
  c: Float64Array,
  base: number,
  rowStride: number,
  n: number,
  width: number,
): void {
  if (n === 1) return;
  const z = POLE;
  const at = (k: number) => base + k * rowStride;
  for (let k = 0; k < n; k += 1) for (let l = at(k), e = l + width; l < e; l += 1) c[l]! *= GAIN;
  // Causal initial value (mirror boundary).
  for (let l = 0; l < width; l += 1) {
    if (HORIZON < n) {
      let sum = c[at(0) + l]!;
      let zn = z;
      for (let k = 1; k < HORIZON; k += 1) {
        sum += zn * c[at(k) + l]!;
        zn *= z;
      }
      c[at(0) + l] = sum;
    } else {
      const iz = 1 / z;
      let zn = z;
      let z2n = Math.pow(z, n - 1);
      let sum = c[at(0) + l]! + z2n * c[at(n - 1) + l]!;
      z2n *= z2n * iz;
      for (let k = 1; k <= n - 2; k += 1) {
        sum += (zn + z2n) * c[at(k) + l]!;
        zn *= z;
        z2n *= iz;
      }
      c[at(0) + l] = sum / (1 - zn * zn);
    }
  }
  for (let k = 1; k < n; k += 1) {
    const row = at(k);
    const prev = at(k - 1);
    for (let l = 0; l < width; l += 1) c[row + l] = c[row + l]! + z * c[prev + l]!;
  }
  // Anti-causal initial value (mirror boundary), then the anti-causal recursion.
  const last = at(n - 1);
  const before = at(n - 2);
  for (let l = 0; l < width; l += 1) c[last + l] = (z / (z * z - 1)) * (z * c[before + l]! + c[last + l]!);
  for (let k = n - 2; k >= 0; k -= 1) {
    const row = at(k);
    const next = at(k + 1);
    for (let l = 0; l < width; l += 1) c[row + l] = z * (c[next + l]! - c[row + l]!);
  }
}

/** Cubic B-spline coefficients of a 3-D grid (i fastest), axis 0 then 1 then 2 as ITK. */
export function bsplineCoefficients(data: ArrayLike<number> | VoxelArray, size: Vec3): Float64Array {
  const [ni, nj, nk] = size;
  const out = Float64Array.from(data as ArrayLike<number>);
  // Axis i: one line per row. Axis j: the ni lines of a slice together. Axis k: all ni·nj lines.
  for (let row = 0; row < nj * nk; row += 1) samplesToCoefficients(out, row * ni, 1, ni, 1);
  for (let k = 0; k < nk; k += 1) samplesToCoefficients(out, k * ni * nj, ni, nj, ni);
  samplesToCoefficients(out, 0, ni * nj, nk, ni * nj);
  return out;
}

/**
 * Index of the first of the four coefficients supporting x (odd order: ⌊x⌋ − 1). ITK evaluates
 * the floor on the coordinate cast to float (BSplineInterpolateImageFunction::
 * DetermineRegionOfSupport), which matters only within float precision of an integer.
 */
function supportStart(x: number): number {
  return Math.floor(Math.fround(x)) - 1;
}

/** Cubic B-spline weights for offset w = x − (start + 1) (ITK SetInterpolationWeights, order 3). */
function weightsInto(w: number, out: Float64Array): void {
  const w3 = (1 / 6) * w * w * w;
  const w0 = 1 / 6 + 0.5 * w * (w - 1) - w3;
  const w2 = w + w0 - 2 * w3;
  out[0] = w0;
  out[1] = 1 - w0 - w2 - w3;
  out[2] = w2;
  out[3] = w3;
}

/** Mirror boundary (ITK ApplyMirrorBoundaryConditions): −1 → 1, N → N − 2. */
function mirror(index: number, n: number): number {
  if (n === 1) return 0;
  const end = n - 1;
  let m = index < 0 ? -index : index;
  if (m > end) m = end - (m - end);
  return m;
}

/** Evaluates the cubic spline with coefficients `coeff` (grid `size`) at a continuous index. */
export function createBSplineEvaluator(
  coeff: Float64Array,
  size: Vec3,
): (ci: number, cj: number, ck: number) => number {
  const [ni, nj, nk] = size;
  const wi = new Float64Array(4);
  const wj = new Float64Array(4);
  const wk = new Float64Array(4);
  const ii = new Int32Array(4);
  const jj = new Int32Array(4);
  const kk = new Int32Array(4);
  return (ci, cj, ck) => {
    const si = supportStart(ci);
    const sj = supportStart(cj);
    const sk = supportStart(ck);
    weightsInto(ci - (si + 1), wi);
    weightsInto(cj - (sj + 1), wj);
    weightsInto(ck - (sk + 1), wk);
    for (let m = 0; m < 4; m += 1) {
      ii[m] = mirror(si + m, ni);
      jj[m] = mirror(sj + m, nj) * ni;
      kk[m] = mirror(sk + m, nk) * ni * nj;
    }
    // Same order of operations as ITK: w = (w_i · w_j) · w_k, summed with i fastest.
    let sum = 0;
    for (let c = 0; c < 4; c += 1) {
      const zk = kk[c]!;
      const wc = wk[c]!;
      for (let b = 0; b < 4; b += 1) {
        const row = zk + jj[b]!;
        const wb = wj[b]!;
        for (let a = 0; a < 4; a += 1) sum += wi[a]! * wb * wc * coeff[row + ii[a]!]!;
      }
    }
    return sum;
  };
}
