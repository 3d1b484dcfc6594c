import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../synth/random.ts';
import { normalCdf, normalQuantile } from './distributions.ts';
import { fitLogistic, linearPredictor, predictLogistic } from './logistic.ts';
import { type Matrix, matrixFromColumns, matrixToRows } from './matrix.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

/** Largest |a − b| / max(|b|, floor) over two equal-length lists. */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-300): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as number;
    const y = b[i] as number;
    m = Math.max(m, Math.abs(x - y) / Math.max(Math.abs(y), floor));
  }
  return m;
}

/** A random logistic data set: n rows, p covariates (the last binary), outcome from a known model. */
function simulate(seed: string, n: number, p: number): { X: Matrix; y: Float64Array; offset: Float64Array } {
  const rng = createRng(seed);
  const cols: Float64Array[] = [];
  for (let j = 0; j < p; j += 1) {
    cols.push(
      Float64Array.from({ length: n }, () =>
        j === p - 1 ? (rng.uniform() < 0.4 ? 1 : 0) : rng.normal(j, 1 + j / 2),
      ),
    );
  }
  const X = matrixFromColumns(cols);
  const offset = Float64Array.from({ length: n }, () => rng.normal(0, 0.3));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let eta = -0.3;
    for (let j = 0; j < p; j += 1)
      eta += ((j % 2 === 0 ? 0.6 : -0.4) * (((cols[j] as Float64Array)[i] as number) - j)) / (1 + j / 2);
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { X, y, offset };
}

interface RGlm {
  coef: number[];
  se: number[];
  z: number[];
  p: number[];
  lo: number[];
  hi: number[];
  dev: number;
  nulldev: number;
  aic: number;
  loglik: number;
  iter: number;
  cov: number[];
  pred: number[] | null;
}

const GLM_SCRIPT = String.raw`
X <- input$X; y <- input$y
fitone <- function(eps, withOffset, intercept) {
  off <- if (withOffset) input$offset else NULL
  f <- if (intercept) glm(y ~ X, family = binomial, offset = off, control = glm.control(epsilon = eps, maxit = 100))
       else glm(y ~ X - 1, family = binomial, offset = off, control = glm.control(epsilon = eps, maxit = 100))
  s <- summary(f)$coefficients
  ci <- confint.default(f)
  list(coef = unname(coef(f)), se = unname(s[, 2]), z = unname(s[, 3]), p = unname(s[, 4]),
       lo = unname(ci[, 1]), hi = unname(ci[, 2]), dev = f$deviance, nulldev = f$null.deviance,
       aic = f$aic, loglik = as.numeric(logLik(f)), iter = f$iter, cov = as.vector(vcov(f)),
       pred = if (intercept) plogis(drop(cbind(1, input$Xnew) %*% coef(f))) else NULL)
}
out <- list(tight = fitone(1e-14, FALSE, TRUE), default = fitone(1e-8, FALSE, TRUE),
            offset = fitone(1e-14, TRUE, TRUE), noint = fitone(1e-14, FALSE, FALSE))
`;

describe('fitLogistic vs R glm(family = binomial)', { skip: rAvailable() ? false : R_MISSING }, () => {
  const { X, y, offset } = simulate('logistic-vs-glm', 200, 4);
  const Xnew = simulate('logistic-vs-glm-new', 7, 4).X;
  const r = runR<Record<'tight' | 'default' | 'offset' | 'noint', RGlm>>(GLM_SCRIPT, {
    X: matrixToRows(X),
    y: Array.from(y),
    offset: Array.from(offset),
    Xnew: matrixToRows(Xnew),
  });

  function compare(ours: ReturnType<typeof fitLogistic>, ref: RGlm, tol: number, label: string): void {
    const report: Record<string, number> = {
      coef: maxRelDiff(ours.coefficients, ref.coef),
      se: maxRelDiff(ours.standardErrors, ref.se),
      z: maxRelDiff(ours.z, ref.z),
      p: maxRelDiff(ours.p, ref.p),
      lo: maxRelDiff(
        ours.waldCi.map((c) => c[0]),
        ref.lo,
      ),
      hi: maxRelDiff(
        ours.waldCi.map((c) => c[1]),
        ref.hi,
      ),
      deviance: maxRelDiff([ours.deviance], [ref.dev]),
      nullDeviance: maxRelDiff([ours.nullDeviance], [ref.nulldev]),
      aic: maxRelDiff([ours.aic], [ref.aic]),
      logLik: maxRelDiff([ours.logLik], [ref.loglik]),
      covariance: maxRelDiff(
        // R's vcov is column-major; ours row-major and symmetric.
        ours.covariance.flatMap((row, i) => row.map((_, j) => (ours.covariance[j] as number[])[i] as number)),
        ref.cov,
      ),
    };
    for (const [k, v] of Object.entries(report))
      assert.ok(v <= tol, `${label}: ${k} differs by ${v} (relative): ${JSON.stringify(report)}`);
  }

  test('tight tolerance on both sides: coefficients, SE, z, p, CI, deviance, AIC agree to 1e-8 relative', () => {
    const fit = fitLogistic(X, y, { tolerance: 1e-14, maxIterations: 100 });
    compare(fit, r.tight, 1e-8, 'tight');
    assert.deepEqual(fit.names, ['(Intercept)', 'x1', 'x2', 'x3', 'x4']);
    assert.deepEqual(fit.warnings, []);
    assert.equal(fit.df, 5);
    assert.equal(fit.dfResidual, 195);
    // Predictions on new rows: R predict.glm(type = "response").
    assert.ok(maxRelDiff(predictLogistic(fit, Xnew), r.tight.pred ?? []) < 1e-8);
  });

  test('default glm.control (ε = 1e-8, 25 iterations): same iteration count and estimates', () => {
    const fit = fitLogistic(X, y);
    assert.equal(fit.iterations, r.default.iter);
    assert.ok(fit.converged);
    compare(fit, r.default, 1e-8, 'default');
  });

  test('with an offset: the null deviance is the intercept-only refit with that offset', () => {
    const fit = fitLogistic(X, y, { offset, tolerance: 1e-14, maxIterations: 100 });
    compare(fit, r.offset, 1e-8, 'offset');
  });

  test('without an intercept', () => {
    const fit = fitLogistic(X, y, { intercept: false, tolerance: 1e-14, maxIterations: 100 });
    assert.deepEqual(fit.names, ['x1', 'x2', 'x3', 'x4']);
    compare(fit, r.noint, 1e-8, 'no intercept');
    assert.equal(fit.dfNull, 200);
  });
});

describe('fitLogistic closed forms', () => {
  test('one binary covariate: β₁ is the log odds ratio of the 2×2 table, SE = √(1/a + 1/b + 1/c + 1/d)', () => {
    // Agresti, Categorical Data Analysis (3rd ed., 2013), chapters on 2×2 tables and logistic regression: the
    // MLE is saturated, so β₀ = log(c/d) (odds in the x = 0 row) and β₁ = log(ad/bc); the Wald SE of
    // a log odds ratio is Woolf's √(1/a + 1/b + 1/c + 1/d), and of a log odds √(1/c + 1/d).
    const a = 17; // x = 1, y = 1
    const b = 9; //  x = 1, y = 0
    const c = 11; // x = 0, y = 1
    const d = 23; // x = 0, y = 0
    const x: number[] = [];
    const y: number[] = [];
    const push = (xv: number, yv: number, k: number): void => {
      for (let i = 0; i < k; i += 1) {
        x.push(xv);
        y.push(yv);
      }
    };
    push(1, 1, a);
    push(1, 0, b);
    push(0, 1, c);
    push(0, 0, d);
    const fit = fitLogistic(matrixFromColumns([x]), y, {
      names: ['exposed'],
      tolerance: 1e-14,
      maxIterations: 50,
    });
    const close = (got: number, want: number, what: string): void =>
      assert.ok(Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
    close(fit.coefficients[0] as number, Math.log(c / d), 'β0');
    close(fit.coefficients[1] as number, Math.log((a * d) / (b * c)), 'β1');
    close(fit.standardErrors[0] as number, Math.sqrt(1 / c + 1 / d), 'SE β0');
    close(fit.standardErrors[1] as number, Math.sqrt(1 / a + 1 / b + 1 / c + 1 / d), 'SE β1');
    close(fit.oddsRatios[1] as number, (a * d) / (b * c), 'OR');
    // Saturated in the two cells: the deviance is that of the cell proportions.
    const cellDev =
      -2 *
      (a * Math.log(a / (a + b)) +
        b * Math.log(b / (a + b)) +
        c * Math.log(c / (c + d)) +
        d * Math.log(d / (c + d)));
    close(fit.deviance, cellDev, 'deviance');
    const m = a + c;
    const nTot = a + b + c + d;
    close(
      fit.nullDeviance,
      -2 * (m * Math.log(m / nTot) + (nTot - m) * Math.log(1 - m / nTot)),
      'null deviance',
    );
    close(fit.aic, cellDev + 4, 'AIC');
  });

  test('intercept only: β₀ = logit(ȳ), SE = 1/√(n ȳ(1 − ȳ))', () => {
    const y = [1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1];
    const n = y.length;
    const ybar = 5 / 12;
    const fit = fitLogistic(matrixFromColumns([], n), y, { tolerance: 1e-14, maxIterations: 50 });
    assert.ok(Math.abs((fit.coefficients[0] as number) - Math.log(ybar / (1 - ybar))) < 1e-13);
    // glm takes the SE from the weights of the last IRLS step (the previous iterate), so it matches
    // the closed form to ~1e-9 here, not to machine precision.
    const se = 1 / Math.sqrt(n * ybar * (1 - ybar));
    assert.ok(Math.abs((fit.standardErrors[0] as number) - se) < 1e-8 * se);
    assert.ok(Math.abs(fit.deviance - fit.nullDeviance) < 1e-12);
  });

  test('Wald CI and p use the standard normal (identity checks)', () => {
    // Φ(1.959963984540054) = 0.975 to machine precision, so the CI half-width / SE is that value.
    const { X, y } = simulate('logistic-ci', 80, 2);
    const fit = fitLogistic(X, y);
    fit.coefficients.forEach((b, j) => {
      const se = fit.standardErrors[j] as number;
      const [lo, hi] = fit.waldCi[j] as [number, number];
      assert.ok(Math.abs((hi - b) / se - normalQuantile(0.975)) < 1e-12);
      assert.ok(Math.abs((b - lo) / se - normalQuantile(0.975)) < 1e-12);
      assert.ok(Math.abs((fit.p[j] as number) - 2 * normalCdf(-Math.abs(b / se))) < 1e-15);
    });
  });

  test('linearPredictor and predictLogistic agree with the coefficients', () => {
    const { X, y, offset } = simulate('logistic-predict', 60, 3);
    const fit = fitLogistic(X, y);
    const eta = linearPredictor(fit, X);
    const prob = predictLogistic(fit, X, offset);
    for (let i = 0; i < X.rows; i += 1) {
      let e = fit.coefficients[0] as number;
      for (let j = 0; j < 3; j += 1)
        e += (fit.coefficients[j + 1] as number) * (X.data[i + j * X.rows] as number);
      assert.ok(Math.abs((eta[i] as number) - e) < 1e-12);
      assert.ok(Math.abs((prob[i] as number) - 1 / (1 + Math.exp(-e - (offset[i] as number)))) < 1e-15);
    }
    assert.throws(
      () => linearPredictor(fit, matrixFromColumns([[1], [2]])),
      /3 features but X has 2 columns/,
    );
  });
});

describe('ridge (l2) fit', { skip: rAvailable() ? false : R_MISSING }, () => {
  const { X, y } = simulate('logistic-ridge', 120, 4);
  const lambda = 3.5;
  const fit = fitLogistic(X, y, { l2: lambda, tolerance: 1e-14, maxIterations: 100 });

  test('solves the penalised score equations Xᵀ(y − p) = λβ (intercept: Σ(y − p) = 0)', () => {
    const prob = predictLogistic(fit, X);
    let s0 = 0;
    for (let i = 0; i < X.rows; i += 1) s0 += (y[i] as number) - (prob[i] as number);
    assert.ok(Math.abs(s0) < 1e-10, `intercept score ${s0}`);
    for (let j = 0; j < X.cols; j += 1) {
      let s = 0;
      for (let i = 0; i < X.rows; i += 1)
        s += (X.data[i + j * X.rows] as number) * ((y[i] as number) - (prob[i] as number));
      const b = fit.coefficients[j + 1] as number;
      assert.ok(Math.abs(s - lambda * b) < 1e-9, `score ${j}: ${s} vs λβ = ${lambda * b}`);
    }
    assert.equal(fit.l2, lambda);
    assert.ok(fit.effectiveDf < fit.df && fit.effectiveDf > 1);
  });

  test('matches an independent R Newton–Raphson on logLik − λ/2·Σβ², and its (XᵀWX + λD)⁻¹', () => {
    // R reference: a plain Newton iteration written in the script (not glmnet: glmnet's ridge
    // scales the loss by 1/n and standardises, a different objective).
    const r = runR<{ coef: number[]; cov: number[]; edf: number }>(
      String.raw`
X <- cbind(1, input$X); y <- input$y; lam <- input$lambda
D <- diag(c(0, rep(1, ncol(X) - 1)))
b <- rep(0, ncol(X))
for (it in 1:100) {
  p <- plogis(drop(X %*% b)); W <- p * (1 - p)
  H <- crossprod(X, X * W) + lam * D
  step <- solve(H, crossprod(X, y - p) - lam * D %*% b)
  b <- b + drop(step)
  if (max(abs(step)) < 1e-15) break
}
p <- plogis(drop(X %*% b)); W <- p * (1 - p)
I <- crossprod(X, X * W); V <- solve(I + lam * D)
out <- list(coef = b, cov = as.vector(V), edf = sum(diag(V %*% I)))
`,
      { X: matrixToRows(X), y: Array.from(y), lambda },
    );
    assert.ok(maxRelDiff(fit.coefficients, r.coef) < 1e-9, `coef ${maxRelDiff(fit.coefficients, r.coef)}`);
    // The covariance follows glm: it uses the weights of the last IRLS step, taken at the previous
    // iterate, which the deviance criterion (ε = 1e-14) leaves ~√ε ≈ 1e-7 away; the R script's V is
    // at its final iterate. Hence 1e-6 here, while the coefficients (quadratically converged) agree to 1e-9.
    const cov = fit.covariance.flat();
    assert.ok(maxRelDiff(cov, r.cov) < 1e-6, `cov ${maxRelDiff(cov, r.cov)}`);
    assert.ok(Math.abs(fit.effectiveDf - r.edf) < 1e-6);
  });
});

describe('separation and bad input', () => {
  test(
    'complete separation is reported, as glm warns "fitted probabilities numerically 0 or 1"',
    { skip: rAvailable() ? false : R_MISSING },
    () => {
      const x = [0.1, 0.5, 0.9, 1.3, 2.2, 2.6, 3.1, 3.9, 4.4, 5.0];
      const y = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
      const fit = fitLogistic(matrixFromColumns([x]), y);
      const r = runR<{ warnings: string[]; iter: number; dev: number }>(
        String.raw`
w <- character(0)
f <- withCallingHandlers(glm(input$y ~ input$x, family = binomial),
  warning = function(e) { w <<- c(w, conditionMessage(e)); invokeRestart("muffleWarning") })
out <- list(warnings = as.list(w), iter = f$iter, dev = f$deviance)
`,
        { x, y },
      );
      assert.ok(fit.warnings.includes('separation'));
      assert.ok(r.warnings.some((m) => /fitted probabilities numerically 0 or 1/.test(m)));
      assert.equal(fit.iterations, r.iter);
      assert.equal(fit.converged, !r.warnings.some((m) => /did not converge/.test(m)));
      assert.ok(fit.deviance < 1e-6 && r.dev < 1e-6);
    },
  );

  test('overlapping classes give no warning', () => {
    const fit = fitLogistic(
      matrixFromColumns([[0.1, 0.5, 0.9, 1.3, 2.2, 2.6, 3.1, 3.9]]),
      [0, 1, 0, 0, 1, 0, 1, 1],
    );
    assert.deepEqual(fit.warnings, []);
  });

  test('bad input throws a specific error', () => {
    const X = matrixFromColumns([[1, 2, 3, 4]]);
    assert.throws(() => fitLogistic(X, [0, 0, 0, 0]), /only one class \(all 0\)/);
    assert.throws(() => fitLogistic(X, [0, 1, 1]), /outcomes have 3 values but the design matrix has 4 rows/);
    assert.throws(() => fitLogistic(X, [0, 1, 2, 1]), /outcome 2 is 2; outcomes must be 0 or 1/);
    assert.throws(
      () => fitLogistic(matrixFromColumns([[1, NaN, 3, 4]]), [0, 1, 0, 1]),
      /non-finite value NaN at row 1, column 0/,
    );
    assert.throws(
      () =>
        fitLogistic(
          matrixFromColumns([
            [1, 2, 3, 4, 5],
            [2, 4, 6, 8, 10],
          ]),
          [0, 1, 0, 1, 1],
          { names: ['a', 'b'] },
        ),
      /column 'b' is collinear/,
    );
    assert.throws(
      () => fitLogistic(matrixFromColumns([[3, 3, 3, 3]]), [0, 1, 0, 1], { names: ['c'] }),
      /column 'c' is collinear/,
    );
    assert.throws(() => fitLogistic(X, [0, 1, 0, 1], { l2: -1 }), /l2 must be ≥ 0/);
    assert.throws(() => fitLogistic(X, [0, 1, 0, 1], { names: ['a', 'b'] }), /2 names for 1 columns/);
    assert.throws(() => fitLogistic(X, [0, 1, 0, 1], { offset: [0, 0] }), /offset has 2 values, expected 4/);
  });
});
