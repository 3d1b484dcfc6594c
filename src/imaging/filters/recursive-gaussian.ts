/**
 * ITK's recursive (IIR) Gaussian along one image axis: `itk::RecursiveGaussianImageFilter`, the
 * building block of `LaplacianRecursiveGaussianImageFilter` that PyRadiomics' LoG image type runs
 * through SimpleITK. Reproduced operation for operation (same expressions, same evaluation order)
 * so that the float32 images it feeds agree with ITK 5.2's:
 *
 * - Coefficients: Deriche's 4th-order approximation (R. Deriche, "Recursively implementing the
 *   Gaussian and its derivatives", INRIA RR-1893, 1993), with the constants, the normalisations
 *   (alpha0, alpha1, alpha2, beta) and the boundary coefficients of ITK's
 *   `RecursiveGaussianImageFilter::SetUp`, `ComputeNCoefficients`, `ComputeDCoefficients` and
 *   `ComputeRemainingCoefficients` (Modules/Filtering/Smoothing/include/itkRecursiveGaussianImageFilter.hxx).
 * - Filtering: a causal and an anti-causal 4th-order recursion summed, as in
 *   `RecursiveSeparableImageFilter::FilterDataArray` (Modules/Filtering/ImageFilterBase). The line
 *   is assumed to continue beyond each end with its end value: the first four outputs of each
 *   recursion are started from that value, with the recursive terms of the missing samples taken
 *   as the steady-state response to a constant (`m_BN*`, `m_BM*`).
 * - Units: sigma is in millimetres and divided by the spacing along the axis (ITK works in
 *   physical units); with `NormalizeAcrossScale` the first derivative is multiplied by sigma and
 *   the second by sigma² (sigma in mm), the derivatives themselves being per voxel.
 * - Precision: the recursion runs in double (`NumericTraits<pixel>::RealType` is double for short,
 *   float and double pixels); each pass writes its result to an image of the output pixel type.
 */
import { voxelCount, type Volume, type VoxelArray } from '../volume.ts';

/** 0: smoothing; 1 and 2: first and second derivative of the Gaussian (`GaussianOrderEnum`). */
export type GaussianOrder = 0 | 1 | 2;

export type Axis = 0 | 1 | 2;

/**
 * IIR coefficients of `RecursiveSeparableImageFilter`: causal input weights n0..n3, recursive
 * weights d1..d4 (shared by both directions), anti-causal input weights m1..m4 and the boundary
 * weights bn1..bn4 / bm1..bm4 that stand for the outputs before the first sample.
 */
export interface IirCoefficients {
  n0: number;
  n1: number;
  n2: number;
  n3: number;
  d1: number;
  d2: number;
  d3: number;
  d4: number;
  m1: number;
  m2: number;
  m3: number;
  m4: number;
  bn1: number;
  bn2: number;
  bn3: number;
  bn4: number;
  bm1: number;
  bm2: number;
  bm3: number;
  bm4: number;
}

// Deriche's fitted constants as ITK sets them in SetUp: a Gaussian or derivative of order o is
// approximated by (A1 cos(W1 x/σ) + B1 sin(W1 x/σ)) e^(L1 x/σ) + (A2 cos(W2 x/σ) + B2 sin(W2 x/σ)) e^(L2 x/σ).
const W1 = 0.6681;
const L1 = -1.3932;
const W2 = 2.0787;
const L2 = -1.3732;
const A1 = [1.353, -0.6724, -1.3563] as const;
const B1 = [1.8151, -3.4327, 5.2318] as const;
const A2 = [-0.3531, 0.6724, 0.3446] as const;
const B2 = [0.0902, 0.61, -2.2355] as const;

interface Sums {
  /** Σ of the coefficients (S), of k·coefficient (D) and of k²·coefficient (E): ITK's SN/DN/EN, SD/DD/ED. */
  s: number;
  d: number;
  e: number;
}

/** Denominator (recursive) coefficients, `ComputeDCoefficients`; the expression order is ITK's. */
function denominator(sigmad: number): { d1: number; d2: number; d3: number; d4: number } & Sums {
  const cos1 = Math.cos(W1 / sigmad);
  const cos2 = Math.cos(W2 / sigmad);
  const exp1 = Math.exp(L1 / sigmad);
  const exp2 = Math.exp(L2 / sigmad);
  const d4 = exp1 * exp1 * exp2 * exp2;
  let d3 = -2 * cos1 * exp1 * exp2 * exp2;
  d3 += -2 * cos2 * exp2 * exp1 * exp1;
  let d2 = 4 * cos2 * cos1 * exp1 * exp2;
  d2 += exp1 * exp1 + exp2 * exp2;
  const d1 = -2 * (exp2 * cos2 + exp1 * cos1);
  return {
    d1,
    d2,
    d3,
    d4,
    s: 1.0 + d1 + d2 + d3 + d4,
    d: d1 + 2 * d2 + 3 * d3 + 4 * d4,
    e: d1 + 4 * d2 + 9 * d3 + 16 * d4,
  };
}

/** Numerator (causal input) coefficients for one order, `ComputeNCoefficients`; ITK's expression order. */
function numerator(
  sigmad: number,
  order: GaussianOrder,
): { n0: number; n1: number; n2: number; n3: number } & Sums {
  const a1 = A1[order];
  const b1 = B1[order];
  const a2 = A2[order];
  const b2 = B2[order];
  const sin1 = Math.sin(W1 / sigmad);
  const sin2 = Math.sin(W2 / sigmad);
  const cos1 = Math.cos(W1 / sigmad);
  const cos2 = Math.cos(W2 / sigmad);
  const exp1 = Math.exp(L1 / sigmad);
  const exp2 = Math.exp(L2 / sigmad);
  const n0 = a1 + a2;
  let n1 = exp2 * (b2 * sin2 - (a2 + 2 * a1) * cos2);
  n1 += exp1 * (b1 * sin1 - (a1 + 2 * a2) * cos1);
  let n2 = (a1 + a2) * cos2 * cos1;
  n2 -= b1 * cos2 * sin1 + b2 * cos1 * sin2;
  n2 *= 2 * exp1 * exp2;
  n2 += a2 * exp1 * exp1 + a1 * exp2 * exp2;
  let n3 = exp2 * exp1 * exp1 * (b2 * sin2 - a2 * cos2);
  n3 += exp1 * exp2 * exp2 * (b1 * sin1 - a1 * cos1);
  return { n0, n1, n2, n3, s: n0 + n1 + n2 + n3, d: n1 + 2 * n2 + 3 * n3, e: n1 + 4 * n2 + 9 * n3 };
}

/**
 * Coefficients of `RecursiveGaussianImageFilter` for sigma (mm) on an axis of the given spacing
 * (mm). The numerator is scaled so that the filter reproduces the moments of the exact kernel:
 * order 0 has unit sum (alpha0), order 1 has Σ k·h = −1 (alpha1: the derivative of a ramp of slope 1
 * is 1), order 2 is a combination N_2 + beta·N_0 with zero sum and Σ k²·h/2 = 1 (alpha2).
 * With `normalizeAcrossScale` orders 1 and 2 are multiplied by sigma and sigma² (zero order is never
 * rescaled). Anti-causal weights mirror the causal ones (even kernels for orders 0 and 2, odd for 1);
 * boundary weights are d_k·S/(1+Σd), the recursive outputs of a constant unit signal.
 */
export function recursiveGaussianCoefficients(
  sigmaMm: number,
  spacingMm: number,
  order: GaussianOrder,
  normalizeAcrossScale: boolean,
): IirCoefficients {
  if (!(sigmaMm > 0)) throw new RangeError(`sigma must be greater than zero (got ${sigmaMm})`);
  let spacing = spacingMm;
  let direction = 1.0;
  if (spacing < 0) {
    direction = -1.0;
    spacing = -spacing;
  }
  if (spacing < 1e-8) throw new RangeError(`spacing ${spacingMm} is suspiciously small`);
  const sigmad = sigmaMm / spacing;
  const den = denominator(sigmad);
  let n0: number;
  let n1: number;
  let n2: number;
  let n3: number;
  let symmetric: boolean;
  if (order === 0) {
    const num = numerator(sigmad, 0);
    const alpha0 = (2 * num.s) / den.s - num.n0;
    const f = 1.0 / alpha0;
    [n0, n1, n2, n3] = [num.n0 * f, num.n1 * f, num.n2 * f, num.n3 * f];
    symmetric = true;
  } else if (order === 1) {
    const scale = normalizeAcrossScale ? sigmaMm : 1.0;
    const num = numerator(sigmad, 1);
    let alpha1 = (2 * (num.s * den.d - num.d * den.s)) / (den.s * den.s);
    alpha1 *= direction;
    const f = scale / alpha1;
    [n0, n1, n2, n3] = [num.n0 * f, num.n1 * f, num.n2 * f, num.n3 * f];
    symmetric = false;
  } else {
    const scale = normalizeAcrossScale ? sigmaMm * sigmaMm : 1.0;
    const g0 = numerator(sigmad, 0);
    const g2 = numerator(sigmad, 2);
    // beta removes the zero-frequency response: Σ h = 0 for a second derivative.
    const beta = -(2 * g2.s - den.s * g2.n0) / (2 * g0.s - den.s * g0.n0);
    const sn = g2.s + beta * g0.s;
    const dn = g2.d + beta * g0.d;
    const en = g2.e + beta * g0.e;
    let alpha2 = en * den.s * den.s - den.e * sn * den.s - 2 * dn * den.d * den.s + 2 * den.d * den.d * sn;
    alpha2 /= den.s * den.s * den.s;
    const f = scale / alpha2;
    n0 = (g2.n0 + beta * g0.n0) * f;
    n1 = (g2.n1 + beta * g0.n1) * f;
    n2 = (g2.n2 + beta * g0.n2) * f;
    n3 = (g2.n3 + beta * g0.n3) * f;
    symmetric = true;
  }
  const { d1, d2, d3, d4 } = den;
  // ComputeRemainingCoefficients: the anti-causal half of an even (odd) kernel.
  const sign = symmetric ? 1 : -1;
  const m1 = sign * (n1 - d1 * n0);
  const m2 = sign * (n2 - d2 * n0);
  const m3 = sign * (n3 - d3 * n0);
  const m4 = symmetric ? -d4 * n0 : d4 * n0;
  const sn = n0 + n1 + n2 + n3;
  const sm = m1 + m2 + m3 + m4;
  const sd = 1.0 + d1 + d2 + d3 + d4;
  return {
    n0,
    n1,
    n2,
    n3,
    d1,
    d2,
    d3,
    d4,
    m1,
    m2,
    m3,
    m4,
    bn1: (d1 * sn) / sd,
    bn2: (d2 * sn) / sd,
    bn3: (d3 * sn) / sd,
    bn4: (d4 * sn) / sd,
    bm1: (d1 * sm) / sd,
    bm2: (d2 * sm) / sd,
    bm3: (d3 * sm) / sd,
    bm4: (d4 * sm) / sd,
  };
}

/**
 * One line through the filter, `RecursiveSeparableImageFilter::FilterDataArray`, in double:
 * causal y⁺[i] = Σ n_k x[i−k] − Σ d_k y⁺[i−k], anti-causal y⁻[i] = Σ m_k x[i+k] − Σ d_k y⁻[i+k],
 * out = y⁺ + y⁻. Samples before 0 (after ln−1) are taken equal to x[0] (x[ln−1]), their outputs
 * from the boundary weights. Sums are evaluated left to right as ITK's MathEMAMAMAM / MathSMAMAMAM.
 * `out` and `scratch` need `data.length` elements; lines shorter than 4 samples are refused (ITK
 * throws too: the start-up reads four samples).
 */
export function filterLine(
  c: IirCoefficients,
  data: Float64Array,
  out: Float64Array,
  scratch: Float64Array,
  ln: number = data.length,
): void {
  if (ln < 4)
    throw new RangeError(`the recursive Gaussian needs at least 4 samples along a line (got ${ln})`);
  const { n0, n1, n2, n3, d1, d2, d3, d4, m1, m2, m3, m4 } = c;
  const y = out;
  const x = data;
  // Causal pass, started as if x[0] extended to −∞.
  const v = x[0]!;
  y[0] = v * n0 + v * n1 + v * n2 + v * n3;
  y[1] = x[1]! * n0 + v * n1 + v * n2 + v * n3;
  y[2] = x[2]! * n0 + x[1]! * n1 + v * n2 + v * n3;
  y[3] = x[3]! * n0 + x[2]! * n1 + x[1]! * n2 + v * n3;
  y[0] = y[0]! - (v * c.bn1 + v * c.bn2 + v * c.bn3 + v * c.bn4);
  y[1] = y[1]! - (y[0]! * d1 + v * c.bn2 + v * c.bn3 + v * c.bn4);
  y[2] = y[2]! - (y[1]! * d1 + y[0]! * d2 + v * c.bn3 + v * c.bn4);
  y[3] = y[3]! - (y[2]! * d1 + y[1]! * d2 + y[0]! * d3 + v * c.bn4);
  for (let i = 4; i < ln; i += 1) {
    y[i] = x[i]! * n0 + x[i - 1]! * n1 + x[i - 2]! * n2 + x[i - 3]! * n3;
    y[i] = y[i]! - (y[i - 1]! * d1 + y[i - 2]! * d2 + y[i - 3]! * d3 + y[i - 4]! * d4);
  }
  // Anti-causal pass, started as if x[ln−1] extended to +∞; it excludes the current sample.
  const z = scratch;
  const w = x[ln - 1]!;
  z[ln - 1] = w * m1 + w * m2 + w * m3 + w * m4;
  z[ln - 2] = x[ln - 1]! * m1 + w * m2 + w * m3 + w * m4;
  z[ln - 3] = x[ln - 2]! * m1 + x[ln - 1]! * m2 + w * m3 + w * m4;
  z[ln - 4] = x[ln - 3]! * m1 + x[ln - 2]! * m2 + x[ln - 1]! * m3 + w * m4;
  z[ln - 1] = z[ln - 1]! - (w * c.bm1 + w * c.bm2 + w * c.bm3 + w * c.bm4);
  z[ln - 2] = z[ln - 2]! - (z[ln - 1]! * d1 + w * c.bm2 + w * c.bm3 + w * c.bm4);
  z[ln - 3] = z[ln - 3]! - (z[ln - 2]! * d1 + z[ln - 1]! * d2 + w * c.bm3 + w * c.bm4);
  z[ln - 4] = z[ln - 4]! - (z[ln - 3]! * d1 + z[ln - 2]! * d2 + z[ln - 1]! * d3 + w * c.bm4);
  for (let i = ln - 4; i > 0; i -= 1) {
    z[i - 1] = x[i]! * m1 + x[i + 1]! * m2 + x[i + 2]! * m3 + x[i + 3]! * m4;
    z[i - 1] = z[i - 1]! - (z[i]! * d1 + z[i + 1]! * d2 + z[i + 2]! * d3 + z[i + 3]! * d4);
  }
  for (let i = 0; i < ln; i += 1) y[i] = y[i]! + z[i]!;
}

/**
 * Filters every line of `src` (voxel grid `size`, i fastest) along `axis` into `dst`; `dst` may be
 * `src` (ITK runs the smoothing passes in place: each line is copied out before it is written).
 * Values are read as doubles and stored with the element type of `dst` (a Float32Array rounds
 * to nearest, as ITK's static_cast<float>).
 */
export function filterAlongAxis(
  src: VoxelArray,
  dst: Float32Array | Float64Array,
  size: readonly [number, number, number],
  axis: Axis,
  c: IirCoefficients,
): void {
  const [ni, nj, nk] = size;
  const ln = size[axis];
  const stride = axis === 0 ? 1 : axis === 1 ? ni : ni * nj;
  const line = new Float64Array(ln);
  const out = new Float64Array(ln);
  const scratch = new Float64Array(ln);
  // The two axes other than `axis` enumerate the lines; a line starts at a voxel with index 0 on `axis`.
  const [ua, va] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
  const strides = [1, ni, ni * nj];
  const counts = [ni, nj, nk];
  const su = strides[ua]!;
  const sv = strides[va]!;
  const nu = counts[ua]!;
  const nv = counts[va]!;
  for (let b = 0; b < nv; b += 1) {
    for (let a = 0; a < nu; a += 1) {
      const start = a * su + b * sv;
      for (let t = 0, p = start; t < ln; t += 1, p += stride) line[t] = src[p]!;
      filterLine(c, line, out, scratch, ln);
      for (let t = 0, p = start; t < ln; t += 1, p += stride) dst[p] = out[t]!;
    }
  }
}

export interface RecursiveGaussianOptions {
  axis: Axis;
  sigmaMm: number;
  order?: GaussianOrder;
  normalizeAcrossScale?: boolean;
}

/**
 * `RecursiveGaussianImageFilter<TInput, Image<float>>` along one axis: the ITK filter with
 * `SetDirection(axis)`, `SetSigma(sigmaMm)`, `SetOrder(order)`, `SetNormalizeAcrossScale(...)`.
 * The output is float32 (the internal image type of ITK's LoG); the geometry is kept.
 */
export function recursiveGaussian(image: Volume, options: RecursiveGaussianOptions): Volume<Float32Array> {
  const { axis, sigmaMm, order = 0, normalizeAcrossScale = false } = options;
  const c = recursiveGaussianCoefficients(sigmaMm, image.spacingMm[axis], order, normalizeAcrossScale);
  const data = new Float32Array(voxelCount(image));
  filterAlongAxis(image.data, data, image.size, axis, c);
  return {
    size: image.size,
    spacingMm: image.spacingMm,
    originMm: image.originMm,
    direction: image.direction,
    data,
  };
}
