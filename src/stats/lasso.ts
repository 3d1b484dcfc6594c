/**
 * L1-penalised (lasso) logistic regression paths and their cross-validation, reproducing R's
 * `glmnet(x, y, family = "binomial", alpha = 1)` and `cv.glmnet(..., type.measure = "deviance")`
 * (glmnet 4.1; Friedman, Hastie & Tibshirani, "Regularization paths for generalized linear models
 * via coordinate descent", J Stat Softw 33(1), 2010; strong rules: Tibshirani et al., JRSS B 74:245,
 * 2012). Both studies select radiomics features with this LASSO and 10-fold CV.
 *
 * Objective, for each λ (on the standardised scale, observation weights 1/n):
 *
 *   minimise  −(1/n) Σ [y_i η_i − log(1 + e^{η_i})] + λ Σ_j |β̃_j|,   η_i = β₀ + Σ_j x̃_ij β̃_j,
 *
 * where x̃_j = (x_j − x̄_j)/s_j with s_j² = (1/n)Σ(x_ij − x̄_j)² (the 1/n variance) when
 * `standardize` (default), else x̃_j = x_j − x̄_j. The intercept is not penalised. Coefficients are
 * reported on the original scale, β_j = β̃_j/s_j and a0 = β₀ − Σ β_j x̄_j, as glmnet returns them.
 * Constant columns are left out (β = 0), as glmnet does.
 *
 * λ sequence (glmnet's, when `lambda` is not given): λ_max = max_j |x̃_jᵀ(y − ȳ)|/n, the smallest
 * λ at which all β̃ are 0; ratio r = max(lambdaMinRatio, 1e-6) (default lambdaMinRatio 0.01 if
 * n < p else 1e-4); λ_k = λ_max·r^{(k−1)/(nlambda−1)}, k = 1…nlambda, computed as glmnet does
 * (λ₂ = r^{1/(nlambda−1)}·λ_max, then repeated multiplication) with the first value reported as
 * exp(2 log λ₂ − log λ₃) (glmnet's fix.lam). A user `lambda` is sorted decreasing and used as given.
 *
 * Path stopping (glmnet's rules, reproduced): with the automatic sequence, from the 5th λ on, the
 * path stops after a λ at which the deviance ratio exceeds 0.999 or grows by less than 1e-5 from
 * the previous λ (glmnet.control fdev, devmax, mnlam); with any sequence it stops after a λ at which
 * Σ p(1 − p)/n ≤ (1 + 10⁻⁹)·10⁻⁹(1 − 10⁻⁹) (saturated fit). Fitted probabilities are set to
 * exactly 0/1 when |η| > log(1/10⁻⁹ − 1) (glmnet's pmin = 1e-9) and the deviance ratio uses
 * probabilities clipped to [1e-9, 1 − 1e-9], as glmnet's lognet.
 *
 * Algorithm (the paper's, written afresh here): for each λ, warm-started from the previous
 * solution, a Newton (IRLS) outer loop forms the quadratic approximation with weights
 * v_i = p_i(1 − p_i)/n, and cyclic coordinate descent with naive residual updates solves the
 * penalised weighted least-squares problem — a sweep over the strong set {j : |x̃_jᵀr| > 2λ − λ_prev}
 * then sweeps over the ever-active set until the largest weighted change v_j·Δβ_j² falls below
 * thresh·(null deviance/2n); the intercept is updated after each sweep. When the outer loop has
 * converged by the same measure, the KKT conditions are checked on every variable outside the
 * strong set and violators are added and the problem re-solved. `thresh` (1e-7) and `maxit`
 * (10⁵ passes over the data for the whole path) have glmnet's meaning and defaults; glmnet
 * returns the solutions found so far when maxit is exceeded, and so does this code, with a warning.
 *
 * Not reproduced: observation weights, penalty factors, elastic net (α < 1), coefficient bounds,
 * offsets, the dfmax/pmax limits (never binding at their defaults here), sparse input and
 * glmnet's "modified Newton" (type.logistic = "modified.Newton").
 */
import { type Matrix, assertFiniteMatrix, selectRows } from './matrix.ts';

export interface LassoPath {
  /** The λ values fitted, decreasing. */
  lambda: number[];
  /** Intercept at each λ, original scale. */
  a0: number[];
  /** Coefficients at each λ (length p), on the original scale as glmnet returns them. */
  beta: Float64Array[];
  /** Number of non-zero coefficients at each λ. */
  df: number[];
  /** Fraction of null deviance explained, 1 − dev/nulldev, at each λ. */
  devRatio: number[];
  /** Null deviance −2 Σ [y log ȳ + (1 − y) log(1 − ȳ)]. */
  nulldev: number;
  standardize: boolean;
  /** Passes over the data (glmnet's npasses). */
  npasses: number;
  /** e.g. a maxit truncation (glmnet warns and returns the solutions found). */
  warnings: string[];
}

export interface LassoOptions {
  /** Standardise columns (1/n variance) before penalising (default true). */
  standardize?: boolean;
  /** Length of the automatic λ sequence (default 100; at least 3). */
  nlambda?: number;
  /** λ_min/λ_max for the automatic sequence (default 0.01 if n < p, else 1e-4). */
  lambdaMinRatio?: number;
  /** A user λ sequence (sorted decreasing; no early path stopping). */
  lambda?: number[];
  /** Convergence threshold (default 1e-7), glmnet's `thresh`. */
  thresh?: number;
  /** Maximum passes over the data for the whole path (default 100000), glmnet's `maxit`. */
  maxit?: number;
  weights?: never;
}

// glmnet.control() defaults.
const FDEV = 1e-5;
const DEVMAX = 0.999;
const EPS_MIN_RATIO = 1e-6;
const BIG = 9.9e35;
const MNLAM = 5;
const PMIN = 1e-9;

interface StandardisedDesign {
  /** Column-major n × p, centred, scaled when standardising; zero for constant columns. */
  x: Float64Array;
  mean: Float64Array;
  scale: Float64Array;
  /** 1 for columns that vary (glmnet's ju). */
  varies: Uint8Array;
}

function standardise(X: Matrix, standardize: boolean): StandardisedDesign {
  const n = X.rows;
  const p = X.cols;
  const x = new Float64Array(n * p);
  const mean = new Float64Array(p);
  const scale = new Float64Array(p).fill(1);
  const varies = new Uint8Array(p);
  for (let j = 0; j < p; j += 1) {
    const off = j * n;
    const first = X.data[off] as number;
    let constant = true;
    let s = 0;
    for (let i = 0; i < n; i += 1) {
      const v = X.data[off + i] as number;
      if (v !== first) constant = false;
      s += v;
    }
    if (constant) continue; // glmnet's chkvars: ju = 0, left out of the fit
    varies[j] = 1;
    const m = s / n;
    mean[j] = m;
    let ss = 0;
    for (let i = 0; i < n; i += 1) {
      const c = (X.data[off + i] as number) - m;
      x[off + i] = c;
      ss += c * c;
    }
    if (standardize) {
      const sd = Math.sqrt(ss / n);
      scale[j] = sd;
      for (let i = 0; i < n; i += 1) x[off + i] = (x[off + i] as number) / sd;
    }
  }
  return { x, mean, scale, varies };
}

function checkBinaryOutcome(y: ArrayLike<number>, n: number, what: string): number {
  if (y.length !== n) throw new RangeError(`${what}: outcomes have ${y.length} values but X has ${n} rows`);
  let events = 0;
  for (let i = 0; i < n; i += 1) {
    const v = y[i];
    if (v !== 0 && v !== 1) throw new RangeError(`${what}: outcome ${i} is ${v}; outcomes must be 0 or 1`);
    events += v;
  }
  const minClass = Math.min(events, n - events);
  if (minClass <= 1) {
    // glmnet: "one multinomial or binomial class has 1 or 0 observations; not allowed".
    throw new RangeError(
      `${what}: one outcome class has ${minClass} observation(s); at least 2 of each are needed`,
    );
  }
  return events;
}

interface SolvedPath {
  lambda: number[];
  b0: number[];
  /** Standardised-scale coefficients per λ. */
  b: Float64Array[];
  devRatio: number[];
  /** Null deviance per unit weight (glmnet's dev0). */
  dev0: number;
  npasses: number;
  warnings: string[];
}

/** Mutable state of the coordinate descent for one path (standardised scale). */
interface CdState {
  n: number;
  /** Column-major standardised design. */
  x: Float64Array;
  /** Coefficients β̃ and the intercept. */
  b: Float64Array;
  b0: number;
  /** Quadratic-approximation weights v_i = p_i(1 − p_i)/n and their sum. */
  v: Float64Array;
  xmz: number;
  /** Weighted working residuals r_i = v_i(z_i − η_i), kept current by every update. */
  r: Float64Array;
  /** Σ_i v_i x̃_ij² for the variables in the strong set. */
  xv: Float64Array;
  /** Ever-active variables (glmnet's m), in order of entry, and a membership flag. */
  active: Int32Array;
  nActive: number;
  inActive: Uint8Array;
}

/** x̃_kᵀ vec. */
function columnDot(x: Float64Array, n: number, k: number, vec: Float64Array): number {
  const off = k * n;
  let s = 0;
  for (let i = 0; i < n; i += 1) s += (vec[i] as number) * (x[off + i] as number);
  return s;
}

/**
 * One cyclic pass of soft-thresholded coordinate updates over `list[0..count)` at penalty λ, then
 * the intercept update; returns the largest weighted squared change v_k·Δ² (glmnet's dlx).
 */
function coordinatePass(st: CdState, list: Int32Array, count: number, lambda: number): number {
  const { n, x, b, v, r, xv, inActive } = st;
  let dlx = 0;
  for (let c = 0; c < count; c += 1) {
    const k = list[c] as number;
    const off = k * n;
    let g = 0;
    for (let i = 0; i < n; i += 1) g += (r[i] as number) * (x[off + i] as number);
    const bk = b[k] as number;
    const xvk = xv[k] as number;
    const u = g + xvk * bk;
    const au = Math.abs(u) - lambda;
    const nb = au > 0 ? (u > 0 ? au : -au) / xvk : 0;
    const dk = nb - bk;
    if (dk === 0) continue;
    b[k] = nb;
    for (let i = 0; i < n; i += 1) r[i] = (r[i] as number) - dk * (v[i] as number) * (x[off + i] as number);
    const change = xvk * dk * dk;
    if (change > dlx) dlx = change;
    if (!inActive[k]) {
      inActive[k] = 1;
      st.active[st.nActive] = k;
      st.nActive += 1;
    }
  }
  let s = 0;
  for (let i = 0; i < n; i += 1) s += r[i] as number;
  const d0 = s / st.xmz;
  if (d0 !== 0) {
    st.b0 += d0;
    for (let i = 0; i < n; i += 1) r[i] = (r[i] as number) - d0 * (v[i] as number);
    const change = st.xmz * d0 * d0;
    if (change > dlx) dlx = change;
  }
  return dlx;
}

/**
 * The coordinate-descent path on a standardised design (module comment). `userLambda` (sorted
 * decreasing) switches off the automatic sequence and the early stopping rules.
 */
function solvePath(
  d: StandardisedDesign,
  n: number,
  p: number,
  y: ArrayLike<number>,
  nlambda: number,
  minRatio: number,
  userLambda: number[] | undefined,
  thresh: number,
  maxit: number,
): SolvedPath {
  const { x, varies } = d;
  const w = 1 / n;
  let q0 = 0;
  for (let i = 0; i < n; i += 1) q0 += w * (y[i] as number);
  const bz = Math.log(q0 / (1 - q0));
  const fmax = Math.log(1 / PMIN - 1);
  const vmin = (1 + PMIN) * PMIN * (1 - PMIN);
  const dev0 = -(bz * q0 + Math.log(1 - q0)); // null deviance / (2n) for 0/1 outcomes
  const shr = thresh * dev0;

  const st: CdState = {
    n,
    x,
    b: new Float64Array(p),
    b0: bz,
    v: new Float64Array(n).fill(q0 * (1 - q0) * w),
    xmz: q0 * (1 - q0),
    r: new Float64Array(n),
    xv: new Float64Array(p),
    active: new Int32Array(p),
    nActive: 0,
    inActive: new Uint8Array(p),
  };
  const { b, v, r, xv } = st;
  for (let i = 0; i < n; i += 1) r[i] = w * ((y[i] as number) - q0);
  const q = new Float64Array(n).fill(q0);
  const eta = new Float64Array(n);
  const bs = new Float64Array(p);
  const ga = new Float64Array(p);
  const strong = new Uint8Array(p);
  const strongList = new Int32Array(p);
  let nStrong = 0;
  const rebuildStrongList = (): void => {
    nStrong = 0;
    for (let j = 0; j < p; j += 1) if (strong[j]) strongList[nStrong++] = j;
  };
  for (let j = 0; j < p; j += 1) if (varies[j]) ga[j] = Math.abs(columnDot(x, n, j, r));

  const out: SolvedPath = { lambda: [], b0: [], b: [], devRatio: [], dev0, npasses: 0, warnings: [] };
  const nlam = userLambda ? userLambda.length : nlambda;
  const alf = userLambda ? 1 : Math.max(EPS_MIN_RATIO, minRatio) ** (1 / (nlam - 1));
  let al = 0;
  let lambdaMax = 0;
  let nlp = 0;
  const maxitWarning = (ilm: number): string =>
    `convergence for the ${ilm + 1}th lambda value not reached after maxit=${maxit} iterations; solutions for larger lambdas returned`;

  lambdaLoop: for (let ilm = 0; ilm < nlam; ilm += 1) {
    let al0 = al;
    if (userLambda) {
      al = userLambda[ilm] as number;
    } else if (ilm >= 2) {
      al *= alf;
    } else if (ilm === 0) {
      al = BIG;
    } else {
      al0 = 0;
      for (let j = 0; j < p; j += 1) if (varies[j]) al0 = Math.max(al0, ga[j] as number);
      lambdaMax = al0;
      al = alf * al0;
    }
    // Sequential strong rule (Tibshirani et al. 2012): candidates |x̃_jᵀr| > 2λ − λ_prev.
    const tlam = 2 * al - al0;
    let changed = false;
    for (let k = 0; k < p; k += 1) {
      if (!strong[k] && varies[k] && (ga[k] as number) > tlam) {
        strong[k] = 1;
        changed = true;
      }
    }
    if (changed) rebuildStrongList();
    let saturated = false;
    // Outer (Newton / IRLS) loop.
    for (;;) {
      const bs0 = st.b0;
      for (let c = 0; c < st.nActive; c += 1) {
        const k = st.active[c] as number;
        bs[k] = b[k] as number;
      }
      for (let c = 0; c < nStrong; c += 1) {
        const k = strongList[c] as number;
        const off = k * n;
        let s = 0;
        for (let i = 0; i < n; i += 1) {
          const xi = x[off + i] as number;
          s += (v[i] as number) * xi * xi;
        }
        xv[k] = s;
      }
      // Coordinate descent on the quadratic approximation: a pass over the strong set, then passes
      // over the ever-active set until they settle, then the strong set again until it settles.
      for (;;) {
        nlp += 1;
        if (coordinatePass(st, strongList, nStrong, al) < shr) break;
        if (nlp > maxit) {
          out.warnings.push(maxitWarning(ilm));
          break lambdaLoop;
        }
        for (;;) {
          nlp += 1;
          if (coordinatePass(st, st.active, st.nActive, al) < shr) break;
          if (nlp > maxit) {
            out.warnings.push(maxitWarning(ilm));
            break lambdaLoop;
          }
        }
      }
      // New probabilities, weights and working residuals.
      eta.fill(st.b0);
      for (let c = 0; c < st.nActive; c += 1) {
        const k = st.active[c] as number;
        const bk = b[k] as number;
        if (bk === 0) continue;
        const off = k * n;
        for (let i = 0; i < n; i += 1) eta[i] = (eta[i] as number) + bk * (x[off + i] as number);
      }
      let xmz = 0;
      for (let i = 0; i < n; i += 1) {
        const fi = eta[i] as number;
        const qi = fi < -fmax ? 0 : fi > fmax ? 1 : 1 / (1 + Math.exp(-fi));
        q[i] = qi;
        const vi = w * qi * (1 - qi);
        v[i] = vi;
        xmz += vi;
      }
      st.xmz = xmz;
      if (xmz <= vmin) {
        saturated = true;
        break;
      }
      for (let i = 0; i < n; i += 1) r[i] = w * ((y[i] as number) - (q[i] as number));
      let converged = xmz * (st.b0 - bs0) ** 2 < shr;
      for (let c = 0; converged && c < st.nActive; c += 1) {
        const k = st.active[c] as number;
        if ((xv[k] as number) * ((b[k] as number) - (bs[k] as number)) ** 2 >= shr) converged = false;
      }
      if (!converged) continue;
      // KKT check outside the strong set.
      let violated = false;
      for (let k = 0; k < p; k += 1) {
        if (strong[k] || !varies[k]) continue;
        const g = Math.abs(columnDot(x, n, k, r));
        ga[k] = g;
        if (g > al) {
          strong[k] = 1;
          violated = true;
        }
      }
      if (!violated) break;
      rebuildStrongList();
    }
    out.lambda.push(al);
    out.b0.push(st.b0);
    out.b.push(Float64Array.from(b));
    let devi = 0;
    for (let i = 0; i < n; i += 1) {
      const qi = q[i] as number;
      const yi = y[i] as number;
      devi -= w * (yi * Math.log(Math.max(PMIN, qi)) + (1 - yi) * Math.log(Math.max(PMIN, 1 - qi)));
    }
    const ratio = (dev0 - devi) / dev0;
    out.devRatio.push(ratio);
    if (saturated) break;
    if (userLambda || ilm + 1 < MNLAM) continue;
    if (ratio > DEVMAX) break;
    if (ratio - (out.devRatio[ilm - 1] as number) < FDEV) break;
  }
  out.npasses = nlp;
  if (!userLambda && out.lambda.length > 0) {
    // glmnet's fix.lam: the first λ (a sentinel "infinity" in the Fortran) is reported as the log-linear
    // extrapolation of the next two; with fewer than 3 λ fitted, as λ_max.
    const l = out.lambda;
    l[0] = l.length > 2 ? Math.exp(2 * Math.log(l[1] as number) - Math.log(l[2] as number)) : lambdaMax;
  }
  return out;
}

function resolveOptions(X: Matrix, options: LassoOptions, what: string) {
  const standardize = options.standardize ?? true;
  const nlambda = options.nlambda ?? 100;
  if (!(Number.isInteger(nlambda) && nlambda >= 3)) {
    throw new RangeError(`${what}: nlambda must be an integer ≥ 3, got ${nlambda}`);
  }
  const lambdaMinRatio = options.lambdaMinRatio ?? (X.rows < X.cols ? 0.01 : 1e-4);
  if (!(lambdaMinRatio > 0 && lambdaMinRatio < 1)) {
    throw new RangeError(`${what}: lambdaMinRatio must be in (0, 1), got ${lambdaMinRatio}`);
  }
  let lambda: number[] | undefined;
  if (options.lambda !== undefined) {
    if (options.lambda.length === 0) throw new RangeError(`${what}: the lambda sequence is empty`);
    for (const l of options.lambda) {
      if (!(Number.isFinite(l) && l >= 0))
        throw new RangeError(`${what}: lambda values must be finite and ≥ 0, got ${l}`);
    }
    lambda = [...options.lambda].sort((a, b) => b - a);
  }
  const thresh = options.thresh ?? 1e-7;
  if (!(thresh > 0)) throw new RangeError(`${what}: thresh must be positive, got ${thresh}`);
  const maxit = options.maxit ?? 100000;
  if (!(Number.isInteger(maxit) && maxit >= 1))
    throw new RangeError(`${what}: maxit must be a positive integer, got ${maxit}`);
  return { standardize, nlambda, lambdaMinRatio, lambda, thresh, maxit };
}

/**
 * The lasso logistic-regression path with glmnet(family = "binomial", alpha = 1) conventions
 * (module comment). X is n × p column-major; y holds 0/1 outcomes with at least 2 of each.
 */
export function lassoPath(X: Matrix, y: ArrayLike<number>, options: LassoOptions = {}): LassoPath {
  assertFiniteMatrix(X, 'lassoPath design matrix');
  const n = X.rows;
  const p = X.cols;
  if (p < 1) throw new RangeError('lassoPath: the design matrix has no columns');
  checkBinaryOutcome(y, n, 'lassoPath');
  const o = resolveOptions(X, options, 'lassoPath');
  const d = standardise(X, o.standardize);
  const solved = solvePath(d, n, p, y, o.nlambda, o.lambdaMinRatio, o.lambda, o.thresh, o.maxit);
  const beta: Float64Array[] = [];
  const a0: number[] = [];
  const df: number[] = [];
  solved.b.forEach((bStd, l) => {
    const bOrig = new Float64Array(p);
    let intercept = solved.b0[l] as number;
    let nz = 0;
    for (let j = 0; j < p; j += 1) {
      const bj = bStd[j] as number;
      if (bj === 0) continue;
      const v = bj / (d.scale[j] as number);
      bOrig[j] = v;
      intercept -= v * (d.mean[j] as number);
      nz += 1;
    }
    beta.push(bOrig);
    a0.push(intercept);
    df.push(nz);
  });
  return {
    lambda: solved.lambda,
    a0,
    beta,
    df,
    devRatio: solved.devRatio,
    nulldev: 2 * n * solved.dev0,
    standardize: o.standardize,
    npasses: solved.npasses,
    warnings: solved.warnings,
  };
}

/**
 * Coefficients at any λ, as glmnet's coef(fit, s = λ, exact = FALSE): linear interpolation in λ
 * between the two neighbouring grid values (glmnet's lambda.interp); λ outside the grid is clamped to
 * its ends. At a grid value (e.g. lambda.min, lambda.1se) the result is that fit exactly.
 */
export function lassoCoefficientsAt(path: LassoPath, lambda: number): { a0: number; beta: Float64Array } {
  if (!Number.isFinite(lambda) || lambda < 0)
    throw new RangeError(`lassoCoefficientsAt: λ must be finite and ≥ 0, got ${lambda}`);
  const L = path.lambda;
  const k = L.length;
  if (k === 0) throw new RangeError('lassoCoefficientsAt: the path is empty');
  const at = (i: number) => ({
    a0: path.a0[i] as number,
    beta: Float64Array.from(path.beta[i] as Float64Array),
  });
  if (k === 1 || lambda >= (L[0] as number)) return at(0);
  if (lambda <= (L[k - 1] as number)) return at(k - 1);
  let left = 0;
  while ((L[left + 1] as number) > lambda) left += 1;
  const right = left + 1;
  if ((L[right] as number) === lambda) return at(right);
  const frac = (lambda - (L[right] as number)) / ((L[left] as number) - (L[right] as number));
  const bl = path.beta[left] as Float64Array;
  const br = path.beta[right] as Float64Array;
  return {
    a0: frac * (path.a0[left] as number) + (1 - frac) * (path.a0[right] as number),
    beta: bl.map((v, j) => frac * v + (1 - frac) * (br[j] as number)),
  };
}

export interface KktReport {
  /** Largest of the three below. */
  maxViolation: number;
  /** max over β_j ≠ 0 of |g_j − λ·sign(β_j)|, g_j = (1/n) x̃_jᵀ(y − p). */
  activeViolation: number;
  /** max over β_j = 0 of max(0, |g_j| − λ). */
  inactiveViolation: number;
  /** |(1/n) Σ (y − p)| (the unpenalised intercept's score). */
  interceptViolation: number;
}

/**
 * How far (a0, β) (original scale) is from satisfying the KKT conditions of the glmnet objective
 * at λ: with g_j = (1/n) x̃_jᵀ(y − p) on the standardised columns (1/n variance) — or the centred
 * columns when standardize is false — optimality means g_j = λ·sign(β_j) for β_j ≠ 0,
 * |g_j| ≤ λ for β_j = 0, and Σ(y − p) = 0. Constant columns are skipped.
 */
export function lassoKkt(
  X: Matrix,
  y: ArrayLike<number>,
  a0: number,
  beta: ArrayLike<number>,
  lambda: number,
  options: { standardize?: boolean } = {},
): KktReport {
  assertFiniteMatrix(X, 'lassoKkt design matrix');
  const n = X.rows;
  const p = X.cols;
  checkBinaryOutcome(y, n, 'lassoKkt');
  if (beta.length !== p) throw new RangeError(`lassoKkt: beta has ${beta.length} values, X has ${p} columns`);
  const d = standardise(X, options.standardize ?? true);
  const resid = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let eta = a0;
    for (let j = 0; j < p; j += 1) {
      const bj = beta[j] as number;
      if (bj !== 0) eta += bj * (X.data[i + j * n] as number);
    }
    resid[i] = (y[i] as number) - 1 / (1 + Math.exp(-eta));
  }
  let sum = 0;
  for (let i = 0; i < n; i += 1) sum += resid[i] as number;
  const interceptViolation = Math.abs(sum / n);
  let activeViolation = 0;
  let inactiveViolation = 0;
  for (let j = 0; j < p; j += 1) {
    if (!d.varies[j]) continue;
    const off = j * n;
    let g = 0;
    for (let i = 0; i < n; i += 1) g += (d.x[off + i] as number) * (resid[i] as number);
    g /= n;
    const bj = beta[j] as number;
    if (bj !== 0) activeViolation = Math.max(activeViolation, Math.abs(g - lambda * Math.sign(bj)));
    else inactiveViolation = Math.max(inactiveViolation, Math.abs(g) - lambda);
  }
  return {
    maxViolation: Math.max(activeViolation, inactiveViolation, interceptViolation),
    activeViolation,
    inactiveViolation,
    interceptViolation,
  };
}

/**
 * Random fold labels 1…nfolds for n observations, as cv.glmnet's
 * `sample(rep(seq(nfolds), length = N))`: the sequence 1, 2, …, nfolds, 1, 2, … cut to length n,
 * shuffled (Fisher–Yates with `random`, uniform on [0, 1)). Fold sizes differ by at most one.
 *
 * With `strata` (e.g. the 0/1 outcomes), each stratum is dealt the continuing sequence in turn and
 * shuffled within itself, so each fold gets a near-equal share of every stratum and fold sizes still
 * differ by at most one. R's stream differs from any JavaScript generator, so folds never match R's
 * bit for bit; pass glmnet's foldid to `cvLasso` to reproduce an R run.
 */
export function assignFolds(
  n: number,
  nfolds: number,
  random: () => number,
  strata?: ArrayLike<number>,
): Int32Array {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`assignFolds: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(nfolds) || nfolds < 3 || nfolds > n) {
    throw new RangeError(`assignFolds: nfolds must be an integer from 3 to n = ${n}, got ${nfolds}`);
  }
  const foldid = new Int32Array(n);
  const shuffle = (idx: number[]): void => {
    for (let i = idx.length - 1; i > 0; i -= 1) {
      const u = random();
      if (!(u >= 0 && u < 1)) throw new RangeError(`assignFolds: random() returned ${u}, not in [0, 1)`);
      const j = Math.floor(u * (i + 1));
      const t = idx[i] as number;
      idx[i] = idx[j] as number;
      idx[j] = t;
    }
  };
  const groups = new Map<number, number[]>();
  if (strata === undefined) {
    groups.set(
      0,
      Array.from({ length: n }, (_, i) => i),
    );
  } else {
    if (strata.length !== n)
      throw new RangeError(`assignFolds: strata has ${strata.length} values, expected ${n}`);
    for (let i = 0; i < n; i += 1) {
      const s = strata[i] as number;
      const g = groups.get(s);
      if (g) g.push(i);
      else groups.set(s, [i]);
    }
  }
  let next = 0;
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const idx = groups.get(key) as number[];
    const labels = idx.map(() => (next++ % nfolds) + 1);
    shuffle(labels);
    idx.forEach((i, k) => (foldid[i] = labels[k] as number));
  }
  return foldid;
}

export interface LassoCv {
  lambda: number[];
  /** Mean cross-validated binomial deviance per observation at each λ. */
  cvm: number[];
  /** Its standard error. */
  cvsd: number[];
  lambdaMin: number;
  lambda1se: number;
  /** 0-based indices into `lambda` (glmnet's index is 1-based). */
  indexMin: number;
  index1se: number;
  /** Fold label (1…nfolds) of each observation. */
  foldid: Int32Array;
  /** Non-zero coefficients of the full-data fit at each λ (cv.glmnet's nzero). */
  nzero: number[];
  /** The full-data path (cv.glmnet's glmnet.fit). */
  path: LassoPath;
}

export interface LassoCvOptions extends LassoOptions {
  /** Fold labels 1…K (K ≥ 3), as cv.glmnet's foldid. */
  foldid?: ArrayLike<number>;
  /** Number of folds when foldid is not given (default 10). */
  nfolds?: number;
  /** Uniform [0, 1) generator for the folds when foldid is not given. */
  random?: () => number;
  /** Stratify random folds by outcome (default false, as cv.glmnet). */
  stratify?: boolean;
}

/** cv.glmnet's clipping of held-out probabilities before the deviance (cv.lognet prob_min). */
const CV_PROB_MIN = 1e-5;

/**
 * K-fold cross-validation of the lasso path with cv.glmnet(type.measure = "deviance",
 * alignment = "lambda") conventions (glmnet 4.1-6 cv.glmnet.raw, buildPredmat, cv.lognet,
 * cvcompute, cvstats, getOptcv.glmnet):
 *
 * - The full-data path fixes the λ sequence reported. Each fold's training rows are fitted with
 *   the same options — so, unless a `lambda` sequence is given, with the fold's own automatic
 *   sequence and early stopping, standardised within the fold (cv.glmnet deliberately does not
 *   pass the full-data λ to the fold fits) — and the fold's coefficients at each full-data λ are
 *   taken by glmnet's linear interpolation in λ (`lassoCoefficientsAt`, clamped to the fold's range).
 * - Held-out probabilities are clipped to [1e-5, 1 − 1e-5] and scored by the binomial deviance
 *   −2[y log p + (1 − y) log(1 − p)].
 * - With at least 3 observations per fold (grouped = TRUE): per-fold mean deviances cv_f,
 *   cvm = mean of cv_f weighted by fold size, cvsd = √(Σ n_f(cv_f − cvm)²/Σ n_f/(K − 1));
 *   otherwise per observation (cvsd = √(mean((d_i − cvm)²)/(n − 1))).
 * - lambda.min is the largest λ attaining the smallest cvm; lambda.1se the largest λ with
 *   cvm ≤ cvm(lambda.min) + cvsd(lambda.min).
 */
export function cvLasso(X: Matrix, y: ArrayLike<number>, options: LassoCvOptions): LassoCv {
  assertFiniteMatrix(X, 'cvLasso design matrix');
  const n = X.rows;
  checkBinaryOutcome(y, n, 'cvLasso');
  let foldid: Int32Array;
  if (options.foldid !== undefined) {
    if (options.foldid.length !== n)
      throw new RangeError(`cvLasso: foldid has ${options.foldid.length} values, expected ${n}`);
    foldid = Int32Array.from(options.foldid);
    for (let i = 0; i < n; i += 1) {
      if (foldid[i] !== options.foldid[i] || (foldid[i] as number) < 1) {
        throw new RangeError(
          `cvLasso: foldid ${i} is ${options.foldid[i]}; fold labels must be integers ≥ 1`,
        );
      }
    }
  } else {
    if (!options.random) throw new RangeError('cvLasso: give foldid or a random() generator to assign folds');
    foldid = assignFolds(n, options.nfolds ?? 10, options.random, options.stratify ? y : undefined);
  }
  let nfolds = 0;
  for (const f of foldid) nfolds = Math.max(nfolds, f);
  if (nfolds < 3) throw new RangeError(`cvLasso: at least 3 folds are needed, got ${nfolds}`);
  const foldRows: number[][] = Array.from({ length: nfolds }, () => []);
  foldid.forEach((f, i) => (foldRows[f - 1] as number[]).push(i));
  foldRows.forEach((rows, f) => {
    if (rows.length === 0) throw new RangeError(`cvLasso: fold ${f + 1} is empty`);
  });

  const baseOptions: LassoOptions = {
    standardize: options.standardize,
    nlambda: options.nlambda,
    lambdaMinRatio: options.lambdaMinRatio,
    lambda: options.lambda,
    thresh: options.thresh,
    maxit: options.maxit,
  };
  const path = lassoPath(X, y, baseOptions);
  const lambda = path.lambda;
  const L = lambda.length;
  // Per-observation held-out deviance at each λ.
  const devs = Array.from({ length: L }, () => new Float64Array(n));
  const inFold = new Uint8Array(n);
  for (let f = 0; f < nfolds; f += 1) {
    const test = foldRows[f] as number[];
    inFold.fill(0);
    for (const i of test) inFold[i] = 1;
    const train: number[] = [];
    for (let i = 0; i < n; i += 1) if (!inFold[i]) train.push(i);
    const yTrain = train.map((i) => y[i] as number);
    let fit: LassoPath;
    try {
      fit = lassoPath(selectRows(X, train), yTrain, baseOptions);
    } catch (e) {
      throw new RangeError(`cvLasso: fold ${f + 1}: ${(e as Error).message}`, { cause: e });
    }
    for (let l = 0; l < L; l += 1) {
      const { a0, beta } = lassoCoefficientsAt(fit, lambda[l] as number);
      for (const i of test) {
        let eta = a0;
        for (let j = 0; j < X.cols; j += 1) {
          const bj = beta[j] as number;
          if (bj !== 0) eta += bj * (X.data[i + j * n] as number);
        }
        const prob = Math.min(Math.max(1 / (1 + Math.exp(-eta)), CV_PROB_MIN), 1 - CV_PROB_MIN);
        const yi = y[i] as number;
        (devs[l] as Float64Array)[i] = -2 * (yi * Math.log(prob) + (1 - yi) * Math.log(1 - prob));
      }
    }
  }
  const grouped = n / nfolds >= 3;
  const cvm: number[] = [];
  const cvsd: number[] = [];
  for (let l = 0; l < L; l += 1) {
    const dl = devs[l] as Float64Array;
    if (grouped) {
      const foldMean = foldRows.map((rows) => rows.reduce((s, i) => s + (dl[i] as number), 0) / rows.length);
      let m = 0;
      foldRows.forEach((rows, f) => (m += rows.length * (foldMean[f] as number)));
      m /= n;
      let ss = 0;
      foldRows.forEach((rows, f) => (ss += rows.length * ((foldMean[f] as number) - m) ** 2));
      cvm.push(m);
      cvsd.push(Math.sqrt(ss / n / (nfolds - 1)));
    } else {
      let m = 0;
      for (let i = 0; i < n; i += 1) m += dl[i] as number;
      m /= n;
      let ss = 0;
      for (let i = 0; i < n; i += 1) ss += ((dl[i] as number) - m) ** 2;
      cvm.push(m);
      cvsd.push(Math.sqrt(ss / n / (n - 1)));
    }
  }
  // glmnet's getOptcv: largest λ attaining the minimum, then the largest λ within one SE of it.
  const cvMin = Math.min(...cvm);
  let indexMin = -1;
  for (let l = 0; l < L; l += 1)
    if ((cvm[l] as number) <= cvMin && (indexMin < 0 || (lambda[l] as number) > (lambda[indexMin] as number)))
      indexMin = l;
  const bound = (cvm[indexMin] as number) + (cvsd[indexMin] as number);
  let index1se = -1;
  for (let l = 0; l < L; l += 1)
    if ((cvm[l] as number) <= bound && (index1se < 0 || (lambda[l] as number) > (lambda[index1se] as number)))
      index1se = l;
  return {
    lambda,
    cvm,
    cvsd,
    lambdaMin: lambda[indexMin] as number,
    lambda1se: lambda[index1se] as number,
    indexMin,
    index1se,
    foldid,
    nzero: path.df,
    path,
  };
}
