/**
 * Neighbouring Gray Tone Difference Matrix features, after PyRadiomics `ngtdm.py`
 * (RadiomicsNGTDM) and the NGTDM of `cmatrices.c`. For each ROI voxel with at least one
 * neighbour in the ROI (± every angle of generateAngles), Ā = mean gray level of those
 * neighbours; n_i = number of such voxels of gray level i, s_i = Σ |i − Ā| over them,
 * N_vp = Σ n_i, p_i = n_i / N_vp, N_gp = number of levels with p_i ≠ 0. Sums over i, j run over
 * levels with p ≠ 0.
 */
import type { DiscretisedRoi, FeatureValues, TextureSettings } from './types.ts';
import { anglePadding, paddedGrid } from './texture/common.ts';
import { neighbourSteps } from './texture/neighbours.ts';

export interface Ngtdm {
  /** Gray levels with p_i ≠ 0, ascending, with their n_i, p_i and s_i. */
  levels: number[];
  n: number[];
  p: number[];
  s: number[];
  nvp: number;
}

/** One pass over the ROI voxels: n_i and s_i accumulated per level, in scan order. */
export function ngtdmMatrix(roi: DiscretisedRoi, st: TextureSettings): Ngtdm {
  const grid = paddedGrid(roi, anglePadding(st));
  const n = new Float64Array(grid.maxGray + 1);
  const s = new Float64Array(grid.maxGray + 1);
  accumulate(grid.gray, grid.voxels, neighbourSteps(grid, st), n, s);
  const levels: number[] = [];
  for (let g = 0; g < n.length; g += 1) if (n[g] !== 0) levels.push(g);
  const nv = levels.map((g) => n[g]!);
  const nvp = nv.reduce((t, x) => t + x, 0);
  return { levels, n: nv, p: nv.map((x) => x / nvp), s: levels.map((g) => s[g]!), nvp };
}

/** n[g] += 1 and s[g] += |g − Ā| for every ROI voxel of level g with a neighbour in the ROI. */
function accumulate(
  gray: Int32Array,
  voxels: Int32Array,
  steps: Int32Array,
  n: Float64Array,
  s: Float64Array,
): void {
  for (let c = 0; c < voxels.length; c += 1) {
    const v = voxels[c]!;
    let sum = 0;
    let count = 0;
    for (let d = 0; d < steps.length; d += 1) {
      const h = gray[v + steps[d]!]!;
      sum += h; // 0 outside the ROI
      count += +(h !== 0);
    }
    if (count === 0) continue;
    const g = gray[v]!;
    n[g]! += 1;
    s[g]! += Math.abs(g - sum / count);
  }
}

/** Σ_i Σ_j f(i, j) over pairs of levels with p ≠ 0 (indices into levels). */
function pairSum(m: Ngtdm, f: (a: number, b: number) => number): number {
  let t = 0;
  for (let a = 0; a < m.levels.length; a += 1) for (let b = 0; b < m.levels.length; b += 1) t += f(a, b);
  return t;
}

/** coarseness = 1 / Σ p_i s_i; 10⁶ when the sum is 0. */
export function Coarseness(m: Ngtdm): number {
  const d = m.p.reduce((t, p, a) => t + p * m.s[a]!, 0);
  return d === 0 ? 1e6 : 1 / d;
}
/** contrast = (1/(N_gp(N_gp−1)) Σ Σ p_i p_j (i − j)²)(Σ s_i / N_vp); 0 when N_gp = 1. */
export function Contrast(m: Ngtdm): number {
  const ngp = m.levels.length;
  if (ngp <= 1) return 0;
  const l = m.levels;
  const a = pairSum(m, (x, y) => m.p[x]! * m.p[y]! * (l[x]! - l[y]!) ** 2) / (ngp * (ngp - 1));
  return (a * m.s.reduce((t, v) => t + v, 0)) / m.nvp;
}
/** busyness = Σ p_i s_i / Σ Σ |i p_i − j p_j|; 0 when the denominator is 0. */
export function Busyness(m: Ngtdm): number {
  const l = m.levels;
  const num = m.p.reduce((t, p, a) => t + p * m.s[a]!, 0);
  const den = pairSum(m, (x, y) => Math.abs(l[x]! * m.p[x]! - l[y]! * m.p[y]!));
  return den === 0 ? 0 : num / den;
}
/** complexity = (1/N_vp) Σ Σ |i − j| (p_i s_i + p_j s_j)/(p_i + p_j) */
export function Complexity(m: Ngtdm): number {
  const l = m.levels;
  return (
    pairSum(
      m,
      (x, y) => (Math.abs(l[x]! - l[y]!) * (m.p[x]! * m.s[x]! + m.p[y]! * m.s[y]!)) / (m.p[x]! + m.p[y]!),
    ) / m.nvp
  );
}
/** strength = Σ Σ (p_i + p_j)(i − j)² / Σ s_i; 0 when Σ s_i = 0. */
export function Strength(m: Ngtdm): number {
  const l = m.levels;
  const ssum = m.s.reduce((t, v) => t + v, 0);
  if (ssum === 0) return 0;
  return pairSum(m, (x, y) => (m.p[x]! + m.p[y]!) * (l[x]! - l[y]!) ** 2) / ssum;
}

export const NGTDM_FEATURES: Record<string, (m: Ngtdm) => number> = {
  Busyness,
  Coarseness,
  Complexity,
  Contrast,
  Strength,
};

export function computeNgtdmFeatures(roi: DiscretisedRoi, s: TextureSettings): FeatureValues {
  const m = ngtdmMatrix(roi, s);
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(NGTDM_FEATURES)) out[name] = f(m);
  return out;
}
