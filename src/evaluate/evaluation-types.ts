/**
 * The `axilla evaluate --format json` result (docs/evaluate.md documents each field). Names are
 * fixed by the product's contract: change them only with a new `schema`. Keys are written in the
 * order declared here.
 */
export const EVALUATION_SCHEMA = 'axilla-evaluation/1';

/** Logistic recalibration and Hosmer–Lemeshow: only for scores that are probabilities in [0, 1]. */
export interface CalibrationEvaluation {
  /** rms val.prob "Slope": β in logit P(y=1) = α + β·logit(p). */
  slope: number;
  /** rms val.prob "Intercept": α of the same fit (α = 0, β = 1 when perfectly calibrated). */
  intercept: number;
  /** Wald 95% intervals of slope and intercept (null when the fit gives none). */
  slope_ci: [number, number] | null;
  intercept_ci: [number, number] | null;
  /** α₀ in logit P(y=1) = α₀ + logit(p) (slope fixed at 1, offset model): calibration-in-the-large. */
  calibration_in_the_large: number;
  /** Mean squared error of the probabilities (Brier 1950). */
  brier: number;
  /** Patients with p exactly 0 or 1, left out of the two logistic fits (val.prob does the same). */
  excluded: number;
  /** Warnings of the recalibration fits (e.g. separation); [] when none. */
  warnings: string[];
  hosmer_lemeshow: { chi2: number; df: number; p: number };
  /** Decile table behind Hosmer–Lemeshow (mean predicted vs observed rate per group). */
  groups: {
    lower: number;
    upper: number;
    n: number;
    mean_predicted: number;
    observed_rate: number;
    observed: number;
    expected: number;
  }[];
}

export interface DecisionCurvePoint {
  threshold: number;
  net_benefit: number;
  treat_all: number;
  treat_none: number;
}

/**
 * Pointwise confidence band of sensitivity at fixed specificities, by stratified bootstrap
 * (pROC `ci.se` convention; src/report/roc-band.ts).
 */
export interface RocBand {
  level: number;
  resamples: number;
  /** Seed of the generator the resamples were drawn with (reproduces the band exactly). */
  seed: string;
  points: { specificity: number; lower: number; median: number; upper: number }[];
}

export interface ScoreEvaluation {
  auc: number;
  /** 95% DeLong interval (pROC ci.auc(method = "delong")), clipped to [0, 1]. */
  auc_ci: [number, number];
  auc_se: number;
  /**
   * The cut-off (positive when score ≥ threshold). null when the Youden-optimal cut-off is +∞
   * (no finite cut-off beats J = 0: the score does not separate the classes); JSON has no ∞.
   */
  threshold: number | null;
  threshold_method: 'youden' | 'fixed';
  sensitivity: number;
  specificity: number;
  accuracy: number;
  /** null when nobody is called positive (0/0). */
  ppv: number | null;
  /** null when nobody is called negative (0/0). */
  npv: number | null;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** null when the score is not a probability in [0, 1] (the reason is in `unavailable`). */
  calibration: CalibrationEvaluation | null;
  /** null when the score is not a probability in [0, 1] (the reason is in `unavailable`). */
  decision_curve: DecisionCurvePoint[] | null;
  /** Why `calibration` or `decision_curve` is null, one sentence each; `{}` when both are given. */
  unavailable: { calibration?: string; decision_curve?: string };
  /**
   * ROC curve points at pROC's thresholds, in increasing threshold order; the first threshold
   * (−∞: everybody positive) and the last (+∞: nobody positive) are written as null.
   */
  roc: { threshold: number | null; sensitivity: number; specificity: number }[];
  /** Pointwise CI band of the ROC curve; null when not computed. */
  roc_band: RocBand | null;
}

export interface ScoreComparison {
  a: string;
  b: string;
  method: 'delong';
  /** AUC(a) − AUC(b). */
  auc_difference: number;
  z: number;
  /** Two-sided p of DeLong's paired test (pROC roc.test(method = "delong", paired = TRUE)). */
  p: number;
}

export interface EvaluationResult {
  schema: typeof EVALUATION_SCHEMA;
  n: number;
  events: number;
  outcome: string;
  /** Events per variable, when the number of model variables is known (training runs). */
  events_per_variable?: number;
  scores: Record<string, ScoreEvaluation>;
  comparisons: ScoreComparison[];
}
