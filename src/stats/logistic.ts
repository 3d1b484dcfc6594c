/**
 * Binary logistic regression by maximum likelihood, following R's `glm(y ~ x, family = binomial)`
 * (R Core Team, stats::glm.fit; McCullagh & Nelder, *Generalized Linear Models*, 2nd ed., 1989,
 * §4.4) so that a model trained here reproduces the numbers a statistician gets from R:
 *
 * - Iteratively reweighted least squares: z = η − offset + (y − μ)/μ′(η), weights
 *   w = μ′(η)²/(μ(1 − μ)); each step solves the weighted least-squares problem by Householder QR
 *   of √w·X (as glm.fit's Cdqrls), starting from μ = (y + ½)/2, η = logit μ (binomial()$initialize).
 * - Convergence as glm.control: |dev − dev_old|/(|dev| + 0.1) < ε (ε = 1e-8, at most 25
 *   iterations by default); pass a smaller `tolerance` (e.g. 1e-12) for tighter estimates.
 * - The inverse link clamps |η| > 30 exactly as R's C code for the logit link (family.c: μ is
 *   ε/(1+ε) or 1/(1+ε) beyond ±30, μ′(η) = DBL_EPSILON there), which keeps IRLS finite when the
 *   data are separated.
 * - Standard errors from the QR of the last IRLS step, i.e. (XᵀWX)⁻¹ with the weights that step
 *   used — what summary.glm reports (with a tight tolerance this is the inverse Fisher information
 *   at the estimate to machine precision).
 * - Wald z = β/SE, two-sided p = 2Φ(−|z|) (summary.glm); CI β ± z₀.₉₇₅·SE (confint.default).
 * - Null deviance: with an intercept and no offset, the deviance at μ = ȳ; with an offset, the
 *   deviance of the intercept-only fit with that offset (what glm() refits); without an intercept,
 *   the deviance at μ = logit⁻¹(offset).
 * - A column collinear with the columns before it (|R_kk| < min(1e-7, ε/1000)·‖x_k‖, dqrdc2's rule)
 *   is an error here: glm would report its coefficient as NA, which a clinical model must not
 *   silently carry.
 *
 * Ridge (`l2` = λ > 0): maximises logLik(β) − λ/2·Σ_{j≠intercept} β_j², by the same IRLS on the
 * design augmented with √λ·I rows for the penalised coefficients (a penalised Newton step). The
 * reported covariance is then the inverse penalised information (XᵀWX + λD)⁻¹ (D = diag(0, 1, …, 1)),
 * as in le Cessie & van Houwelingen (1992, Appl. Statist. 41:191) and rms::lrm's `var` for a penalised
 * fit; `effectiveDf` = tr((XᵀWX + λD)⁻¹XᵀWX) (Gray 1992, JASA 87:942). Deviance, logLik and AIC are
 * the unpenalised quantities at the penalised estimate (AIC with the nominal number of coefficients).
 */
import { normalCdf, normalQuantile } from './distributions.ts';
import { type Matrix, assertFiniteMatrix, householderQr, qrInverseGram, qrSolve } from './matrix.ts';

export interface LogisticFit {
  /** ['(Intercept)', ...feature names] when the model has an intercept. */
  names: string[];
  /** Same order as names. */
  coefficients: number[];
  /** Wald standard errors √diag(covariance) (summary.glm). */
  standardErrors: number[];
  /** Wald z = β/SE. */
  z: number[];
  /** Two-sided normal p = 2Φ(−|z|) (summary.glm). */
  p: number[];
  /** β ± z₀.₉₇₅·SE (confint.default). */
  waldCi: [number, number][];
  oddsRatios: number[];
  oddsRatioCi: [number, number][];
  /** Inverse (penalised) Fisher information, row-major, same order as names. */
  covariance: number[][];
  /** Binomial deviance −2·logLik (0/1 outcomes have saturated log-likelihood 0). */
  deviance: number;
  nullDeviance: number;
  logLik: number;
  /** −2·logLik + 2·(number of coefficients) (glm's aic for 0/1 outcomes). */
  aic: number;
  /** Number of estimated coefficients (the df of logLik(), used in the AIC). */
  df: number;
  /** n − df (glm's df.residual). */
  dfResidual: number;
  /** n − 1 with an intercept, else n (glm's df.null). */
  dfNull: number;
  /** For a ridge fit tr((XᵀWX + λD)⁻¹XᵀWX); equals df when l2 = 0. */
  effectiveDf: number;
  n: number;
  intercept: boolean;
  iterations: number;
  converged: boolean;
  /**
   * 'separation' when fitted probabilities reach 0 or 1 within 10·DBL_EPSILON (glm's "fitted
   * probabilities numerically 0 or 1 occurred"); 'not-converged' when the iteration limit was hit
   * (glm's "algorithm did not converge"); 'null-not-converged' when the intercept-only refit with an
   * offset did not converge.
   */
  warnings: string[];
  /** Ridge penalty λ (0 for plain maximum likelihood). */
  l2: number;
}

export interface LogisticOptions {
  /** Feature names, one per column of X (default x1, x2, …). */
  names?: string[];
  /** Fit an intercept (default true). */
  intercept?: boolean;
  /** Known offset added to the linear predictor. */
  offset?: ArrayLike<number>;
  /** Ridge penalty λ ≥ 0 on the non-intercept coefficients: maximise logLik − λ/2·Σβ². */
  l2?: number;
  /** Maximum IRLS iterations (glm.control maxit, default 25). */
  maxIterations?: number;
  /** Relative deviance change for convergence (glm.control epsilon, default 1e-8). */
  tolerance?: number;
}

/** |η| beyond which R's logit link clamps μ and dμ/dη (family.c THRESH / MTHRESH). */
const LINK_CLAMP = 30;

/** Logit inverse link with R's clamp beyond |η| = 30 (src/library/stats/src/family.c). */
function logitInverseR(eta: number): number {
  const t = eta < -LINK_CLAMP ? Number.EPSILON : eta > LINK_CLAMP ? 1 / Number.EPSILON : Math.exp(eta);
  return t / (1 + t);
}

/** dμ/dη for the logit link, with R's clamp (DBL_EPSILON beyond |η| = 30). */
function logitMuEtaR(eta: number): number {
  if (eta > LINK_CLAMP || eta < -LINK_CLAMP) return Number.EPSILON;
  const t = Math.exp(eta);
  return t / ((1 + t) * (1 + t));
}

/** Binomial deviance of 0/1 outcomes: −2 Σ [y log μ + (1 − y) log(1 − μ)] (binomial()$dev.resids). */
function binomialDeviance(y: ArrayLike<number>, mu: ArrayLike<number>): number {
  let dev = 0;
  for (let i = 0; i < y.length; i += 1) {
    const m = mu[i] as number;
    dev += 2 * ((y[i] as number) === 1 ? Math.log(1 / m) : Math.log(1 / (1 - m)));
  }
  return dev;
}

/** z₀.₉₇₅ = Φ⁻¹(0.975), the Wald 95% multiplier (qnorm(0.975) in R). */
const Z_975 = normalQuantile(0.975);

interface IrlsProblem {
  /** Column-major n × q design (intercept column included when there is one). */
  design: Float64Array;
  n: number;
  q: number;
  names: string[];
  y: ArrayLike<number>;
  offset: Float64Array;
  /** Ridge penalty per coefficient (0 for unpenalised). */
  penalty: Float64Array;
  maxIterations: number;
  tolerance: number;
  /** Starting fitted probabilities (default glm's (y + ½)/2). */
  initialMu?: ArrayLike<number>;
}

interface IrlsResult {
  beta: Float64Array;
  mu: Float64Array;
  deviance: number;
  iterations: number;
  converged: boolean;
  /** (XᵀWX + Λ)⁻¹ from the last IRLS step, row-major. */
  covariance: number[][];
}

/** glm.fit's IRLS loop for the logit link (optionally ridge-penalised); see the module comment. */
function irls(problem: IrlsProblem): IrlsResult {
  const { design, n, q, names, y, offset, penalty, maxIterations, tolerance } = problem;
  const penalised: number[] = [];
  for (let j = 0; j < q; j += 1) if ((penalty[j] as number) > 0) penalised.push(j);
  const rows = n + penalised.length;
  if (rows < q) {
    throw new RangeError(
      `${n} observations cannot estimate ${q} coefficients (the design matrix is rank deficient)`,
    );
  }
  const rankTolerance = Math.min(1e-7, tolerance / 1000);
  const eta = new Float64Array(n);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    // glm.fit: eta <- linkfun(mustart) — the offset is not in the starting η.
    const m = problem.initialMu ? (problem.initialMu[i] as number) : ((y[i] as number) + 0.5) / 2;
    eta[i] = Math.log(m / (1 - m));
    mu[i] = logitInverseR(eta[i] as number);
  }
  let beta: Float64Array = new Float64Array(q);
  const penaltyTerm = (b: Float64Array): number => {
    let s = 0;
    for (const j of penalised) s += (penalty[j] as number) * (b[j] as number) ** 2;
    return s;
  };
  let devOld = binomialDeviance(y, mu);
  let dev: number;
  let converged = false;
  let iterations = 0;
  let covariance: number[][] = [];
  const a = new Float64Array(rows * q);
  const rhs = new Float64Array(rows);
  for (let iter = 1; iter <= maxIterations; iter += 1) {
    iterations = iter;
    // Working response and weights at the current η; A = √w X (+ √λ rows), rhs = √w z (+ 0).
    for (let i = 0; i < n; i += 1) {
      const e = eta[i] as number;
      const m = mu[i] as number;
      const me = logitMuEtaR(e);
      const z = e - (offset[i] as number) + ((y[i] as number) - m) / me;
      const w = Math.sqrt((me * me) / (m * (1 - m)));
      rhs[i] = z * w;
      for (let j = 0; j < q; j += 1) a[i + j * rows] = (design[i + j * n] as number) * w;
    }
    penalised.forEach((j, k) => {
      for (let jj = 0; jj < q; jj += 1) a[n + k + jj * rows] = jj === j ? Math.sqrt(penalty[j] as number) : 0;
      rhs[n + k] = 0;
    });
    const qr = householderQr(a, rows, q);
    for (let j = 0; j < q; j += 1) {
      if ((qr.relativeDiagonal[j] as number) < rankTolerance) {
        throw new RangeError(
          `column '${names[j]}' is collinear with the columns before it: the design matrix is rank deficient (R's glm would report its coefficient as NA)`,
        );
      }
    }
    beta = qrSolve(qr, rhs);
    covariance = qrInverseGram(qr);
    for (let i = 0; i < n; i += 1) {
      let s = offset[i] as number;
      for (let j = 0; j < q; j += 1) s += (design[i + j * n] as number) * (beta[j] as number);
      eta[i] = s;
      mu[i] = logitInverseR(s);
    }
    dev = binomialDeviance(y, mu) + penaltyTerm(beta);
    if (!Number.isFinite(dev)) throw new Error('logistic regression: deviance became non-finite during IRLS');
    if (Math.abs(dev - devOld) / (Math.abs(dev) + 0.1) < tolerance) {
      converged = true;
      break;
    }
    devOld = dev;
  }
  return { beta, mu, deviance: binomialDeviance(y, mu), iterations, converged, covariance };
}

function checkOutcomes(y: ArrayLike<number>, n: number): void {
  if (y.length !== n)
    throw new RangeError(`outcomes have ${y.length} values but the design matrix has ${n} rows`);
  let events = 0;
  for (let i = 0; i < n; i += 1) {
    const v = y[i];
    if (v !== 0 && v !== 1) throw new RangeError(`outcome ${i} is ${v}; outcomes must be 0 or 1`);
    events += v;
  }
  if (events === 0 || events === n) {
    throw new RangeError(
      `outcomes contain only one class (all ${events === 0 ? 0 : 1}): logistic regression is undefined`,
    );
  }
}

/**
 * Fits a logistic regression by IRLS with R glm(family = binomial) conventions (module comment).
 * Throws a RangeError for bad input: size mismatch, non-finite values, outcomes other than 0/1 or
 * of one class only, a rank-deficient design, a negative penalty.
 */
export function fitLogistic(X: Matrix, y: ArrayLike<number>, options: LogisticOptions = {}): LogisticFit {
  assertFiniteMatrix(X, 'logistic regression design matrix');
  const n = X.rows;
  if (n === 0) throw new RangeError('logistic regression: no observations');
  checkOutcomes(y, n);
  const intercept = options.intercept ?? true;
  const featureNames = options.names ?? Array.from({ length: X.cols }, (_, j) => `x${j + 1}`);
  if (featureNames.length !== X.cols) {
    throw new RangeError(`logistic regression: ${featureNames.length} names for ${X.cols} columns`);
  }
  const l2 = options.l2 ?? 0;
  if (!(Number.isFinite(l2) && l2 >= 0))
    throw new RangeError(`logistic regression: l2 must be ≥ 0, got ${l2}`);
  const maxIterations = options.maxIterations ?? 25;
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) {
    throw new RangeError(
      `logistic regression: maxIterations must be a positive integer, got ${maxIterations}`,
    );
  }
  const tolerance = options.tolerance ?? 1e-8;
  if (!(tolerance > 0 && Number.isFinite(tolerance))) {
    throw new RangeError(`logistic regression: tolerance must be positive, got ${tolerance}`);
  }
  const offset = new Float64Array(n);
  if (options.offset !== undefined) {
    if (options.offset.length !== n) {
      throw new RangeError(`logistic regression: offset has ${options.offset.length} values, expected ${n}`);
    }
    for (let i = 0; i < n; i += 1) {
      const o = options.offset[i] as number;
      if (!Number.isFinite(o)) throw new RangeError(`logistic regression: offset ${i} is ${o}`);
      offset[i] = o;
    }
  }
  const names = intercept ? ['(Intercept)', ...featureNames] : [...featureNames];
  const q = names.length;
  if (q === 0) throw new RangeError('logistic regression: no intercept and no columns: nothing to fit');
  const design = new Float64Array(n * q);
  if (intercept) design.fill(1, 0, n);
  design.set(X.data, intercept ? n : 0);
  const penalty = new Float64Array(q);
  if (l2 > 0) penalty.fill(l2, intercept ? 1 : 0);

  const fit = irls({ design, n, q, names, y, offset, penalty, maxIterations, tolerance });
  const warnings: string[] = [];
  if (!fit.converged) warnings.push('not-converged');
  // glm.fit: eps <- 10 * .Machine$double.eps; any(mu > 1 - eps) || any(mu < eps).
  const eps = 10 * Number.EPSILON;
  if (fit.mu.some((m) => m > 1 - eps || m < eps)) warnings.push('separation');

  let nullDeviance: number;
  if (intercept && options.offset !== undefined) {
    // glm(): the null deviance with an offset is the intercept-only refit, started at the fitted values.
    const nullFit = irls({
      design: new Float64Array(n).fill(1),
      n,
      q: 1,
      names: ['(Intercept)'],
      y,
      offset,
      penalty: new Float64Array(1),
      maxIterations,
      tolerance,
      initialMu: fit.mu,
    });
    if (!nullFit.converged) warnings.push('null-not-converged');
    nullDeviance = nullFit.deviance;
  } else if (intercept) {
    let ybar = 0;
    for (let i = 0; i < n; i += 1) ybar += y[i] as number;
    nullDeviance = binomialDeviance(y, new Float64Array(n).fill(ybar / n));
  } else {
    nullDeviance = binomialDeviance(y, Float64Array.from(offset, logitInverseR));
  }

  const coefficients = Array.from(fit.beta);
  const covariance = fit.covariance;
  const standardErrors = coefficients.map((_, j) => Math.sqrt((covariance[j] as number[])[j] as number));
  const z = coefficients.map((b, j) => b / (standardErrors[j] as number));
  const p = z.map((v) => 2 * normalCdf(-Math.abs(v)));
  const waldCi = coefficients.map((b, j): [number, number] => {
    const h = Z_975 * (standardErrors[j] as number);
    return [b - h, b + h];
  });
  let effectiveDf = q;
  if (l2 > 0)
    for (let j = intercept ? 1 : 0; j < q; j += 1)
      effectiveDf -= l2 * ((covariance[j] as number[])[j] as number);
  const logLik = -fit.deviance / 2;
  return {
    names,
    coefficients,
    standardErrors,
    z,
    p,
    waldCi,
    oddsRatios: coefficients.map(Math.exp),
    oddsRatioCi: waldCi.map(([lo, hi]): [number, number] => [Math.exp(lo), Math.exp(hi)]),
    covariance,
    deviance: fit.deviance,
    nullDeviance,
    logLik,
    aic: -2 * logLik + 2 * q,
    df: q,
    dfResidual: n - q,
    dfNull: intercept ? n - 1 : n,
    effectiveDf,
    n,
    intercept,
    iterations: fit.iterations,
    converged: fit.converged,
    warnings,
    l2,
  };
}

/** η = b₀ + Xβ for new rows (without any offset); X has the fit's feature columns, in order. */
export function linearPredictor(fit: LogisticFit, X: Matrix): Float64Array {
  const k = fit.intercept ? 1 : 0;
  const features = fit.coefficients.length - k;
  if (X.cols !== features) {
    throw new RangeError(`linearPredictor: the model has ${features} features but X has ${X.cols} columns`);
  }
  assertFiniteMatrix(X, 'linearPredictor design matrix');
  const eta = new Float64Array(X.rows).fill(k === 1 ? (fit.coefficients[0] as number) : 0);
  for (let j = 0; j < features; j += 1) {
    const b = fit.coefficients[j + k] as number;
    const off = j * X.rows;
    for (let i = 0; i < X.rows; i += 1) eta[i] = (eta[i] as number) + b * (X.data[off + i] as number);
  }
  return eta;
}

/** Predicted probabilities 1/(1 + e^{−η}) with η = b₀ + Xβ (+ offset); no clamping. */
export function predictLogistic(fit: LogisticFit, X: Matrix, offset?: ArrayLike<number>): Float64Array {
  const eta = linearPredictor(fit, X);
  if (offset !== undefined && offset.length !== eta.length) {
    throw new RangeError(`predictLogistic: offset has ${offset.length} values, expected ${eta.length}`);
  }
  return eta.map((e, i) => {
    const v = e + (offset === undefined ? 0 : (offset[i] as number));
    if (!Number.isFinite(v)) throw new RangeError(`predictLogistic: non-finite linear predictor at row ${i}`);
    return 1 / (1 + Math.exp(-v));
  });
}
