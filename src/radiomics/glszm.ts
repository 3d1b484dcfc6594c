/**
 * Gray Level Size Zone Matrix features, after PyRadiomics `glszm.py` (RadiomicsGLSZM) and the
 * GLSZM of `cmatrices.c`. A zone is a connected set of ROI voxels of one gray level, connected
 * through the neighbours of generateAngles (26-connectivity in 3D, 8 within slices with force2D).
 * P(i,j) counts zones of gray level i and size j; N_z = Σ P(i,j) zones, N_p ROI voxels,
 * p(i,j) = P(i,j)/N_z. One matrix; no angle averaging.
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
  sizeCoefficientsFromPairs,
  sizeNonUniformity,
  sizeVariance,
  weightedSum,
} from './texture/sizeMatrix.ts';

/** The zones of the ROI: gray level and size of each, in the order they are found. */
interface Zones {
  ng: number;
  count: number;
  gray: Int32Array;
  size: Int32Array;
  maxSize: number;
}

/** Zones found by flood fill over the neighbours of each voxel (see floodZones). */
function findZones(roi: DiscretisedRoi, s: TextureSettings): Zones {
  const grid = paddedGrid(roi, anglePadding(s));
  const nv = grid.voxels.length;
  const gray = new Int32Array(nv);
  const size = new Int32Array(nv);
  const count = floodZones(grid.gray, grid.voxels, neighbourSteps(grid, s), gray, size);
  let maxSize = 1;
  for (let z = 0; z < count; z += 1) maxSize = Math.max(maxSize, size[z]!);
  return { ng: Math.max(grid.maxGray, 1), count, gray, size, maxSize };
}

/**
 * Flood fill (an explicit stack) from every ROI voxel not yet in a zone, in scan order; returns
 * the number of zones, their levels and sizes in zoneGray, zoneSize. Voxels taken into a zone
 * are cleared on `gray` (the caller's private padded grid), which marks them done.
 */
function floodZones(
  gray: Int32Array,
  voxels: Int32Array,
  steps: Int32Array,
  zoneGray: Int32Array,
  zoneSize: Int32Array,
): number {
  const stack = new Int32Array(voxels.length);
  let zones = 0;
  for (let n = 0; n < voxels.length; n += 1) {
    const start = voxels[n]!;
    const g = gray[start]!;
    if (g === 0) continue; // already in a zone
    gray[start] = 0;
    stack[0] = start;
    let top = 1;
    let size = 0;
    while (top > 0) {
      top -= 1;
      const v = stack[top]!;
      size += 1;
      for (let d = 0; d < steps.length; d += 1) {
        const nb = v + steps[d]!;
        if (gray[nb] !== g) continue;
        gray[nb] = 0;
        stack[top] = nb;
        top += 1;
      }
    }
    zoneGray[zones] = g;
    zoneSize[zones] = size;
    zones += 1;
  }
  return zones;
}

/** The GLSZM as a dense Ng × (largest zone) matrix. */
export function glszmMatrix(roi: DiscretisedRoi, s: TextureSettings): SizeMatrix {
  const z = findZones(roi, s);
  const m = createSizeMatrix(z.ng, z.maxSize);
  for (let e = 0; e < z.count; e += 1) addToSizeMatrix(m, z.gray[e]!, z.size[e]!);
  return m;
}

/** SAE = Σ P(i,j)/j² / N_z */
export const SmallAreaEmphasis = (m: SizeCoefficients): number => emphasis(m, (_i, j) => 1 / (j * j));
/** LAE = Σ P(i,j)·j² / N_z */
export const LargeAreaEmphasis = (m: SizeCoefficients): number => emphasis(m, (_i, j) => j * j);
/** GLN = Σ_i (Σ_j P(i,j))² / N_z */
export const GrayLevelNonUniformity = (m: SizeCoefficients): number => grayNonUniformity(m, false);
/** GLNN = Σ_i (Σ_j P(i,j))² / N_z² */
export const GrayLevelNonUniformityNormalized = (m: SizeCoefficients): number => grayNonUniformity(m, true);
/** SZN = Σ_j (Σ_i P(i,j))² / N_z */
export const SizeZoneNonUniformity = (m: SizeCoefficients): number => sizeNonUniformity(m, false);
/** SZNN = Σ_j (Σ_i P(i,j))² / N_z² */
export const SizeZoneNonUniformityNormalized = (m: SizeCoefficients): number => sizeNonUniformity(m, true);
/** ZP = N_z / N_p (N_p = Σ P(i,j)·j, the ROI voxel count) */
export const ZonePercentage = (m: SizeCoefficients): number => m.N / weightedSum(m, (_i, j) => j);
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i */
export const GrayLevelVariance = (m: SizeCoefficients): number => grayVariance(m);
/** ZV = Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j */
export const ZoneVariance = (m: SizeCoefficients): number => sizeVariance(m);
/** ZE = −Σ p(i,j) log2(p(i,j) + ε) */
export const ZoneEntropy = (m: SizeCoefficients): number => matrixEntropy(m);
/** LGLZE = Σ P(i,j)/i² / N_z */
export const LowGrayLevelZoneEmphasis = (m: SizeCoefficients): number => emphasis(m, (i) => 1 / (i * i));
/** HGLZE = Σ P(i,j)·i² / N_z */
export const HighGrayLevelZoneEmphasis = (m: SizeCoefficients): number => emphasis(m, (i) => i * i);
/** SALGLE = Σ P(i,j)/(i² j²) / N_z */
export const SmallAreaLowGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => 1 / (i * i * j * j));
/** SAHGLE = Σ P(i,j)·i²/j² / N_z */
export const SmallAreaHighGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => (i * i) / (j * j));
/** LALGLE = Σ P(i,j)·j²/i² / N_z */
export const LargeAreaLowGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => (j * j) / (i * i));
/** LAHGLE = Σ P(i,j)·i²·j² / N_z */
export const LargeAreaHighGrayLevelEmphasis = (m: SizeCoefficients): number =>
  emphasis(m, (i, j) => i * i * j * j);

export const GLSZM_FEATURES: Record<string, (m: SizeCoefficients) => number> = {
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
  // The dense matrix is mostly empty (Ng × the largest zone): coefficients from the zones.
  const z = findZones(roi, s);
  const m = sizeCoefficientsFromPairs(z.ng, z.maxSize, z.gray, z.size, z.count);
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLSZM_FEATURES)) out[name] = f(m);
  return out;
}
