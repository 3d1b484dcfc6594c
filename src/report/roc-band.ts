/**
 * Pointwise confidence band of an ROC curve: sensitivity at fixed specificities, by stratified
 * bootstrap, following pROC's `ci.se(roc, specificities, boot.n, boot.stratified = TRUE)`
 * (Robin et al., BMC Bioinformatics 12:77, 2011; pROC 1.18 documentation of ci.se and coords):
 *
 * 1. each resample draws n₁ cases from the cases and n₀ controls from the controls, with
 *    replacement (stratified: both classes keep their size, so every resample has an ROC curve);
 * 2. the resample's empirical ROC curve is computed (src/stats/roc.ts `rocCurve`) and its
 *    sensitivity read at each requested specificity the way pROC's `coords(input =
 *    "specificity")` reads it: where the curve has points with exactly that specificity, the
 *    highest sensitivity among them (the top of the vertical step); otherwise linear
 *    interpolation between the neighbouring points;
 * 3. the band at each specificity is the (1 − level)/2, 0.5 and (1 + level)/2 quantiles of the
 *    resampled sensitivities, by R's default quantile (type 7, Hyndman & Fan 1996).
 *
 * The random draws differ from R's, so the band matches pROC's in distribution, not digit for
 * digit; with a seeded `random` it is reproducible.
 */
import { rocCurve } from '../stats/roc.ts';

export interface RocPoint {
  sensitivity: number;
  specificity: number;
}

export interface RocBandPoint {
  specificity: number;
  lower: number;
  median: number;
  upper: number;
}

export interface RocBandOptions {
  /** Uniform on [0, 1); seed it for a reproducible band. */
  random: () => number;
  /** Specificities at which to read sensitivity; default 0, 0.02, …, 1. */
  specificities?: readonly number[];
  /** Bootstrap resamples; default 2000 (pROC's boot.n default). */
  resamples?: number;
  /** Confidence level; default 0.95. */
  level?: number;
}

export const DEFAULT_BAND_RESAMPLES = 2000;

/** 0, 0.02, …, 1: fine enough for a smooth band, 51 reads per resample. */
export function defaultBandSpecificities(): number[] {
  return Array.from({ length: 51 }, (_, i) => i / 50);
}

/**
 * Sensitivity of an ROC curve at a given specificity, pROC `coords(input = "specificity")`
 * convention (see the module comment). `curve` may be in any order.
 */
export function sensitivityAtSpecificity(curve: readonly RocPoint[], specificity: number): number {
  return readSensitivity(sortCurve(curve), specificity);
}

/**
 * Increasing specificity, and within one specificity decreasing sensitivity: the order of
 * increasing threshold for a "higher score = event" curve, which pROC's coords walks.
 */
function sortCurve(curve: readonly RocPoint[]): RocPoint[] {
  if (curve.length === 0) throw new RangeError('sensitivityAtSpecificity: empty ROC curve');
  return [...curve].sort((a, b) => a.specificity - b.specificity || b.sensitivity - a.sensitivity);
}

function readSensitivity(pts: readonly RocPoint[], specificity: number): number {
  if (!(specificity >= 0 && specificity <= 1))
    throw new RangeError(`sensitivityAtSpecificity: specificity must be in [0, 1], got ${specificity}`);
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  if (specificity < first.specificity || specificity > last.specificity)
    throw new RangeError(
      `sensitivityAtSpecificity: specificity ${specificity} outside the curve's range ${first.specificity}–${last.specificity}`,
    );
  // First index with specificity >= the one asked (binary search).
  let lo = 0;
  let hi = pts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pts[mid]!.specificity < specificity) lo = mid + 1;
    else hi = mid;
  }
  const at = pts[lo]!;
  if (at.specificity === specificity) return at.sensitivity; // top of the vertical step
  const before = pts[lo - 1]!;
  const t = (specificity - at.specificity) / (before.specificity - at.specificity);
  return at.sensitivity + t * (before.sensitivity - at.sensitivity);
}

/** R's default quantile (type 7): linear interpolation between order statistics at (n − 1)·p. */
function quantileType7(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Stratified-bootstrap pointwise band of sensitivity at fixed specificities (pROC ci.se). */
export function rocSensitivityBand(
  scores: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  options: RocBandOptions,
): RocBandPoint[] {
  const specificities = options.specificities ?? defaultBandSpecificities();
  const resamples = options.resamples ?? DEFAULT_BAND_RESAMPLES;
  const level = options.level ?? 0.95;
  if (scores.length !== outcomes.length)
    throw new RangeError(`rocSensitivityBand: ${scores.length} scores but ${outcomes.length} outcomes`);
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new RangeError(`rocSensitivityBand: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1))
    throw new RangeError(`rocSensitivityBand: level must be in (0, 1), got ${level}`);
  const cases: number[] = [];
  const controls: number[] = [];
  for (let i = 0; i < scores.length; i += 1) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) throw new RangeError(`rocSensitivityBand: score ${i} is not finite (${s})`);
    if (outcomes[i] === 1) cases.push(s);
    else if (outcomes[i] === 0) controls.push(s);
    else throw new RangeError(`rocSensitivityBand: outcome ${i} must be 0 or 1, got ${outcomes[i]}`);
  }
  if (cases.length === 0 || controls.length === 0)
    throw new RangeError('rocSensitivityBand: both outcome classes are needed');

  const n = cases.length + controls.length;
  const sample = new Float64Array(n);
  const labels = new Float64Array(n);
  labels.fill(1, 0, cases.length);
  const draws = specificities.map(() => new Float64Array(resamples));
  for (let b = 0; b < resamples; b += 1) {
    for (let i = 0; i < cases.length; i += 1) sample[i] = cases[Math.floor(options.random() * cases.length)]!;
    for (let i = 0; i < controls.length; i += 1)
      sample[cases.length + i] = controls[Math.floor(options.random() * controls.length)]!;
    const curve = sortCurve(rocCurve(sample, labels));
    specificities.forEach((sp, k) => (draws[k]![b] = readSensitivity(curve, sp)));
  }
  const tail = (1 - level) / 2;
  return specificities.map((specificity, k) => {
    const sorted = draws[k]!.sort();
    return {
      specificity,
      lower: quantileType7(sorted, tail),
      median: quantileType7(sorted, 0.5),
      upper: quantileType7(sorted, 1 - tail),
    };
  });
}
