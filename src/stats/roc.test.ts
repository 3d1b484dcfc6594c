import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { mannWhitneyTest } from './mann-whitney.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';
import { auc, confusionAt, rocCurve, rocThresholds, youdenCandidates, youdenThreshold } from './roc.ts';

/** Scores rounded to one decimal (many ties), events shifted up by `shift`. */
function tiedSample(seed: string, n: number, shift: number): { scores: number[]; outcomes: number[] } {
  const rng = createRng(seed);
  const outcomes = Array.from({ length: n }, () => (rng.uniform() < 0.45 ? 1 : 0));
  outcomes[0] = 1;
  outcomes[1] = 0;
  const scores = outcomes.map((o) => Math.round((rng.normal() + shift * o) * 10) / 10);
  return { scores, outcomes };
}

describe('auc', () => {
  it('equals W/(n1·n0) of the Mann–Whitney test of events against non-events (identity U = AUC·n1·n0)', () => {
    for (const seed of ['a', 'b', 'c']) {
      const { scores, outcomes } = tiedSample(`roc-mw-${seed}`, 97, 0.8);
      const events = scores.filter((_, i) => outcomes[i] === 1);
      const nonEvents = scores.filter((_, i) => outcomes[i] === 0);
      const w = mannWhitneyTest(events, nonEvents).statistic;
      assert.equal(auc(scores, outcomes), w / (events.length * nonEvents.length));
    }
  });

  it('counts pairs by hand: events {3, 2, 2}, non-events {2, 1}', () => {
    // Pairs (event, non-event): (3,2) 1, (3,1) 1, (2,2) ½, (2,1) 1, (2,2) ½, (2,1) 1 → 5/6.
    assert.equal(auc([3, 2, 2, 2, 1], [1, 1, 1, 0, 0]), 5 / 6);
  });

  it('keeps direction "<": a reversed score gives AUC < 0.5, never flipped', () => {
    assert.equal(auc([1, 2, 3, 4], [1, 1, 0, 0]), 0);
  });

  it('refuses bad input with a named error', () => {
    assert.throws(() => auc([1, 2], [1, 1]), /one class only/);
    assert.throws(() => auc([1, 2, 3], [1, 0]), /differ in length/);
    assert.throws(() => auc([1, Number.NaN], [1, 0]), /NaN/);
    assert.throws(() => auc([1, 2], [1, 2]), /0 or 1/);
    assert.throws(() => auc([], []), /no observations/);
  });
});

describe('rocThresholds', () => {
  it('places pROC midpoints and fixes a midpoint that rounds onto the lower of two adjacent doubles', () => {
    const next = 1 + Number.EPSILON; // (1 + next)/2 rounds to 1 (ties to even)
    assert.deepEqual(rocThresholds([2, 1, next, 1]), [-Infinity, next, (next + 2) / 2, Infinity]);
  });
});

describe('confusionAt', () => {
  it('reports null predictive values when nobody is called positive or negative', () => {
    const high = confusionAt([0.1, 0.9], [0, 1], 2);
    assert.equal(high.ppv, null);
    assert.equal(high.npv, 0.5);
    const low = confusionAt([0.1, 0.9], [0, 1], -1);
    assert.equal(low.npv, null);
    assert.equal(low.ppv, 0.5);
  });

  it('calls a score equal to the threshold positive', () => {
    const c = confusionAt([0.5, 0.5, 0.2], [1, 0, 0], 0.5);
    assert.deepEqual([c.tp, c.fp, c.tn, c.fn], [1, 1, 1, 0]);
  });
});

describe('youdenThreshold', () => {
  it('picks the highest of several thresholds sharing the maximal J (hand example)', () => {
    // scores 1 2 3 4, outcomes 0 1 0 1; thresholds −Inf, 1.5, 2.5, 3.5, +Inf give
    // (se, sp) = (1,0) (1,½) (½,½) (½,1) (0,1): J = 0, ½, 0, ½, 0 → 1.5 and 3.5 tie.
    const scores = [1, 2, 3, 4];
    const outcomes = [0, 1, 0, 1];
    assert.deepEqual(
      youdenCandidates(scores, outcomes).map((c) => c.threshold),
      [1.5, 3.5],
    );
    const best = youdenThreshold(scores, outcomes);
    assert.equal(best.threshold, 3.5);
    assert.equal(best.sensitivity, 0.5);
    assert.equal(best.specificity, 1);
    assert.equal(best.youden, 0.5);
  });

  it('finds ties exactly where the doubles se + sp differ in the last bit', () => {
    // Non-events 1, 3, 4, 5, 7, 8; events 2, 6 (n1 = 2, n0 = 6). Threshold 1.5: tp 2, tn 1,
    // J = 1 + 1/6 − 1 = 1/6; threshold 5.5: tp 1, tn 4, J = 1/2 + 4/6 − 1 = 1/6; every other
    // threshold has J ≤ 0. In doubles 1 + 1/6 = 1.1666666666666667 but 0.5 + 4/6 =
    // 1.1666666666666665, so comparing rounded sums would keep 1.5 only.
    const scores = [1, 2, 3, 4, 5, 6, 7, 8];
    const outcomes = [0, 1, 0, 0, 0, 1, 0, 0];
    assert.notEqual(1 + 1 / 6, 0.5 + 4 / 6);
    assert.deepEqual(
      youdenCandidates(scores, outcomes).map((c) => [c.threshold, c.tp, c.tn]),
      [
        [1.5, 2, 1],
        [5.5, 1, 4],
      ],
    );
    assert.equal(youdenThreshold(scores, outcomes).threshold, 5.5);
  });
});

describe('ROC vs pROC 1.18', { skip: rAvailable() ? false : R_MISSING }, () => {
  const samples = ['p1', 'p2', 'p3'].map((s, k) => tiedSample(`roc-proc-${s}`, 60 + 40 * k, 0.4 + 0.5 * k));
  // A sample whose Youden maximum is shared by several thresholds.
  samples.push({ scores: [1, 2, 3, 4, 5, 6, 7, 8], outcomes: [0, 1, 0, 1, 0, 1, 0, 1] });
  // The hand example above where only exact arithmetic sees the tie (index 4).
  const floatTie = 4;
  samples.push({ scores: [1, 2, 3, 4, 5, 6, 7, 8], outcomes: [0, 1, 0, 0, 0, 1, 0, 0] });
  const probeThresholds = [-1, -0.05, 0, 0.3, 0.45, 1.2, 2];
  const r = runR<{
    auc: number[];
    curves: { threshold: number[]; sensitivity: number[]; specificity: number[] }[];
    best: { threshold: number[]; sensitivity: number[]; specificity: number[] }[];
    at: Record<string, (number | null)[]>[];
  }>(
    String.raw`
suppressMessages(library(pROC))
num <- function(v) { v <- as.numeric(v); v }
res <- lapply(seq_along(input$samples$scores), function(k) {
  s <- input$samples$scores[[k]]; y <- input$samples$outcomes[[k]]
  r <- roc(y, s, levels = c(0, 1), direction = "<", quiet = TRUE)
  all <- coords(r, "all", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
  best <- coords(r, "best", best.method = "youden", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
  at <- coords(r, input$probe, input = "threshold",
    ret = c("tp", "fp", "tn", "fn", "sensitivity", "specificity", "accuracy", "ppv", "npv"), transpose = FALSE)
  list(auc = as.numeric(auc(r)),
       curve = list(threshold = num(all$threshold), sensitivity = num(all$sensitivity), specificity = num(all$specificity)),
       best = list(threshold = num(best$threshold), sensitivity = num(best$sensitivity), specificity = num(best$specificity)),
       at = lapply(as.list(at), num))
})
out <- list(auc = sapply(res, function(x) x$auc), curves = lapply(res, function(x) x$curve),
            best = lapply(res, function(x) x$best), at = lapply(res, function(x) x$at))
`,
    {
      samples: { scores: samples.map((s) => s.scores), outcomes: samples.map((s) => s.outcomes) },
      probe: probeThresholds,
    },
  );
  const num = (v: number | string | null): number =>
    v === 'Inf' ? Infinity : v === '-Inf' ? -Infinity : (v as number);

  it('auc() agrees to rounding (pROC integrates trapezoids, here U/(n1·n0): ≤ 1e-15 apart)', () => {
    samples.forEach((s, k) =>
      assert.ok(Math.abs(auc(s.scores, s.outcomes) - r.auc[k]!) <= 1e-15, `sample ${k}`),
    );
  });

  it('rocCurve agrees with coords(roc, "all") point by point (thresholds, sensitivity, specificity)', () => {
    samples.forEach((s, k) => {
      const curve = rocCurve(s.scores, s.outcomes);
      const ref = r.curves[k]!;
      assert.equal(curve.length, ref.threshold.length);
      curve.forEach((p, i) => {
        assert.equal(p.threshold, num(ref.threshold[i]!));
        assert.equal(p.sensitivity, ref.sensitivity[i]);
        assert.equal(p.specificity, ref.specificity[i]);
      });
    });
  });

  it('youdenCandidates is the set coords(x = "best", best.method = "youden") returns; youdenThreshold its highest', () => {
    samples.forEach((s, k) => {
      if (k === floatTie) return;
      const ref = r.best[k]!;
      const refThresholds = [ref.threshold].flat().map(num);
      const cuts = youdenCandidates(s.scores, s.outcomes);
      assert.deepEqual(
        cuts.map((c) => c.threshold),
        refThresholds,
      );
      assert.equal(youdenThreshold(s.scores, s.outcomes).threshold, Math.max(...refThresholds));
    });
    assert.ok(
      [r.best[3]!.threshold].flat().length > 1,
      'the tie sample has several optimal thresholds in pROC',
    );
  });

  it('differs from pROC only where pROC compares rounded se + sp: pROC keeps 1.5, the exact set is {1.5, 5.5}', () => {
    assert.deepEqual([r.best[floatTie]!.threshold].flat(), [1.5]);
    const s = samples[floatTie]!;
    assert.deepEqual(
      youdenCandidates(s.scores, s.outcomes).map((c) => c.threshold),
      [1.5, 5.5],
    );
  });

  it('confusionAt agrees with coords(roc, threshold, ret = tp … npv), NaN predictive values as null', () => {
    samples.forEach((s, k) => {
      const ref = r.at[k]!;
      probeThresholds.forEach((t, i) => {
        const c = confusionAt(s.scores, s.outcomes, t);
        for (const key of [
          'tp',
          'fp',
          'tn',
          'fn',
          'sensitivity',
          'specificity',
          'accuracy',
          'ppv',
          'npv',
        ] as const) {
          assert.equal(c[key], ref[key]![i], `${key} at ${t}, sample ${k}`);
        }
      });
    });
  });
});
