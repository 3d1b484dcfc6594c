import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../synth/random.ts';
import { assignFolds, cvLasso, lassoCoefficientsAt, lassoKkt, lassoPath, type LassoPath } from './lasso.ts';
import { type Matrix, matrixFromColumns, matrixToRows } from './matrix.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

/**
 * n × p features with different means and scales (so standardisation matters), the first k carrying
 * signal; optionally one constant column (glmnet leaves it out).
 */
function simulate(seed: string, n: number, p: number, k: number, constantColumn = -1) {
  const rng = createRng(seed);
  const cols = Array.from({ length: p }, (_, j) =>
    Float64Array.from({ length: n }, () => (j === constantColumn ? 2.5 : rng.normal(j % 3, 1 + (j % 4)))),
  );
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let eta = 0.2;
    for (let j = 0; j < k; j += 1)
      eta += ((j % 2 ? -0.8 : 0.9) * (((cols[j] as Float64Array)[i] as number) - (j % 3))) / (1 + (j % 4));
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { X: matrixFromColumns(cols), y, rng };
}

/** A glmnet fit as returned by the R script; beta is p × L flattened column-major. */
interface RPath {
  lambda: number[];
  a0: number[];
  beta: number[];
  df: number[];
  dev: number[];
  nulldev: number;
  npasses: number;
  coefS?: number[];
}

const PATH_SCRIPT = String.raw`
suppressMessages(library(glmnet))
one <- function(case) {
  args <- list(x = case$X, y = case$y, family = "binomial", thresh = case$thresh, standardize = case$standardize)
  if (!is.null(case$lambda)) args$lambda <- case$lambda
  f <- do.call(glmnet, args)
  res <- list(lambda = f$lambda, a0 = unname(f$a0), beta = as.vector(as.matrix(f$beta)), df = f$df,
              dev = f$dev.ratio, nulldev = f$nulldev, npasses = f$npasses)
  if (!is.null(case$s)) res$coefS <- as.vector(as.matrix(coef(f, s = case$s)))
  res
}
`;

interface PathCase {
  name: string;
  X: Matrix;
  y: Float64Array;
  thresh: number;
  standardize: boolean;
  lambda?: number[];
  s?: number[];
}

function toR(c: PathCase) {
  return {
    X: matrixToRows(c.X),
    y: Array.from(c.y),
    thresh: c.thresh,
    standardize: c.standardize,
    ...(c.lambda ? { lambda: c.lambda } : {}),
    ...(c.s ? { s: c.s } : {}),
  };
}

/** Largest differences between our path and glmnet's (λ relative; coefficients absolute). */
function pathDiff(ours: LassoPath, ref: RPath, p: number) {
  assert.equal(ours.lambda.length, ref.lambda.length, 'same number of λ (same stopping rule)');
  let lambda = 0;
  let coef = 0;
  let dev = 0;
  ours.lambda.forEach((l, i) => {
    lambda = Math.max(lambda, Math.abs(l - (ref.lambda[i] as number)) / (ref.lambda[i] as number));
    coef = Math.max(coef, Math.abs((ours.a0[i] as number) - (ref.a0[i] as number)));
    for (let j = 0; j < p; j += 1) {
      coef = Math.max(
        coef,
        Math.abs(((ours.beta[i] as Float64Array)[j] as number) - (ref.beta[j + i * p] as number)),
      );
    }
    dev = Math.max(dev, Math.abs((ours.devRatio[i] as number) - (ref.dev[i] as number)));
  });
  assert.deepEqual(ours.df, ref.df, 'number of non-zero coefficients at each λ');
  return { lambda, coef, dev, nulldev: Math.abs(ours.nulldev - ref.nulldev) / ref.nulldev };
}

interface RCv {
  lambda: number[];
  cvm: number[];
  cvsd: number[];
  min: number;
  se: number;
  idx: number[];
  nzero: number[];
}

const CV_SCRIPT = String.raw`
onecv <- function(case) {
  f <- suppressWarnings(cv.glmnet(case$X, case$y, family = "binomial", foldid = case$foldid, thresh = case$thresh,
                                  type.measure = "deviance"))
  list(lambda = f$lambda, cvm = f$cvm, cvsd = f$cvsd, min = f$lambda.min, se = f$lambda.1se,
       idx = as.vector(f$index), nzero = unname(f$nzero))
}
`;

const tall = simulate('lasso-tall', 120, 15, 4);
const wide = simulate('lasso-wide', 60, 200, 5, 17);
const pathCases: PathCase[] = [
  { name: 'n > p', X: tall.X, y: tall.y, thresh: 1e-14, standardize: true },
  { name: 'n < p, with a constant column', X: wide.X, y: wide.y, thresh: 1e-14, standardize: true },
  { name: 'standardize = FALSE', X: tall.X, y: tall.y, thresh: 1e-14, standardize: false },
  { name: 'default thresh', X: wide.X, y: wide.y, thresh: 1e-7, standardize: true },
  {
    name: 'user lambda, unsorted, with coef(s =) interpolation',
    X: tall.X,
    y: tall.y,
    thresh: 1e-14,
    standardize: true,
    lambda: [0.05, 0.2, 0.01, 0.1, 0.003],
    s: [0.5, 0.15, 0.1, 0.0421, 0.001],
  },
];

const cvTall = simulate('cv-tall', 120, 15, 4);
const cvWide = simulate('cv-wide', 70, 150, 5);
const cvTiny = simulate('cv-tiny', 27, 6, 2);
const cvCases = [
  {
    name: 'n > p, 10 folds',
    X: cvTall.X,
    y: cvTall.y,
    foldid: assignFolds(120, 10, () => cvTall.rng.uniform()),
    thresh: 1e-14,
  },
  {
    name: 'n < p, 10 folds',
    X: cvWide.X,
    y: cvWide.y,
    foldid: assignFolds(70, 10, () => cvWide.rng.uniform()),
    thresh: 1e-10,
  },
  {
    name: 'n < p, 5 stratified folds, default thresh',
    X: cvWide.X,
    y: cvWide.y,
    foldid: assignFolds(70, 5, () => cvWide.rng.uniform(), cvWide.y),
    thresh: 1e-7,
  },
  // Fewer than 3 observations per fold: cv.glmnet switches to grouped = FALSE.
  {
    name: 'ungrouped (27 rows, 10 folds)',
    X: cvTiny.X,
    y: cvTiny.y,
    foldid: assignFolds(27, 10, () => cvTiny.rng.uniform()),
    thresh: 1e-14,
  },
];

let reference: { paths: RPath[]; cvs: RCv[] } | undefined;
/** All glmnet references from one R run (loading glmnet dominates R's time). */
function rReference(): { paths: RPath[]; cvs: RCv[] } {
  // An object of cases: an array of objects would become a data frame in jsonlite::fromJSON.
  reference ??= runR<{ paths: RPath[]; cvs: RCv[] }>(
    `${PATH_SCRIPT}\n${CV_SCRIPT}\nout <- list(paths = unname(lapply(input$paths, one)), cvs = unname(lapply(input$cvs, onecv)))`,
    {
      paths: Object.fromEntries(pathCases.map((c, i) => [`case${i}`, toR(c)])),
      cvs: Object.fromEntries(
        cvCases.map((c, i) => [
          `case${i}`,
          { X: matrixToRows(c.X), y: Array.from(c.y), foldid: Array.from(c.foldid), thresh: c.thresh },
        ]),
      ),
    },
  );
  return reference;
}

describe(
  'lassoPath vs R glmnet(family = "binomial", alpha = 1)',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    const refs = rReference().paths;
    const cases = pathCases;
    cases.forEach((c, ci) => {
      test(`${c.name}: λ sequence to 1e-10 relative, coefficients to 1e-6, same path length and df`, () => {
        const ref = refs[ci] as RPath;
        const ours = lassoPath(c.X, c.y, { thresh: c.thresh, standardize: c.standardize, lambda: c.lambda });
        const d = pathDiff(ours, ref, c.X.cols);
        assert.ok(d.lambda <= 1e-10, `λ differs by ${d.lambda}`);
        assert.ok(d.coef <= 1e-6, `coefficients differ by ${d.coef}`);
        assert.ok(d.dev <= 1e-8, `dev.ratio differs by ${d.dev}`);
        assert.ok(d.nulldev <= 1e-12, `nulldev differs by ${d.nulldev}`);
        // The algorithm follows glmnet's pass structure, so even the pass count agrees.
        assert.equal(ours.npasses, ref.npasses);
        if (c.s) {
          // glmnet's coef(fit, s) interpolates linearly in λ and clamps outside the grid; rows are
          // (Intercept), x1..xp, one column per s.
          const p1 = c.X.cols + 1;
          c.s.forEach((s, k) => {
            const { a0, beta } = lassoCoefficientsAt(ours, s);
            assert.ok(Math.abs(a0 - (ref.coefS?.[k * p1] as number)) <= 1e-6, `a0 at s = ${s}`);
            beta.forEach((b, j) =>
              assert.ok(Math.abs(b - (ref.coefS?.[k * p1 + j + 1] as number)) <= 1e-6, `β${j} at s = ${s}`),
            );
          });
        }
      });
    });
  },
);

describe('lassoKkt: optimality of the path solutions', () => {
  const wide = simulate('lasso-kkt', 60, 200, 5);
  for (const standardize of [true, false]) {
    test(`every λ of a tightly converged path (thresh 1e-16) satisfies the KKT conditions to 1e-6·λ (standardize = ${standardize})`, () => {
      // Violations scale like √thresh: ~2.5e-7·λ measured at 1e-16; at glmnet's default 1e-7 they
      // reach ~0.5 % of λ, for glmnet as for this code.
      const path = lassoPath(wide.X, wide.y, { thresh: 1e-16, standardize });
      assert.ok(path.lambda.length > 20);
      path.lambda.forEach((l, i) => {
        const k = lassoKkt(wide.X, wide.y, path.a0[i] as number, path.beta[i] as Float64Array, l, {
          standardize,
        });
        assert.ok(k.maxViolation <= 1e-6 * l, `λ #${i}: violation ${k.maxViolation} (λ = ${l})`);
        assert.ok(k.interceptViolation <= 1e-12);
      });
    });
  }

  test('a perturbed solution is reported as violating', () => {
    const path = lassoPath(wide.X, wide.y, { thresh: 1e-14 });
    const i = 30;
    const l = path.lambda[i] as number;
    const beta = Float64Array.from(path.beta[i] as Float64Array);
    const j = beta.findIndex((b) => b !== 0);
    beta[j] = (beta[j] as number) * 1.5;
    const k = lassoKkt(wide.X, wide.y, path.a0[i] as number, beta, l);
    assert.ok(k.maxViolation > 1e-3 * l);
    // λ above λ_max: all-zero coefficients with the intercept at logit(ȳ) are optimal.
    let ybar = 0;
    for (const v of wide.y) ybar += v;
    ybar /= wide.y.length;
    const k0 = lassoKkt(
      wide.X,
      wide.y,
      Math.log(ybar / (1 - ybar)),
      new Float64Array(200),
      (path.lambda[0] as number) * 1.0001,
    );
    assert.ok(k0.maxViolation < 1e-12);
  });
});

describe(
  'cvLasso vs R cv.glmnet(type.measure = "deviance") with the same foldid',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    const refs = rReference().cvs;
    const cases = cvCases;
    cases.forEach((c, ci) => {
      test(`${c.name}: λ, cvm, cvsd to 1e-8 relative; lambda.min and lambda.1se at the same grid index`, () => {
        const ref = refs[ci] as RCv;
        const cv = cvLasso(c.X, c.y, { foldid: c.foldid, thresh: c.thresh });
        assert.equal(cv.lambda.length, ref.lambda.length);
        const rel = (a: number[], b: number[]) =>
          Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number)) / Math.abs(b[i] as number)));
        assert.ok(rel(cv.lambda, ref.lambda) <= 1e-10, `λ ${rel(cv.lambda, ref.lambda)}`);
        assert.ok(rel(cv.cvm, ref.cvm) <= 1e-8, `cvm ${rel(cv.cvm, ref.cvm)}`);
        assert.ok(rel(cv.cvsd, ref.cvsd) <= 1e-8, `cvsd ${rel(cv.cvsd, ref.cvsd)}`);
        assert.deepEqual([cv.indexMin + 1, cv.index1se + 1], ref.idx);
        assert.ok(Math.abs(cv.lambdaMin - ref.min) <= 1e-10 * ref.min);
        assert.ok(Math.abs(cv.lambda1se - ref.se) <= 1e-10 * ref.se);
        assert.deepEqual(cv.nzero, ref.nzero);
        // lambda.min is a grid point, so its coefficients are that fit exactly.
        const at = lassoCoefficientsAt(cv.path, cv.lambdaMin);
        assert.deepEqual(Array.from(at.beta), Array.from(cv.path.beta[cv.indexMin] as Float64Array));
      });
    });
  },
);

describe('assignFolds', () => {
  test('cv.glmnet layout: labels 1…K, sizes differ by at most one, reproducible from the generator', () => {
    const a = assignFolds(103, 10, mulberry32(7));
    const b = assignFolds(103, 10, mulberry32(7));
    assert.deepEqual(a, b);
    const sizes = new Array<number>(10).fill(0);
    for (const f of a) sizes[f - 1] = (sizes[f - 1] as number) + 1;
    assert.deepEqual(
      [...sizes].sort((x, y) => x - y),
      [10, 10, 10, 10, 10, 10, 10, 11, 11, 11],
    );
    // sample(rep(seq(10), length = 103)): folds 1–3 are the ones with 11.
    assert.deepEqual(sizes.slice(0, 3), [11, 11, 11]);
    assert.notDeepEqual(
      Array.from(a.subarray(0, 20)),
      Array.from({ length: 20 }, (_, i) => (i % 10) + 1),
      'shuffled',
    );
  });

  test('stratified: each fold gets a near-equal share of each outcome class', () => {
    const y = Array.from({ length: 90 }, (_, i) => (i < 33 ? 1 : 0));
    const f = assignFolds(90, 10, mulberry32(3), y);
    const pos = new Array<number>(10).fill(0);
    const all = new Array<number>(10).fill(0);
    f.forEach((fold, i) => {
      all[fold - 1] = (all[fold - 1] as number) + 1;
      if (y[i] === 1) pos[fold - 1] = (pos[fold - 1] as number) + 1;
    });
    assert.ok(Math.max(...pos) - Math.min(...pos) <= 1, `positives per fold ${pos}`);
    assert.ok(Math.max(...all) - Math.min(...all) <= 1, `fold sizes ${all}`);
  });

  test('bad input', () => {
    assert.throws(() => assignFolds(10, 2, Math.random), /nfolds must be an integer from 3 to n = 10, got 2/);
    assert.throws(() => assignFolds(5, 6, Math.random), /from 3 to n = 5/);
    assert.throws(() => assignFolds(10, 3, () => 1), /random\(\) returned 1/);
  });
});

describe('lasso bad input', () => {
  const { X, y } = simulate('lasso-bad', 30, 4, 2);
  test('specific errors', () => {
    assert.throws(() => lassoPath(X, y.subarray(0, 29)), /outcomes have 29 values but X has 30 rows/);
    const one = Float64Array.from(y).fill(0);
    one[0] = 1;
    assert.throws(() => lassoPath(X, one), /one outcome class has 1 observation/);
    assert.throws(
      () => lassoPath(X, y, { lambda: [0.1, -1] }),
      /lambda values must be finite and ≥ 0, got -1/,
    );
    assert.throws(() => lassoPath(X, y, { nlambda: 2 }), /nlambda must be an integer ≥ 3/);
    assert.throws(() => lassoPath(X, y, { lambdaMinRatio: 0 }), /lambdaMinRatio must be in \(0, 1\)/);
    const bad = matrixFromColumns([Float64Array.from(y, (v, i) => (i === 4 ? NaN : v))]);
    assert.throws(() => lassoPath(bad, y), /non-finite value NaN at row 4, column 0/);
    assert.throws(() => cvLasso(X, y, {}), /give foldid or a random\(\) generator/);
    assert.throws(
      () => cvLasso(X, y, { foldid: new Array(30).fill(1) }),
      /at least 3 folds are needed, got 1/,
    );
    assert.throws(
      () => cvLasso(X, y, { foldid: Array.from({ length: 30 }, (_, i) => (i % 4) + 1.5) }),
      /fold labels must be integers/,
    );
    // Three events, two of them in fold 1: fold 1's training rows hold a single event.
    const few = new Float64Array(30);
    few[0] = 1;
    few[1] = 1;
    few[2] = 1;
    const foldid = Array.from({ length: 30 }, (_, i) => (i < 2 ? 1 : (i % 3) + 1));
    assert.throws(
      () => cvLasso(X, few, { foldid }),
      /cvLasso: fold 1: lassoPath: one outcome class has 1 observation/,
    );
    assert.throws(() => lassoKkt(X, y, 0, [1, 2], 0.1), /beta has 2 values, X has 4 columns/);
    assert.throws(() => lassoCoefficientsAt(lassoPath(X, y), -1), /λ must be finite and ≥ 0/);
  });
});

/** A small seeded generator for the fold tests (mulberry32, public domain). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
