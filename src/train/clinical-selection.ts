/**
 * Clinical predictors as the MRI study chose them: each candidate in a univariate logistic
 * regression, those with Wald p < threshold into a multivariable model reduced by backward
 * stepwise AIC (R: step(glm(...), direction = "backward")).
 */
import { fitLogistic } from '../stats/logistic.ts';
import { matrixFromColumns } from '../stats/matrix.ts';
import { backwardStepAic } from '../stats/stepwise.ts';
import type { UnivariateRow } from './training-report.ts';
import type { Columns } from './selection.ts';

export interface ClinicalSelection {
  univariate: (UnivariateRow & { note?: string })[];
  passedUnivariate: string[];
  stepwise: { steps: { removed: string | null; aic: number }[]; kept: string[] };
}

export function selectClinical(
  c: Columns,
  outcome: ArrayLike<number>,
  pThreshold: number,
): ClinicalSelection {
  const univariate: ClinicalSelection['univariate'] = [];
  const passed: string[] = [];
  c.names.forEach((name, j) => {
    const v = c.values[j]!;
    if (v.every((x) => x === v[0])) {
      univariate.push({
        name,
        odds_ratio: Number.NaN,
        odds_ratio_ci: [Number.NaN, Number.NaN],
        p: 1,
        note: 'constant in the training cohort',
      });
      return;
    }
    const fit = fitLogistic(matrixFromColumns([v]), outcome, { names: [name] });
    univariate.push({
      name,
      odds_ratio: fit.oddsRatios[1]!,
      odds_ratio_ci: fit.oddsRatioCi[1]!,
      p: fit.p[1]!,
    });
    if (fit.p[1]! < pThreshold) passed.push(name);
  });
  if (passed.length === 0) return { univariate, passedUnivariate: [], stepwise: { steps: [], kept: [] } };
  const chosen = passed.map((n) => c.values[c.names.indexOf(n)]!);
  const step = backwardStepAic(matrixFromColumns(chosen), outcome, passed);
  return { univariate, passedUnivariate: passed, stepwise: { steps: step.steps, kept: step.kept } };
}
