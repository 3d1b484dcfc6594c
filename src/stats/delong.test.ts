import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { delongAuc, delongPairedTest, delongPlacements } from './delong.ts';
import { normalQuantile } from './distributions.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

function close(actual: number, expected: number, rel: number, what: string): void {
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(Math.abs(actual - expected) <= rel * scale, `${what}: ${actual} vs ${expected}`);
}

describe('DeLong variance, hand-computed', () => {
  // Events X = {0.9, 0.6, 0.4}, non-events Y = {0.6, 0.3, 0.1} (m = n = 3).
  // V10(0.9) = (1 + 1 + 1)/3 = 1;  V10(0.6) = (½ + 1 + 1)/3 = 5/6;  V10(0.4) = (0 + 1 + 1)/3 = 2/3
  // V01(0.6) = (1 + ½ + 0)/3 = 1/2; V01(0.3) = 1;  V01(0.1) = 1
  // AUC = (1 + 5/6 + 2/3)/3 = 5/6 (= (1/2 + 1 + 1)/3)
  // S10 = [(1/6)² + 0² + (1/6)²]/2 = 1/36;  S01 = [(1/3)² + (1/6)² + (1/6)²]/2 = 1/12
  // Var = S10/3 + S01/3 = 1/108 + 1/36 = 1/27.
  const scores = [0.9, 0.6, 0.4, 0.6, 0.3, 0.1];
  const outcomes = [1, 1, 1, 0, 0, 0];

  it('placement values', () => {
    const p = delongPlacements(scores, outcomes);
    assert.deepEqual([...p.eventPlacements], [1, 5 / 6, 2 / 3]);
    assert.deepEqual([...p.nonEventPlacements], [1 / 2, 1, 1]);
    close(p.auc, 5 / 6, 1e-15, 'auc');
  });

  it('variance 1/27 and the interval auc ∓ z·se clipped at 1', () => {
    const r = delongAuc(scores, outcomes);
    close(r.variance, 1 / 27, 1e-15, 'variance');
    close(r.se, Math.sqrt(1 / 27), 1e-15, 'se');
    close(r.ci[0], 5 / 6 - normalQuantile(0.975) * Math.sqrt(1 / 27), 1e-15, 'lower');
    assert.equal(r.ci[1], 1); // 5/6 + 1.96·0.192 > 1
  });

  it('identical scores compare as z = 0, p = 1 (pROC convention)', () => {
    const t = delongPairedTest(scores, scores, outcomes);
    assert.equal(t.z, 0);
    assert.equal(t.p, 1);
  });

  it('refuses samples with fewer than 2 of a class', () => {
    assert.throws(() => delongAuc([1, 2, 3], [1, 0, 0]), /at least 2 events/);
    assert.throws(() => delongAuc([1, 2, 3, 4], [1, 0, 1, 0], 1), /level/);
  });
});

describe('DeLong vs pROC 1.18', { skip: rAvailable() ? false : R_MISSING }, () => {
  const rng = createRng('delong-vs-proc');
  const cases = [40, 90, 151].map((n) => {
    const y = Array.from({ length: n }, (_, i) => (i < 3 ? i % 2 : rng.uniform() < 0.4 ? 1 : 0));
    const latent = y.map((o) => rng.normal() + o);
    // Score A continuous, score B rounded to one decimal (ties) and correlated with A.
    const a = latent.map((v) => v + 0.5 * rng.normal());
    const b = latent.map((v) => Math.round((v + rng.normal()) * 10) / 10);
    return { y, a, b };
  });
  const r = runR<{ var: number[]; ci: number[][]; z: number[]; p: number[]; ci90: number[][] }>(
    String.raw`
suppressMessages(library(pROC))
res <- lapply(seq_along(input$y), function(k) {
  y <- input$y[[k]]
  ra <- roc(y, input$a[[k]], levels = c(0, 1), direction = "<", quiet = TRUE)
  rb <- roc(y, input$b[[k]], levels = c(0, 1), direction = "<", quiet = TRUE)
  t <- roc.test(ra, rb, method = "delong", paired = TRUE)
  list(var = var(ra, method = "delong"), ci = as.numeric(ci.auc(ra, method = "delong")),
       ci90 = as.numeric(ci.auc(rb, method = "delong", conf.level = 0.9)),
       z = as.numeric(t$statistic), p = t$p.value)
})
out <- list(var = sapply(res, function(x) x$var), ci = lapply(res, function(x) x$ci),
            ci90 = lapply(res, function(x) x$ci90), z = sapply(res, function(x) x$z), p = sapply(res, function(x) x$p))
`,
    { y: cases.map((c) => c.y), a: cases.map((c) => c.a), b: cases.map((c) => c.b) },
  );

  it('var(roc, method = "delong") and ci.auc(method = "delong") within 1e-12 relative', () => {
    cases.forEach((c, k) => {
      const mine = delongAuc(c.a, c.y);
      close(mine.variance, r.var[k]!, 1e-12, `variance ${k}`);
      const [lo, mid, hi] = r.ci[k]!;
      close(mine.auc, mid!, 1e-12, `auc ${k}`);
      close(mine.ci[0], lo!, 1e-12, `lower ${k}`);
      close(mine.ci[1], hi!, 1e-12, `upper ${k}`);
      const tied = delongAuc(c.b, c.y, 0.9);
      close(tied.ci[0], r.ci90[k]![0]!, 1e-12, `lower 90% ${k}`);
      close(tied.ci[1], r.ci90[k]![2]!, 1e-12, `upper 90% ${k}`);
    });
  });

  it('roc.test(method = "delong", paired = TRUE): z and two-sided p within 1e-12 relative', () => {
    cases.forEach((c, k) => {
      const t = delongPairedTest(c.a, c.b, c.y);
      close(t.z, r.z[k]!, 1e-12, `z ${k}`);
      close(t.p, r.p[k]!, 1e-12, `p ${k}`);
      close(t.difference, t.aucA - t.aucB, 1e-15, 'difference');
    });
  });
});
