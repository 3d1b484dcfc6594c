/**
 * DeLong's nonparametric variance of the empirical AUC and the paired test of two AUCs on the same
 * patients (E. R. DeLong, D. M. DeLong and D. L. Clarke-Pearson, "Comparing the areas under two
 * or more correlated receiver operating characteristic curves: a nonparametric approach",
 * Biometrics 44:837–845, 1988), computed from placement values as in X. Sun and W. Xu, "Fast
 * implementation of DeLong's algorithm for comparing the areas under correlated receiver
 * operating characteristic curves", IEEE Signal Process. Lett. 21(11):1389–1393, 2014 — here the
 * placements are counted by binary search in the sorted scores of the other class, which is the
 * same O(N log N) cost as their mid-rank formulation. Conventions (divisors m − 1 and n − 1, CI
 * clipped to [0, 1], z = 0 for identical curves) are pROC 1.18's (ci.auc / var / roc.test with
 * method = "delong").
 *
 * Notation: m events (cases) with scores Xᵢ, n non-events (controls) with scores Yⱼ,
 * ψ(x, y) = 1 if x > y, ½ if x = y, 0 otherwise.
 *   V10ᵢ = (1/n) Σⱼ ψ(Xᵢ, Yⱼ)   (placement of event i among the non-events)
 *   V01ⱼ = (1/m) Σᵢ ψ(Xᵢ, Yⱼ)   (placement of non-event j among the events)
 *   AUC = mean V10 = mean V01
 *   S10 = Σ (V10ᵢ − AUC)²/(m − 1),  S01 = Σ (V01ⱼ − AUC)²/(n − 1)
 *   Var(AUC) = S10/m + S01/n.
 */
import { normalCdf, normalQuantile } from './distributions.ts';
import { checkScoresAndOutcomes, type OutcomeCounts } from './roc.ts';

export interface AucWithCi {
  auc: number;
  variance: number;
  se: number;
  /** Normal-approximation CI auc ∓ z·se, z = Φ⁻¹((1 + level)/2), clipped to [0, 1] as pROC does. */
  ci: [number, number];
  level: number;
}

/** Placement values of one score vector (events and non-events in their original order). */
export interface DelongPlacements {
  auc: number;
  /** V10ᵢ for the events, in the order they appear in the input. */
  eventPlacements: Float64Array;
  /** V01ⱼ for the non-events, in the order they appear in the input. */
  nonEventPlacements: Float64Array;
}

/** Number of values in ascending `sorted` strictly below v, and equal to v. */
function belowAndEqual(sorted: Float64Array, v: number): [number, number] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return [below, lo - below];
}

function placementsOf(
  scores: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  counts: OutcomeCounts,
): DelongPlacements {
  const m = counts.events;
  const n = counts.nonEvents;
  const events = new Float64Array(m);
  const nonEvents = new Float64Array(n);
  for (let i = 0, e = 0, c = 0; i < scores.length; i += 1) {
    if (outcomes[i] === 1) events[e++] = scores[i]!;
    else nonEvents[c++] = scores[i]!;
  }
  const sortedEvents = Float64Array.from(events).sort();
  const sortedNonEvents = Float64Array.from(nonEvents).sort();
  const eventPlacements = new Float64Array(m);
  const nonEventPlacements = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < m; i += 1) {
    const [below, equal] = belowAndEqual(sortedNonEvents, events[i]!);
    eventPlacements[i] = (below + equal / 2) / n;
    sum += below + equal / 2;
  }
  for (let j = 0; j < n; j += 1) {
    const [below, equal] = belowAndEqual(sortedEvents, nonEvents[j]!);
    nonEventPlacements[j] = (m - below - equal + equal / 2) / m; // events above Yⱼ + ½ ties
  }
  return { auc: sum / (m * n), eventPlacements, nonEventPlacements };
}

/** DeLong placement values V10 (events) and V01 (non-events) of a score; needs ≥ 2 of each class. */
export function delongPlacements(scores: ArrayLike<number>, outcomes: ArrayLike<number>): DelongPlacements {
  const counts = checkScoresAndOutcomes(scores, outcomes, 'delongPlacements');
  requireTwoPerClass(counts, 'delongPlacements');
  return placementsOf(scores, outcomes, counts);
}

function requireTwoPerClass(counts: OutcomeCounts, fn: string): void {
  if (counts.events < 2 || counts.nonEvents < 2) {
    throw new RangeError(
      `${fn}: DeLong's variance needs at least 2 events and 2 non-events (got ${counts.events} and ${counts.nonEvents})`,
    );
  }
}

/** Σ (aᵢ − ā)(bᵢ − b̄)/(len − 1) with the means given. */
function covariance(a: Float64Array, meanA: number, b: Float64Array, meanB: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += (a[i]! - meanA) * (b[i]! - meanB);
  return s / (a.length - 1);
}

function checkLevel(level: number, fn: string): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`${fn}: level must be in (0, 1), got ${level}`);
}

/**
 * AUC with DeLong's variance and normal-approximation confidence interval — pROC
 * `ci.auc(roc, method = "delong", conf.level = level)` and `var(roc, method = "delong")`.
 * Needs ≥ 2 events and ≥ 2 non-events (pROC returns NA below that).
 */
export function delongAuc(scores: ArrayLike<number>, outcomes: ArrayLike<number>, level = 0.95): AucWithCi {
  checkLevel(level, 'delongAuc');
  const counts = checkScoresAndOutcomes(scores, outcomes, 'delongAuc');
  requireTwoPerClass(counts, 'delongAuc');
  const p = placementsOf(scores, outcomes, counts);
  const s10 = covariance(p.eventPlacements, p.auc, p.eventPlacements, p.auc);
  const s01 = covariance(p.nonEventPlacements, p.auc, p.nonEventPlacements, p.auc);
  const variance = s10 / counts.events + s01 / counts.nonEvents;
  const se = Math.sqrt(variance);
  const z = normalQuantile(1 - (1 - level) / 2);
  const clip = (v: number): number => Math.min(1, Math.max(0, v));
  return { auc: p.auc, variance, se, ci: [clip(p.auc - z * se), clip(p.auc + z * se)], level };
}

export interface DelongComparison {
  aucA: number;
  aucB: number;
  /** aucA − aucB. */
  difference: number;
  /** Var(aucA − aucB) = Var A + Var B − 2 Cov(A, B). */
  variance: number;
  z: number;
  /** Two-sided p = 2Φ(−|z|). */
  p: number;
}

/**
 * DeLong's test of two correlated AUCs (two scores on the same patients) — pROC
 * `roc.test(rocA, rocB, method = "delong", paired = TRUE)`, two-sided:
 * z = (AUC_A − AUC_B)/√Var, Var = [1 −1] S [1 −1]ᵀ with S = S10/m + S01/n the 2×2 covariance
 * matrices of the placements. The variance is evaluated as Var(V10ᴬ − V10ᴮ)/m +
 * Var(V01ᴬ − V01ᴮ)/n (the same quantity, never negative by rounding). As pROC, identical
 * curves (difference 0 and variance 0) give z = 0, p = 1; a non-zero difference with zero
 * variance has no defined z and throws.
 */
export function delongPairedTest(
  scoresA: ArrayLike<number>,
  scoresB: ArrayLike<number>,
  outcomes: ArrayLike<number>,
): DelongComparison {
  const counts = checkScoresAndOutcomes(scoresA, outcomes, 'delongPairedTest', 'scoresA');
  checkScoresAndOutcomes(scoresB, outcomes, 'delongPairedTest', 'scoresB');
  requireTwoPerClass(counts, 'delongPairedTest');
  const a = placementsOf(scoresA, outcomes, counts);
  const b = placementsOf(scoresB, outcomes, counts);
  const difference = a.auc - b.auc;
  const diffEvents = a.eventPlacements.map((v, i) => v - b.eventPlacements[i]!);
  const diffNonEvents = a.nonEventPlacements.map((v, i) => v - b.nonEventPlacements[i]!);
  const variance =
    covariance(diffEvents, difference, diffEvents, difference) / counts.events +
    covariance(diffNonEvents, difference, diffNonEvents, difference) / counts.nonEvents;
  let z: number;
  if (variance === 0) {
    if (difference !== 0) {
      throw new RangeError('delongPairedTest: the AUCs differ but the variance of their difference is 0');
    }
    z = 0;
  } else {
    z = difference / Math.sqrt(variance);
  }
  return { aucA: a.auc, aucB: b.auc, difference, variance, z, p: 2 * normalCdf(-Math.abs(z)) };
}
