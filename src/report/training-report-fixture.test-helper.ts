/**
 * A synthetic but internally consistent `TrainingReport` of a radiomics–clinical model, for the
 * report tests: seeded training and validation cohorts, eight z-scored imaging features (two
 * carrying signal, some correlated), a LASSO path and CV curve of glmnet's shape, a radiomics
 * score, a final logistic model fitted by src/stats (radscore + ER + HER2 + cT3) with its training
 * ranges, and both cohorts evaluated by evaluatePredictions.
 */
import { evaluatePredictions } from '../evaluate/evaluate.ts';
import { fitLogistic, predictLogistic } from '../stats/logistic.ts';
import { matrixFromColumns } from '../stats/matrix.ts';
import { spearmanMatrix } from '../stats/spearman.ts';
import { youdenThreshold } from '../stats/roc.ts';
import { createRng, type Rng } from '../synth/random.ts';
import {
  TRAINING_REPORT_SCHEMA,
  type CoefficientRow,
  type TrainingReport,
} from '../train/training-report.ts';

const IMAGING = [
  'DCE_delta_original_glcm_Contrast',
  'DCE_post_wavelet-HLL_firstorder_Mean',
  'T2_post_original_glszm_ZonePercentage',
  'DWI_delta_log-sigma-3-0-mm-3D_firstorder_Median',
  'DCE_pre_original_shape_Sphericity',
  'T2_delta_wavelet-LLH_glrlm_RunEntropy',
  'DL_pc003',
  'DWI_post_original_gldm_DependenceEntropy',
];
/** LASSO coefficients at λ → 0 (z-scored scale); the first two carry the signal. */
const FULL = [0.95, -0.7, 0.32, -0.25, 0.18, 0.12, -0.08, 0.05];
const CLINICAL = ['ER_positive', 'HER2_positive', 'cT_T3'];

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

interface Cohort {
  imaging: number[][]; // per feature
  clinical: number[][]; // per clinical variable
  y: number[];
}

function cohort(rng: Rng, n: number): Cohort {
  const imaging: number[][] = IMAGING.map(() => []);
  const clinical: number[][] = CLINICAL.map(() => []);
  const y: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const latent = normal(rng);
    const shared = normal(rng);
    const er = rng.uniform() < 0.6 ? 1 : 0;
    const her2 = rng.uniform() < 0.35 ? 1 : 0;
    const t3 = rng.uniform() < 0.3 ? 1 : 0;
    const lp = -0.3 + 1.5 * latent - 0.9 * er + 1.1 * her2 - 0.4 * t3;
    y.push(rng.uniform() < 1 / (1 + Math.exp(-lp)) ? 1 : 0);
    IMAGING.forEach((_, j) => {
      const signal = j === 0 ? latent : j === 1 ? -0.8 * latent : 0;
      const correlated = j >= 2 && j <= 4 ? 0.8 * shared : 0;
      imaging[j]!.push(signal + correlated + 0.6 * normal(rng));
    });
    clinical[0]!.push(er);
    clinical[1]!.push(her2);
    clinical[2]!.push(t3);
  }
  return { imaging, clinical, y };
}

function range(v: readonly number[]): [number, number] {
  return [Math.min(...v), Math.max(...v)];
}

export function makeTrainingReport(seed = 'training-report-fixture', resamples = 300): TrainingReport {
  const rng = createRng(seed);
  const train = cohort(rng.fork('train'), 180);
  const valid = cohort(rng.fork('validation'), 120);

  // LASSO path: glmnet-like soft-thresholded coefficients over a geometric λ grid.
  const lambdaMax = 0.24;
  const lambda = Array.from({ length: 50 }, (_, k) => lambdaMax * 0.01 ** (k / 49));
  const shrink = (b: number, l: number) =>
    Math.sign(b) *
    Math.max(0, Math.abs(b) - (l / lambdaMax) * 1.05 * Math.abs(FULL[0]!) * (1 + 0.6 * (1 - Math.abs(b))));
  const coefficients: Record<string, number[]> = {};
  IMAGING.forEach((name, j) => (coefficients[name] = lambda.map((l) => shrink(FULL[j]!, l))));
  const df = lambda.map((_, k) => IMAGING.filter((n) => coefficients[n]![k] !== 0).length);
  const logMin = Math.log(lambda[30]!);
  const cvm = lambda.map(
    (l) =>
      1.12 +
      0.26 / (1 + Math.exp(-(Math.log(l) - logMin - 1.6) * 1.4)) +
      0.012 * Math.max(0, logMin - Math.log(l)) ** 2,
  );
  const cvsd = lambda.map((_, k) => 0.035 + 0.0004 * k);
  const iMin = cvm.indexOf(Math.min(...cvm));
  const i1se = cvm.findIndex((m) => m <= cvm[iMin]! + cvsd[iMin]!);
  const used = i1se;
  const selected = IMAGING.filter((n) => coefficients[n]![used] !== 0);
  const lassoIntercept = -0.12;
  const lassoCoefficients: Record<string, number> = { '(Intercept)': lassoIntercept };
  for (const n of selected) lassoCoefficients[n] = coefficients[n]![used]!;

  const radscoreOf = (c: Cohort) =>
    c.y.map((_, i) =>
      selected.reduce(
        (s, n) => s + lassoCoefficients[n]! * c.imaging[IMAGING.indexOf(n)]![i]!,
        lassoIntercept,
      ),
    );
  const rsTrain = radscoreOf(train);
  const rsValid = radscoreOf(valid);
  const design = (c: Cohort, rs: number[]) => matrixFromColumns([rs, ...c.clinical]);
  const names = ['radscore', ...CLINICAL];
  const fit = fitLogistic(design(train, rsTrain), train.y, { names });
  const pTrain = predictLogistic(fit, design(train, rsTrain));
  const pValid = predictLogistic(fit, design(valid, rsValid));
  const cut = youdenThreshold(pTrain, train.y);
  const trainingColumns = [rsTrain, ...train.clinical];
  const row = (k: number, name: string): CoefficientRow => ({
    name,
    beta: fit.coefficients[k]!,
    se: fit.standardErrors[k]!,
    z: fit.z[k]!,
    p: fit.p[k]!,
    odds_ratio: fit.oddsRatios[k]!,
    odds_ratio_ci: fit.oddsRatioCi[k]!,
    ...(k > 0 ? { range: range(trainingColumns[k - 1]!) } : {}),
  });
  const events = train.y.filter((v) => v === 1).length;
  const epv = Math.min(events, train.y.length - events) / names.length;
  const rocBand = { resamples };

  return {
    schema: TRAINING_REPORT_SCHEMA,
    model: {
      id: 'axilla-radiomics-clinical',
      version: '0.9.0-test',
      name: 'Radiomics–clinical <synthetic>',
      kind: 'radiomics-clinical',
    },
    cohort: {
      manifest: 'cohorts/synthetic/manifest.csv',
      n: 180,
      events,
      split: 'split column (train / validation)',
    },
    config: {},
    steps: [
      {
        step: 'candidates',
        rule: 'all extracted features, pre / post / delta',
        input: 3591,
        kept: Array.from({ length: 3591 }, (_, i) => `feature_${i}`),
      },
      {
        step: 'spearman',
        rule: 'Spearman |ρ| > 0.8 redundancy removal',
        input: 3591,
        kept: Array.from({ length: 812 }, (_, i) => `feature_${i}`),
      },
      {
        step: 'mann-whitney',
        rule: 'Mann–Whitney U, two-sided, p < 0.05',
        input: 812,
        kept: [...IMAGING, ...Array.from({ length: 40 }, (_, i) => `feature_${i}`)],
      },
      { step: 'lasso', rule: 'LASSO logistic, 10-fold CV, lambda.1se', input: 48, kept: selected },
      { step: 'clinical-stepwise', rule: 'univariate p < 0.05, then backward AIC', input: 6, kept: CLINICAL },
      {
        step: 'final',
        rule: 'radiomics score + clinical predictors',
        input: selected.length + 3,
        kept: names,
      },
    ],
    lasso: {
      lambda_min: lambda[iMin]!,
      lambda_1se: lambda[i1se]!,
      lambda_used: lambda[used]!,
      rule: 'lambda.1se',
      selected,
      coefficients: lassoCoefficients,
      nfolds: 10,
      folds_from: 'seed',
      path: { lambda, df, coefficients },
      cv: { lambda, cvm, cvsd },
      kkt: { max_violation: 3.2e-9 },
    },
    pca: null,
    clinical: {
      univariate: [
        { name: 'ER_positive', odds_ratio: 0.41, odds_ratio_ci: [0.22, 0.77], p: 0.006 },
        { name: 'HER2_positive', odds_ratio: 2.9, odds_ratio_ci: [1.5, 5.6], p: 0.0014 },
        { name: 'cT_T3', odds_ratio: 0.6, odds_ratio_ci: [0.3, 1.18], p: 0.14 },
      ],
      stepwise: {
        steps: [
          { removed: null, aic: 221.4 },
          { removed: 'age', aic: 219.6 },
        ],
        kept: CLINICAL,
      },
    },
    final: {
      intercept: row(0, '(Intercept)'),
      coefficients: names.map((n, j) => row(j + 1, n)),
      penalty: 'none',
      radscore: {
        intercept: lassoIntercept,
        coefficients: Object.fromEntries(selected.map((n) => [n, lassoCoefficients[n]!])),
      },
      threshold: {
        value: cut.threshold,
        method: 'youden',
        sensitivity: cut.sensitivity,
        specificity: cut.specificity,
      },
      events_per_variable: epv,
    },
    spearman: { names: IMAGING, matrix: spearmanMatrix(train.imaging) },
    evaluation: {
      training: evaluatePredictions(
        { apcr: train.y, probability: pTrain },
        {
          outcome: 'apcr',
          scores: ['probability'],
          threshold: 'youden',
          eventsPerVariable: { variables: names.length },
          rocBand,
        },
      ),
      validation: evaluatePredictions(
        { apcr: valid.y, probability: pValid },
        { outcome: 'apcr', scores: ['probability'], threshold: cut.threshold, rocBand },
      ),
      optimism: { apparent: 0.86, optimism: 0.021, corrected: 0.839, resamples: 1000, failed: 0 },
      auc_difference: {
        auc_training: 0.86,
        auc_validation: 0.83,
        difference: 0.03,
        d: 0.71,
        p: 0.48,
        resamples: 2000,
      },
    },
    classifiers: [
      {
        name: 'Logistic regression',
        library: 'axilla-cds',
        cv_auc: 0.84,
        train_auc: 0.86,
        validation_auc: 0.83,
      },
      { name: 'Naive Bayes', library: 'axilla-cds', cv_auc: 0.81, train_auc: 0.83, validation_auc: 0.8 },
      {
        name: 'SVM',
        library: 'ml-svm 2.1',
        cv_auc: null,
        train_auc: null,
        validation_auc: null,
        note: 'not available <offline>',
      },
    ],
    timings_ms: { features: 41234, selection: 1520, lasso: 2210, evaluation: 840 },
  };
}
