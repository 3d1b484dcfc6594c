/**
 * Gray Level Dependence Matrix features, after PyRadiomics `gldm.py` (RadiomicsGLDM) and the
 * GLDM of `cmatrices.c`. A neighbour (± every angle of generateAngles, inside the ROI) depends
 * on the centre voxel when |g_neighbour − g_centre| ≤ α (`gldm_a`); P(i,j) counts ROI voxels of
 * gray level i with j − 1 dependent neighbours (j = 1 for none). N_z = Σ P(i,j) = the number of
 * ROI voxels, p(i,j) = P(i,j)/N_z. One matrix; no angle averaging.
 */
import type { DiscretisedRoi, FeatureValues, TextureSettings } from './types.ts';
import { anglePadding, paddedGrid } from './texture/common.ts';
import { neighbourSteps } from './texture/neighbours.ts';
import {
  type SizeCoefficients,
  type SizeMatrix,
  addToSizeMatrix,
  createSizeMatrix,
  emphasis,
  grayNonUniformity,
  grayVariance,
  matrixEntropy,
  sizeCoefficients,
  sizeNonUniformity,
  sizeVariance,
} from './texture/sizeMatrix.ts';

/**
 * The GLDM: one pass over the ROI voxels, counting the dependent neighbours of each. Levels are
 * integers, so |h − g| ≤ α means h ∈ [g − ⌊α⌋, g + ⌊α⌋], and h ≠ 0 (inside the ROI) means
 * h ≥ 1: one unsigned range comparison per neighbour, without a branch.
 */
export function gldmMatrix(roi: DiscretisedRoi, s: TextureSettings): SizeMatrix {
  const grid = paddedGrid(roi, anglePadding(s));
  const steps = neighbourSteps(grid, s);
  // ⌊α⌋ (capped: levels are far below 2³⁰); −1 when nothing can be dependent (α < 0, NaN).
  const reach = s.gldmA >= 0 ? Math.min(Math.floor(s.gldmA), 2 ** 30) : -1;
  const deps = new Int32Array(grid.voxels.length);
  const maxDep = countDependences(grid.gray, grid.voxels, steps, reach, deps);
  const m = createSizeMatrix(Math.max(grid.maxGray, 1), maxDep);
  for (let n = 0; n < deps.length; n += 1) addToSizeMatrix(m, grid.gray[grid.voxels[n]!]!, deps[n]!);
  return m;
}

/** deps[n] = 1 + the dependent neighbours of voxel n; returns the largest. */
function countDependences(
  gray: Int32Array,
  voxels: Int32Array,
  steps: Int32Array,
  reach: number,
  deps: Int32Array,
): number {
  let maxDep = 1;
  for (let n = 0; n < voxels.length; n += 1) {
    const v = voxels[n]!;
    const g = gray[v]!;
    const lo = Math.max(1, g - reach);
    const span = g + reach - lo; // negative: empty range
    let dep = 1;
    if (span >= 0)
      for (let d = 0; d < steps.length; d += 1) dep += +((gray[v + steps[d]!]! - lo) >>> 0 <= span);
    deps[n] = dep;
    maxDep = dep > maxDep ? dep : maxDep;
  }
  return maxDep;
}

/** SDE = Σ P(i,j)/j² / N_z */
export const SmallDependenceEmphasis = (m: SizeCoefficients): number => emphasis(m, (_i, j) => 1 / (j * j));
/** LDE = Σ P(i,j)·j² / N_z */
export const LargeDependenceEmphasis = (m: SizeCoefficients): number => emphasis(m, (_i, j) => j * j);
/** GLN = Σ_i (Σ_j P(i,j))² / N_z */
export const GrayLevelNonUniformity = (m: SizeCoefficients): number => grayNonUniformity(m, false);
/** DN = Σ_j (Σ_i P(i,j))² / N_z */
export const DependenceNonUniformity = (m: SizeCoefficients): number => sizeNonUniformity(m, false);
/** DNN = Σ_j (Σ_i P(i,j))² / N_z² */
export const DependenceNonUniformityNormalized = (m: SizeCoefficients): number => sizeNonUniformity(m, true);
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i */
export const GrayLevelVariance = (m: SizeCoefficients): number => grayVariance(m);
/** DV = Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j */
export const DependenceVariance = (m: SizeCoefficients): number => sizeVariance(m);
/** DE = −Σ p(i,j) log2(p(i,j) + ε) */
export const DependenceEntropy = (m: SizeCoefficients): number => matrixEntropy(m);
/** LGLE = Σ P(i,j)/i² / N_z */
export const LowGrayLevelEmphasis = (m: SizeCoefficients): number => emphasis(m, (i) => 1 / (i * i));
/** HGLE = Σ P(i,j)·i² / N_z */
export const HighGrayLevelEmphasis = (m: SizeCoefficients): number => emphasis(m, (i) => i * i);
/** SDLGLE = Σ P(i,j)/(i² j²) / N_z */
export const SmallDependenceLowGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => 1 / (i * i * j * j));
/** SDHGLE = Σ P(i,j)·i²/j² / N_z */
export const SmallDependenceHighGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => (i * i) / (j * j));
/** LDLGLE = Σ P(i,j)·j²/i² / N_z */
export const LargeDependenceLowGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => (j * j) / (i * i));
/** LDHGLE = Σ P(i,j)·i²·j² / N_z */
export const LargeDependenceHighGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => i * i * j * j);

export const GLDM_FEATURES: Record<string, (m: SizeCoefficients) => number> = {
  DependenceEntropy,
  DependenceNonUniformity,
  DependenceNonUniformityNormalized,
  DependenceVariance,
  GrayLevelNonUniformity,
  GrayLevelVariance,
  HighGrayLevelEmphasis,
  LargeDependenceEmphasis,
  LargeDependenceHighGrayLevelEmphasis,
  LargeDependenceLowGrayLevelEmphasis,
  LowGrayLevelEmphasis,
  SmallDependenceEmphasis,
  SmallDependenceHighGrayLevelEmphasis,
  SmallDependenceLowGrayLevelEmphasis,
};

export function computeGldmFeatures(roi: DiscretisedRoi, s: TextureSettings): FeatureValues {
  const m = sizeCoefficients(gldmMatrix(roi, s));
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLDM_FEATURES)) out[name] = f(m);
  return out;
}
