/**
 * PyRadiomics first-order statistics (radiomics/firstorder.py, RadiomicsFirstOrder; formulas as
 * in its documentation). X is the vector of the Np intensities inside the ROI, c the
 * voxelArrayShift, P(i) the normalised histogram of the discretised gray levels (only levels
 * present), ε the machine epsilon (numpy.spacing(1)). Moments are population moments.
 *
 * Everything the features read is gathered in two passes over the ROI (Stats); the percentiles
 * and the median need only a few order statistics, which a multi-quickselect finds (as
 * numpy.percentile's numpy.partition does) instead of a full sort.
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

/**
 * The inputs of the first-order features, precomputed once: the intensities, the order
 * statistics the percentiles read, the central moments and the histogram.
 */
interface Stats {
  x: Float64Array; // ROI intensities, in scan order
  /** The ROI intensities, partially sorted: sorted at every index the percentiles and Median read. */
  partial: Float64Array;
  n: number;
  mean: number;
  shift: number;
  voxelVolume: number;
  /** Σ (X(i) + c)². */
  energy: number;
  /** Central moments m2, m3, m4 = (1/Np) Σ (X(i) − X̄)^k. */
  m2: number;
  m3: number;
  m4: number;
  /** Σ |X(i) − X̄|. */
  absDev: number;
  min: number;
  max: number;
  p: number[]; // histogram probabilities of the discretised levels present
}

/**
 * numpy.percentile(a, q) with the default 'linear' method on sorted data: h = (n − 1)·q/100,
 * value = lerp(a[⌊h⌋], a[⌊h⌋+1], h − ⌊h⌋), numpy's _lerp (b − (b − a)(1 − t) when t ≥ 0.5).
 * `sorted` need only be sorted at indices ⌊h⌋ and ⌊h⌋ + 1 (see `percentileIndices`).
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

/** The indices of the sorted data percentile(·, q) reads. */
function percentileIndices(n: number, q: number): number[] {
  const lo = Math.floor(((n - 1) * q) / 100);
  return [lo, Math.min(lo + 1, n - 1)];
}

/** The percentiles the features use (Median separately: the two middle values). */
const PERCENTILES = [10, 25, 75, 90];

/**
 * Rearranges `a` so that a[k] is the value a full ascending sort would put there, for every k
 * in `ks` (ascending) — numpy.partition with several kth, as numpy.percentile does — by
 * quickselect with three-way partitioning, recursing only into parts that contain a k.
 */
export function selectOrderStatistics(a: Float64Array, ks: readonly number[]): void {
  const stack: number[] = [0, a.length - 1, 0, ks.length - 1];
  while (stack.length > 0) {
    const kHi = stack.pop()!;
    const kLo = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (kLo > kHi || lo >= hi) continue;
    if (hi - lo < 16) {
      for (let i = lo + 1; i <= hi; i += 1) {
        const v = a[i]!;
        let j = i - 1;
        while (j >= lo && a[j]! > v) {
          a[j + 1] = a[j]!;
          j -= 1;
        }
        a[j + 1] = v;
      }
      continue;
    }
    // Median-of-three pivot, then a[lo..lt−1] < pivot = a[lt..gt] < a[gt+1..hi].
    const mid = (lo + hi) >> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i] = a[lt]!;
        a[lt] = v;
        lt += 1;
        i += 1;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt] = v;
        gt -= 1;
      } else i += 1;
    }
    // ks below lt go left, ks above gt go right; those in [lt, gt] are done.
    let split = kLo;
    while (split <= kHi && ks[split]! < lt) split += 1;
    let right = split;
    while (right <= kHi && ks[right]! <= gt) right += 1;
    stack.push(lo, lt - 1, kLo, split - 1);
    stack.push(gt + 1, hi, right, kHi);
  }
}

/** Minimum = min(X). */
const minimum = (s: Stats): number => s.min;
/** Maximum = max(X). */
const maximum = (s: Stats): number => s.max;
/** Energy = Σ (X(i) + c)². */
const energy = (s: Stats): number => s.energy;
/** TotalEnergy = V_voxel · Σ (X(i) + c)². */
const totalEnergy = (s: Stats): number => s.voxelVolume * energy(s);
/** Entropy = −Σ P(i) log2(P(i) + ε). */
const entropy = (s: Stats): number => -s.p.reduce((acc, p) => acc + p * Math.log2(p + EPS), 0);
/** 10Percentile, 90Percentile: numpy.percentile (linear). */
const p10 = (s: Stats): number => percentile(s.partial, 10);
const p90 = (s: Stats): number => percentile(s.partial, 90);
/** Mean = (1/Np) Σ X(i). */
const mean = (s: Stats): number => s.mean;
/** Median: numpy.median (mean of the two middle values for even Np). */
function median(s: Stats): number {
  const n = s.n;
  const m = n >> 1;
  return n % 2 === 1 ? s.partial[m]! : (s.partial[m - 1]! + s.partial[m]!) / 2;
}
/** InterquartileRange = P75 − P25. */
const interquartileRange = (s: Stats): number => percentile(s.partial, 75) - percentile(s.partial, 25);
/** Range = max(X) − min(X). */
const range = (s: Stats): number => maximum(s) - minimum(s);
/** MeanAbsoluteDeviation = (1/Np) Σ |X(i) − X̄|. */
const meanAbsoluteDeviation = (s: Stats): number => s.absDev / s.n;
/**
 * RobustMeanAbsoluteDeviation = (1/N_10-90) Σ |X_10-90(i) − X̄_10-90| over the voxels with
 * P10 ≤ X(i) ≤ P90 (both ends included).
 */
function robustMeanAbsoluteDeviation(s: Stats): number {
  const lo = p10(s);
  const hi = p90(s);
  let count = 0;
  let sum = 0;
  for (let i = 0; i < s.n; i += 1) {
    const v = s.x[i]!;
    if (v >= lo && v <= hi) {
      sum += v;
      count += 1;
    }
  }
  const m = sum / count;
  let dev = 0;
  for (let i = 0; i < s.n; i += 1) {
    const v = s.x[i]!;
    if (v >= lo && v <= hi) dev += Math.abs(v - m);
  }
  return dev / count;
}
/** RootMeanSquared = sqrt((1/Np) Σ (X(i) + c)²). */
const rootMeanSquared = (s: Stats): number => Math.sqrt(energy(s) / s.n);
/** StandardDeviation = sqrt((1/Np) Σ (X(i) − X̄)²) (deprecated in PyRadiomics). */
const standardDeviation = (s: Stats): number => Math.sqrt(s.m2);
/** Skewness = m3 / m2^(3/2); 0 for a flat region (m2 = 0), as PyRadiomics. */
function skewness(s: Stats): number {
  return s.m2 === 0 ? 0 : s.m3 / s.m2 ** 1.5;
}
/** Kurtosis = m4 / m2² (not excess kurtosis); 0 for a flat region. */
function kurtosis(s: Stats): number {
  return s.m2 === 0 ? 0 : s.m4 / s.m2 ** 2;
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
/** Copies the ROI intensities into x (scan order); returns [Np, Σ X, min X, max X]. */
function gatherRoi(image: Float64Array, mask: Uint8Array, x: Float64Array): number[] {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < mask.length; i += 1) {
    if (mask[i] === 0) continue;
    const v = image[i]!;
    x[n] = v;
    n += 1;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [n, sum, min, max];
}

/** Highest gray level inside the mask. */
function maxLevel(gray: Int32Array, mask: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < mask.length; i += 1) if (mask[i] !== 0 && gray[i]! > m) m = gray[i]!;
  return m;
}

/** counts[g] = number of ROI voxels of gray level g. */
function histogram(gray: Int32Array, mask: Uint8Array, counts: Float64Array): void {
  for (let i = 0; i < mask.length; i += 1) if (mask[i] !== 0) counts[gray[i]!]! += 1;
}

/**
 * [Σ (X + c)², Σ (X − X̄)², Σ (X − X̄)³, Σ (X − X̄)⁴, Σ |X − X̄|], in scan order (cubes and
 * fourth powers as products of the square).
 */
function moments(x: Float64Array, mu: number, shift: number): number[] {
  let energy = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let absDev = 0;
  for (let i = 0; i < x.length; i += 1) {
    const v = x[i]!;
    const e = v + shift;
    energy += e * e;
    const d = v - mu;
    const d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
    absDev += Math.abs(d);
  }
  return [energy, s2, s3, s4, absDev];
}

export function computeFirstOrderFeatures(
  roi: DiscretisedRoi,
  settings: { voxelArrayShift: number },
  names: readonly string[] = FIRSTORDER_ALL,
): FeatureValues {
  const { mask, gray } = roi;
  const all = new Float64Array(mask.length);
  const [n, sum, min, max] = gatherRoi(roi.image, mask, all) as [number, number, number, number];
  if (n === 0) throw new RangeError('first-order features of an empty ROI');
  const x = all.subarray(0, n);
  const counts = new Float64Array(maxLevel(gray, mask) + 1);
  histogram(gray, mask, counts);
  const mu = sum / n;
  const shift = settings.voxelArrayShift;
  const m = moments(x, mu, shift);
  const partial = x.slice();
  const ks = new Set<number>([n >> 1, Math.max((n >> 1) - 1, 0)]);
  for (const q of PERCENTILES) for (const k of percentileIndices(n, q)) ks.add(k);
  selectOrderStatistics(
    partial,
    [...ks].sort((a, b) => a - b),
  );
  const p: number[] = [];
  for (let g = 0; g < counts.length; g += 1) if (counts[g] !== 0) p.push(counts[g]! / n);
  const [sx, sy, sz] = roi.spacingMm;
  const stats: Stats = {
    x,
    partial,
    n,
    mean: mu,
    shift,
    voxelVolume: sz * sy * sx, // numpy.multiply.reduce over the (z, y, x) spacing
    energy: m[0]!,
    m2: m[1]! / n,
    m3: m[2]! / n,
    m4: m[3]! / n,
    absDev: m[4]!,
    min,
    max,
    p,
  };
  const out: FeatureValues = {};
  for (const name of names) {
    const f = FEATURES[name];
    if (!f) throw new RangeError(`unknown firstorder feature ${name}`);
    out[name] = f(stats);
  }
  return out;
}
