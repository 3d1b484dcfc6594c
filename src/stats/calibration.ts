/**
 * Logistic recalibration of predicted probabilities (Cox 1958, Biometrika 45:562; Steyerberg,
 * *Clinical Prediction Models*, 2nd ed., 2019, §15.3), with the conventions of rms::val.prob
 * (Harrell, rms 6.5): on an external sample, fit
 *
 *   logit P(y = 1) = a + b·logit(p)        → calibration intercept a and slope b ("Intercept", "Slope")
 *   logit P(y = 1) = a₀ + offset(logit p)  → calibration-in-the-large a₀ (glm(y ~ 1, offset = logit(p)))
 *
 * and the Brier score mean((p − y)²). A perfectly calibrated model has a = 0, b = 1, a₀ = 0; b < 1
 * means predictions too extreme (over-fitting).
 *
 * Probabilities of exactly 0 or 1 have an infinite logit: like val.prob ("observations deleted from
 * logistic calibration due to probs. of 0 or 1") they are left out of the two logistic fits (the
 * count is reported in `excluded`) but kept in the Brier score. They are not clipped: clipping
 * would put an arbitrary, influential value into the slope fit.
 *
 * The fits are maximum likelihood (fitLogistic, tolerance 1e-12), so a and b equal val.prob's
 * lrm.fit estimates; the confidence intervals are Wald 95% (confint.default on the glm fit).
 */
import { fitLogistic } from './logistic.ts';
import { matrixFromColumns } from './matrix.ts';

export interface Calibration {
  /** a in logit P(y) = a + b·logit(p) (val.prob "Intercept"). */
  intercept: number;
  /** b in logit P(y) = a + b·logit(p) (val.prob "Slope"). */
  slope: number;
  /** a₀ in logit P(y) = a₀ + logit(p), i.e. glm(y ~ 1, offset = logit(p)). */
  calibrationInTheLarge: number;
  /** mean((p − y)²) over all observations (val.prob "Brier"). */
  brier: number;
  interceptCi?: [number, number];
  slopeCi?: [number, number];
  calibrationInTheLargeCi?: [number, number];
  /** Observations used in the logistic fits (p strictly between 0 and 1). */
  n: number;
  /** Observations with p exactly 0 or 1, left out of the logistic fits. */
  excluded: number;
  /** Warnings of the recalibration fit (e.g. 'separation'). */
  warnings: string[];
}

const FIT_TOLERANCE = 1e-12;

/** Calibration intercept, slope, calibration-in-the-large and Brier score (module comment). */
export function calibration(probabilities: ArrayLike<number>, outcomes: ArrayLike<number>): Calibration {
  const n = probabilities.length;
  if (n === 0) throw new RangeError('calibration: no observations');
  if (outcomes.length !== n) {
    throw new RangeError(`calibration: ${n} probabilities but ${outcomes.length} outcomes`);
  }
  let brier = 0;
  const logits: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const p = probabilities[i] as number;
    const y = outcomes[i] as number;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`calibration: probability ${i} is ${p}, not in [0, 1]`);
    if (y !== 0 && y !== 1)
      throw new RangeError(`calibration: outcome ${i} is ${y}; outcomes must be 0 or 1`);
    brier += (p - y) ** 2;
    if (p > 0 && p < 1) {
      logits.push(Math.log(p / (1 - p))); // qlogis
      ys.push(y);
    }
  }
  brier /= n;
  const used = logits.length;
  if (used === 0)
    throw new RangeError('calibration: every probability is 0 or 1; the logistic fits need some in (0, 1)');
  const first = logits[0] as number;
  if (logits.every((l) => l === first)) {
    throw new RangeError(
      'calibration: all predicted probabilities are equal; the calibration slope is undefined',
    );
  }
  const slopeFit = fitLogistic(matrixFromColumns([logits]), ys, {
    names: ['logit(p)'],
    tolerance: FIT_TOLERANCE,
    maxIterations: 100,
  });
  const largeFit = fitLogistic(matrixFromColumns([], used), ys, {
    offset: logits,
    tolerance: FIT_TOLERANCE,
    maxIterations: 100,
  });
  const warnings = [...slopeFit.warnings, ...largeFit.warnings.map((w) => `in-the-large: ${w}`)];
  return {
    intercept: slopeFit.coefficients[0] as number,
    slope: slopeFit.coefficients[1] as number,
    calibrationInTheLarge: largeFit.coefficients[0] as number,
    brier,
    interceptCi: slopeFit.waldCi[0],
    slopeCi: slopeFit.waldCi[1],
    calibrationInTheLargeCi: largeFit.waldCi[0],
    n: used,
    excluded: n - used,
    warnings,
  };
}
