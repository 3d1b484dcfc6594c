/**
 * Bootstrap procedures around the AUC. Randomness comes in as `random: () => number` (uniform on
 * [0, 1)), so a seeded generator reproduces a run exactly; an index is ⌊random()·n⌋.
 */
import { normalCdf } from './distributions.ts';
import { auc, aucOfSorted, checkScoresAndOutcomes, countEvents } from './roc.ts';

function checkResamples(resamples: number, min: number, fn: string): void {
  if (!Number.isInteger(resamples) || resamples < min) {
    throw new RangeError(`${fn}: resamples must be an integer ≥ ${min}, got ${resamples}`);
  }
}

/** ⌊random()·n⌋, refusing a generator that leaves [0, 1). */
function drawIndex(random: () => number, n: number, fn: string): number {
  const u = random();
  if (!(u >= 0 && u < 1)) throw new RangeError(`${fn}: random() returned ${u}, expected a number in [0, 1)`);
  return Math.floor(u * n);
}

/** Harrell's bootstrap estimate of optimism and the optimism-corrected AUC. */
export interface OptimismResult {
  /** AUC of the model fitted on all rows, on all rows. */
  apparent: number;
  /** Mean over the successful resamples of (AUC on the bootstrap sample − AUC on the original sample). */
  optimism: number;
  /** apparent − optimism (rms::validate's index.corrected). */
  corrected: number;
  /** Resamples that contributed (requested − failed). */
  resamples: number;
  /** Resamples skipped: one outcome class only, or the refit/scoring threw. */
  failed: number;
  /** Sample SD of the per-resample optimism (0 with one resample); SD/√resamples is the Monte-Carlo SE of `optimism`. */
  optimismSd: number;
}

/**
 * Harrell's bootstrap optimism correction of the AUC (F. E. Harrell, K. L. Lee and D. B. Mark,
 * "Multivariable prognostic models", Stat. Med. 15:361–387, 1996; the convention of
 * rms::validate, where for a logistic model AUC = (Dxy + 1)/2):
 *
 *   apparent  = AUC of the model fitted on all n rows, scored on them
 *   for b = 1…B: draw n rows with replacement; refit on them (the whole modelling procedure,
 *                 including any selection, belongs inside `fitAndScore`);
 *                 Oᵦ = AUC(refit, its bootstrap rows) − AUC(refit, the original n rows)
 *   optimism  = mean Oᵦ,   corrected = apparent − optimism
 *
 * `fitAndScore(trainRows)` fits on the given row indices (repeats included) and returns a
 * scorer that gives a score per row for any row indices. A resample whose outcomes hold one
 * class only, or whose fit or scoring throws (e.g. complete separation), is skipped and counted
 * in `failed` — rms::validate likewise drops resamples whose fit fails. Throws when the apparent
 * fit throws or when every resample fails. `onProgress(done, total)` is called after each
 * resample.
 */
export function optimismCorrectedAuc(
  n: number,
  outcomes: ArrayLike<number>,
  fitAndScore: (trainRows: Int32Array) => (rows: Int32Array) => Float64Array,
  resamples: number,
  random: () => number,
  onProgress?: (done: number, total: number) => void,
): OptimismResult {
  const fn = 'optimismCorrectedAuc';
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${fn}: n must be an integer ≥ 2, got ${n}`);
  if (outcomes.length !== n) throw new RangeError(`${fn}: ${outcomes.length} outcomes for n = ${n} rows`);
  const events = countEvents(outcomes, fn);
  if (events === 0 || events === n)
    throw new RangeError(`${fn}: outcomes hold one class only (${events} events of ${n})`);
  checkResamples(resamples, 1, fn);

  const allRows = Int32Array.from({ length: n }, (_, i) => i);
  const apparent = auc(fitAndScore(allRows)(allRows), outcomes);

  const rows = new Int32Array(n);
  const bootOutcomes = new Float64Array(n);
  const optimisms: number[] = [];
  let failed = 0;
  for (let b = 0; b < resamples; b += 1) {
    let bootEvents = 0;
    for (let i = 0; i < n; i += 1) {
      const r = drawIndex(random, n, fn);
      rows[i] = r;
      bootOutcomes[i] = outcomes[r]!;
      bootEvents += outcomes[r]!;
    }
    if (bootEvents === 0 || bootEvents === n) {
      failed += 1;
    } else {
      let bootScores: Float64Array | undefined;
      let originalScores: Float64Array | undefined;
      try {
        const scorer = fitAndScore(rows.slice());
        bootScores = scorer(rows.slice());
        originalScores = scorer(allRows);
      } catch {
        failed += 1;
      }
      if (bootScores && originalScores) {
        optimisms.push(auc(bootScores, bootOutcomes) - auc(originalScores, outcomes));
      }
    }
    onProgress?.(b + 1, resamples);
  }
  if (optimisms.length === 0) throw new Error(`${fn}: all ${resamples} bootstrap resamples failed`);
  const optimism = optimisms.reduce((s, v) => s + v, 0) / optimisms.length;
  const optimismSd =
    optimisms.length > 1
      ? Math.sqrt(optimisms.reduce((s, v) => s + (v - optimism) ** 2, 0) / (optimisms.length - 1))
      : 0;
  return {
    apparent,
    optimism,
    corrected: apparent - optimism,
    resamples: optimisms.length,
    failed,
    optimismSd,
  };
}

/** Bootstrap test of two AUCs from independent samples. */
export interface AucDifferenceTest {
  auc1: number;
  auc2: number;
  /** auc1 − auc2. */
  difference: number;
  /** Sample SD (divisor B − 1) of the bootstrap differences. */
  sd: number;
  /** D = difference/sd. */
  d: number;
  /** Two-sided p = 2Φ(−|D|). */
  p: number;
  resamples: number;
}

/** The events' and non-events' scores of one sample, unsorted. */
function splitClasses(scores: ArrayLike<number>, outcomes: ArrayLike<number>): [Float64Array, Float64Array] {
  const events: number[] = [];
  const nonEvents: number[] = [];
  for (let i = 0; i < scores.length; i += 1) (outcomes[i] === 1 ? events : nonEvents).push(scores[i]!);
  return [Float64Array.from(events), Float64Array.from(nonEvents)];
}

/** Fills `into` with a resample (with replacement) of `from`, sorted ascending. */
function resampleSorted(
  from: Float64Array,
  into: Float64Array,
  random: () => number,
  fn: string,
): Float64Array {
  for (let i = 0; i < into.length; i += 1) into[i] = from[drawIndex(random, from.length, fn)]!;
  return into.sort();
}

/**
 * Unpaired bootstrap test of two AUCs from independent samples — pROC 1.18
 * `roc.test(roc1, roc2, method = "bootstrap", paired = FALSE, boot.stratified = TRUE)`, two-sided
 * (pROC's bootstrap.test; X. Robin et al., BMC Bioinformatics 12:77, 2011): in each of B resamples the events and the non-events of each sample are
 * resampled separately (stratified, so every resample keeps both classes and its class sizes),
 * D = (AUC₁ − AUC₂)/sd(AUC₁* − AUC₂*), p = 2Φ(−|D|). As pROC, identical AUCs with all bootstrap
 * differences 0 give D = 0, p = 1; a non-zero difference with sd 0 throws.
 */
export function aucDifferenceBootstrap(
  scores1: ArrayLike<number>,
  outcomes1: ArrayLike<number>,
  scores2: ArrayLike<number>,
  outcomes2: ArrayLike<number>,
  resamples: number,
  random: () => number,
): AucDifferenceTest {
  const fn = 'aucDifferenceBootstrap';
  checkScoresAndOutcomes(scores1, outcomes1, fn, 'scores1');
  checkScoresAndOutcomes(scores2, outcomes2, fn, 'scores2');
  checkResamples(resamples, 2, fn);
  const [events1, nonEvents1] = splitClasses(scores1, outcomes1);
  const [events2, nonEvents2] = splitClasses(scores2, outcomes2);
  const auc1 = aucOfSorted(Float64Array.from(events1).sort(), Float64Array.from(nonEvents1).sort());
  const auc2 = aucOfSorted(Float64Array.from(events2).sort(), Float64Array.from(nonEvents2).sort());
  const e1 = new Float64Array(events1.length);
  const c1 = new Float64Array(nonEvents1.length);
  const e2 = new Float64Array(events2.length);
  const c2 = new Float64Array(nonEvents2.length);
  const diffs = new Float64Array(resamples);
  let mean = 0;
  for (let b = 0; b < resamples; b += 1) {
    // pROC's order of draws: controls then cases of sample 1, then of sample 2.
    resampleSorted(nonEvents1, c1, random, fn);
    resampleSorted(events1, e1, random, fn);
    resampleSorted(nonEvents2, c2, random, fn);
    resampleSorted(events2, e2, random, fn);
    diffs[b] = aucOfSorted(e1, c1) - aucOfSorted(e2, c2);
    mean += diffs[b]!;
  }
  mean /= resamples;
  let ss = 0;
  for (let b = 0; b < resamples; b += 1) ss += (diffs[b]! - mean) ** 2;
  const sd = Math.sqrt(ss / (resamples - 1));
  const difference = auc1 - auc2;
  let d: number;
  if (sd === 0) {
    if (difference !== 0)
      throw new RangeError(`${fn}: the AUCs differ but every bootstrap difference is the same (sd 0)`);
    d = 0;
  } else {
    d = difference / sd;
  }
  return { auc1, auc2, difference, sd, d, p: 2 * normalCdf(-Math.abs(d)), resamples };
}
