/**
 * Gray Level Dependence Matrix features, after PyRadiomics `gldm.py` (RadiomicsGLDM) and the
 * GLDM of `cmatrices.c`. A neighbour (± every angle of generateAngles, inside the ROI) depends
 * on the centre voxel when |g_neighbour − g_centre| ≤ α (`gldm_a`); P(i,j) counts ROI voxels of
 * gray level i with j − 1 dependent neighbours (j = 1 for none). N_z = Σ P(i,j) = the number of
 * ROI voxels, p(i,j) = P(i,j)/N_z. One matrix; no angle averaging.
 */
import type { DiscretisedRoi, FeatureValues, TextureSettings } from './types.ts';
import { maxGrayLevel } from './texture/common.ts';
import { forEachRoiVoxel, neighbourVisitor } from './texture/neighbours.ts';
import {
  type SizeMatrix,
  addToSizeMatrix,
  createSizeMatrix,
  emphasis,
  grayNonUniformity,
  grayVariance,
  matrixEntropy,
  sizeNonUniformity,
  sizeVariance,
} from './texture/sizeMatrix.ts';

export function gldmMatrix(roi: DiscretisedRoi, s: TextureSettings): SizeMatrix {
  const neighbours = neighbourVisitor(roi, s);
  const counts: [number, number][] = [];
  let maxDep = 1;
  forEachRoiVoxel(roi, (v, i, j, k) => {
    const g = roi.gray[v]!;
    let dep = 1;
    neighbours(v, i, j, k, (n) => {
      if (roi.mask[n] && Math.abs(roi.gray[n]! - g) <= s.gldmA) dep += 1;
    });
    counts.push([g, dep]);
    maxDep = Math.max(maxDep, dep);
  });
  const m = createSizeMatrix(Math.max(maxGrayLevel(roi), 1), maxDep);
  for (const [g, dep] of counts) addToSizeMatrix(m, g, dep);
  return m;
}

/** SDE = Σ P(i,j)/j² / N_z */
export const SmallDependenceEmphasis = (m: SizeMatrix): number => emphasis(m, (_i, j) => 1 / (j * j));
/** LDE = Σ P(i,j)·j² / N_z */
export const LargeDependenceEmphasis = (m: SizeMatrix): number => emphasis(m, (_i, j) => j * j);
/** GLN = Σ_i (Σ_j P(i,j))² / N_z */
export const GrayLevelNonUniformity = (m: SizeMatrix): number => grayNonUniformity(m, false);
/** DN = Σ_j (Σ_i P(i,j))² / N_z */
export const DependenceNonUniformity = (m: SizeMatrix): number => sizeNonUniformity(m, false);
/** DNN = Σ_j (Σ_i P(i,j))² / N_z² */
export const DependenceNonUniformityNormalized = (m: SizeMatrix): number => sizeNonUniformity(m, true);
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i */
export const GrayLevelVariance = (m: SizeMatrix): number => grayVariance(m);
/** DV = Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j */
export const DependenceVariance = (m: SizeMatrix): number => sizeVariance(m);
/** DE = −Σ p(i,j) log2(p(i,j) + ε) */
export const DependenceEntropy = (m: SizeMatrix): number => matrixEntropy(m);
/** LGLE = Σ P(i,j)/i² / N_z */
export const LowGrayLevelEmphasis = (m: SizeMatrix): number => emphasis(m, (i) => 1 / (i * i));
/** HGLE = Σ P(i,j)·i² / N_z */
export const HighGrayLevelEmphasis = (m: SizeMatrix): number => emphasis(m, (i) => i * i);
/** SDLGLE = Σ P(i,j)/(i² j²) / N_z */
export const SmallDependenceLowGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => 1 / (i * i * j * j));
/** SDHGLE = Σ P(i,j)·i²/j² / N_z */
export const SmallDependenceHighGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => (i * i) / (j * j));
/** LDLGLE = Σ P(i,j)·j²/i² / N_z */
export const LargeDependenceLowGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => (j * j) / (i * i));
/** LDHGLE = Σ P(i,j)·i²·j² / N_z */
export const LargeDependenceHighGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => i * i * j * j);

export const GLDM_FEATURES: Record<string, (m: SizeMatrix) => number> = {
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
  const m = gldmMatrix(roi, s);
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLDM_FEATURES)) out[name] = f(m);
  return out;
}
