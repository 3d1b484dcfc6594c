/**
 * Ranks with ties averaged (R `rank(x, ties.method = "average")`) and the pooled two-sample rank
 * sum that the Mann–Whitney test and the AUC share. Ranking is done by the engine's native
 * numeric sort of a Float64Array (no comparator callback), which is what keeps the per-feature
 * tests of the training pipeline fast.
 */

/** Throws a RangeError naming the first NaN or infinite value; `what` names the input. */
export function assertFiniteValues(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`${what}: value ${i} is ${v} (finite numbers required)`);
  }
}

/** First index in ascending `sorted` whose value is not below v. */
function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in ascending `sorted` whose value is above v. */
function upperBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * 1-based ranks, ties get the average rank (R `rank(ties.method = "average")`): a value whose
 * tie block occupies sorted positions i…j (0-based) gets (i + j)/2 + 1. Throws on NaN/±Infinity
 * and on an empty input.
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (n === 0) throw new RangeError('averageRanks: no values');
  assertFiniteValues(values, 'averageRanks');
  const sorted = Float64Array.from(values);
  sorted.sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const v = values[i]!;
    const first = lowerBound(sorted, v);
    const last = upperBound(sorted, v) - 1;
    ranks[i] = (first + last) / 2 + 1;
  }
  return ranks;
}

/**
 * Sorts x[lo..hi) ascending in place: median-of-three quicksort with insertion sort below 17
 * elements. The values must not be NaN. For the ~100–300-element columns of the training
 * pipeline it costs about what the engine's native Float64Array sort costs on fresh data, and
 * less when the same data comes back (no native call overhead).
 */
export function sortRange(x: Float64Array, lo = 0, hi = x.length): void {
  while (hi - lo > 16) {
    const a = x[lo]!;
    const b = x[(lo + hi) >>> 1]!;
    const c = x[hi - 1]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      while (x[i]! < pivot) i += 1;
      while (x[j]! > pivot) j -= 1;
      if (i <= j) {
        const t = x[i]!;
        x[i] = x[j]!;
        x[j] = t;
        i += 1;
        j -= 1;
      }
    }
    // Recurse into the smaller part, loop on the larger (stack depth O(log n)).
    if (j - lo < hi - 1 - i) {
      sortRange(x, lo, j + 1);
      lo = i;
    } else {
      sortRange(x, i, hi);
      hi = j + 1;
    }
  }
  for (let i = lo + 1; i < hi; i += 1) {
    const v = x[i]!;
    let j = i - 1;
    while (j >= lo && x[j]! > v) {
      x[j + 1] = x[j]!;
      j -= 1;
    }
    x[j + 1] = v;
  }
}

/** What the rank-based two-sample statistics need from the pooled ranking of x and y. */
export interface PooledRankSum {
  /** Σ of the average ranks of the x values in the pooled sample (R `sum(rank(c(x, y))[seq_along(x)])`). */
  rankSumX: number;
  /** Σ (t³ − t) over the tie blocks t of the pooled sample (the tie correction of the rank-sum variance). */
  tieSum: number;
}

/**
 * Pooled rank sum of x from x and y both sorted ascending (finite values): one merge walk over
 * the tie blocks of the pooled sample. A block holding cx values of x and cy of y after r
 * smaller values occupies ranks r+1 … r+cx+cy, average r + (cx+cy+1)/2, and adds cx times that
 * to the rank sum of x.
 */
export function pooledRankSum(sortedX: ArrayLike<number>, sortedY: ArrayLike<number>): PooledRankSum {
  const nx = sortedX.length;
  const ny = sortedY.length;
  let i = 0;
  let j = 0;
  let below = 0;
  let rankSumX = 0;
  let tieSum = 0;
  while (i < nx || j < ny) {
    const vx = i < nx ? sortedX[i]! : Infinity;
    const vy = j < ny ? sortedY[j]! : Infinity;
    const v = vx < vy ? vx : vy;
    let cx = 0;
    while (i < nx && sortedX[i] === v) {
      cx += 1;
      i += 1;
    }
    let cy = 0;
    while (j < ny && sortedY[j] === v) {
      cy += 1;
      j += 1;
    }
    const t = cx + cy;
    if (t === 0) throw new RangeError(`pooledRankSum: NaN among the values`);
    rankSumX += cx * (below + (t + 1) / 2);
    tieSum += t * t * t - t;
    below += t;
  }
  return { rankSumX, tieSum };
}
