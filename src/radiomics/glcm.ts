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
  angleWeight,
  entropy,
  forEachPair,
  generateAngles,
  maskExtent,
  maxGrayLevel,
  nanMean,
  presentGrayLevels,
} from './texture/common.ts';
import { symmetricEigenvalues } from './linalg.ts';

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
  const angles = generateAngles(maskExtent(roi), s);
  let mats = angles.map((a) => {
    const m = new Float64Array(ng * ng);
    forEachPair(roi, a, 1, (v, n) => {
      if (!roi.mask[n]) return;
      m[(roi.gray[v]! - 1) * ng + (roi.gray[n]! - 1)]! += 1;
    });
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
      const w = angleWeight(a, roi.spacingMm, s.weightingNorm);
      const m = mats[idx]!;
      for (let c = 0; c < merged.length; c += 1) merged[c]! += w * m[c]!;
    });
    mats = [merged];
  }
  // Delete empty angles (no pair inside the ROI along that direction).
  if (mats.length > 1) mats = mats.filter((m) => m.some((x) => x > 0));
  return mats;
}

export function glcmCoefficients(
  P: Float64Array,
  ng: number,
  ngNorm: number,
  nPresent: number,
): GlcmCoefficients {
  let total = 0;
  for (const x of P) total += x;
  const p = P.map((x) => x / total);
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
  for (let i = 1; i <= ng; i += 1)
    for (let j = 1; j <= ng; j += 1) {
      const v = p[(i - 1) * ng + (j - 1)]!;
      vx += v * (i - ux) ** 2;
      vy += v * (j - uy) ** 2;
      const q = px[i - 1]! * py[j - 1]!;
      HXY1 -= v * Math.log2(q + EPS);
      HXY2 -= q * Math.log2(q + EPS);
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

/** Σ_i Σ_j f(i, j)·p(i,j). */
function expect(c: GlcmCoefficients, f: (i: number, j: number) => number): number {
  let t = 0;
  for (let i = 1; i <= c.ng; i += 1)
    for (let j = 1; j <= c.ng; j += 1) {
      const v = c.p[(i - 1) * c.ng + (j - 1)]!;
      if (v !== 0) t += v * f(i, j);
    }
  return t;
}

/** Σ_k g(k)·p_{x-y}(k), k = 0..Ng−1. */
function diffSum(c: GlcmCoefficients, g: (k: number) => number): number {
  let t = 0;
  c.pxSuby.forEach((v, k) => {
    if (v !== 0) t += v * g(k);
  });
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
/** cluster prominence = Σ Σ (i + j − μ_x − μ_y)⁴ p(i,j) */
export function ClusterProminence(c: GlcmCoefficients): number {
  return expect(c, (i, j) => (i + j - c.ux - c.uy) ** 4);
}
/** cluster shade = Σ Σ (i + j − μ_x − μ_y)³ p(i,j) */
export function ClusterShade(c: GlcmCoefficients): number {
  return expect(c, (i, j) => (i + j - c.ux - c.uy) ** 3);
}
/** cluster tendency = Σ Σ (i + j − μ_x − μ_y)² p(i,j) */
export function ClusterTendency(c: GlcmCoefficients): number {
  return expect(c, (i, j) => (i + j - c.ux - c.uy) ** 2);
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
  for (const v of c.p) t += v * v;
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
 * D^{-1/2} A D^{-1/2}. Flat region (fewer than 2 gray levels): 1, as PyRadiomics returns.
 */
export function MCC(c: GlcmCoefficients): number {
  if (c.nPresent < 2) return 1;
  const n = c.ng;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    if (c.px[i] === 0) continue;
    for (let j = i; j < n; j += 1) {
      if (c.px[j] === 0) continue;
      let t = 0;
      for (let k = 0; k < n; k += 1) {
        const pk = c.py[k]!;
        if (pk === 0) continue;
        t += (c.p[i * n + k]! * c.p[j * n + k]!) / pk;
      }
      t /= Math.sqrt(c.px[i]! * c.px[j]!);
      s[i * n + j] = t;
      s[j * n + i] = t;
    }
  }
  const ev = symmetricEigenvalues(s, n);
  // Q is positive semi-definite, but rounding can leave a zero eigenvalue slightly negative.
  // PyRadiomics takes the real part of a complex square root there, i.e. 0 (the angle still
  // counts in the mean), which clamping reproduces (breast1_mri_style wavelet-LHH).
  return Math.sqrt(Math.max(ev[n - 2]!, 0));
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
  for (const v of c.p) if (v > m) m = v;
  return m;
}
/** sum average = Σ_{k=2}^{2Ng} k·p_{x+y}(k) */
export function SumAverage(c: GlcmCoefficients): number {
  let t = 0;
  c.pxAddy.forEach((v, k) => {
    t += k * v;
  });
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

export function computeGlcmFeatures(roi: DiscretisedRoi, s: TextureSettings): FeatureValues {
  const ng = glcmLevels(roi);
  const nPresent = presentGrayLevels(roi).length;
  const coeffs = glcmMatrices(roi, s, ng).map((P) => glcmCoefficients(P, ng, ng, nPresent));
  const out: FeatureValues = {};
  for (const [name, f] of Object.entries(GLCM_FEATURES)) out[name] = nanMean(coeffs.map(f));
  return out;
}
