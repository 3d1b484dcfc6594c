/**
 * Hosmer–Lemeshow goodness-of-fit test of predicted probabilities against 0/1 outcomes
 * (D. W. Hosmer and S. Lemeshow, "Goodness of fit tests for the multiple logistic regression
 * model", Commun. Stat. Theory Methods 9:1043–1069, 1980), grouped as R's
 * ResourceSelection::hoslem.test (x = outcomes, y = probabilities, g groups) does:
 *
 *   breaks = quantile(p, probs = seq(0, 1, 1/g))          (type 7, R's default)
 *   group  = cut(p, breaks, include.lowest = TRUE)          (intervals (b₀,b₁] … with b₀ included)
 *   χ²     = Σ_groups [(O₁ − E₁)²/E₁ + (O₀ − E₀)²/E₀]       O₁ = Σy, E₁ = Σp, O₀ = Σ(1 − y), E₀ = Σ(1 − p)
 *   df     = g − 2,  p = P(χ²_df > χ²)
 *
 * Where ResourceSelection stops (many equal probabilities give duplicated breaks and `cut`
 * errors; an interval holding no probability gives 0/0), this implementation goes on as
 * DescTools::HosmerLemeshowTest does: duplicated breaks are merged (`unique`), groups left with
 * no observation are dropped, and df = (number of groups actually formed) − 2. The result's
 * `groups` lists the groups used. The quantiles reproduce R's arithmetic exactly (probs i·(1/g)
 * as `seq` makes them, interpolation (1 − h)·x_lo + h·x_hi), because a break that equals a
 * probability decides that observation's group.
 */
import { chiSquareSurvival } from './distributions.ts';
import { countEvents } from './roc.ts';

export interface HosmerLemeshowGroup {
  /** Lower break (exclusive, except for the first group, which includes it). */
  lower: number;
  /** Upper break (inclusive). */
  upper: number;
  n: number;
  /** Observed events Σy. */
  observed: number;
  /** Expected events Σp. */
  expected: number;
  /** expected/n. */
  meanPredicted: number;
  /** observed/n. */
  observedRate: number;
}

export interface HosmerLemeshow {
  chi2: number;
  /** Groups formed − 2 (= g − 2 unless breaks were merged or groups were empty). */
  df: number;
  p: number;
  groups: HosmerLemeshowGroup[];
  /** The g asked for. */
  requestedGroups: number;
}

/** R quantile(x, probs = seq(0, 1, 1/g), type = 7) for ascending `sorted`. */
function type7Breaks(sorted: Float64Array, g: number): number[] {
  const n = sorted.length;
  const by = 1 / g;
  const breaks: number[] = [];
  for (let i = 0; i <= g; i += 1) {
    const prob = Math.min(i * by, 1); // seq(0, 1, by): from + (0:n)·by, capped at `to`
    const index = (n - 1) * prob; // R's 1 + (n − 1)·prob, here 0-based
    const lo = Math.floor(index);
    const hi = Math.ceil(index);
    let q = sorted[lo]!;
    if (index > lo && sorted[hi] !== q) {
      const h = index - lo;
      q = (1 - h) * q + h * sorted[hi]!;
    }
    breaks.push(q);
  }
  return breaks;
}

/**
 * Hosmer–Lemeshow test with `groups` quantile groups (default 10). Throws on invalid input, when
 * fewer than 3 groups can be formed (df < 1), or when a group's expected count of events or of
 * non-events is 0 (every probability in it exactly 0 or 1), where the statistic is undefined.
 */
export function hosmerLemeshow(
  probabilities: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  groups = 10,
): HosmerLemeshow {
  const fn = 'hosmerLemeshow';
  const n = probabilities.length;
  if (n !== outcomes.length)
    throw new RangeError(`${fn}: probabilities (${n}) and outcomes (${outcomes.length}) differ in length`);
  if (n === 0) throw new RangeError(`${fn}: no observations`);
  if (!Number.isInteger(groups) || groups < 3)
    throw new RangeError(`${fn}: groups must be an integer ≥ 3, got ${groups}`);
  countEvents(outcomes, fn);
  for (let i = 0; i < n; i += 1) {
    const p = probabilities[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${fn}: probability ${i} is ${p} (must be in [0, 1])`);
  }
  const sorted = Float64Array.from(probabilities).sort();
  const raw = type7Breaks(sorted, groups);
  const breaks = [...new Set(raw)].sort((a, b) => a - b);
  if (breaks.length < 2) throw new RangeError(`${fn}: all probabilities are equal, no groups can be formed`);

  const bins = breaks.length - 1;
  const count = new Float64Array(bins);
  const observed = new Float64Array(bins);
  const expected = new Float64Array(bins);
  const expectedNon = new Float64Array(bins);
  for (let i = 0; i < n; i += 1) {
    const p = probabilities[i]!;
    // cut(…, right = TRUE, include.lowest = TRUE): bin j holds (b_j, b_{j+1}], bin 0 also b₀.
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p <= breaks[mid + 1]!) hi = mid;
      else lo = mid + 1;
    }
    count[lo]! += 1;
    observed[lo]! += outcomes[i]!;
    expected[lo]! += p;
    expectedNon[lo]! += 1 - p;
  }

  const used: HosmerLemeshowGroup[] = [];
  let chi2 = 0;
  for (let j = 0; j < bins; j += 1) {
    const size = count[j]!;
    if (size === 0) continue;
    const o1 = observed[j]!;
    const e1 = expected[j]!;
    const e0 = expectedNon[j]!;
    if (!(e1 > 0) || !(e0 > 0)) {
      throw new RangeError(
        `${fn}: group ${j + 1} (${breaks[j]} to ${breaks[j + 1]}) has an expected count of 0, the statistic is undefined`,
      );
    }
    chi2 += (o1 - e1) ** 2 / e1 + (size - o1 - e0) ** 2 / e0;
    used.push({
      lower: breaks[j]!,
      upper: breaks[j + 1]!,
      n: size,
      observed: o1,
      expected: e1,
      meanPredicted: e1 / size,
      observedRate: o1 / size,
    });
  }
  const df = used.length - 2;
  if (df < 1)
    throw new RangeError(`${fn}: only ${used.length} groups could be formed, at least 3 are needed`);
  return { chi2, df, p: chiSquareSurvival(chi2, df), groups: used, requestedGroups: groups };
}
