/**
 * Gray Level Run Length Matrix features, after PyRadiomics `glrlm.py` (RadiomicsGLRLM) and the
 * GLRLM of `cmatrices.c`. P(i,j|θ) counts runs of gray level i and length j along angle θ (a run
 * is a maximal line of consecutive ROI voxels of one gray level; voxels outside the ROI end it).
 * N_r = Σ P(i,j) the number of runs, N_p = Σ P(i,j)·j the number of voxels (3.x definition,
 * which makes RunPercentage correct for merged angles; the breast1_combined reference agrees),
 * p(i,j) = P(i,j)/N_r. Features are computed per angle and averaged (numpy.nanmean), or on one
 * matrix merged with the `weightingNorm` weights. Empty gray levels only add zero rows, which
 * no GLRLM feature sees.
 */
import type { DiscretisedRoi, FeatureValues, TextureSettings } from './types.ts';
import {
  anglePadding,
  angleWeight,
  generateAngles,
  gridStep,
  nanMean,
  paddedGrid,
} from './texture/common.ts';
import {
  type SizeCoefficients,
  type SizeMatrix,
  createSizeMatrix,
  emphasis,
  grayNonUniformity,
  grayVariance,
  matrixEntropy,
  sizeCoefficients,
  sizeNonUniformity,
  sizeVariance,
  total,
  weightedSum,
} from './texture/sizeMatrix.ts';

/**
 * GLRLMs per angle (or merged by weightingNorm), empty angles removed. A run starts at an ROI
 * voxel whose predecessor (v − angle) is off the grid, outside the ROI or of another level.
 * The voxels are visited in reverse scan order, so that v + angle (a positive index step: the
 * first non-zero component of every angle is positive) comes before v; the length of the run
 * from v onwards is then 1 + (same level ahead) · (length from v + angle), and a run start
 * counts that length. Written without branches: a voxel that is no run start adds to column 0
 * of a scratch matrix with an extra row and column, which is dropped.
 */
export function glrlmMatrices(roi: DiscretisedRoi, s: TextureSettings): SizeMatrix[] {
  const grid = paddedGrid(roi, anglePadding(s));
  const ng = Math.max(grid.maxGray, 1);
  const nr = Math.max(...roi.size);
  const angles = generateAngles(grid.extent, s);
  const { gray, voxels } = grid;
  const runFrom = new Int32Array(gray.length);
  const w = nr + 1;
  const scratch = new Float64Array((ng + 1) * w);
  let mats = angles.map((a) => {
    scratch.fill(0);
    countRuns(gray, voxels, gridStep(grid, a.di, a.dj, a.dk), runFrom, scratch, w);
    const m = createSizeMatrix(ng, nr);
    for (let g = 1; g <= ng; g += 1)
      for (let len = 1; len <= nr; len += 1) m.P[(g - 1) * nr + (len - 1)] = scratch[g * w + len]!;
    return m;
  });
  if (s.weightingNorm != null && mats.length > 0) {
    const merged = createSizeMatrix(ng, nr);
    angles.forEach((a, idx) => {
      const w = angleWeight(a, roi.spacingMm, s.weightingNorm);
      const P = mats[idx]!.P;
      for (let c = 0; c < P.length; c += 1) merged.P[c]! += w * P[c]!;
    });
    mats = [merged];
  }
  if (mats.length > 1) mats = mats.filter((m) => total(m) > 0);
  return mats;
}

/** The run loop of glrlmMatrices for one angle (index step `step`), into `scratch` (row width w). */
function countRuns(
  gray: Int32Array,
  voxels: Int32Array,
  step: number,
  runFrom: Int32Array,
  scratch: Float64Array,
  w: number,
): void {
  for (let n = voxels.length - 1; n >= 0; n -= 1) {
    const v = voxels[n]!;
    const g = gray[v]!;
    const len = 1 + +(gray[v + step] === g) * runFrom[v + step]!;
    runFrom[v] = len;
    scratch[g * w + len * +(gray[v - step] !== g)]! += 1;
  }
}

/** SRE = Σ P(i,j)/j² / N_r */
export const ShortRunEmphasis = (m: SizeCoefficients): number => emphasis(m, (_i, j) => 1 / (j * j));
/** LRE = Σ P(i,j)·j² / N_r */
export const LongRunEmphasis = (m: SizeCoefficients): number => emphasis(m, (_i, j) => j * j);
/** GLN = Σ_i (Σ_j P(i,j))² / N_r */
export const GrayLevelNonUniformity = (m: SizeCoefficients): number => grayNonUniformity(m, false);
/** GLNN = Σ_i (Σ_j P(i,j))² / N_r² */
export const GrayLevelNonUniformityNormalized = (m: SizeCoefficients): number => grayNonUniformity(m, true);
/** RLN = Σ_j (Σ_i P(i,j))² / N_r */
export const RunLengthNonUniformity = (m: SizeCoefficients): number => sizeNonUniformity(m, false);
/** RLNN = Σ_j (Σ_i P(i,j))² / N_r² */
export const RunLengthNonUniformityNormalized = (m: SizeCoefficients): number => sizeNonUniformity(m, true);
/** RP = N_r / N_p, N_p = Σ P(i,j)·j */
export const RunPercentage = (m: SizeCoefficients): number => m.N / weightedSum(m, (_i, j) => j);
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i */
export const GrayLevelVariance = (m: SizeCoefficients): number => grayVariance(m);
/** RV = Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j */
export const RunVariance = (m: SizeCoefficients): number => sizeVariance(m);
/** RE = −Σ p(i,j) log2(p(i,j) + ε) */
export const RunEntropy = (m: SizeCoefficients): number => matrixEntropy(m);
/** LGLRE = Σ P(i,j)/i² / N_r */
export const LowGrayLevelRunEmphasis = (m: SizeCoefficients): number => emphasis(m, (i) => 1 / (i * i));
/** HGLRE = Σ P(i,j)·i² / N_r */
export const HighGrayLevelRunEmphasis = (m: SizeCoefficients): number => emphasis(m, (i) => i * i);
/** SRLGLE = Σ P(i,j)/(i² j²) / N_r */
export const ShortRunLowGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => 1 / (i * i * j * j));
/** SRHGLE = Σ P(i,j)·i²/j² / N_r */
export const ShortRunHighGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => (i * i) / (j * j));
/** LRLGLE = Σ P(i,j)·j²/i² / N_r */
export const LongRunLowGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => (j * j) / (i * i));
/** LRHGLE = Σ P(i,j)·i²·j² / N_r */
export const LongRunHighGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => i * i * j * j);

export const GLRLM_FEATURES: Record<string, (m: SizeCoefficients) => number> = {
  GrayLevelNonUniformity,
  GrayLevelNonUniformityNormalized,
  GrayLevelVariance,
  HighGrayLevelRunEmphasis,
  LongRunEmphasis,
  LongRunHighGrayLevelEmphasis,
  LongRunLowGrayLevelEmphasis,
  LowGrayLevelRunEmphasis,
  RunEntropy,
  RunLengthNonUniformity,
  RunLengthNonUniformityNormalized,
  RunPercentage,
  RunVariance,
  ShortRunEmphasis,
  ShortRunHighGrayLevelEmphasis,
  ShortRunLowGrayLevelEmphasis,
};

export function computeGlrlmFeatures(roi: DiscretisedRoi, s: TextureSettings): FeatureValues {
  const coeffs = glrlmMatrices(roi, s).map(sizeCoefficients);
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLRLM_FEATURES)) out[name] = nanMean(coeffs.map(f));
  return out;
}
