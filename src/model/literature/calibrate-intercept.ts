/**
 * Intercept calibration for a logistic model known only by its odds ratios. Published odds
 * ratios fix the slopes (w = ln OR) but not the intercept, which depends on the covariate mix of
 * the study population. Given a covariate distribution, the intercept b is chosen so that the
 * mean predicted probability equals the observed outcome rate:
 *
 *   Σ_c π_c · σ(b + w·x_c) = r,   σ(z) = 1 / (1 + e^(−z)).
 *
 * The left side is strictly increasing in b (σ' > 0), so bisection finds the unique root.
 */

export interface CovariateLevel {
  label: string;
  probability: number;
  /** Values this level gives to model inputs; inputs not named are 0. */
  encoding: Readonly<Record<string, number>>;
}

export interface CovariateFactor {
  name: string;
  levels: readonly CovariateLevel[];
}

export interface CovariateCell {
  /** Product of the level probabilities: the factors are taken as independent. */
  probability: number;
  /** Label per factor, e.g. { ER: 'positive', HER2: 'negative', cT: 'T2' }. */
  labels: Record<string, string>;
  /** Model input vector in `inputNames` order. */
  features: number[];
}

/** Every combination of factor levels (the Cartesian product) with its probability under independence. */
export function enumerateCovariateCells(
  factors: readonly CovariateFactor[],
  inputNames: readonly string[],
): CovariateCell[] {
  let cells: CovariateCell[] = [{ probability: 1, labels: {}, features: inputNames.map(() => 0) }];
  for (const factor of factors) {
    cells = cells.flatMap((cell) =>
      factor.levels.map((level) => {
        const features = [...cell.features];
        for (const [name, value] of Object.entries(level.encoding)) {
          const at = inputNames.indexOf(name);
          if (at < 0)
            throw new Error(`factor ${factor.name} level ${level.label} sets unknown input "${name}"`);
          features[at] = (features[at] ?? 0) + value;
        }
        return {
          probability: cell.probability * level.probability,
          labels: { ...cell.labels, [factor.name]: level.label },
          features,
        };
      }),
    );
  }
  return cells;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Mean predicted probability Σ π_c σ(b + w·x_c) over the cells. */
export function meanPredictedProbability(
  intercept: number,
  weights: readonly number[],
  cells: readonly CovariateCell[],
): number {
  return cells.reduce((sum, cell) => {
    const z = cell.features.reduce((acc, x, i) => acc + (weights[i] ?? 0) * x, intercept);
    return sum + cell.probability * sigmoid(z);
  }, 0);
}

/**
 * Solves Σ π_c σ(b + w·x_c) = targetMean for b by bisection on [−50, 50] until the bracket is
 * narrower than `tolerance` (default 1e-12).
 */
export function calibrateIntercept(
  weights: readonly number[],
  cells: readonly CovariateCell[],
  targetMean: number,
  tolerance = 1e-12,
): number {
  if (!(targetMean > 0 && targetMean < 1))
    throw new Error(`target mean must be in (0, 1), got ${targetMean}`);
  const f = (b: number): number => meanPredictedProbability(b, weights, cells) - targetMean;
  let lo = -50;
  let hi = 50;
  if (!(f(lo) < 0 && f(hi) > 0))
    throw new Error('target mean is not reachable with an intercept in [-50, 50]');
  while (hi - lo > tolerance) {
    const mid = (lo + hi) / 2;
    // Stop when the bracket cannot shrink further in double precision.
    if (mid === lo || mid === hi) break;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
