/**
 * Gray Level Size Zone Matrix features, after PyRadiomics `glszm.py` (RadiomicsGLSZM) and the
 * GLSZM of `cmatrices.c`. A zone is a connected set of ROI voxels of one gray level, connected
 * through the neighbours of generateAngles (26-connectivity in 3D, 8 within slices with force2D).
 * P(i,j) counts zones of gray level i and size j; N_z = Σ P(i,j) zones, N_p ROI voxels,
 * p(i,j) = P(i,j)/N_z. One matrix; no angle averaging.
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
  total,
  weightedSum,
} from './texture/sizeMatrix.ts';

/** The GLSZM: zones found by flood fill over the neighbours of each voxel. */
export function glszmMatrix(roi: DiscretisedRoi, s: TextureSettings): SizeMatrix {
  const [nx, ny] = roi.size;
  const neighbours = neighbourVisitor(roi, s);
  const zones: [number, number][] = [];
  const done = new Uint8Array(roi.gray.length);
  let maxSize = 1;
  forEachRoiVoxel(roi, (start) => {
    if (done[start]) return;
    const g = roi.gray[start]!;
    done[start] = 1;
    const stack = [start];
    let size = 0;
    while (stack.length > 0) {
      const v = stack.pop()!;
      size += 1;
      const i = v % nx;
      const j = Math.floor(v / nx) % ny;
      const k = Math.floor(v / (nx * ny));
      neighbours(v, i, j, k, (n) => {
        if (done[n] || !roi.mask[n] || roi.gray[n] !== g) return;
        done[n] = 1;
        stack.push(n);
      });
    }
    zones.push([g, size]);
    maxSize = Math.max(maxSize, size);
  });
  const m = createSizeMatrix(Math.max(maxGrayLevel(roi), 1), maxSize);
  for (const [g, size] of zones) addToSizeMatrix(m, g, size);
  return m;
}

/** SAE = Σ P(i,j)/j² / N_z */
export const SmallAreaEmphasis = (m: SizeMatrix): number => emphasis(m, (_i, j) => 1 / (j * j));
/** LAE = Σ P(i,j)·j² / N_z */
export const LargeAreaEmphasis = (m: SizeMatrix): number => emphasis(m, (_i, j) => j * j);
/** GLN = Σ_i (Σ_j P(i,j))² / N_z */
export const GrayLevelNonUniformity = (m: SizeMatrix): number => grayNonUniformity(m, false);
/** GLNN = Σ_i (Σ_j P(i,j))² / N_z² */
export const GrayLevelNonUniformityNormalized = (m: SizeMatrix): number => grayNonUniformity(m, true);
/** SZN = Σ_j (Σ_i P(i,j))² / N_z */
export const SizeZoneNonUniformity = (m: SizeMatrix): number => sizeNonUniformity(m, false);
/** SZNN = Σ_j (Σ_i P(i,j))² / N_z² */
export const SizeZoneNonUniformityNormalized = (m: SizeMatrix): number => sizeNonUniformity(m, true);
/** ZP = N_z / N_p (N_p = Σ P(i,j)·j, the ROI voxel count) */
export const ZonePercentage = (m: SizeMatrix): number => total(m) / weightedSum(m, (_i, j) => j);
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i */
export const GrayLevelVariance = (m: SizeMatrix): number => grayVariance(m);
/** ZV = Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j */
export const ZoneVariance = (m: SizeMatrix): number => sizeVariance(m);
/** ZE = −Σ p(i,j) log2(p(i,j) + ε) */
export const ZoneEntropy = (m: SizeMatrix): number => matrixEntropy(m);
/** LGLZE = Σ P(i,j)/i² / N_z */
export const LowGrayLevelZoneEmphasis = (m: SizeMatrix): number => emphasis(m, (i) => 1 / (i * i));
/** HGLZE = Σ P(i,j)·i² / N_z */
export const HighGrayLevelZoneEmphasis = (m: SizeMatrix): number => emphasis(m, (i) => i * i);
/** SALGLE = Σ P(i,j)/(i² j²) / N_z */
export const SmallAreaLowGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => 1 / (i * i * j * j));
/** SAHGLE = Σ P(i,j)·i²/j² / N_z */
export const SmallAreaHighGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => (i * i) / (j * j));
/** LALGLE = Σ P(i,j)·j²/i² / N_z */
export const LargeAreaLowGrayLevelEmphasis = (m: SizeMatrix): number =>
  emphasis(m, (i, j) => (j * j) / (i * i));
/** LAHGLE = Σ P(i,j)·i²·j² / N_z */
export const LargeAreaHighGrayLevelEmphasis = (m: SizeMatrix): number => emphasis(m, (i, j) => i * i * j * j);

export const GLSZM_FEATURES: Record<string, (m: SizeMatrix) => number> = {
  GrayLevelNonUniformity,
  GrayLevelNonUniformityNormalized,
  GrayLevelVariance,
  HighGrayLevelZoneEmphasis,
  LargeAreaEmphasis,
  LargeAreaHighGrayLevelEmphasis,
  LargeAreaLowGrayLevelEmphasis,
  LowGrayLevelZoneEmphasis,
  SizeZoneNonUniformity,
  SizeZoneNonUniformityNormalized,
  SmallAreaEmphasis,
  SmallAreaHighGrayLevelEmphasis,
  SmallAreaLowGrayLevelEmphasis,
  ZoneEntropy,
  ZonePercentage,
  ZoneVariance,
};

export function computeGlszmFeatures(roi: DiscretisedRoi, s: TextureSettings): FeatureValues {
  const m = glszmMatrix(roi, s);
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLSZM_FEATURES)) out[name] = f(m);
  return out;
}
