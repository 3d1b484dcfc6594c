import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';
import { averageRanks, pooledRankSum, sortRange } from './ranks.ts';

describe('averageRanks', () => {
  it('averages tied ranks (hand example)', () => {
    // Sorted: 1 (rank 1), 2 2 (ranks 2, 3 → 2.5), 5 (4), 7 7 7 (5, 6, 7 → 6).
    assert.deepEqual([...averageRanks([7, 2, 5, 7, 1, 2, 7])], [6, 2.5, 4, 6, 1, 2.5, 6]);
  });

  it('treats −0 and +0 as one tie', () => {
    assert.deepEqual([...averageRanks([0, -0, 1])], [1.5, 1.5, 3]);
  });

  it('refuses NaN, infinities and empty input', () => {
    assert.throws(() => averageRanks([]), /no values/);
    assert.throws(() => averageRanks([1, Number.NaN]), /value 1 is NaN/);
    assert.throws(() => averageRanks([Infinity]), /Infinity/);
  });
});

describe('sortRange', () => {
  it('sorts sub-ranges like the native sort, with and without ties', () => {
    const rng = createRng('sort-range');
    for (const n of [0, 1, 2, 5, 16, 17, 40, 255, 1000]) {
      for (const round of [true, false]) {
        const x = Float64Array.from({ length: n }, () =>
          round ? Math.round(rng.normal() * 3) + 0 : rng.normal(),
        ); // + 0: no −0 (sorted apart from +0 natively)
        const lo = Math.floor(n / 4);
        const y = Float64Array.from(x);
        sortRange(y, lo, n);
        const expected = Float64Array.from(x);
        expected.subarray(lo, n).sort();
        assert.deepEqual(y, expected);
      }
    }
  });
});

describe('ranks vs R rank(ties.method = "average")', { skip: rAvailable() ? false : R_MISSING }, () => {
  const rng = createRng('ranks-vs-r');
  const x = Array.from({ length: 150 }, () => Math.round(rng.normal() * 8) / 4);
  const y = Array.from({ length: 70 }, () => Math.round(rng.normal() * 8) / 4);
  const r = runR<{ ranks: number[]; rankSumX: number; tieSum: number }>(
    String.raw`
pooled <- c(input$x, input$y)
t <- table(pooled)
out <- list(ranks = rank(input$x), rankSumX = sum(rank(pooled)[seq_along(input$x)]), tieSum = sum(t^3 - t))
`,
    { x, y },
  );

  it('averageRanks equals rank()', () => {
    assert.deepEqual([...averageRanks(x)], r.ranks);
  });

  it('pooledRankSum: rank sum of x in c(x, y) and Σ(t³ − t) of table(c(x, y))', () => {
    const sx = Float64Array.from(x).sort();
    const sy = Float64Array.from(y).sort();
    assert.deepEqual(pooledRankSum(sx, sy), { rankSumX: r.rankSumX, tieSum: r.tieSum });
  });
});
