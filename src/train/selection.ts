/**
 * Feature selection on the training cohort, in the order the MRI study used (docs/training.md):
 * complete and non-constant columns → reproducibility (ICC) → Spearman redundancy → Mann–Whitney
 * → z-scoring → LASSO. Every step returns what it kept, so the training report can list them.
 */
import { icc21 } from '../stats/icc.ts';
import { cvLasso, lassoKkt, type LassoCv } from '../stats/lasso.ts';
import { mannWhitneyByOutcome } from '../stats/mann-whitney.ts';
import { matrixFromColumns } from '../stats/matrix.ts';
import { rankStandardize } from '../stats/spearman.ts';

/** Named columns over the same training rows. */
export interface Columns {
  names: string[];
  values: Float64Array[];
}

export function pick(c: Columns, keep: (i: number) => boolean): Columns {
  const names: string[] = [];
  const values: Float64Array[] = [];
  c.names.forEach((n, i) => {
    if (keep(i)) {
      names.push(n);
      values.push(c.values[i]!);
    }
  });
  return { names, values };
}

export function byName(c: Columns, names: readonly string[]): Columns {
  const index = new Map(c.names.map((n, i) => [n, i]));
  return {
    names: [...names],
    values: names.map((n) => {
      const i = index.get(n);
      if (i === undefined) throw new Error(`no column ${n}`);
      return c.values[i]!;
    }),
  };
}

/** Drops columns with a missing value (a failed extraction) or a single value over the training rows. */
export function usableColumns(c: Columns): { kept: Columns; incomplete: string[]; constant: string[] } {
  const incomplete: string[] = [];
  const constant: string[] = [];
  const kept = pick(c, (i) => {
    const v = c.values[i]!;
    if (v.some((x) => !Number.isFinite(x))) {
      incomplete.push(c.names[i]!);
      return false;
    }
    if (v.every((x) => x === v[0])) {
      constant.push(c.names[i]!);
      return false;
    }
    return true;
  });
  return { kept, incomplete, constant };
}

/**
 * Keeps features whose ICC(2,1) (two-way random, absolute agreement, single rater; Shrout &
 * Fleiss 1979) between reader 1 and reader 2 is at least `threshold`, over the patients both
 * readers segmented. A feature reader 2 lacks, or with missing values, is dropped.
 */
export function reproducibleFeatures(
  reader1: ReadonlyMap<string, Float64Array>,
  reader2: ReadonlyMap<string, Float64Array>,
  names: readonly string[],
  threshold: number,
): { kept: string[]; icc: Record<string, number> } {
  const icc: Record<string, number> = {};
  const kept = names.filter((name) => {
    const a = reader1.get(name);
    const b = reader2.get(name);
    if (!a || !b || a.length !== b.length) return false;
    const pairs: number[][] = [];
    for (let i = 0; i < a.length; i++)
      if (Number.isFinite(a[i]!) && Number.isFinite(b[i]!)) pairs.push([a[i]!, b[i]!]);
    if (pairs.length < 3 || pairs.every((p) => p[0] === pairs[0]![0] && p[1] === pairs[0]![1])) return false;
    const value = icc21(pairs).icc;
    icc[name] = value;
    return value >= threshold;
  });
  return { kept, icc };
}

/** Two-sided Mann–Whitney p of every column against the outcome (R wilcox.test, exact = FALSE, correct = TRUE). */
export function mannWhitneyPValues(c: Columns, outcome: ArrayLike<number>): Float64Array {
  return Float64Array.from(c.values, (v) => mannWhitneyByOutcome(v, outcome).p);
}

/**
 * Spearman redundancy removal, deterministic and blind to the outcome: features are visited in
 * table order (sequence, then pre/post/delta, then PyRadiomics' image-type and feature order),
 * and a feature is dropped when |ρ| > threshold with a feature already kept — of a correlated
 * pair, the one listed first stays. The outcome is not used here on purpose: keeping the more
 * significant member of each correlated family would hand the next (Mann–Whitney) step the
 * minimum p of many correlated tests, and let noise families through far more often than 5 %.
 */
export function spearmanRedundancy(
  c: Columns,
  threshold: number,
): { kept: Columns; removedBy: Record<string, string> } {
  const n = c.values[0]?.length ?? 0;
  const order = c.names.map((_, i) => i);
  const keptIndex: number[] = [];
  // Kept columns' standardised ranks side by side: one dot product per comparison.
  let store = new Float64Array(Math.max(1, n * 64));
  const removedBy: Record<string, string> = {};
  for (const i of order) {
    const r = rankStandardize(c.values[i]!);
    let redundantWith = -1;
    for (let k = 0; k < keptIndex.length && redundantWith < 0; k++) {
      let s = 0;
      const off = k * n;
      for (let t = 0; t < n; t++) s += r[t]! * store[off + t]!;
      if (Math.abs(s) > threshold) redundantWith = keptIndex[k]!;
    }
    if (redundantWith >= 0) {
      removedBy[c.names[i]!] = c.names[redundantWith]!;
      continue;
    }
    if ((keptIndex.length + 1) * n > store.length) {
      const bigger = new Float64Array(store.length * 2);
      bigger.set(store);
      store = bigger;
    }
    store.set(r, keptIndex.length * n);
    keptIndex.push(i);
  }
  const keep = new Set(keptIndex);
  return { kept: pick(c, (i) => keep.has(i)), removedBy };
}

export interface Scaler {
  names: string[];
  /** Training means. */
  mean: Float64Array;
  /** Training standard deviations (n − 1 denominator, as R's sd and scale). */
  sd: Float64Array;
}

export function fitScaler(c: Columns): Scaler {
  const mean = new Float64Array(c.names.length);
  const sd = new Float64Array(c.names.length);
  c.values.forEach((v, j) => {
    let s = 0;
    for (const x of v) s += x;
    const m = s / v.length;
    let ss = 0;
    for (const x of v) ss += (x - m) * (x - m);
    mean[j] = m;
    sd[j] = Math.sqrt(ss / (v.length - 1));
    if (!(sd[j]! > 0)) throw new Error(`feature ${c.names[j]} has no spread in the training cohort`);
  });
  return { names: [...c.names], mean, sd };
}

/** (x − training mean) / training SD, column by column. */
export function applyScaler(scaler: Scaler, c: Columns): Columns {
  const scaled = byName(c, scaler.names);
  return {
    names: scaled.names,
    values: scaled.values.map((v, j) => Float64Array.from(v, (x) => (x - scaler.mean[j]!) / scaler.sd[j]!)),
  };
}

export interface LassoSelection {
  cv: LassoCv;
  /** The LASSO's input columns, in the order of the path's coefficients. */
  cvNames: string[];
  lambdaUsed: number;
  indexUsed: number;
  selected: string[];
  /** Coefficients at lambdaUsed by name (non-zero only) and the intercept. */
  coefficients: Record<string, number>;
  intercept: number;
  kktMaxViolation: number;
}

/**
 * LASSO logistic regression with K-fold cross-validated binomial deviance (glmnet / cv.glmnet
 * conventions, src/stats/lasso.ts) on z-scored columns; the selected features are those with a
 * non-zero coefficient at lambda.min or lambda.1se. The KKT conditions are checked at the
 * solution and reported.
 */
export function lassoSelect(
  z: Columns,
  outcome: ArrayLike<number>,
  options: { foldid: ArrayLike<number>; rule: 'lambda.min' | 'lambda.1se' },
): LassoSelection {
  const X = matrixFromColumns(z.values);
  // thresh 1e-10 (glmnet's default is 1e-7) so the KKT conditions hold closely at the solution.
  const cv = cvLasso(X, outcome, { foldid: options.foldid, thresh: 1e-10 });
  const indexUsed = options.rule === 'lambda.min' ? cv.indexMin : cv.index1se;
  const lambdaUsed = cv.lambda[indexUsed]!;
  const beta = cv.path.beta[indexUsed]!;
  const intercept = cv.path.a0[indexUsed]!;
  const coefficients: Record<string, number> = {};
  const selected: string[] = [];
  z.names.forEach((n, j) => {
    if (beta[j] !== 0) {
      selected.push(n);
      coefficients[n] = beta[j]!;
    }
  });
  const kkt = lassoKkt(X, outcome, intercept, beta, lambdaUsed);
  return {
    cv,
    cvNames: [...z.names],
    lambdaUsed,
    indexUsed,
    selected,
    coefficients,
    intercept,
    kktMaxViolation: kkt.maxViolation,
  };
}
