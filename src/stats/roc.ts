/**
 * Empirical ROC analysis of a score against a binary outcome, following pROC 1.18 (X. Robin et
 * al., "pROC: an open-source package for R and S+ to analyze and compare ROC curves", BMC
 * Bioinformatics 12:77, 2011) with `direction = "<"` fixed: the event (outcome 1, the "case")
 * is expected to have HIGHER scores, and a score is called positive when score ≥ threshold.
 * The direction is never auto-detected (pROC's default `direction = "auto"` would turn a
 * worse-than-chance model into a good one by flipping it).
 */
import { assertFiniteValues, pooledRankSum } from './ranks.ts';

export type Outcome = 0 | 1;

/** Events (outcome 1) and non-events (outcome 0) of a validated sample. */
export interface OutcomeCounts {
  events: number;
  nonEvents: number;
}

/**
 * Validates a score vector against a 0/1 outcome vector: same non-zero length, finite scores,
 * outcomes exactly 0 or 1, both classes present. Returns the class sizes.
 */
export function checkScoresAndOutcomes(
  scores: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  fn: string,
  what = 'scores',
): OutcomeCounts {
  if (scores.length !== outcomes.length) {
    throw new RangeError(
      `${fn}: ${what} (${scores.length}) and outcomes (${outcomes.length}) differ in length`,
    );
  }
  if (scores.length === 0) throw new RangeError(`${fn}: no observations`);
  assertFiniteValues(scores, `${fn}: ${what}`);
  const events = countEvents(outcomes, fn);
  const nonEvents = outcomes.length - events;
  if (events === 0 || nonEvents === 0) {
    throw new RangeError(`${fn}: outcomes hold one class only (${events} events, ${nonEvents} non-events)`);
  }
  return { events, nonEvents };
}

/** Number of outcomes equal to 1; throws when any outcome is not exactly 0 or 1. */
export function countEvents(outcomes: ArrayLike<number>, fn: string): number {
  let events = 0;
  for (let i = 0; i < outcomes.length; i += 1) {
    const o = outcomes[i];
    if (o === 1) events += 1;
    else if (o !== 0) throw new RangeError(`${fn}: outcome ${i} is ${o} (0 or 1 required)`);
  }
  return events;
}

/** The scores of the events and of the non-events, each sorted ascending (inputs already validated). */
export function sortedByOutcome(
  scores: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  counts: OutcomeCounts,
): { events: Float64Array; nonEvents: Float64Array } {
  const events = new Float64Array(counts.events);
  const nonEvents = new Float64Array(counts.nonEvents);
  let e = 0;
  let c = 0;
  for (let i = 0; i < scores.length; i += 1) {
    if (outcomes[i] === 1)
      events[e++] = scores[i]! + 0; // + 0 turns −0 into +0
    else nonEvents[c++] = scores[i]! + 0;
  }
  events.sort();
  nonEvents.sort();
  return { events, nonEvents };
}

/**
 * Area under the empirical ROC curve = P(score of an event > score of a non-event) + ½ P(tie)
 * = U/(n₁n₀), U = R₁ − n₁(n₁+1)/2 the Mann–Whitney statistic of the events (R₁ their rank sum in
 * the pooled sample, ties averaged). Same value as pROC `auc(roc(outcomes, scores, direction = "<"))`.
 */
export function auc(scores: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  const counts = checkScoresAndOutcomes(scores, outcomes, 'auc');
  const { events, nonEvents } = sortedByOutcome(scores, outcomes, counts);
  return aucOfSorted(events, nonEvents);
}

/** AUC from the sorted event and non-event scores (no validation; for callers that already split). */
export function aucOfSorted(sortedEvents: ArrayLike<number>, sortedNonEvents: ArrayLike<number>): number {
  const n1 = sortedEvents.length;
  const n0 = sortedNonEvents.length;
  const { rankSumX } = pooledRankSum(sortedEvents, sortedNonEvents);
  return (rankSumX - (n1 * (n1 + 1)) / 2) / (n1 * n0);
}

export interface RocPoint {
  threshold: number;
  sensitivity: number;
  specificity: number;
}

/**
 * pROC's candidate thresholds (roc.utils.thresholds): for the distinct scores u₁ < … < u_m,
 * −Infinity, the midpoints (uᵢ + uᵢ₊₁)/2 and +Infinity (computed as uᵢ/2 + uᵢ₊₁/2 when
 * |uᵢ + uᵢ₊₁| would exceed 1e100). When rounding makes a midpoint equal the lower of its two
 * scores (adjacent doubles), the upper score is used instead, so "score ≥ threshold" still
 * separates them, as pROC does for direction "<".
 */
export function rocThresholds(scores: ArrayLike<number>): number[] {
  if (scores.length === 0) throw new RangeError('rocThresholds: no scores');
  assertFiniteValues(scores, 'rocThresholds: scores');
  const sorted = Float64Array.from(scores, (v) => v + 0);
  sorted.sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  }
  const thresholds: number[] = [-Infinity];
  for (let i = 1; i < distinct.length; i += 1) {
    const lo = distinct[i - 1]!;
    const hi = distinct[i]!;
    let mid = (lo + hi) / 2;
    if (Math.abs(mid) > 1e100 || !Number.isFinite(mid)) mid = lo / 2 + hi / 2;
    if (mid === lo) mid = hi;
    thresholds.push(mid);
  }
  thresholds.push(Infinity);
  return thresholds;
}

/** Counts at one threshold of a sample split by outcome (score ≥ threshold is positive). */
interface Counts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Number of values in ascending `sorted` that are ≥ t. */
function countAtLeast(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

function countsAt(events: Float64Array, nonEvents: Float64Array, t: number): Counts {
  const tp = countAtLeast(events, t);
  const fp = countAtLeast(nonEvents, t);
  return { tp, fp, fn: events.length - tp, tn: nonEvents.length - fp };
}

/**
 * Empirical ROC curve at pROC's thresholds (see `rocThresholds`), in increasing threshold order:
 * first (−Inf, sensitivity 1, specificity 0), last (+Inf, 0, 1). sensitivity = #(events with
 * score ≥ t)/n₁, specificity = #(non-events with score < t)/n₀ — pROC `coords(roc(…, direction =
 * "<"), "all")`.
 */
export function rocCurve(scores: ArrayLike<number>, outcomes: ArrayLike<number>): RocPoint[] {
  const counts = checkScoresAndOutcomes(scores, outcomes, 'rocCurve');
  const { events, nonEvents } = sortedByOutcome(scores, outcomes, counts);
  return rocThresholds(scores).map((threshold) => {
    const c = countsAt(events, nonEvents, threshold);
    return { threshold, sensitivity: c.tp / counts.events, specificity: c.tn / counts.nonEvents };
  });
}

export interface YoudenCut {
  threshold: number;
  sensitivity: number;
  specificity: number;
  /** Youden's J = sensitivity + specificity − 1. */
  youden: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/**
 * Every ROC threshold that maximises Youden's J = sensitivity + specificity − 1 (W. J. Youden,
 * "Index for rating diagnostic tests", Cancer 3:32–35, 1950), in increasing threshold order —
 * the set pROC `coords(roc, x = "best", best.method = "youden")` returns (its default
 * best.weights = c(1, 0.5) make the criterion plain sensitivity + specificity). Ties are found
 * exactly, comparing tp·n₀ + tn·n₁ in integers, so floating-point rounding of the two fractions
 * never decides between operating points (pROC compares the rounded doubles).
 */
export function youdenCandidates(scores: ArrayLike<number>, outcomes: ArrayLike<number>): YoudenCut[] {
  const counts = checkScoresAndOutcomes(scores, outcomes, 'youdenThreshold');
  const { events, nonEvents } = sortedByOutcome(scores, outcomes, counts);
  const n1 = counts.events;
  const n0 = counts.nonEvents;
  let best = -1;
  let cuts: YoudenCut[] = [];
  for (const threshold of rocThresholds(scores)) {
    const c = countsAt(events, nonEvents, threshold);
    const criterion = c.tp * n0 + c.tn * n1; // = n₁n₀ (J + 1), an exact integer
    if (criterion < best) continue;
    if (criterion > best) {
      best = criterion;
      cuts = [];
    }
    const sensitivity = c.tp / n1;
    const specificity = c.tn / n0;
    cuts.push({ threshold, sensitivity, specificity, youden: sensitivity + specificity - 1, ...c });
  }
  return cuts;
}

/**
 * The Youden-optimal threshold (see `youdenCandidates`). When several thresholds share the
 * maximal J, the HIGHEST threshold is returned — the one with the fewest positive calls and the
 * highest specificity. A positive call here predicts apCR (the event), i.e. proposes sparing
 * the axillary dissection, so among equally "optimal" cut-offs the product takes the one that
 * spares fewest patients with residual nodal disease. (scikit-learn users taking
 * `argmax(tpr − fpr)` over `roc_curve`'s decreasing thresholds get the same choice.)
 * A threshold of +Infinity (nobody positive) can only come back when no finite cut-off beats
 * J = 0, i.e. the score does not separate the classes at all.
 */
export function youdenThreshold(scores: ArrayLike<number>, outcomes: ArrayLike<number>): YoudenCut {
  const cuts = youdenCandidates(scores, outcomes);
  return cuts[cuts.length - 1]!;
}

export interface ConfusionMetrics {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** tp/(tp + fn). */
  sensitivity: number;
  /** tn/(tn + fp). */
  specificity: number;
  /** (tp + tn)/n. */
  accuracy: number;
  /** tp/(tp + fp); null when nobody is called positive (0/0). */
  ppv: number | null;
  /** tn/(tn + fn); null when nobody is called negative (0/0). */
  npv: number | null;
}

/**
 * The 2×2 table at a threshold (positive when score ≥ threshold, as pROC's direction "<") and the
 * usual rates — pROC `coords(roc, threshold, ret = c("tp","fp","tn","fn","sensitivity",
 * "specificity","accuracy","ppv","npv"))`. pROC reports NaN for an undefined predictive value;
 * here it is null, so no NaN can leak into a report or a JSON document.
 */
export function confusionAt(
  scores: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  threshold: number,
): ConfusionMetrics {
  if (Number.isNaN(threshold)) throw new RangeError('confusionAt: threshold is NaN');
  const counts = checkScoresAndOutcomes(scores, outcomes, 'confusionAt');
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < scores.length; i += 1) {
    if (scores[i]! >= threshold) {
      if (outcomes[i] === 1) tp += 1;
      else fp += 1;
    }
  }
  const fn = counts.events - tp;
  const tn = counts.nonEvents - fp;
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    sensitivity: tp / counts.events,
    specificity: tn / counts.nonEvents,
    accuracy: (tp + tn) / scores.length,
    ppv: tp + fp === 0 ? null : tp / (tp + fp),
    npv: tn + fn === 0 ? null : tn / (tn + fn),
  };
}
