/**
 * Gray level × size matrices (GLRLM run lengths, GLSZM zone sizes, GLDM dependence counts) and
 * the statistics their features share. Notation of PyRadiomics' glrlm.py / glszm.py / gldm.py:
 * P(i,j) the count for gray level i and size j, N = Σ P(i,j) (N_r runs, N_z zones or voxels),
 * p(i,j) = P(i,j)/N, p_g(i) = Σ_j P(i,j), p_s(j) = Σ_i P(i,j), ε = numpy.spacing(1).
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

/** Σ_i Σ_j f(i, j)·P(i,j). */
export function weightedSum(m: SizeMatrix, f: (i: number, j: number) => number): number {
  let t = 0;
  for (let i = 1; i <= m.ng; i += 1)
    for (let j = 1; j <= m.nj; j += 1) {
      const v = m.P[(i - 1) * m.nj + (j - 1)]!;
      if (v !== 0) t += v * f(i, j);
    }
  return t;
}

/** N = Σ P(i,j). */
export function total(m: SizeMatrix): number {
  return weightedSum(m, () => 1);
}

/** p_g(i) = Σ_j P(i,j), index i−1. */
export function grayMarginal(m: SizeMatrix): Float64Array {
  const out = new Float64Array(m.ng);
  for (let i = 0; i < m.ng; i += 1) for (let j = 0; j < m.nj; j += 1) out[i]! += m.P[i * m.nj + j]!;
  return out;
}

/** p_s(j) = Σ_i P(i,j), index j−1. */
export function sizeMarginal(m: SizeMatrix): Float64Array {
  const out = new Float64Array(m.nj);
  for (let i = 0; i < m.ng; i += 1) for (let j = 0; j < m.nj; j += 1) out[j]! += m.P[i * m.nj + j]!;
  return out;
}

/** Σ_i Σ_j f(i,j) P(i,j) / N — the "emphasis" features. */
export function emphasis(m: SizeMatrix, f: (i: number, j: number) => number): number {
  return weightedSum(m, f) / total(m);
}

/** Σ_i p_g(i)² / N (normalised: / N²). */
export function grayNonUniformity(m: SizeMatrix, normalised: boolean): number {
  const n = total(m);
  const s = grayMarginal(m).reduce((t, v) => t + v * v, 0);
  return normalised ? s / (n * n) : s / n;
}

/** Σ_j p_s(j)² / N (normalised: / N²). */
export function sizeNonUniformity(m: SizeMatrix, normalised: boolean): number {
  const n = total(m);
  const s = sizeMarginal(m).reduce((t, v) => t + v * v, 0);
  return normalised ? s / (n * n) : s / n;
}

/** Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i. */
export function grayVariance(m: SizeMatrix): number {
  const n = total(m);
  const mu = weightedSum(m, (i) => i) / n;
  return weightedSum(m, (i) => (i - mu) ** 2) / n;
}

/** Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j. */
export function sizeVariance(m: SizeMatrix): number {
  const n = total(m);
  const mu = weightedSum(m, (_i, j) => j) / n;
  return weightedSum(m, (_i, j) => (j - mu) ** 2) / n;
}

/** −Σ p(i,j) log2(p(i,j) + ε). */
export function matrixEntropy(m: SizeMatrix): number {
  const n = total(m);
  let h = 0;
  for (const v of m.P) {
    const p = v / n;
    h -= p * Math.log2(p + EPS);
  }
  return h;
}
