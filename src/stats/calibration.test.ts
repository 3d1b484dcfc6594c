import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../synth/random.ts';
import { calibration } from './calibration.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';
import { matrixFromColumns } from './matrix.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

/** Predictions from a mis-calibrated model: true logit = 0.4 + 0.7·(model logit). */
function simulate(seed: string, n: number): { p: Float64Array; y: Float64Array } {
  const rng = createRng(seed);
  const p = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const lp = rng.normal(-0.3, 1.6);
    p[i] = 1 / (1 + Math.exp(-lp));
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-(0.4 + 0.7 * lp))) ? 1 : 0;
  }
  return { p, y };
}

const VAL_PROB = String.raw`
suppressMessages(library(rms))
one <- function(p, y) {
  s <- suppressWarnings(val.prob(p, y, pl = FALSE))
  i <- p > 0 & p < 1
  lg <- qlogis(p[i]); yy <- y[i]
  g <- glm(yy ~ lg, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
  g0 <- glm(yy ~ 1, offset = lg, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
  ci <- confint.default(g); ci0 <- confint.default(g0)
  list(intercept = unname(s["Intercept"]), slope = unname(s["Slope"]), brier = unname(s["Brier"]),
       large = unname(coef(g0)), ci = as.vector(ci), ci0 = as.vector(ci0), glmcoef = unname(coef(g)))
}
out <- list(plain = one(input$p, input$y), edges = one(input$pe, input$y))
`;

interface RCal {
  intercept: number;
  slope: number;
  brier: number;
  large: number;
  ci: number[];
  ci0: number[];
  glmcoef: number[];
}

describe('calibration vs rms::val.prob', { skip: rAvailable() ? false : R_MISSING }, () => {
  const { p, y } = simulate('calibration-vs-valprob', 250);
  // The same predictions with a few set to exactly 0 or 1: val.prob drops them from the fits.
  const pe = Float64Array.from(p);
  pe[3] = 0;
  pe[10] = 1;
  pe[17] = 1;
  const r = runR<{ plain: RCal; edges: RCal }>(VAL_PROB, {
    p: Array.from(p),
    y: Array.from(y),
    pe: Array.from(pe),
  });
  const close = (got: number, want: number, tol: number, what: string): void =>
    assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

  test('intercept, slope (val.prob lrm.fit) and Brier; in-the-large and Wald CIs (glm)', () => {
    const c = calibration(p, y);
    // val.prob's lrm.fit stops on its own criterion; 1e-6 covers its convergence, glm at 1e-14 is exact.
    close(c.intercept, r.plain.intercept, 1e-6, 'intercept vs val.prob');
    close(c.slope, r.plain.slope, 1e-6, 'slope vs val.prob');
    close(c.intercept, r.plain.glmcoef[0] as number, 1e-9, 'intercept vs glm');
    close(c.slope, r.plain.glmcoef[1] as number, 1e-9, 'slope vs glm');
    close(c.brier, r.plain.brier, 1e-14, 'Brier');
    close(c.calibrationInTheLarge, r.plain.large, 1e-9, 'in the large');
    // confint.default is column-major: (lo_a, lo_b, hi_a, hi_b).
    close(c.interceptCi?.[0] as number, r.plain.ci[0] as number, 1e-7, 'intercept CI lo');
    close(c.slopeCi?.[0] as number, r.plain.ci[1] as number, 1e-7, 'slope CI lo');
    close(c.interceptCi?.[1] as number, r.plain.ci[2] as number, 1e-7, 'intercept CI hi');
    close(c.slopeCi?.[1] as number, r.plain.ci[3] as number, 1e-7, 'slope CI hi');
    close(c.calibrationInTheLargeCi?.[0] as number, r.plain.ci0[0] as number, 1e-7, 'in-the-large CI lo');
    close(c.calibrationInTheLargeCi?.[1] as number, r.plain.ci0[1] as number, 1e-7, 'in-the-large CI hi');
    assert.equal(c.excluded, 0);
    // The data were simulated with true slope 0.7: the estimate is below 1.
    assert.ok(c.slope < 1);
  });

  test('probabilities of exactly 0 or 1 are left out of the fits but kept in the Brier score, as val.prob', () => {
    const c = calibration(pe, y);
    assert.equal(c.excluded, 3);
    assert.equal(c.n, 247);
    close(c.intercept, r.edges.intercept, 1e-6, 'intercept');
    close(c.slope, r.edges.slope, 1e-6, 'slope');
    close(c.brier, r.edges.brier, 1e-14, 'Brier');
    close(c.calibrationInTheLarge, r.edges.large, 1e-9, 'in the large');
  });
});

describe('calibration identities and bad input', () => {
  test('apparent calibration of a logistic model is perfect: a = 0, b = 1, a₀ = 0', () => {
    // The score equations of a logistic fit with an intercept give Σ(y − p) = 0 and Σ(y − p)·η = 0,
    // which are exactly the score equations of the recalibration fit at a = 0, b = 1.
    const rng = createRng('calibration-apparent');
    const x = Float64Array.from({ length: 120 }, () => rng.normal());
    const y = Float64Array.from(x, (v) => (rng.uniform() < 1 / (1 + Math.exp(-(0.5 + v))) ? 1 : 0));
    const X = matrixFromColumns([x]);
    const p = predictLogistic(fitLogistic(X, y, { tolerance: 1e-14, maxIterations: 50 }), X);
    const c = calibration(p, y);
    assert.ok(Math.abs(c.intercept) < 1e-9, `a = ${c.intercept}`);
    assert.ok(Math.abs(c.slope - 1) < 1e-9, `b = ${c.slope}`);
    assert.ok(Math.abs(c.calibrationInTheLarge) < 1e-9, `a0 = ${c.calibrationInTheLarge}`);
  });

  test('Brier score by hand', () => {
    // ((0.2 − 0)² + (0.9 − 1)² + (0.6 − 0)² + (0.3 − 1)²)/4 = (0.04 + 0.01 + 0.36 + 0.49)/4 = 0.225
    const c = calibration([0.2, 0.9, 0.6, 0.3], [0, 1, 0, 1]);
    assert.ok(Math.abs(c.brier - 0.225) < 1e-15);
  });

  test('bad input', () => {
    assert.throws(() => calibration([], []), /no observations/);
    assert.throws(() => calibration([0.2, 0.3], [1]), /2 probabilities but 1 outcomes/);
    assert.throws(() => calibration([0.2, 1.3], [1, 0]), /probability 1 is 1.3, not in \[0, 1\]/);
    assert.throws(() => calibration([0.2, NaN], [1, 0]), /probability 1 is NaN/);
    assert.throws(() => calibration([0.2, 0.4], [1, 2]), /outcome 1 is 2/);
    assert.throws(() => calibration([0.3, 0.3, 0.3], [1, 0, 1]), /all predicted probabilities are equal/);
    assert.throws(() => calibration([0, 1, 1], [0, 1, 1]), /every probability is 0 or 1/);
    assert.throws(() => calibration([0.2, 0.4, 0.7], [1, 1, 1]), /only one class/);
  });
});
