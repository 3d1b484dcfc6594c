/**
 * Spearman's rank correlation as R `cor(x, y, method = "spearman")`: Pearson's correlation of
 * the average ranks (ties averaged, so no tie-correction term is needed; C. Spearman, Am. J.
 * Psychol. 15:72–101, 1904). Like R's cor, the result is clamped to [−1, 1] against rounding.
 *
 * For redundancy filtering over thousands of columns each column is ranked and standardised once
 * (`rankStandardize`); a correlation is then one dot product.
 */
import { averageRanks } from './ranks.ts';

/**
 * Average ranks centred at their mean (n + 1)/2 and scaled to unit Euclidean norm, so that
 * spearman(x, y) = Σ rankStandardize(x)ᵢ · rankStandardize(y)ᵢ. A constant column has no
 * defined correlation: it throws a RangeError (the caller drops constant features first).
 */
export function rankStandardize(values: ArrayLike<number>): Float64Array {
  if (values.length < 2)
    throw new RangeError(`rankStandardize: at least 2 values required (got ${values.length})`);
  const r = averageRanks(values);
  const mean = (r.length + 1) / 2; // average ranks always sum to n(n + 1)/2
  let ss = 0;
  for (let i = 0; i < r.length; i += 1) {
    const d = r[i]! - mean;
    r[i] = d;
    ss += d * d;
  }
  if (ss === 0)
    throw new RangeError('rankStandardize: the values are constant, their rank correlation is undefined');
  const scale = 1 / Math.sqrt(ss);
  for (let i = 0; i < r.length; i += 1) r[i]! *= scale;
  return r;
}

/** Σ aᵢbᵢ clamped to [−1, 1] (both unit vectors). */
function unitDot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i]! * b[i]!;
  return Math.max(-1, Math.min(1, s));
}

/** Spearman's ρ of x and y — R `cor(x, y, method = "spearman")`; throws when either is constant. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length)
    throw new RangeError(`spearman: x (${x.length}) and y (${y.length}) differ in length`);
  return unitDot(rankStandardize(x), rankStandardize(y));
}

/**
 * k×k matrix of Spearman's ρ between the columns (each of the same length), symmetric with 1 on
 * the diagonal — R `cor(cbind(…), method = "spearman")`. Throws when a column is constant.
 */
export function spearmanMatrix(columns: readonly ArrayLike<number>[]): number[][] {
  const k = columns.length;
  if (k === 0) return [];
  const n = columns[0]!.length;
  const standardized = columns.map((c, i) => {
    if (c.length !== n)
      throw new RangeError(`spearmanMatrix: column ${i} has ${c.length} values, column 0 has ${n}`);
    try {
      return rankStandardize(c);
    } catch (e) {
      throw new RangeError(`spearmanMatrix: column ${i}: ${(e as Error).message}`, { cause: e });
    }
  });
  const out: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(1));
  for (let i = 0; i < k; i += 1) {
    for (let j = i + 1; j < k; j += 1) {
      const rho = unitDot(standardized[i]!, standardized[j]!);
      out[i]![j] = rho;
      out[j]![i] = rho;
    }
  }
  return out;
}
