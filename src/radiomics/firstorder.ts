/**
 * PyRadiomics first-order statistics (radiomics/firstorder.py, RadiomicsFirstOrder; formulas as
 * in its documentation). X is the vector of the Np intensities inside the ROI, c the
 * voxelArrayShift, P(i) the normalised histogram of the discretised gray levels (only levels
 * present), ε the machine epsilon (numpy.spacing(1)). Moments are population moments.
 */
import type { DiscretisedRoi, FeatureValues } from './types.ts';

const EPS = 2.220446049250313e-16; // numpy.spacing(1)

/** PyRadiomics' default first-order features, in its order; StandardDeviation is deprecated. */
export const FIRSTORDER_FEATURES = [
  'Energy',
  'TotalEnergy',
  'Entropy',
  'Minimum',
  '10Percentile',
  '90Percentile',
  'Maximum',
  'Mean',
  'Median',
  'InterquartileRange',
  'Range',
  'MeanAbsoluteDeviation',
  'RobustMeanAbsoluteDeviation',
  'RootMeanSquared',
  'Skewness',
  'Kurtosis',
  'Variance',
  'Uniformity',
] as const;

/** Computed only when asked for by name (PyRadiomics marks it deprecated: equal to sqrt(Variance)). */
export const FIRSTORDER_DEPRECATED = ['StandardDeviation'] as const;

/** The inputs of the first-order features, precomputed once. */
interface Stats {
  x: Float64Array; // ROI intensities
  sorted: Float64Array;
  mean: number;
  shift: number;
  voxelVolume: number;
  p: number[]; // histogram probabilities of the discretised levels present
}

function sum(a: ArrayLike<number>, f: (v: number) => number): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += f(a[i]!);
  return s;
}

/**
 * numpy.percentile(a, q) with the default 'linear' method on sorted data: h = (n − 1)·q/100,
 * value = lerp(a[⌊h⌋], a[⌊h⌋+1], h − ⌊h⌋), numpy's _lerp (b − (b − a)(1 − t) when t ≥ 0.5).
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  const h = ((n - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** Central moment m_k = (1/Np) Σ (x − x̄)^k. */
function moment(s: Stats, k: number): number {
  return sum(s.x, (v) => (v - s.mean) ** k) / s.x.length;
}

/** Energy = Σ (X(i) + c)². */
const energy = (s: Stats): number => sum(s.x, (v) => (v + s.shift) ** 2);
/** TotalEnergy = V_voxel · Σ (X(i) + c)². */
const totalEnergy = (s: Stats): number => s.voxelVolume * energy(s);
/** Entropy = −Σ P(i) log2(P(i) + ε). */
const entropy = (s: Stats): number => -s.p.reduce((acc, p) => acc + p * Math.log2(p + EPS), 0);
/** Minimum = min(X). */
const minimum = (s: Stats): number => s.sorted[0]!;
/** Maximum = max(X). */
const maximum = (s: Stats): number => s.sorted[s.sorted.length - 1]!;
/** 10Percentile, 90Percentile: numpy.percentile (linear). */
const p10 = (s: Stats): number => percentile(s.sorted, 10);
const p90 = (s: Stats): number => percentile(s.sorted, 90);
/** Mean = (1/Np) Σ X(i). */
const mean = (s: Stats): number => s.mean;
/** Median: numpy.median (mean of the two middle values for even Np). */
function median(s: Stats): number {
  const n = s.sorted.length;
  const m = n >> 1;
  return n % 2 === 1 ? s.sorted[m]! : (s.sorted[m - 1]! + s.sorted[m]!) / 2;
}
/** InterquartileRange = P75 − P25. */
const interquartileRange = (s: Stats): number => percentile(s.sorted, 75) - percentile(s.sorted, 25);
/** Range = max(X) − min(X). */
const range = (s: Stats): number => maximum(s) - minimum(s);
/** MeanAbsoluteDeviation = (1/Np) Σ |X(i) − X̄|. */
const meanAbsoluteDeviation = (s: Stats): number => sum(s.x, (v) => Math.abs(v - s.mean)) / s.x.length;
/**
 * RobustMeanAbsoluteDeviation = (1/N_10-90) Σ |X_10-90(i) − X̄_10-90| over the voxels with
 * P10 ≤ X(i) ≤ P90 (both ends included).
 */
function robustMeanAbsoluteDeviation(s: Stats): number {
  const lo = p10(s);
  const hi = p90(s);
  const sub = s.x.filter((v) => v >= lo && v <= hi);
  const m = sum(sub, (v) => v) / sub.length;
  return sum(sub, (v) => Math.abs(v - m)) / sub.length;
}
/** RootMeanSquared = sqrt((1/Np) Σ (X(i) + c)²). */
const rootMeanSquared = (s: Stats): number => Math.sqrt(energy(s) / s.x.length);
/** StandardDeviation = sqrt((1/Np) Σ (X(i) − X̄)²) (deprecated in PyRadiomics). */
const standardDeviation = (s: Stats): number => Math.sqrt(moment(s, 2));
/** Skewness = m3 / m2^(3/2); 0 for a flat region (m2 = 0), as PyRadiomics. */
function skewness(s: Stats): number {
  const m2 = moment(s, 2);
  return m2 === 0 ? 0 : moment(s, 3) / m2 ** 1.5;
}
/** Kurtosis = m4 / m2² (not excess kurtosis); 0 for a flat region. */
function kurtosis(s: Stats): number {
  const m2 = moment(s, 2);
  return m2 === 0 ? 0 : moment(s, 4) / m2 ** 2;
}
/** Variance = (1/Np) Σ (X(i) − X̄)² (numpy.std² as PyRadiomics). */
const variance = (s: Stats): number => standardDeviation(s) ** 2;
/** Uniformity = Σ P(i)². */
const uniformity = (s: Stats): number => s.p.reduce((acc, p) => acc + p * p, 0);

const FEATURES: Record<string, (s: Stats) => number> = {
  Energy: energy,
  TotalEnergy: totalEnergy,
  Entropy: entropy,
  Minimum: minimum,
  '10Percentile': p10,
  '90Percentile': p90,
  Maximum: maximum,
  Mean: mean,
  Median: median,
  InterquartileRange: interquartileRange,
  Range: range,
  MeanAbsoluteDeviation: meanAbsoluteDeviation,
  RobustMeanAbsoluteDeviation: robustMeanAbsoluteDeviation,
  RootMeanSquared: rootMeanSquared,
  StandardDeviation: standardDeviation,
  Skewness: skewness,
  Kurtosis: kurtosis,
  Variance: variance,
  Uniformity: uniformity,
};

/** Every first-order feature this module can compute (default ones and deprecated ones). */
export const FIRSTORDER_ALL = Object.keys(FEATURES);

/**
 * First-order features of a discretised ROI. `names` limits the computation (default: all,
 * StandardDeviation included; the extractor leaves deprecated ones out unless requested).
 */
export function computeFirstOrderFeatures(
  roi: DiscretisedRoi,
  settings: { voxelArrayShift: number },
  names: readonly string[] = FIRSTORDER_ALL,
): FeatureValues {
  const vals: number[] = [];
  const counts = new Map<number, number>();
  for (let i = 0; i < roi.mask.length; i += 1)
    if (roi.mask[i]) {
      vals.push(roi.image[i]!);
      counts.set(roi.gray[i]!, (counts.get(roi.gray[i]!) ?? 0) + 1);
    }
  if (vals.length === 0) throw new RangeError('first-order features of an empty ROI');
  const x = Float64Array.from(vals);
  const sorted = Float64Array.from(vals).sort();
  const [sx, sy, sz] = roi.spacingMm;
  const stats: Stats = {
    x,
    sorted,
    mean: sum(x, (v) => v) / x.length,
    shift: settings.voxelArrayShift,
    voxelVolume: sz * sy * sx, // numpy.multiply.reduce over the (z, y, x) spacing
    p: [...counts.keys()].sort((a, b) => a - b).map((g) => counts.get(g)! / x.length),
  };
  const out: FeatureValues = {};
  for (const name of names) {
    const f = FEATURES[name];
    if (!f) throw new RangeError(`unknown firstorder feature ${name}`);
    out[name] = f(stats);
  }
  return out;
}
