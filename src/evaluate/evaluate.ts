/**
 * The figures of `axilla evaluate` for one cohort: per score, the AUC with its DeLong CI, the
 * operating point at the Youden or a fixed threshold, calibration (logistic recalibration and
 * Hosmer–Lemeshow), the decision curve and the ROC curve with a bootstrap band; between scores,
 * DeLong's paired test. Every statistic is src/stats' (docs/evaluate.md gives each definition and
 * the R function whose convention it follows); this module only validates, assembles and orders.
 */
// The project's seeded generator (xoshiro128**), so the ROC band is reproducible on any Node version.
import { createRng } from '../synth/random.ts';
import { hosmerLemeshow } from '../stats/hosmer-lemeshow.ts';
import { calibration } from '../stats/calibration.ts';
import { decisionCurve, defaultDecisionThresholds } from '../stats/decision-curve.ts';
import { delongAuc, delongPairedTest } from '../stats/delong.ts';
import { confusionAt, rocCurve, youdenThreshold } from '../stats/roc.ts';
import { DEFAULT_BAND_RESAMPLES, rocSensitivityBand } from '../report/roc-band.ts';
import {
  EVALUATION_SCHEMA,
  type CalibrationEvaluation,
  type DecisionCurvePoint,
  type EvaluationResult,
  type RocBand,
  type ScoreComparison,
  type ScoreEvaluation,
} from './evaluation-types.ts';

/** Input the evaluation cannot use (wrong column, one class, …); the message says which and why. */
export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

export interface EvaluateOptions {
  /** Name of the 0/1 outcome column (1 = event, apCR). */
  outcome: string;
  /** Score columns, in the order they are reported and compared. */
  scores: readonly string[];
  /** 'youden': each score's own Youden-optimal cut-off on these data; a number: that cut-off for every score. */
  threshold: 'youden' | number;
  /** Number of candidate model variables, for events per variable. */
  eventsPerVariable?: { variables: number };
  /** ROC band settings; `false` leaves `roc_band` null. Default: 2000 resamples, 95%, seed "axilla-roc-band". */
  rocBand?: { resamples?: number; level?: number; seed?: string } | false;
  /** Decision-curve thresholds; default src/stats' defaultDecisionThresholds(). */
  decisionThresholds?: readonly number[];
  /** Hosmer–Lemeshow groups; default 10 (deciles). */
  hlGroups?: number;
}

export const DEFAULT_ROC_BAND_SEED = 'axilla-roc-band';
const AUC_LEVEL = 0.95;

/** JSON has no ±Infinity: pROC's end thresholds (and a Youden cut-off at ±∞) are written as null. */
function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function isProbability(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i += 1) if (!(values[i]! >= 0 && values[i]! <= 1)) return false;
  return true;
}

/** Runs a statistic, turning its RangeError into an EvaluationError that names the score. */
function figure<T>(what: string, compute: () => T): T {
  try {
    return compute();
  } catch (err) {
    if (err instanceof RangeError) throw new EvaluationError(`${what}: ${err.message}`);
    throw err;
  }
}

function calibrationOf(p: ArrayLike<number>, y: ArrayLike<number>, groups: number): CalibrationEvaluation {
  const c = calibration(p, y);
  const hl = hosmerLemeshow(p, y, groups);
  return {
    slope: c.slope,
    intercept: c.intercept,
    slope_ci: c.slopeCi ? [c.slopeCi[0], c.slopeCi[1]] : null,
    intercept_ci: c.interceptCi ? [c.interceptCi[0], c.interceptCi[1]] : null,
    calibration_in_the_large: c.calibrationInTheLarge,
    brier: c.brier,
    excluded: c.excluded,
    warnings: [...c.warnings],
    hosmer_lemeshow: { chi2: hl.chi2, df: hl.df, p: hl.p },
    groups: hl.groups.map((g) => ({
      lower: g.lower,
      upper: g.upper,
      n: g.n,
      mean_predicted: g.meanPredicted,
      observed_rate: g.observedRate,
      observed: g.observed,
      expected: g.expected,
    })),
  };
}

function evaluateScore(
  name: string,
  scores: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  options: EvaluateOptions,
): ScoreEvaluation {
  const what = `score "${name}"`;
  const delong = figure(what, () => delongAuc(scores, outcomes, AUC_LEVEL));
  const cut =
    options.threshold === 'youden'
      ? figure(what, () => youdenThreshold(scores, outcomes)).threshold
      : options.threshold;
  const at = figure(what, () => confusionAt(scores, outcomes, cut));

  const unavailable: ScoreEvaluation['unavailable'] = {};
  let calibrationResult: CalibrationEvaluation | null = null;
  let decision: DecisionCurvePoint[] | null = null;
  if (isProbability(scores)) {
    try {
      calibrationResult = calibrationOf(scores, outcomes, options.hlGroups ?? 10);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      unavailable.calibration = err.message;
    }
    const thresholds = options.decisionThresholds ?? defaultDecisionThresholds();
    decision = figure(what, () => decisionCurve(scores, outcomes, thresholds)).map((d) => ({
      threshold: d.threshold,
      net_benefit: d.net_benefit,
      treat_all: d.treat_all,
      treat_none: d.treat_none,
    }));
  } else {
    const reason = `"${name}" has values outside [0, 1], so it is not a probability`;
    unavailable.calibration = `${reason}; calibration compares predicted probabilities with observed rates`;
    unavailable.decision_curve = `${reason}; net benefit is defined at probability thresholds`;
  }

  let band: RocBand | null = null;
  if (options.rocBand !== false) {
    const seed = options.rocBand?.seed ?? DEFAULT_ROC_BAND_SEED;
    const resamples = options.rocBand?.resamples ?? DEFAULT_BAND_RESAMPLES;
    const level = options.rocBand?.level ?? AUC_LEVEL;
    // One stream per score name, so a score's band does not depend on which others are evaluated.
    const rng = createRng(`${seed}/${name}`);
    const points = figure(what, () =>
      rocSensitivityBand(scores, outcomes, { random: () => rng.uniform(), resamples, level }),
    );
    band = { level, resamples, seed, points };
  }

  return {
    auc: delong.auc,
    auc_ci: [delong.ci[0], delong.ci[1]],
    auc_se: delong.se,
    threshold: finiteOrNull(cut),
    threshold_method: options.threshold === 'youden' ? 'youden' : 'fixed',
    sensitivity: at.sensitivity,
    specificity: at.specificity,
    accuracy: at.accuracy,
    ppv: at.ppv,
    npv: at.npv,
    confusion: { tp: at.tp, fp: at.fp, tn: at.tn, fn: at.fn },
    calibration: calibrationResult,
    decision_curve: decision,
    unavailable,
    roc: rocCurve(scores, outcomes).map((r) => ({
      threshold: finiteOrNull(r.threshold),
      sensitivity: r.sensitivity,
      specificity: r.specificity,
    })),
    roc_band: band,
  };
}

/**
 * Evaluates score columns against an outcome column. `table` maps column names to equally long
 * arrays (the predictions CSV, or a training run's in-memory predictions). Throws
 * EvaluationError for unusable input.
 */
export function evaluatePredictions(
  table: Readonly<Record<string, ArrayLike<number>>>,
  options: EvaluateOptions,
): EvaluationResult {
  const outcomes = table[options.outcome];
  if (outcomes === undefined) throw new EvaluationError(`no outcome column "${options.outcome}"`);
  if (options.scores.length === 0) throw new EvaluationError('no score column to evaluate');
  if (new Set(options.scores).size !== options.scores.length)
    throw new EvaluationError(`a score column is named twice: ${options.scores.join(', ')}`);
  if (typeof options.threshold === 'number' && !Number.isFinite(options.threshold))
    throw new EvaluationError(`threshold must be a finite number, got ${options.threshold}`);
  const n = outcomes.length;
  let events = 0;
  for (let i = 0; i < n; i += 1) {
    const o = outcomes[i];
    if (o !== 0 && o !== 1)
      throw new EvaluationError(`outcome "${options.outcome}" row ${i + 1} is ${o}, not 0 or 1`);
    events += o;
  }
  if (events === 0 || events === n)
    throw new EvaluationError(
      `outcome "${options.outcome}" has one class only (${events} events in ${n} rows)`,
    );
  const columns = options.scores.map((name) => {
    const values = table[name];
    if (values === undefined) throw new EvaluationError(`no score column "${name}"`);
    if (values.length !== n)
      throw new EvaluationError(`score "${name}" has ${values.length} values but the outcome has ${n}`);
    return values;
  });

  const scores: Record<string, ScoreEvaluation> = {};
  options.scores.forEach((name, k) => (scores[name] = evaluateScore(name, columns[k]!, outcomes, options)));

  const comparisons: ScoreComparison[] = [];
  for (let i = 0; i < options.scores.length; i += 1)
    for (let j = i + 1; j < options.scores.length; j += 1) {
      const a = options.scores[i]!;
      const b = options.scores[j]!;
      const t = figure(`comparison of "${a}" and "${b}"`, () =>
        delongPairedTest(columns[i]!, columns[j]!, outcomes),
      );
      comparisons.push({ a, b, method: 'delong', auc_difference: t.difference, z: t.z, p: t.p });
    }

  let epv: number | undefined;
  if (options.eventsPerVariable) {
    const v = options.eventsPerVariable.variables;
    if (!Number.isInteger(v) || v < 1)
      throw new EvaluationError(`the number of model variables must be a positive integer, got ${v}`);
    // The limiting sample size is the rarer class (Peduzzi et al. 1996; Harrell, RMS 2015 §4.4).
    epv = Math.min(events, n - events) / v;
  }

  return {
    schema: EVALUATION_SCHEMA,
    n,
    events,
    outcome: options.outcome,
    ...(epv === undefined ? {} : { events_per_variable: epv }),
    scores,
    comparisons,
  };
}
