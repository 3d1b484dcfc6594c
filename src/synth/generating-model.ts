/**
 * The generating model of the synthetic cohort: how a patient's clinical variables, latent imaging
 * response and axillary outcome (apCR) are drawn. Everything that decides the joint distribution
 * lives in one JSON-serialisable `GeneratingModel`, written next to a cohort so that training can
 * be checked against the truth it should recover.
 *
 * Outcome model (logistic, Li et al. 2026 odds ratios; cT1 is the reference category):
 *
 *   logit P(apCR | x, r) = b0 + ln(OR_ER)·ER + ln(OR_HER2)·HER2 + ln(OR_T2)·T2 + ln(OR_T3)·T3
 *                          + ln(OR_T4)·T4 + βr·r
 *
 * The published odds ratios are used as the coefficients *given r*. Because the logistic model is
 * not collapsible, a clinical-only fit on simulated data (r marginalised) finds different
 * odds ratios: T-stage effects are attenuated (roughly by 1/√(1 + 0.35·βr²·Var(r|x)), the probit
 * approximation), while ER and HER2 also pick up the part of r they predict (see `latent`). The
 * tests measure both.
 *
 * Latent imaging response r (mean 0, variance 1 over the cohort):
 *
 *   r = γ_HER2·(HER2 − p_HER2) + γ_ER·(ER − p_ER) + s·z,   z ~ N(0, 1),
 *   s² = 1 − γ_HER2²·p_HER2(1 − p_HER2) − γ_ER²·p_ER(1 − p_ER)   (ER and HER2 independent)
 *
 * HER2-positive and ER-negative tumours shrink more on MRI during NAT (Loo CE et al., J Clin
 * Oncol 2011;29:660-6), so γ_HER2 > 0 and γ_ER < 0. r drives every imaging change after NAT
 * (shrinkage, falling enhancement, rising ADC, texture change); see `imaging.response`.
 *
 * b0 is calibrated by bisection so that E[P(apCR)] over the model's own covariate distribution
 * (clinical cells × the conditional normal of r) equals the target rate.
 */
import {
  ASSUMED_COVARIATE_FACTORS,
  LI_2026,
  PUBLISHED_ODDS_RATIOS,
  REPORTED_APCR_RATE,
} from '../model/literature/li-2026.ts';
import type { Rng } from './random.ts';

export type ReceptorStatus = 'positive' | 'negative';
export type TCategory = 'T1' | 'T2' | 'T3' | 'T4';
export type NCategory = 'N1' | 'N2' | 'N3';
export type Her2Ihc = '0' | '1+' | '2+' | '3+';

export const T_CATEGORIES: readonly TCategory[] = ['T1', 'T2', 'T3', 'T4'];
export const N_CATEGORIES: readonly NCategory[] = ['N1', 'N2', 'N3'];

/** Model input names of the clinical predictors (DESIGN §4), in the order of the shipped bundle. */
export const CLINICAL_FEATURE_NAMES = ['ER_positive', 'HER2_positive', 'cT_T2', 'cT_T3', 'cT_T4'] as const;
export type ClinicalFeatureName = (typeof CLINICAL_FEATURE_NAMES)[number];

/** value = intercept + latent·r + sd·z with z ~ N(0, 1). */
export interface LatentLinear {
  intercept: number;
  latent: number;
  sd: number;
}

export interface GeneratingModel {
  schema: 'axilla-synth-generating-model/1';
  description: string;
  source: { citation: string; doi: string };
  clinical: {
    note: string;
    /** P(ER positive). ER and HER2 are drawn independently, as the shipped bundle assumes. */
    erPositive: number;
    /** P(HER2 positive) after ISH resolution of IHC 2+. */
    her2Positive: number;
    cT: Record<TCategory, number>;
    /** All patients are node-positive (the intended-use population). */
    cN: Record<NCategory, number>;
    prPositiveGivenEr: Record<ReceptorStatus, number>;
    /** IHC score given the final HER2 status; a 2+ score carries the ISH result equal to the status. */
    her2IhcGivenStatus: {
      positive: Record<'3+' | '2+', number>;
      negative: Record<'0' | '1+' | '2+', number>;
    };
    /** logit(Ki-67 / 100) ~ N(logitMean + shifts, logitSd). */
    ki67: { logitMean: number; erNegativeShift: number; her2PositiveShift: number; logitSd: number };
    ageYears: { mean: number; sd: number; min: number; max: number };
  };
  latent: {
    note: string;
    /** γ_HER2: shift of r per unit of centred HER2 status. */
    her2PositiveShift: number;
    /** γ_ER: shift of r per unit of centred ER status. */
    erPositiveShift: number;
  };
  outcome: {
    note: string;
    /** The published odds ratios the coefficients come from. */
    oddsRatios: Record<ClinicalFeatureName, number>;
    /** ln(OR) for the clinical terms; βr for the latent response. */
    coefficients: Record<ClinicalFeatureName | 'latentResponse', number>;
    /** b0, calibrated with `calibrateIntercept`. */
    intercept: number;
    /** E[P(apCR)] the intercept is calibrated to (Li et al. 2026: 56.7 %). */
    targetApcrRate: number;
  };
  timeline: {
    note: string;
    /** Inclusive ISO date range of NAT start. */
    natStartFrom: string;
    natStartTo: string;
    /** [min, max] whole days, inclusive. */
    diagnosisDaysBeforeNatStart: [number, number];
    preMriDaysBeforeNatStart: [number, number];
    natDurationDays: [number, number];
    postMriDaysAfterNatEnd: [number, number];
    surgeryDaysAfterPostMri: [number, number];
  };
  imaging: {
    note: string;
    /** Longest pre-NAT tumour diameter, uniform in [min, max] by cT (AJCC 8: T1 ≤ 20 mm, T2 ≤ 50 mm, T3 > 50 mm; T4 by extension). */
    tumourDiameterMm: Record<TCategory, { min: number; max: number }>;
    pre: {
      /** Tofts Ktrans (1/min), log-normal: median and SD of ln. */
      ktransPerMin: { median: number; logSd: number };
      /** Tofts kep (1/min), log-normal. */
      kepPerMin: { median: number; logSd: number };
      /** Mean tumour ADC in 1e-6 mm²/s: mean + ki67Slope·(Ki-67 − 20) + sd·z. */
      adc: { mean: number; sd: number; ki67Slope: number };
      /** Relative SD of the multiplicative texture field inside the tumour. */
      textureAmplitude: LatentLinear;
      /** Correlation length of the texture field (mm). */
      textureScaleMm: LatentLinear;
    };
    response: {
      /** ln(V_post / V_pre) before the floor and the cap. */
      logVolumeRatio: LatentLinear;
      maxVolumeRatio: number;
      /** V_post / V_pre below this is a radiological complete response: only a residual focus is left. */
      completeResponseVolumeRatio: number;
      /** Diameter of the residual enhancing focus (or scar) of complete responders, uniform. */
      residualFocusDiameterMm: { min: number; max: number };
      /** Partial responders never shrink below this equivalent diameter. */
      minResidualDiameterMm: number;
      logKtransChange: LatentLinear;
      logKepChange: LatentLinear;
      logAdcChange: LatentLinear;
      logTextureAmplitudeChange: LatentLinear;
      logTextureScaleChange: LatentLinear;
      /** Viable tumour T2 after NAT: responders' residual disease is more fibrotic (shorter T2). */
      logT2Change: LatentLinear;
      /** Background parenchymal enhancement after NAT relative to before (chemotherapy lowers it). */
      backgroundEnhancementFactor: number;
    };
    /** When true, complete responders get a non-enhancing scar and an empty post-NAT ROI. */
    emptyPostRoiForCompleteResponders: boolean;
  };
}

export interface SyntheticClinical {
  er: { status: ReceptorStatus; percent: number };
  pr: { status: ReceptorStatus; percent: number };
  her2: { status: ReceptorStatus; ihc: Her2Ihc; ish?: ReceptorStatus };
  ki67Percent: number;
  cT: TCategory;
  cN: NCategory;
}

export interface SyntheticDates {
  /** All ISO 8601 dates (YYYY-MM-DD): diagnosis < pre-MRI < NAT start < NAT end < post-MRI < surgery. */
  diagnosis: string;
  preMri: string;
  natStart: string;
  natEnd: string;
  postMri: string;
  surgery: string;
}

export interface SyntheticPatient {
  /** Position in the cohort; with the cohort seed it determines everything below. */
  index: number;
  ageYears: number;
  /** YYYY-MM-DD, consistent with `ageYears` at NAT start. */
  birthDate: string;
  clinical: SyntheticClinical;
  /** Model inputs ER_positive, HER2_positive, cT_T2, cT_T3, cT_T4. */
  features: Record<ClinicalFeatureName, 0 | 1>;
  /** Latent imaging response r (higher = better response). */
  latentResponse: number;
  /** b0 + w·x + βr·r. */
  linearPredictor: number;
  /** σ(linearPredictor): P(apCR | clinical, r). */
  apcrProbability: number;
  /** P(apCR | clinical) with r integrated out: the best any clinical-only model can do. */
  clinicalApcrProbability: number;
  apcr: boolean;
  dates: SyntheticDates;
}

const probabilityOf = (factor: string, label: string): number => {
  const level = ASSUMED_COVARIATE_FACTORS.find((f) => f.name === factor)?.levels.find(
    (l) => l.label === label,
  );
  if (!level) throw new Error(`assumed covariate distribution has no ${factor} ${label}`);
  return level.probability;
};

export interface GeneratingModelOptions {
  /** βr, the log-odds per SD of latent response (default 1.5). */
  latentEffect?: number;
  /** Target E[P(apCR)] (default the study rate 0.567). */
  targetApcrRate?: number;
  emptyPostRoiForCompleteResponders?: boolean;
}

/**
 * The default model: the odds ratios and the assumed ER / HER2 / cT distribution of the shipped
 * clinical bundle (li-2026.ts), βr = 1.5, and the intercept calibrated to the study's apCR rate.
 */
export function defaultGeneratingModel(options: GeneratingModelOptions = {}): GeneratingModel {
  const or = PUBLISHED_ODDS_RATIOS;
  const model: GeneratingModel = {
    schema: 'axilla-synth-generating-model/1',
    description:
      'Synthetic node-positive breast cancer patients treated with NAT: clinical variables, a latent imaging ' +
      'response r and axillary pCR drawn from a logistic model with the published odds ratios plus βr·r.',
    source: { citation: LI_2026.citation, doi: LI_2026.doi },
    clinical: {
      note:
        'ER, HER2 and cT prevalences are the assumed covariate distribution of the shipped clinical bundle ' +
        '(models/clinical-literature/1.0.0), drawn independently. PR, IHC/ISH, Ki-67, cN and age are plausible ' +
        'values for a NAT population and do not enter the outcome model.',
      erPositive: probabilityOf('ER', 'positive'),
      her2Positive: probabilityOf('HER2', 'positive'),
      cT: {
        T1: probabilityOf('cT', 'T1'),
        T2: probabilityOf('cT', 'T2'),
        T3: probabilityOf('cT', 'T3'),
        T4: probabilityOf('cT', 'T4'),
      },
      cN: { N1: 0.6, N2: 0.25, N3: 0.15 },
      prPositiveGivenEr: { positive: 0.8, negative: 0.05 },
      her2IhcGivenStatus: {
        positive: { '3+': 0.75, '2+': 0.25 },
        negative: { '0': 0.35, '1+': 0.4, '2+': 0.25 },
      },
      ki67: { logitMean: -1.3, erNegativeShift: 0.9, her2PositiveShift: 0.4, logitSd: 0.7 },
      ageYears: { mean: 51, sd: 11, min: 25, max: 80 },
    },
    latent: {
      note:
        'r = γ_HER2·(HER2 − p_HER2) + γ_ER·(ER − p_ER) + s·z with s chosen so that Var(r) = 1: HER2-positive and ' +
        'ER-negative tumours respond more on MRI (Loo et al., J Clin Oncol 2011;29:660-6).',
      her2PositiveShift: 0.6,
      erPositiveShift: -0.4,
    },
    outcome: {
      note:
        'logit P(apCR) = intercept + Σ coefficients·x + latentResponse·r; clinical coefficients are ln of the ' +
        'published odds ratios (Li et al. 2026), interpreted conditionally on r.',
      oddsRatios: { ...or },
      coefficients: {
        ER_positive: Math.log(or.ER_positive),
        HER2_positive: Math.log(or.HER2_positive),
        cT_T2: Math.log(or.cT_T2),
        cT_T3: Math.log(or.cT_T3),
        cT_T4: Math.log(or.cT_T4),
        latentResponse: options.latentEffect ?? 1.5,
      },
      intercept: 0,
      targetApcrRate: options.targetApcrRate ?? REPORTED_APCR_RATE,
    },
    timeline: {
      note:
        'Biopsy diagnosis, staging MRI, 16-24 weeks of NAT (e.g. 4×AC then 12× weekly paclitaxel), restaging MRI ' +
        'after the last cycle, then surgery.',
      natStartFrom: '2018-01-01',
      natStartTo: '2023-06-30',
      diagnosisDaysBeforeNatStart: [21, 45],
      preMriDaysBeforeNatStart: [3, 18],
      natDurationDays: [112, 168],
      postMriDaysAfterNatEnd: [7, 21],
      surgeryDaysAfterPostMri: [5, 28],
    },
    imaging: {
      note:
        'Tumour size follows cT; Tofts kinetics, ADC and texture describe the pre-NAT tumour; after NAT the ' +
        'volume ratio, Ktrans, kep, ADC and texture change with the latent response r.',
      tumourDiameterMm: {
        T1: { min: 10, max: 20 },
        T2: { min: 21, max: 50 },
        T3: { min: 51, max: 75 },
        T4: { min: 25, max: 70 },
      },
      pre: {
        ktransPerMin: { median: 0.35, logSd: 0.25 },
        kepPerMin: { median: 1.3, logSd: 0.25 },
        adc: { mean: 950, sd: 110, ki67Slope: -2 },
        textureAmplitude: { intercept: 0.3, latent: -0.04, sd: 0.04 },
        textureScaleMm: { intercept: 2.5, latent: 0.3, sd: 0.3 },
      },
      response: {
        logVolumeRatio: { intercept: -1.0, latent: -2.2, sd: 0.6 },
        maxVolumeRatio: 1.3,
        completeResponseVolumeRatio: 0.05,
        residualFocusDiameterMm: { min: 5, max: 8 },
        minResidualDiameterMm: 6,
        logKtransChange: { intercept: -0.3, latent: -0.4, sd: 0.15 },
        logKepChange: { intercept: -0.15, latent: -0.2, sd: 0.1 },
        logAdcChange: { intercept: 0.1, latent: 0.12, sd: 0.05 },
        logTextureAmplitudeChange: { intercept: -0.1, latent: -0.2, sd: 0.1 },
        logTextureScaleChange: { intercept: 0.1, latent: 0.2, sd: 0.1 },
        logT2Change: { intercept: 0, latent: -0.08, sd: 0.05 },
        backgroundEnhancementFactor: 0.6,
      },
      emptyPostRoiForCompleteResponders: options.emptyPostRoiForCompleteResponders ?? false,
    },
  };
  model.outcome.intercept = calibrateIntercept(model);
  return model;
}

// ----- the latent response ---------------------------------------------------------------------

/** E[r | ER, HER2]. */
export function latentMean(model: GeneratingModel, erPositive: boolean, her2Positive: boolean): number {
  const { her2PositiveShift: gh, erPositiveShift: ge } = model.latent;
  return (
    gh * ((her2Positive ? 1 : 0) - model.clinical.her2Positive) +
    ge * ((erPositive ? 1 : 0) - model.clinical.erPositive)
  );
}

/** SD of r given ER and HER2, so that Var(r) = 1 over the cohort. */
export function latentResidualSd(model: GeneratingModel): number {
  const { her2PositiveShift: gh, erPositiveShift: ge } = model.latent;
  const ph = model.clinical.her2Positive;
  const pe = model.clinical.erPositive;
  const explained = gh * gh * ph * (1 - ph) + ge * ge * pe * (1 - pe);
  if (!(explained < 1)) throw new RangeError('the latent shifts explain all of Var(r); lower them');
  return Math.sqrt(1 - explained);
}

// ----- the outcome model -----------------------------------------------------------------------

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function clinicalFeatures(
  clinical: Pick<SyntheticClinical, 'er' | 'her2' | 'cT'>,
): Record<ClinicalFeatureName, 0 | 1> {
  return {
    ER_positive: clinical.er.status === 'positive' ? 1 : 0,
    HER2_positive: clinical.her2.status === 'positive' ? 1 : 0,
    cT_T2: clinical.cT === 'T2' ? 1 : 0,
    cT_T3: clinical.cT === 'T3' ? 1 : 0,
    cT_T4: clinical.cT === 'T4' ? 1 : 0,
  };
}

/** b0 + Σ w·x (without the latent term). */
export function clinicalLinearPredictor(
  model: GeneratingModel,
  features: Readonly<Record<ClinicalFeatureName, number>>,
  intercept = model.outcome.intercept,
): number {
  let z = intercept;
  for (const name of CLINICAL_FEATURE_NAMES) z += model.outcome.coefficients[name] * features[name];
  return z;
}

// Trapezoid rule for E[f(Z)], Z ~ N(0, 1), on [−10, 10]: the tails beyond carry < 1e-22 of mass,
// and for an integrand analytic in a strip (σ(a + b·z) has its nearest poles at distance π/|b|)
// the trapezoid error falls like exp(−2π·(π/|b|)/h), far below double precision at h = 0.05.
const NORMAL_NODES = (() => {
  const n = 401;
  const step = 20 / (n - 1);
  const z = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    z[i] = -10 + i * step;
    w[i] =
      (step * Math.exp(-0.5 * z[i]! * z[i]!)) / Math.sqrt(2 * Math.PI) / (i === 0 || i === n - 1 ? 2 : 1);
  }
  return { z, w };
})();

/** E[σ(a + b·Z)], Z ~ N(0, 1). */
export function expectedSigmoid(a: number, b: number): number {
  let sum = 0;
  const { z, w } = NORMAL_NODES;
  for (let i = 0; i < z.length; i += 1) sum += w[i]! * sigmoid(a + b * z[i]!);
  return sum;
}

/** P(apCR | clinical) = E_r[σ(b0 + w·x + βr·r) | ER, HER2]. */
export function clinicalApcrProbability(
  model: GeneratingModel,
  features: Readonly<Record<ClinicalFeatureName, number>>,
  intercept = model.outcome.intercept,
): number {
  const beta = model.outcome.coefficients.latentResponse;
  const mean = latentMean(model, features.ER_positive === 1, features.HER2_positive === 1);
  return expectedSigmoid(
    clinicalLinearPredictor(model, features, intercept) + beta * mean,
    beta * latentResidualSd(model),
  );
}

/** One cell of the clinical covariate distribution that enters the outcome model. */
export interface ClinicalCell {
  probability: number;
  features: Record<ClinicalFeatureName, 0 | 1>;
}

/** ER × HER2 × cT cells with their probabilities under the model (independent factors). */
export function clinicalCells(model: GeneratingModel): ClinicalCell[] {
  const cells: ClinicalCell[] = [];
  for (const er of [true, false]) {
    for (const her2 of [true, false]) {
      for (const cT of T_CATEGORIES) {
        const probability =
          (er ? model.clinical.erPositive : 1 - model.clinical.erPositive) *
          (her2 ? model.clinical.her2Positive : 1 - model.clinical.her2Positive) *
          model.clinical.cT[cT];
        cells.push({
          probability,
          features: clinicalFeatures({
            er: { status: er ? 'positive' : 'negative', percent: 0 },
            her2: { status: her2 ? 'positive' : 'negative', ihc: '0' },
            cT,
          }),
        });
      }
    }
  }
  return cells;
}

/** E[P(apCR)] over the model's covariate distribution and r, for a given intercept. */
export function expectedApcrRate(model: GeneratingModel, intercept = model.outcome.intercept): number {
  return clinicalCells(model).reduce(
    (sum, cell) => sum + cell.probability * clinicalApcrProbability(model, cell.features, intercept),
    0,
  );
}

/**
 * The intercept b0 for which E[P(apCR)] = targetApcrRate, by bisection on [−30, 30]: the expected
 * rate is strictly increasing in b0 (σ' > 0), so the root is unique.
 */
export function calibrateIntercept(model: GeneratingModel, tolerance = 1e-10): number {
  const target = model.outcome.targetApcrRate;
  if (!(target > 0 && target < 1)) throw new RangeError(`target apCR rate must be in (0, 1), got ${target}`);
  const f = (b: number): number => expectedApcrRate(model, b) - target;
  let lo = -30;
  let hi = 30;
  if (!(f(lo) < 0 && f(hi) > 0)) throw new RangeError('target apCR rate unreachable with |b0| <= 30');
  while (hi - lo > tolerance) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ----- drawing a patient -----------------------------------------------------------------------

const DAY_MS = 86_400_000;

function parseIsoDate(iso: string): number {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  if (!Number.isFinite(ms)) throw new RangeError(`not an ISO date: ${iso}`);
  return ms;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function drawDays(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return rng.integer(lo, hi);
}

function drawClinical(model: GeneratingModel, rng: Rng): SyntheticClinical {
  const c = model.clinical;
  // One fork per variable: changing how one variable is drawn leaves the others as they were.
  const erPositive = rng.fork('er').bernoulli(c.erPositive);
  const her2Positive = rng.fork('her2').bernoulli(c.her2Positive);
  const cT = rng.fork('cT').choiceOf(c.cT);
  const cN = rng.fork('cN').choiceOf(c.cN);

  const prRng = rng.fork('pr');
  const prPositive = prRng.bernoulli(c.prPositiveGivenEr[erPositive ? 'positive' : 'negative']);

  // Percent of stained nuclei; ≥ 1 % is positive (ASCO/CAP 2020), most positives stain strongly.
  const percent = (positive: boolean, r: Rng): number => {
    if (!positive) return 0;
    return r.bernoulli(0.08) ? r.integer(1, 10) : 5 * r.integer(4, 20);
  };

  const ihcRng = rng.fork('her2-ihc');
  const ihc: Her2Ihc = her2Positive
    ? ihcRng.choiceOf(c.her2IhcGivenStatus.positive)
    : ihcRng.choiceOf(c.her2IhcGivenStatus.negative);
  const her2Status: ReceptorStatus = her2Positive ? 'positive' : 'negative';
  const her2: SyntheticClinical['her2'] =
    ihc === '2+' ? { status: her2Status, ihc, ish: her2Status } : { status: her2Status, ihc };

  const k = c.ki67;
  const ki67Logit = rng
    .fork('ki67')
    .normal(
      k.logitMean + (erPositive ? 0 : k.erNegativeShift) + (her2Positive ? k.her2PositiveShift : 0),
      k.logitSd,
    );
  const ki67Percent = Math.min(95, Math.max(1, Math.round(100 * sigmoid(ki67Logit))));

  return {
    er: {
      status: erPositive ? 'positive' : 'negative',
      percent: percent(erPositive, rng.fork('er-percent')),
    },
    pr: { status: prPositive ? 'positive' : 'negative', percent: percent(prPositive, prRng) },
    her2,
    ki67Percent,
    cT,
    cN,
  };
}

function drawDates(model: GeneratingModel, rng: Rng): SyntheticDates {
  const t = model.timeline;
  const from = parseIsoDate(t.natStartFrom);
  const to = parseIsoDate(t.natStartTo);
  const natStart = from + rng.integer(0, Math.round((to - from) / DAY_MS)) * DAY_MS;
  const natEnd = natStart + drawDays(rng, t.natDurationDays) * DAY_MS;
  const postMri = natEnd + drawDays(rng, t.postMriDaysAfterNatEnd) * DAY_MS;
  return {
    diagnosis: isoDate(natStart - drawDays(rng, t.diagnosisDaysBeforeNatStart) * DAY_MS),
    preMri: isoDate(natStart - drawDays(rng, t.preMriDaysBeforeNatStart) * DAY_MS),
    natStart: isoDate(natStart),
    natEnd: isoDate(natEnd),
    postMri: isoDate(postMri),
    surgery: isoDate(postMri + drawDays(rng, t.surgeryDaysAfterPostMri) * DAY_MS),
  };
}

function validateTimeline(model: GeneratingModel): void {
  const t = model.timeline;
  const ranges: [string, readonly [number, number]][] = [
    ['diagnosisDaysBeforeNatStart', t.diagnosisDaysBeforeNatStart],
    ['preMriDaysBeforeNatStart', t.preMriDaysBeforeNatStart],
    ['natDurationDays', t.natDurationDays],
    ['postMriDaysAfterNatEnd', t.postMriDaysAfterNatEnd],
    ['surgeryDaysAfterPostMri', t.surgeryDaysAfterPostMri],
  ];
  for (const [name, [lo, hi]] of ranges) {
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo)) {
      throw new RangeError(`timeline.${name} must be whole days [min, max] with 1 <= min <= max`);
    }
  }
  // The staging MRI must come after the diagnosis for every draw.
  if (t.preMriDaysBeforeNatStart[1] >= t.diagnosisDaysBeforeNatStart[0]) {
    throw new RangeError('timeline: the pre-NAT MRI could precede the diagnosis');
  }
}

/**
 * Patient `index` of the cohort whose root stream is `rng`. Uses only `rng.fork('patient/<index>')`,
 * so the result depends on (root seed, index) alone: not on the cohort size, the order of
 * generation or what else was drawn from `rng`.
 */
export function drawPatient(model: GeneratingModel, rng: Rng, index: number): SyntheticPatient {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`patient index must be >= 0, got ${index}`);
  validateTimeline(model);
  const own = patientStream(rng, index);
  const clinical = drawClinical(model, own.fork('clinical'));
  const features = clinicalFeatures(clinical);

  const latentResponse = own
    .fork('latent')
    .normal(
      latentMean(model, clinical.er.status === 'positive', clinical.her2.status === 'positive'),
      latentResidualSd(model),
    );
  const linearPredictor =
    clinicalLinearPredictor(model, features) + model.outcome.coefficients.latentResponse * latentResponse;
  const apcrProbability = sigmoid(linearPredictor);
  const apcr = own.fork('outcome').bernoulli(apcrProbability);

  const dates = drawDates(model, own.fork('dates'));
  const a = model.clinical.ageYears;
  const ageRng = own.fork('age');
  const ageYears = Math.floor(ageRng.truncatedNormal(a.mean, a.sd, a.min, a.max + 0.999));
  // Birthday between (age + 1) years and age years before NAT start, so the age at NAT start is ageYears.
  const natStart = new Date(`${dates.natStart}T00:00:00Z`);
  const latestBirth = Date.UTC(
    natStart.getUTCFullYear() - ageYears,
    natStart.getUTCMonth(),
    natStart.getUTCDate(),
  );
  const earliestBirth =
    Date.UTC(natStart.getUTCFullYear() - ageYears - 1, natStart.getUTCMonth(), natStart.getUTCDate()) +
    DAY_MS;
  let birth = earliestBirth + ageRng.integer(0, Math.round((latestBirth - earliestBirth) / DAY_MS)) * DAY_MS;
  // 29 February start dates make Date.UTC roll over; step until the age is exactly right.
  while (ageAt(isoDate(birth), dates.natStart) < ageYears) birth -= DAY_MS;
  while (ageAt(isoDate(birth), dates.natStart) > ageYears) birth += DAY_MS;

  return {
    index,
    ageYears,
    birthDate: isoDate(birth),
    clinical,
    features,
    latentResponse,
    linearPredictor,
    apcrProbability,
    clinicalApcrProbability: clinicalApcrProbability(model, features),
    apcr,
    dates,
  };
}

/** Patient `index`'s own stream below the cohort root; images and records fork from it. */
export function patientStream(root: Rng, index: number): Rng {
  return root.fork(`patient/${index}`);
}

/** Whole years between two ISO dates (for checks). */
export function ageAt(birthDate: string, date: string): number {
  const b = new Date(`${birthDate}T00:00:00Z`);
  const d = new Date(`${date}T00:00:00Z`);
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (
    d.getUTCMonth() < b.getUTCMonth() ||
    (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())
  )
    age -= 1;
  return age;
}
