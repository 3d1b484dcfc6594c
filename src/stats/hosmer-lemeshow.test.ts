import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { hosmerLemeshow } from './hosmer-lemeshow.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

/** Probabilities from a logistic model and outcomes drawn from them (slightly miscalibrated). */
function sample(seed: string, n: number, round?: number): { p: number[]; y: number[] } {
  const rng = createRng(seed);
  const p = Array.from({ length: n }, () => {
    const v = 1 / (1 + Math.exp(-(0.3 + 1.4 * rng.normal())));
    return round ? Math.min(0.99, Math.max(0.01, Math.round(v * round) / round)) : v;
  });
  const y = p.map((v) => (rng.uniform() < Math.min(1, v * 1.1) ? 1 : 0));
  return { p, y };
}

describe('hosmerLemeshow', () => {
  it('refuses probabilities outside [0, 1], too few groups and constant probabilities', () => {
    assert.throws(() => hosmerLemeshow([0.2, 1.2, 0.3], [0, 1, 0]), /probability 1 is 1.2/);
    assert.throws(() => hosmerLemeshow([0.2, 0.5, 0.3], [0, 1, 0], 2), /groups must be an integer ≥ 3/);
    assert.throws(() => hosmerLemeshow([0.4, 0.4, 0.4], [0, 1, 0]), /all probabilities are equal/);
    // Breaks 0.1, 0.42, 0.74, 0.9 (0.9 repeated): groups [0.1, 0.42] and (0.74, 0.9]; (0.42, 0.74] is empty.
    assert.throws(() => hosmerLemeshow([0.1, 0.9, 0.9, 0.9, 0.9], [0, 1, 1, 1, 0], 10), /only 2 groups/);
  });

  it('groups partition the sample and sum to the totals', () => {
    const { p, y } = sample('hl-partition', 150);
    const hl = hosmerLemeshow(p, y);
    assert.equal(hl.groups.length, 10);
    assert.equal(hl.df, 8);
    assert.equal(
      hl.groups.reduce((s, g) => s + g.n, 0),
      150,
    );
    assert.equal(
      hl.groups.reduce((s, g) => s + g.observed, 0),
      y.reduce((s, v) => s + v, 0),
    );
  });
});

describe(
  'hosmerLemeshow vs a base-R reproduction of ResourceSelection::hoslem.test',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    // ResourceSelection is not installed; its documented computation is reproduced with base R
    // (quantile type 7, cut(include.lowest = TRUE), xtabs) — and, for duplicated breaks, with
    // unique() breaks, empty groups dropped and df = groups − 2 (DescTools::HosmerLemeshowTest).
    const cases = [
      { ...sample('hl-1', 200), g: 10 },
      { ...sample('hl-2', 97), g: 8 },
      { ...sample('hl-3', 254), g: 10 },
      // Probabilities on a coarse grid: duplicated quantile breaks.
      { ...sample('hl-dup', 180, 5), g: 10 },
    ];
    const r = runR<{
      res: {
        chisq: number;
        df: number;
        p: number;
        lower: number[];
        upper: number[];
        n: number[];
        o: number[];
        e: number[];
      }[];
    }>(
      String.raw`
hl <- function(y, p, g) {
  br <- unique(quantile(p, probs = seq(0, 1, 1/g)))
  cutp <- cut(p, breaks = br, include.lowest = TRUE)
  obs <- xtabs(cbind(y0 = 1 - y, y1 = y) ~ cutp)
  ex <- xtabs(cbind(yhat0 = 1 - p, yhat1 = p) ~ cutp)
  keep <- as.numeric(table(cutp)) > 0
  obs <- obs[keep, , drop = FALSE]; ex <- ex[keep, , drop = FALSE]
  chisq <- sum((obs - ex)^2 / ex)
  df <- sum(keep) - 2
  list(chisq = chisq, df = df, p = pchisq(chisq, df, lower.tail = FALSE),
       lower = br[-length(br)][keep], upper = br[-1][keep],
       n = as.numeric(table(cutp))[keep], o = as.numeric(obs[, 2]), e = as.numeric(ex[, 2]))
}
out <- list(res = lapply(seq_along(input$p), function(k) hl(input$y[[k]], input$p[[k]], input$g[k])))
`,
      { p: cases.map((c) => c.p), y: cases.map((c) => c.y), g: cases.map((c) => c.g) },
    );

    it('same groups (breaks exactly, counts, observed, expected), χ², df and p', () => {
      cases.forEach((c, k) => {
        const ref = r.res[k]!;
        const hl = hosmerLemeshow(c.p, c.y, c.g);
        assert.deepEqual(
          hl.groups.map((g) => [g.lower, g.upper, g.n, g.observed]),
          ref.lower.map((l, i) => [l, ref.upper[i], ref.n[i], ref.o[i]]),
          `groups ${k}`,
        );
        hl.groups.forEach((g, i) =>
          assert.ok(Math.abs(g.expected - ref.e[i]!) <= 1e-12 * ref.e[i]!, `expected ${k}/${i}`),
        );
        assert.ok(
          Math.abs(hl.chi2 - ref.chisq) <= 1e-12 * ref.chisq,
          `chi2 ${k}: ${hl.chi2} vs ${ref.chisq}`,
        );
        assert.equal(hl.df, ref.df);
        assert.ok(Math.abs(hl.p - ref.p) <= 1e-12 * ref.p, `p ${k}: ${hl.p} vs ${ref.p}`);
      });
      assert.ok(r.res[3]!.df < 8, 'the coarse-grid case merges breaks');
    });
  },
);
