/**
 * `training-report.json`, written by `axilla train` beside the bundle (docs/training.md gives each
 * field). Field names are snake_case where the issue fixed them (`lambda_min`, …) and stay stable:
 * the HTML report and external tools read them.
 */
import type { EvaluationResult } from '../evaluate/evaluation-types.ts';

export const TRAINING_REPORT_SCHEMA = 'axilla-training-report/1';

/** One selection step: which candidate names went in, which were kept. */
export interface SelectionStep {
  step:
    | 'candidates'
    | 'complete-cases'
    | 'reproducibility'
    | 'spearman'
    | 'mann-whitney'
    | 'lasso'
    | 'pca'
    | 'clinical-univariate'
    | 'clinical-stepwise'
    | 'final';
  /** What the step does, with its parameters, e.g. "Spearman |ρ| > 0.8 redundancy removal". */
  rule: string;
  input: number;
  kept: string[];
}

export interface LassoReport {
  lambda_min: number;
  lambda_1se: number;
  lambda_used: number;
  rule: 'lambda.min' | 'lambda.1se';
  selected: string[];
  /** Non-zero coefficients at lambda_used, on the z-scored scale the LASSO saw; key "(Intercept)" too. */
  coefficients: Record<string, number>;
  nfolds: number;
  folds_from: 'seed' | 'column';
  /** The whole path, for the plot: coefficient of each feature ever selected, per lambda. */
  path: { lambda: number[]; df: number[]; coefficients: Record<string, number[]> };
  /** Cross-validated binomial deviance per lambda (cv.glmnet's cvm ± cvsd). */
  cv: { lambda: number[]; cvm: number[]; cvsd: number[] };
  kkt: { max_violation: number };
}

export interface CoefficientRow {
  name: string;
  beta: number;
  se: number;
  z: number;
  p: number;
  odds_ratio: number;
  odds_ratio_ci: [number, number];
  /** Training range of the predictor on the scale the model sees (for the nomogram). */
  range?: [number, number];
}

export interface UnivariateRow {
  name: string;
  odds_ratio: number;
  odds_ratio_ci: [number, number];
  p: number;
}

export interface ClassifierComparisonRow {
  name: string;
  /** npm package (with version) or "axilla-cds" for the product's own code. */
  library: string;
  /** Cross-validated AUC on the training cohort (same folds as the LASSO). */
  cv_auc: number | null;
  train_auc: number | null;
  validation_auc: number | null;
  note?: string;
}

export interface TrainingReport {
  schema: typeof TRAINING_REPORT_SCHEMA;
  model: { id: string; version: string; name: string; kind: string };
  cohort: { manifest: string; n: number; events: number; split: string };
  config: unknown;
  steps: SelectionStep[];
  lasso: LassoReport | null;
  pca: { components: number; inputs: number; explained_variance_ratio: number[] } | null;
  clinical: {
    univariate: UnivariateRow[];
    stepwise: { steps: { removed: string | null; aic: number }[]; kept: string[] };
  } | null;
  /** The final logistic regression on the scale the classifier sees (z-scored imaging inputs). */
  final: {
    intercept: CoefficientRow;
    coefficients: CoefficientRow[];
    penalty: 'none' | { l2: number };
    /** Radiomics–clinical models: the radiomics score (LASSO linear predictor) as its own term. */
    radscore?: { intercept: number; coefficients: Record<string, number> };
    threshold: { value: number; method: 'youden'; sensitivity: number; specificity: number };
    events_per_variable: number;
  };
  /** Spearman correlation matrix of the final imaging predictors (for the heat map). */
  spearman: { names: string[]; matrix: number[][] };
  evaluation: {
    training: EvaluationResult;
    validation: EvaluationResult | null;
    optimism: {
      apparent: number;
      optimism: number;
      corrected: number;
      resamples: number;
      failed: number;
    } | null;
    auc_difference: {
      auc_training: number;
      auc_validation: number;
      difference: number;
      d: number;
      p: number;
      resamples: number;
    } | null;
  };
  classifiers: ClassifierComparisonRow[];
  timings_ms: Record<string, number>;
}
