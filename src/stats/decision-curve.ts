/**
 * Decision-curve analysis (A. J. Vickers and E. B. Elkin, "Decision curve analysis: a novel
 * method for evaluating prediction models", Med. Decis. Making 26:565–574, 2006). At a threshold
 * probability pₜ a patient is "treated" (here: called apCR) when the predicted probability
 * p ≥ pₜ, and
 *
 *   net benefit  = TP/n − FP/n · pₜ/(1 − pₜ)
 *   treat all    = π − (1 − π) · pₜ/(1 − pₜ)      (π: prevalence of the event)
 *   treat none   = 0
 *
 * A probability exactly equal to pₜ counts as treated (the "≥" convention of the ROC code).
 */
import { checkScoresAndOutcomes } from './roc.ts';

export interface NetBenefitPoint {
  threshold: number;
  net_benefit: number;
  treat_all: number;
  treat_none: 0;
}

/** Net benefit of the model, treat-all and treat-none at each threshold (0 < pₜ < 1), in the order given. */
export function decisionCurve(
  probabilities: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  thresholds: readonly number[],
): NetBenefitPoint[] {
  const fn = 'decisionCurve';
  const counts = checkScoresAndOutcomes(probabilities, outcomes, fn, 'probabilities');
  for (let i = 0; i < probabilities.length; i += 1) {
    const p = probabilities[i]!;
    if (p < 0 || p > 1) throw new RangeError(`${fn}: probability ${i} is ${p} (must be in [0, 1])`);
  }
  const n = probabilities.length;
  const prevalence = counts.events / n;
  return thresholds.map((pt, k) => {
    if (!(pt > 0 && pt < 1)) throw new RangeError(`${fn}: threshold ${k} is ${pt} (must be in (0, 1))`);
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i += 1) {
      if (probabilities[i]! >= pt) {
        if (outcomes[i] === 1) tp += 1;
        else fp += 1;
      }
    }
    const odds = pt / (1 - pt);
    return {
      threshold: pt,
      net_benefit: tp / n - (fp / n) * odds,
      treat_all: prevalence - (1 - prevalence) * odds,
      treat_none: 0,
    };
  });
}

/** 0.01, 0.02, …, 0.99 (each k/100 rounded to the nearest double, not accumulated sums). */
export function defaultDecisionThresholds(): number[] {
  return Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
}
