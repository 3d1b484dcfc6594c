/**
 * What the shipped clinical bundle takes from Li et al. (2026), and the one thing it had to
 * assume. Authors, journal, volume, article number, DOI, cohort size and the three independent
 * clinical predictors are as in the published abstract; the odds ratios and the apCR rate are
 * the figures quoted from the article's results. The covariate distribution is ours.
 */
import type { CovariateFactor } from './calibrate-intercept.ts';

export const LI_2026 = {
  citation:
    'Li S, Li R, Xu M, Liao J, Cao Z, Gong B, Yan F, Wang M, Tan H. Deep Learning Radiomics of Multiparametric MRI ' +
    'for Individualized Prediction of Axillary Lymph Node Response After Neoadjuvant Chemotherapy in Breast Cancer. ' +
    'Breast Cancer: Targets and Therapy. 2026;18:568337.',
  doi: '10.2147/BCTT.S568337',
} as const;

/** Multivariable odds ratios for apCR reported by Li et al. (2026); cT categories against cT1. */
export const PUBLISHED_ODDS_RATIOS = {
  ER_positive: 0.27,
  HER2_positive: 5.9,
  cT_T2: 0.191,
  cT_T3: 0.112,
  cT_T4: 0.083,
} as const;

/** Model input order; the classifier's [1, 5] input follows it. */
export const CLINICAL_LITERATURE_INPUTS = [
  'ER_positive',
  'HER2_positive',
  'cT_T2',
  'cT_T3',
  'cT_T4',
] as const;

/** apCR rate reported in the study, the calibration target for the mean predicted probability. */
export const REPORTED_APCR_RATE = 0.567;

/** The assumed covariate distribution, as written into the manifest's trainingData. */
export const ASSUMED_COVARIATE_FACTORS: CovariateFactor[] = [
  {
    name: 'ER',
    levels: [
      { label: 'positive', probability: 0.6, encoding: { ER_positive: 1 } },
      { label: 'negative', probability: 0.4, encoding: { ER_positive: 0 } },
    ],
  },
  {
    name: 'HER2',
    levels: [
      { label: 'positive', probability: 0.35, encoding: { HER2_positive: 1 } },
      { label: 'negative', probability: 0.65, encoding: { HER2_positive: 0 } },
    ],
  },
  {
    name: 'cT',
    levels: [
      { label: 'T1', probability: 0.15, encoding: { cT_T2: 0, cT_T3: 0, cT_T4: 0 } },
      { label: 'T2', probability: 0.55, encoding: { cT_T2: 1, cT_T3: 0, cT_T4: 0 } },
      { label: 'T3', probability: 0.2, encoding: { cT_T2: 0, cT_T3: 1, cT_T4: 0 } },
      { label: 'T4', probability: 0.1, encoding: { cT_T2: 0, cT_T3: 0, cT_T4: 1 } },
    ],
  },
];

const share = (p: number): string => `${Math.round(p * 1000) / 10} %`;

/** The assumption in words, generated from ASSUMED_COVARIATE_FACTORS so the two cannot disagree. */
export const ASSUMPTION_STATEMENT =
  'ASSUMPTION, not data: the covariate distribution of the study population was not available to us, so ' +
  'the intercept is calibrated over independent factors ' +
  ASSUMED_COVARIATE_FACTORS.map(
    (f) => `${f.name} (${f.levels.map((l) => `${l.label} ${share(l.probability)}`).join(', ')})`,
  ).join('; ') +
  '. A different real mix gives a different intercept and therefore different absolute probabilities; ' +
  'the odds ratios between patients are unaffected.';
