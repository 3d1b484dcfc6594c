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
  angleWeight,
  forEachPair,
  generateAngles,
  maskExtent,
  maxGrayLevel,
  nanMean,
} from './texture/common.ts';
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
  total,
  weightedSum,
} from './texture/sizeMatrix.ts';

/** GLRLMs per angle (or merged by weightingNorm), empty angles removed. */
export function glrlmMatrices(roi: DiscretisedRoi, s: TextureSettings): SizeMatrix[] {
  const ng = Math.max(maxGrayLevel(roi), 1);
  const nr = Math.max(...roi.size);
  const angles = generateAngles(maskExtent(roi), s);
  const [nx, ny] = roi.size;
  let mats = angles.map((a) => {
    const m = createSizeMatrix(ng, nr);
    const step = a.di + nx * (a.dj + ny * a.dk);
    // Run starts: ROI voxels whose predecessor (v − angle) is off-grid, outside the ROI or of another level.
    const continues = new Uint8Array(roi.gray.length);
    forEachPair(roi, a, -1, (v, prev) => {
      if (roi.mask[prev] && roi.gray[prev] === roi.gray[v]) continues[v] = 1;
    });
    const hasNext = new Uint8Array(roi.gray.length);
    forEachPair(roi, a, 1, (v, next) => {
      if (roi.mask[next] && roi.gray[next] === roi.gray[v]) hasNext[v] = 1;
    });
    for (let v = 0; v < roi.gray.length; v += 1) {
      if (!roi.mask[v] || continues[v]) continue;
      let len = 1;
      let cur = v;
      while (hasNext[cur]) {
        cur += step;
        len += 1;
      }
      addToSizeMatrix(m, roi.gray[v]!, len);
    }
    return m;
  });
  if (s.weightingNorm != null && mats.length > 0) {
    const merged = createSizeMatrix(ng, nr);
    angles.forEach((a, idx) => {
      const w = angleWeight(a, roi.spacingMm, s.weightingNorm);
      mats[idx]!.P.forEach((x, c) => {
        merged.P[c]! += w * x;
      });
    });
    mats = [merged];
  }
  if (mats.length > 1) mats = mats.filter((m) => total(m) > 0);
  return mats;
}

/** SRE = Σ P(i,j)/j² / N_r */
export const ShortRunEmphasis = (m: SizeMatrix): number => emphasis(m, (_i, j) => 1 / (j * j));
/** LRE = Σ P(i,j)·j² / N_r */
export const LongRunEmphasis = (m: SizeMatrix): number => emphasis(m, (_i, j) => j * j);
/** GLN = Σ_i (Σ_j P(i,j))² / N_r */
export const GrayLevelNonUniformity = (m: SizeMatrix): number => grayNonUniformity(m, false);
/** GLNN = Σ_i (Σ_j P(i,j))² / N_r² */
export const GrayLevelNonUniformityNormalized = (m: SizeMatrix): number => grayNonUniformity(m, true);
/** RLN = Σ_j (Σ_i P(i,j))² / N_r */
export const RunLengthNonUniformity = (m: SizeMatrix): number => sizeNonUniformity(m, false);
/** RLNN = Σ_j (Σ_i P(i,j))² / N_r² */
export const RunLengthNonUniformityNormalized = (m: SizeMatrix): number => sizeNonUniformity(m, true);
/** RP = N_r / N_p, N_p = Σ P(i,j)·j */
export const RunPercentage = (m: SizeMatrix): number => total(m) / weightedSum(m, (_i, j) => j);
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i */
export const GrayLevelVariance = (m: SizeMatrix): number => grayVariance(m);
/** RV = Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j */
export const RunVariance = (m: SizeMatrix): number => sizeVariance(m);
/** RE = −Σ p(i,j) log2(p(i,j) + ε) */
export const RunEntropy = (m: SizeMatrix): number => matrixEntropy(m);
/** LGLRE = Σ P(i,j)/i² / N_r */
export const LowGrayLevelRunEmphasis = (m: SizeMatrix): number => emphasis(m, (i) => 1 / (i * i));
/** HGLRE = Σ P(i,j)·i² / N_r */
export const HighGrayLevelRunEmphasis = (m: SizeMatrix): number => emphasis(m, (i) => i * i);
/** SRLGLE = Σ P(i,j)/(i² j²) / N_r */
export const ShortRunLowGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => 1 / (i * i * j * j));
/** SRHGLE = Σ P(i,j)·i²/j² / N_r */
export const ShortRunHighGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => (i * i) / (j * j));
/** LRLGLE = Σ P(i,j)·j²/i² / N_r */
export const LongRunLowGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => (j * j) / (i * i));
/** LRHGLE = Σ P(i,j)·i²·j² / N_r */
export const LongRunHighGrayLevelEmphasis = (m: SizeMatrix): number => emphasis(m, (i, j) => i * i * j * j);

export const GLRLM_FEATURES: Record<string, (m: SizeMatrix) => number> = {
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
  const mats = glrlmMatrices(roi, s);
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLRLM_FEATURES)) out[name] = nanMean(mats.map(f));
  return out;
}
