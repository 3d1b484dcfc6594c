/**
 * Backward stepwise selection of logistic-regression terms by AIC, following R's
 * `step(glm(...), direction = "backward", k = 2)` (stats::step and stats::drop1.glm; Venables &
 * Ripley, *Modern Applied Statistics with S*, 4th ed., 2002, §6.8), the method the MRI study used
 * for its clinical predictors.
 *
 * The AIC of a fit is R's extractAIC for a binomial glm with 0/1 outcomes: deviance + k·(number of
 * coefficients) (k = 2: AIC; k = log n: BIC). Each fit uses glm.control's defaults (ε = 1e-8,
 * 25 iterations), as step refits with the original model's control.
 *
 * Rule (R's, including ties): at each step every term of the current model is dropped in turn and
 * the reduced model refitted; the candidates and the current model ("<none>", listed first) are
 * ordered by AIC with a stable sort, and if the first is "<none>" selection stops. So a term is
 * removed only when its removal gives an AIC strictly lower than the current model's; among
 * removals with exactly equal AIC the term that comes first in the current model wins; a removal
 * that ties with the current model is not made. The intercept is never dropped; selection can end
 * at the intercept-only model.
 *
 * A term is one column by default. A categorical predictor coded as several indicator columns
 * (e.g. clinical T stage) should be one term, as a factor is in an R formula: pass `terms`.
 */
import { fitLogistic, type LogisticFit } from './logistic.ts';
import { type Matrix, assertFiniteMatrix, selectColumns } from './matrix.ts';

export interface StepwiseTerm {
  /** The term's name as reported in `kept` and `steps` (e.g. 'cT'). */
  name: string;
  /** The design-matrix column names that make up the term (e.g. ['cT_T2', 'cT_T3']). */
  columns: string[];
}

export interface StepwiseOptions {
  /** Penalty per coefficient (R's k): 2 for AIC (default), log(n) for BIC. */
  k?: number;
  /** Grouping of columns into terms (default: one term per column, in column order). */
  terms?: StepwiseTerm[];
  /** Passed to fitLogistic (default glm.control: 1e-8, 25). */
  tolerance?: number;
  maxIterations?: number;
}

export interface StepwiseResult {
  /** Terms of the selected model, in their original order. */
  kept: string[];
  /** The first entry is the full model (removed: null); then one entry per removal with the AIC after it (R's step()$anova). */
  steps: { removed: string | null; aic: number }[];
  /** The selected model, fitted with glm.control defaults (or the options given). */
  fit: LogisticFit;
}

/** AIC as R's extractAIC.glm for 0/1 binomial data: deviance + k·edf. */
function extractAic(fit: LogisticFit, k: number): number {
  return fit.deviance + k * fit.df;
}

/**
 * R's step(direction = "backward") for a logistic model with an intercept and the given terms
 * (module comment). `names` names the columns of X.
 */
export function backwardStepAic(
  X: Matrix,
  y: ArrayLike<number>,
  names: string[],
  options: StepwiseOptions = {},
): StepwiseResult {
  assertFiniteMatrix(X, 'backwardStepAic design matrix');
  if (names.length !== X.cols)
    throw new RangeError(`backwardStepAic: ${names.length} names for ${X.cols} columns`);
  const k = options.k ?? 2;
  if (!(Number.isFinite(k) && k >= 0)) throw new RangeError(`backwardStepAic: k must be ≥ 0, got ${k}`);
  const columnIndex = new Map<string, number>();
  names.forEach((n, j) => {
    if (columnIndex.has(n)) throw new RangeError(`backwardStepAic: duplicate column name '${n}'`);
    columnIndex.set(n, j);
  });
  const terms = options.terms ?? names.map((n) => ({ name: n, columns: [n] }));
  const owner = new Map<string, string>();
  const termNames = new Set<string>();
  const termColumns = terms.map((t) => {
    if (termNames.has(t.name)) throw new RangeError(`backwardStepAic: duplicate term name '${t.name}'`);
    termNames.add(t.name);
    if (t.columns.length === 0) throw new RangeError(`backwardStepAic: term '${t.name}' has no columns`);
    return t.columns.map((c) => {
      const j = columnIndex.get(c);
      if (j === undefined)
        throw new RangeError(`backwardStepAic: term '${t.name}' names unknown column '${c}'`);
      const prev = owner.get(c);
      if (prev !== undefined)
        throw new RangeError(`backwardStepAic: column '${c}' is in terms '${prev}' and '${t.name}'`);
      owner.set(c, t.name);
      return j;
    });
  });
  const orphan = names.find((n) => !owner.has(n));
  if (orphan !== undefined) throw new RangeError(`backwardStepAic: column '${orphan}' belongs to no term`);

  const fitTerms = (included: number[]): LogisticFit => {
    // Columns in term order, as R's model matrix orders them by the formula's terms.
    const cols = included.flatMap((t) => termColumns[t] as number[]);
    return fitLogistic(selectColumns(X, cols), y, {
      names: cols.map((j) => names[j] as string),
      tolerance: options.tolerance,
      maxIterations: options.maxIterations,
    });
  };

  let current = terms.map((_, t) => t);
  let fit = fitTerms(current);
  let aic = extractAic(fit, k);
  const steps: StepwiseResult['steps'] = [{ removed: null, aic }];
  while (current.length > 0) {
    let best = -1;
    let bestAic = aic; // "<none>" comes first: a candidate must be strictly lower to win.
    let bestFit: LogisticFit | undefined;
    for (const t of current) {
      const reduced = fitTerms(current.filter((u) => u !== t));
      const a = extractAic(reduced, k);
      if (a < bestAic) {
        best = t;
        bestAic = a;
        bestFit = reduced;
      }
    }
    if (best < 0 || bestFit === undefined) break;
    current = current.filter((u) => u !== best);
    fit = bestFit;
    aic = bestAic;
    steps.push({ removed: (terms[best] as StepwiseTerm).name, aic });
  }
  return { kept: current.map((t) => (terms[t] as StepwiseTerm).name), steps, fit };
}
