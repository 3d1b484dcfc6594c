/**
 * Gray level × size matrices (GLRLM run lengths, GLSZM zone sizes, GLDM dependence counts) and
 * the statistics their features share. Notation of PyRadiomics' glrlm.py / glszm.py / gldm.py:
 * P(i,j) the count for gray level i and size j, N = Σ P(i,j) (N_r runs, N_z zones or voxels),
 * p(i,j) = P(i,j)/N, p_g(i) = Σ_j P(i,j), p_s(j) = Σ_i P(i,j), ε = numpy.spacing(1).
 *
 * The features read `SizeCoefficients`, computed once per matrix: the non-zero entries in
 * row-major order (the matrices are sparse: a few hundred entries out of Ng × N_s cells), N and
 * the marginals. Every sum runs over the entries in row-major order, as a dense loop would.
 */
import { EPS } from './common.ts';

export interface SizeMatrix {
  /** Gray levels 1..ng. */
  ng: number;
  /** Sizes 1..nj. */
  nj: number;
  /** Row-major: P[(i−1)·nj + (j−1)]. */
  P: Float64Array;
}

export function createSizeMatrix(ng: number, nj: number): SizeMatrix {
  return { ng, nj, P: new Float64Array(Math.max(ng, 1) * Math.max(nj, 1)) };
}

export function addToSizeMatrix(m: SizeMatrix, gray: number, size: number, w = 1): void {
  m.P[(gray - 1) * m.nj + (size - 1)]! += w;
}

/** N = Σ P(i,j) (row-major order). */
export function total(m: SizeMatrix): number {
  let t = 0;
  for (let c = 0; c < m.P.length; c += 1) t += m.P[c]!;
  return t;
}

/** What the features of a size matrix read, computed once (see the module comment). */
export interface SizeCoefficients {
  /** Number of non-zero entries. */
  count: number;
  /** Gray level i, size j and value P(i,j) of each non-zero entry, row-major. */
  gi: Int32Array;
  sj: Int32Array;
  pv: Float64Array;
  /** N = Σ P(i,j). */
  N: number;
  /** p_g(i) = Σ_j P(i,j), index i−1. */
  pg: Float64Array;
  /** p_s(j) = Σ_i P(i,j), index j−1. */
  ps: Float64Array;
}

export function sizeCoefficients(m: SizeMatrix): SizeCoefficients {
  let count = 0;
  for (let c = 0; c < m.P.length; c += 1) if (m.P[c] !== 0) count += 1;
  const gi = new Int32Array(count);
  const sj = new Int32Array(count);
  const pv = new Float64Array(count);
  const pg = new Float64Array(m.ng);
  const ps = new Float64Array(m.nj);
  let N = 0;
  let e = 0;
  for (let i = 1; i <= m.ng; i += 1)
    for (let j = 1; j <= m.nj; j += 1) {
      const v = m.P[(i - 1) * m.nj + (j - 1)]!;
      if (v === 0) continue;
      gi[e] = i;
      sj[e] = j;
      pv[e] = v;
      e += 1;
      N += v;
      pg[i - 1]! += v;
      ps[j - 1]! += v;
    }
  return { count, gi, sj, pv, N, pg, ps };
}

/**
 * The coefficients of the matrix with one count per (gray[e], size[e]), e < count, without
 * building the (possibly large, mostly empty) dense matrix: the pairs are sorted into row-major
 * order and equal pairs merged, which gives the entries sizeCoefficients would find.
 */
export function sizeCoefficientsFromPairs(
  ng: number,
  nj: number,
  gray: Int32Array,
  size: Int32Array,
  count: number,
): SizeCoefficients {
  const keys = new Float64Array(count);
  for (let e = 0; e < count; e += 1) keys[e] = (gray[e]! - 1) * nj + (size[e]! - 1);
  keys.sort();
  let distinct = 0;
  for (let e = 0; e < count; e += 1) if (e === 0 || keys[e] !== keys[e - 1]) distinct += 1;
  const gi = new Int32Array(distinct);
  const sj = new Int32Array(distinct);
  const pv = new Float64Array(distinct);
  const pg = new Float64Array(ng);
  const ps = new Float64Array(nj);
  let N = 0;
  let d = -1;
  for (let e = 0; e < count; e += 1) {
    const key = keys[e]!;
    if (e === 0 || key !== keys[e - 1]) {
      d += 1;
      gi[d] = Math.floor(key / nj) + 1;
      sj[d] = (key % nj) + 1;
    }
    pv[d]! += 1;
  }
  for (let e = 0; e < distinct; e += 1) {
    const v = pv[e]!;
    N += v;
    pg[gi[e]! - 1]! += v;
    ps[sj[e]! - 1]! += v;
  }
  return { count: distinct, gi, sj, pv, N, pg, ps };
}

/** Σ_i Σ_j f(i, j)·P(i,j). */
export function weightedSum(c: SizeCoefficients, f: (i: number, j: number) => number): number {
  let t = 0;
  for (let e = 0; e < c.count; e += 1) t += c.pv[e]! * f(c.gi[e]!, c.sj[e]!);
  return t;
}

/** Σ_i Σ_j f(i,j) P(i,j) / N — the "emphasis" features. */
export function emphasis(c: SizeCoefficients, f: (i: number, j: number) => number): number {
  return weightedSum(c, f) / c.N;
}

/** Σ of the squares of a marginal. */
function sumOfSquares(a: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k += 1) s += a[k]! * a[k]!;
  return s;
}

/** Σ_i p_g(i)² / N (normalised: / N²). */
export function grayNonUniformity(c: SizeCoefficients, normalised: boolean): number {
  const s = sumOfSquares(c.pg);
  return normalised ? s / (c.N * c.N) : s / c.N;
}

/** Σ_j p_s(j)² / N (normalised: / N²). */
export function sizeNonUniformity(c: SizeCoefficients, normalised: boolean): number {
  const s = sumOfSquares(c.ps);
  return normalised ? s / (c.N * c.N) : s / c.N;
}

/** Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i. */
export function grayVariance(c: SizeCoefficients): number {
  const mu = weightedSum(c, (i) => i) / c.N;
  return weightedSum(c, (i) => (i - mu) ** 2) / c.N;
}

/** Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j. */
export function sizeVariance(c: SizeCoefficients): number {
  const mu = weightedSum(c, (_i, j) => j) / c.N;
  return weightedSum(c, (_i, j) => (j - mu) ** 2) / c.N;
}

/** −Σ p(i,j) log2(p(i,j) + ε) (zero entries add nothing; NaN for an empty matrix). */
export function matrixEntropy(c: SizeCoefficients): number {
  if (c.N === 0) return Number.NaN;
  let h = 0;
  for (let e = 0; e < c.count; e += 1) {
    const p = c.pv[e]! / c.N;
    h -= p * Math.log2(p + EPS);
  }
  return h;
}
