/**
 * Intraclass correlation ICC(2,1): two-way random effects, absolute agreement, single rater
 * (P. E. Shrout and J. L. Fleiss, "Intraclass correlations: uses in assessing rater
 * reliability", Psychol. Bull. 86:420–428, 1979; "ICC(A,1)" in K. O. McGraw and S. P. Wong,
 * Psychol. Methods 1:30–46, 1996) — the "Single_random_raters" (ICC2) row of psych::ICC
 * (psych 2.x, with `lmer = FALSE`: mean squares from the two-way ANOVA; complete data only).
 *
 * For n subjects (rows) × k raters (columns), with row means x̄ᵢ., column means x̄.ⱼ and grand
 * mean x̄:
 *   MSR = k Σᵢ (x̄ᵢ. − x̄)²/(n − 1)                       (subjects)
 *   MSC = n Σⱼ (x̄.ⱼ − x̄)²/(k − 1)                       (raters)
 *   MSE = Σᵢⱼ (xᵢⱼ − x̄ᵢ. − x̄.ⱼ + x̄)²/((n − 1)(k − 1))  (residual)
 *   ICC(2,1) = (MSR − MSE)/(MSR + (k − 1)MSE + k(MSC − MSE)/n)
 *   F = MSR/MSE on (n − 1, (n − 1)(k − 1)) df, p = P(F_{df1,df2} > F)
 * Confidence interval (McGraw & Wong 1996, Table 7, case 2A; as psych::ICC): with
 * Fj = MSC/MSE, a = ICC,
 *   v = (k − 1)(n − 1)[k a Fj + n(1 + (k − 1)a) − k a]² / [(n − 1)k² a² Fj² + (n(1 + (k − 1)a) − k a)²]
 *   F* = qf(1 − α/2, n − 1, v),  F_* = qf(1 − α/2, v, n − 1)
 *   lower = n(MSR − F* MSE)/(F*(k MSC + (kn − k − n)MSE) + n MSR)
 *   upper = n(F_* MSR − MSE)/(k MSC + (kn − k − n)MSE + n F_* MSR)
 */
import { fQuantile, fSurvival } from './distributions.ts';

export interface IccResult {
  icc: number;
  /** F = MSR/MSE. */
  f: number;
  df1: number;
  df2: number;
  /** P(F_{df1,df2} > f), the test of ICC = 0. */
  p: number;
  /** Confidence interval at `level` (psych::ICC's 'lower bound', 'upper bound'). */
  ci: [number, number];
  level: number;
  /** Mean squares: subjects (rows), raters (columns), residual. */
  msr: number;
  msc: number;
  mse: number;
}

/**
 * ICC(2,1) of an n × k table of ratings (n ≥ 2 subjects, k ≥ 2 raters, every cell finite) —
 * psych::ICC(ratings, lmer = FALSE)$results["Single_random_raters", ] at alpha = 1 − level.
 * Throws when the residual mean square is 0 (ratings that agree up to a rater offset leave no
 * error term, so F and the interval are undefined).
 */
export function icc21(ratings: readonly (readonly number[])[], level = 0.95): IccResult {
  const fn = 'icc21';
  if (!(level > 0 && level < 1)) throw new RangeError(`${fn}: level must be in (0, 1), got ${level}`);
  const n = ratings.length;
  if (n < 2) throw new RangeError(`${fn}: at least 2 subjects (rows) required, got ${n}`);
  const k = ratings[0]!.length;
  if (k < 2) throw new RangeError(`${fn}: at least 2 raters (columns) required, got ${k}`);
  const rowMeans = new Float64Array(n);
  const colMeans = new Float64Array(k);
  let grand = 0;
  for (let i = 0; i < n; i += 1) {
    const row = ratings[i]!;
    if (row.length !== k) throw new RangeError(`${fn}: row ${i} has ${row.length} ratings, row 0 has ${k}`);
    for (let j = 0; j < k; j += 1) {
      const v = row[j]!;
      if (!Number.isFinite(v))
        throw new RangeError(`${fn}: rating [${i}][${j}] is ${v} (finite numbers required)`);
      rowMeans[i]! += v;
      colMeans[j]! += v;
      grand += v;
    }
  }
  grand /= n * k;
  for (let i = 0; i < n; i += 1) rowMeans[i]! /= k;
  for (let j = 0; j < k; j += 1) colMeans[j]! /= n;
  let ssRows = 0;
  for (let i = 0; i < n; i += 1) ssRows += (rowMeans[i]! - grand) ** 2;
  let ssCols = 0;
  for (let j = 0; j < k; j += 1) ssCols += (colMeans[j]! - grand) ** 2;
  let ssError = 0;
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < k; j += 1) ssError += (ratings[i]![j]! - rowMeans[i]! - colMeans[j]! + grand) ** 2;
  }
  const df1 = n - 1;
  const df2 = (n - 1) * (k - 1);
  const msr = (k * ssRows) / df1;
  const msc = (n * ssCols) / (k - 1);
  const mse = ssError / df2;
  if (!(mse > 0))
    throw new RangeError(
      `${fn}: the residual mean square is 0 (no rating error), ICC F test and interval are undefined`,
    );
  const icc = (msr - mse) / (msr + (k - 1) * mse + (k * (msc - mse)) / n);
  const f = msr / mse;
  const p = fSurvival(f, df1, df2);

  const alpha = 1 - level;
  const fj = msc / mse;
  const base = n * (1 + (k - 1) * icc) - k * icc;
  const vn = (k - 1) * (n - 1) * (k * icc * fj + base) ** 2;
  const vd = (n - 1) * k * k * icc * icc * fj * fj + base * base;
  const v = vn / vd;
  const fUpper = fQuantile(1 - alpha / 2, n - 1, v);
  const fLower = fQuantile(1 - alpha / 2, v, n - 1);
  const lower = (n * (msr - fUpper * mse)) / (fUpper * (k * msc + (k * n - k - n) * mse) + n * msr);
  const upper = (n * (fLower * msr - mse)) / (k * msc + (k * n - k - n) * mse + n * fLower * msr);
  return { icc, f, df1, df2, p, ci: [lower, upper], level, msr, msc, mse };
}
