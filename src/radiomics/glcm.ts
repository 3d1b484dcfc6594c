/**
 * Gray Level Co-occurrence Matrix features, after PyRadiomics `glcm.py` (RadiomicsGLCM) and the
 * GLCM of `cmatrices.c`. Notation as in its documentation: P(i,j) the co-occurrence counts for
 * one angle, p(i,j) = P(i,j)/ΣP, p_x(i) = Σ_j p(i,j), p_y(j) = Σ_i p(i,j), μ_x = Σ p(i,j)·i,
 * μ_y = Σ p(i,j)·j, σ_x, σ_y their standard deviations, p_{x+y}(k) = Σ_{i+j=k} p(i,j),
 * p_{x-y}(k) = Σ_{|i-j|=k} p(i,j), HX, HY, HXY, HXY1, HXY2 the entropies, ε = numpy.spacing(1).
 * Each feature is computed per angle and averaged over angles (numpy.nanmean), unless
 * `weightingNorm` merges the angles into one matrix first.
 *
 * Ng: the reference values (PyRadiomics 1.3–2.x, full-python) index the matrix by the gray
 * levels 1..Ng with Ng = the highest gray level inside the ROI, empty levels below it kept as
 * zero rows/columns (verified on breast1: bin width 25 has 4 bins but levels 1..3, and the
 * reference Idmn/Idn need Ng = 3; bin count 64 has levels up to 64 with 10 of them empty, and
 * the reference needs Ng = 64). PyRadiomics 3.x deletes the empty gray levels and uses the
 * number of levels present instead; only Idmn and Idn (which divide by Ng) differ. We match
 * the reference.
 */
import type { DiscretisedRoi, FeatureValues, TextureSettings } from './types.ts';
import {
  EPS,
  anglePadding,
  angleWeight,
  entropy,
  generateAngles,
  gridStep,
  maxGrayLevel,
  nanMean,
  paddedGrid,
  type PaddedGrid,
} from './texture/common.ts';
import { symmetricEigenvaluesTridiagonal } from './linalg.ts';

/** Per-angle quantities of one normalised GLCM (levels 1..ng, row-major p[(i-1)*ng + (j-1)]). */
export interface GlcmCoefficients {
  ng: number;
  /** Ng as the features Idmn and Idn use it. */
  ngNorm: number;
  p: Float64Array;
  px: Float64Array;
  py: Float64Array;
  ux: number;
  uy: number;
  sigx: number;
  sigy: number;
  /** p_{x+y}(k) at index k (k = 2..2Ng). */
  pxAddy: Float64Array;
  /** p_{x-y}(k) at index k (k = 0..Ng−1). */
  pxSuby: Float64Array;
  HX: number;
  HY: number;
  HXY: number;
  HXY1: number;
  HXY2: number;
  /** Gray levels present in the ROI (for MCC's flat-region rule). */
  nPresent: number;
}

/** Number of gray levels the GLCM is indexed by: the highest gray level in the ROI (see above). */
export function glcmLevels(roi: DiscretisedRoi): number {
  return Math.max(maxGrayLevel(roi), 1);
}

/**
 * Raw (unnormalised) GLCMs, one per angle (or one merged matrix when weightingNorm is set),
 * empty angles removed. Pairs are (v, v + angle), both inside the mask; with symmetricalGLCM
 * the transpose is added (P + Pᵀ), as glcm.py does.
 */
export function glcmMatrices(roi: DiscretisedRoi, s: TextureSettings, ng: number): Float64Array[] {
  return glcmMatricesOnGrid(paddedGrid(roi, anglePadding(s)), roi.spacingMm, s, ng);
}

/**
 * glcmMatrices on the padded grid. Counted without a branch: a neighbour outside the ROI (level
 * 0) lands in row/column 0 of a scratch matrix indexed 0..ng, which is dropped. Even and odd
 * voxels count into two scratch matrices, so that consecutive increments of one cell do not
 * wait on each other.
 */
function glcmMatricesOnGrid(
  grid: PaddedGrid,
  spacingMm: readonly number[],
  s: TextureSettings,
  ng: number,
): Float64Array[] {
  const angles = generateAngles(grid.extent, s);
  const { gray, voxels } = grid;
  const w = ng + 1;
  const even = new Int32Array(w * w);
  const odd = new Int32Array(w * w);
  let mats = angles.map((a) => {
    even.fill(0);
    odd.fill(0);
    countPairs(gray, voxels, gridStep(grid, a.di, a.dj, a.dk), w, even, odd);
    const m = new Float64Array(ng * ng);
    for (let i = 0; i < ng; i += 1)
      for (let j = 0; j < ng; j += 1) {
        const c = (i + 1) * w + j + 1;
        m[i * ng + j] = even[c]! + odd[c]!;
      }
    if (s.symmetricalGLCM) {
      for (let i = 0; i < ng; i += 1)
        for (let j = i; j < ng; j += 1) {
          const t = m[i * ng + j]! + m[j * ng + i]!;
          m[i * ng + j] = t;
          m[j * ng + i] = t;
        }
    }
    return m;
  });
  if (s.weightingNorm != null && mats.length > 0) {
    const merged = new Float64Array(ng * ng);
    angles.forEach((a, idx) => {
      const w = angleWeight(a, spacingMm, s.weightingNorm);
      const m = mats[idx]!;
      for (let c = 0; c < merged.length; c += 1) merged[c]! += w * m[c]!;
    });
    mats = [merged];
  }
  // Delete empty angles (no pair inside the ROI along that direction).
  if (mats.length > 1) mats = mats.filter((m) => m.some((x) => x > 0));
  return mats;
}

/** The pair loop of glcmMatricesOnGrid for one angle (index step `step`). */
function countPairs(
  gray: Int32Array,
  voxels: Int32Array,
  step: number,
  w: number,
  even: Int32Array,
  odd: Int32Array,
): void {
  const nv = voxels.length;
  // An odd voxel out first, so that the loop is the last thing the function does.
  if (nv % 2 === 1) even[gray[voxels[0]!]! * w + gray[voxels[0]! + step]!]! += 1;
  for (let n = nv % 2; n < nv; n += 2) {
    const v = voxels[n]!;
    const u = voxels[n + 1]!;
    even[gray[v]! * w + gray[v + step]!]! += 1;
    odd[gray[u]! * w + gray[u + step]!]! += 1;
  }
}

/**
 * The per-angle coefficients. Zero cells of p add nothing to any sum (their terms are 0), so
 * they are skipped; log2 is taken once per cell for HXY1 and HXY2.
 */
export function glcmCoefficients(
  P: Float64Array,
  ng: number,
  ngNorm: number,
  nPresent: number,
): GlcmCoefficients {
  let total = 0;
  for (let c = 0; c < P.length; c += 1) total += P[c]!;
  const p = new Float64Array(P.length);
  for (let c = 0; c < P.length; c += 1) p[c] = P[c]! / total;
  const px = new Float64Array(ng);
  const py = new Float64Array(ng);
  const pxAddy = new Float64Array(2 * ng + 1);
  const pxSuby = new Float64Array(ng);
  let ux = 0;
  let uy = 0;
  let HXY = 0;
  for (let i = 1; i <= ng; i += 1)
    for (let j = 1; j <= ng; j += 1) {
      const v = p[(i - 1) * ng + (j - 1)]!;
      if (v === 0) continue;
      px[i - 1]! += v;
      py[j - 1]! += v;
      ux += v * i;
      uy += v * j;
      pxAddy[i + j]! += v;
      pxSuby[Math.abs(i - j)]! += v;
      HXY -= v * Math.log2(v + EPS);
    }
  let vx = 0;
  let vy = 0;
  let HXY1 = 0;
  let HXY2 = 0;
  for (let i = 1; i <= ng; i += 1) {
    const pxi = px[i - 1]!;
    for (let j = 1; j <= ng; j += 1) {
      const q = pxi * py[j - 1]!;
      const v = p[(i - 1) * ng + (j - 1)]!;
      if (q === 0 && v === 0) continue;
      const lq = Math.log2(q + EPS);
      if (v !== 0) {
        vx += v * (i - ux) ** 2;
        vy += v * (j - uy) ** 2;
        HXY1 -= v * lq;
      }
      HXY2 -= q * lq;
    }
  }
  return {
    ng,
    ngNorm,
    p,
    px,
    py,
    ux,
    uy,
    sigx: Math.sqrt(vx),
    sigy: Math.sqrt(vy),
    pxAddy,
    pxSuby,
    HX: entropy(px),
    HY: entropy(py),
    HXY,
    HXY1,
    HXY2,
    nPresent,
  };
}

/** Σ_i Σ_j f(i, j)·p(i,j) over the non-zero cells. */
function expect(c: GlcmCoefficients, f: (i: number, j: number) => number): number {
  const { ng, p } = c;
  let t = 0;
  for (let i = 1; i <= ng; i += 1)
    for (let j = 1; j <= ng; j += 1) {
      const v = p[(i - 1) * ng + (j - 1)]!;
      if (v !== 0) t += v * f(i, j);
    }
  return t;
}

/** Σ_k g(k)·p_{x-y}(k), k = 0..Ng−1. */
function diffSum(c: GlcmCoefficients, g: (k: number) => number): number {
  let t = 0;
  for (let k = 0; k < c.pxSuby.length; k += 1) {
    const v = c.pxSuby[k]!;
    if (v !== 0) t += v * g(k);
  }
  return t;
}

/** autocorrelation = Σ Σ p(i,j)·i·j */
export function Autocorrelation(c: GlcmCoefficients): number {
  return expect(c, (i, j) => i * j);
}
/** joint average = μ_x = Σ Σ p(i,j)·i */
export function JointAverage(c: GlcmCoefficients): number {
  return c.ux;
}
/**
 * Σ Σ (i + j − μ_x − μ_y)^e p(i,j): the power depends on i + j only, so it is taken once per
 * k = i + j (the same value, bit for bit, as per cell).
 */
function clusterMoment(c: GlcmCoefficients, e: number): number {
  const { ng, p } = c;
  const pow = new Float64Array(2 * ng + 1);
  for (let k = 2; k <= 2 * ng; k += 1) pow[k] = (k - c.ux - c.uy) ** e;
  let t = 0;
  for (let i = 1; i <= ng; i += 1)
    for (let j = 1; j <= ng; j += 1) {
      const v = p[(i - 1) * ng + (j - 1)]!;
      if (v !== 0) t += v * pow[i + j]!;
    }
  return t;
}
/** cluster prominence = Σ Σ (i + j − μ_x − μ_y)⁴ p(i,j) */
export function ClusterProminence(c: GlcmCoefficients): number {
  return clusterMoment(c, 4);
}
/** cluster shade = Σ Σ (i + j − μ_x − μ_y)³ p(i,j) */
export function ClusterShade(c: GlcmCoefficients): number {
  return clusterMoment(c, 3);
}
/** cluster tendency = Σ Σ (i + j − μ_x − μ_y)² p(i,j) */
export function ClusterTendency(c: GlcmCoefficients): number {
  return clusterMoment(c, 2);
}
/** contrast = Σ Σ (i − j)² p(i,j) */
export function Contrast(c: GlcmCoefficients): number {
  return expect(c, (i, j) => (i - j) ** 2);
}
/** correlation = (Σ Σ p(i,j)·i·j − μ_x μ_y) / (σ_x σ_y); 1 when σ_x σ_y = 0 (flat region). */
export function Correlation(c: GlcmCoefficients): number {
  if (c.sigx * c.sigy === 0) return 1;
  return expect(c, (i, j) => (i - c.ux) * (j - c.uy)) / (c.sigx * c.sigy);
}
/** difference average = Σ_k k·p_{x-y}(k) */
export function DifferenceAverage(c: GlcmCoefficients): number {
  return diffSum(c, (k) => k);
}
/** difference entropy = −Σ_k p_{x-y}(k) log2(p_{x-y}(k) + ε) */
export function DifferenceEntropy(c: GlcmCoefficients): number {
  return entropy(c.pxSuby);
}
/** difference variance = Σ_k (k − DA)² p_{x-y}(k) */
export function DifferenceVariance(c: GlcmCoefficients): number {
  const da = DifferenceAverage(c);
  return diffSum(c, (k) => (k - da) ** 2);
}
/** joint energy = Σ Σ p(i,j)² */
export function JointEnergy(c: GlcmCoefficients): number {
  let t = 0;
  for (let k = 0; k < c.p.length; k += 1) t += c.p[k]! * c.p[k]!;
  return t;
}
/** joint entropy = HXY = −Σ Σ p(i,j) log2(p(i,j) + ε) */
export function JointEntropy(c: GlcmCoefficients): number {
  return c.HXY;
}
/** IMC1 = (HXY − HXY1) / max(HX, HY); 0 when max(HX, HY) = 0. */
export function Imc1(c: GlcmCoefficients): number {
  const div = Math.max(c.HX, c.HY);
  return div === 0 ? 0 : (c.HXY - c.HXY1) / div;
}
/** IMC2 = √(1 − e^{−2(HXY2 − HXY)}); 0 when HXY2 = HXY. */
export function Imc2(c: GlcmCoefficients): number {
  if (c.HXY2 === c.HXY) return 0;
  return Math.sqrt(1 - Math.exp(-2 * (c.HXY2 - c.HXY)));
}
/** IDM = Σ_k p_{x-y}(k) / (1 + k²) */
export function Idm(c: GlcmCoefficients): number {
  return diffSum(c, (k) => 1 / (1 + k * k));
}
/**
 * MCC = √(second largest eigenvalue of Q), Q(i,j) = Σ_k p(i,k)p(j,k) / (p_x(i) p_y(k)).
 * Q = D⁻¹A with D = diag(p_x) and A symmetric, so its eigenvalues are those of the symmetric
 * D^{-1/2} A D^{-1/2} = B Bᵀ, B(i,k) = p(i,k) / √(p_x(i) p_y(k)), over the levels with
 * p_x(i) ≠ 0 and p_y(k) ≠ 0 (the other rows of Q are zero: eigenvalues 0). Flat region (fewer
 * than 2 gray levels): 1, as PyRadiomics returns.
 */
export function MCC(c: GlcmCoefficients): number {
  if (c.nPresent < 2) return 1;
  const { ng, p, px, py } = c;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < ng; i += 1) {
    if (px[i] !== 0) rows.push(i);
    if (py[i] !== 0) cols.push(i);
  }
  const m = rows.length;
  const q = cols.length;
  const B = new Float64Array(m * q);
  for (let a = 0; a < m; a += 1)
    for (let b = 0; b < q; b += 1) {
      const v = p[rows[a]! * ng + cols[b]!]!;
      if (v !== 0) B[a * q + b] = v / Math.sqrt(px[rows[a]!]! * py[cols[b]!]!);
    }
  const S = new Float64Array(m * m);
  for (let a = 0; a < m; a += 1)
    for (let b = a; b < m; b += 1) {
      let t = 0;
      for (let k = 0; k < q; k += 1) t += B[a * q + k]! * B[b * q + k]!;
      S[a * m + b] = t;
      S[b * m + a] = t;
    }
  const ev = symmetricEigenvaluesTridiagonal(S, m);
  // Q is positive semi-definite, but rounding can leave a zero eigenvalue slightly negative.
  // PyRadiomics takes the real part of a complex square root there, i.e. 0 (the angle still
  // counts in the mean), which clamping reproduces (breast1_mri_style wavelet-LHH).
  return Math.sqrt(Math.max(m >= 2 ? ev[m - 2]! : 0, 0));
}
/** IDMN = Σ_k p_{x-y}(k) / (1 + k²/Ng²) */
export function Idmn(c: GlcmCoefficients): number {
  return diffSum(c, (k) => 1 / (1 + (k * k) / (c.ngNorm * c.ngNorm)));
}
/** ID = Σ_k p_{x-y}(k) / (1 + k) */
export function Id(c: GlcmCoefficients): number {
  return diffSum(c, (k) => 1 / (1 + k));
}
/** IDN = Σ_k p_{x-y}(k) / (1 + k/Ng) */
export function Idn(c: GlcmCoefficients): number {
  return diffSum(c, (k) => 1 / (1 + k / c.ngNorm));
}
/** inverse variance = Σ_{k≥1} p_{x-y}(k) / k² */
export function InverseVariance(c: GlcmCoefficients): number {
  return diffSum(c, (k) => (k === 0 ? 0 : 1 / (k * k)));
}
/** maximum probability = max p(i,j) */
export function MaximumProbability(c: GlcmCoefficients): number {
  let m = 0;
  for (let k = 0; k < c.p.length; k += 1) if (c.p[k]! > m) m = c.p[k]!;
  return m;
}
/** sum average = Σ_{k=2}^{2Ng} k·p_{x+y}(k) */
export function SumAverage(c: GlcmCoefficients): number {
  let t = 0;
  for (let k = 0; k < c.pxAddy.length; k += 1) t += k * c.pxAddy[k]!;
  return t;
}
/** sum entropy = −Σ_k p_{x+y}(k) log2(p_{x+y}(k) + ε) */
export function SumEntropy(c: GlcmCoefficients): number {
  return entropy(c.pxAddy);
}
/** sum of squares = Σ Σ (i − μ_x)² p(i,j) */
export function SumSquares(c: GlcmCoefficients): number {
  return expect(c, (i) => (i - c.ux) ** 2);
}

/** The GLCM features PyRadiomics enables by default, by their PyRadiomics names. */
export const GLCM_FEATURES: Record<string, (c: GlcmCoefficients) => number> = {
  Autocorrelation,
  ClusterProminence,
  ClusterShade,
  ClusterTendency,
  Contrast,
  Correlation,
  DifferenceAverage,
  DifferenceEntropy,
  DifferenceVariance,
  Id,
  Idm,
  Idmn,
  Idn,
  Imc1,
  Imc2,
  InverseVariance,
  JointAverage,
  JointEnergy,
  JointEntropy,
  MCC,
  MaximumProbability,
  SumAverage,
  SumEntropy,
  SumSquares,
};

/** Number of distinct levels (1..ng) among the ROI voxels. */
function countLevels(gray: Int32Array, voxels: Int32Array, ng: number): number {
  const present = new Uint8Array(ng + 1);
  let count = 0;
  for (let n = 0; n < voxels.length; n += 1) {
    const g = gray[voxels[n]!]!;
    count += 1 - present[g]!;
    present[g] = 1;
  }
  return count;
}

export function computeGlcmFeatures(roi: DiscretisedRoi, s: TextureSettings): FeatureValues {
  const grid = paddedGrid(roi, anglePadding(s));
  const ng = Math.max(grid.maxGray, 1); // glcmLevels
  const nPresent = countLevels(grid.gray, grid.voxels, ng);
  const coeffs = glcmMatricesOnGrid(grid, roi.spacingMm, s, ng).map((P) =>
    glcmCoefficients(P, ng, ng, nPresent),
  );
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLCM_FEATURES)) out[name] = nanMean(coeffs.map(f));
  return out;
}
