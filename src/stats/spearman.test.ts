import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';
import { rankStandardize, spearman, spearmanMatrix } from './spearman.ts';

describe('spearman', () => {
  it('is ±1 for monotone relations and dot(rankStandardize) otherwise', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 35, 1000]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    const x = [3, 1, 4, 1, 5, 9, 2, 6];
    const y = [2, 7, 1, 8, 2, 8, 1, 8];
    const a = rankStandardize(x);
    const b = rankStandardize(y);
    const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
    assert.ok(Math.abs(spearman(x, y) - dot) < 1e-15);
  });

  it('rankStandardize has mean 0 and unit norm', () => {
    const z = rankStandardize([5, 3, 3, 8, 1, 3]);
    assert.ok(Math.abs(z.reduce((s, v) => s + v, 0)) < 1e-15);
    assert.ok(Math.abs(z.reduce((s, v) => s + v * v, 0) - 1) < 1e-15);
  });

  it('refuses constant columns and mismatched lengths', () => {
    assert.throws(() => rankStandardize([2, 2, 2]), /constant/);
    assert.throws(() => spearman([1, 2], [1, 2, 3]), /differ in length/);
    assert.throws(
      () =>
        spearmanMatrix([
          [1, 2, 3],
          [4, 4, 4],
        ]),
      /column 1: .*constant/,
    );
  });
});

describe('spearman vs R cor(method = "spearman")', { skip: rAvailable() ? false : R_MISSING }, () => {
  const rng = createRng('spearman-vs-r');
  const n = 120;
  const base = Array.from({ length: n }, () => rng.normal());
  // Columns with heavy ties (rounded), a monotone transform, noise and a reversed column.
  const columns = [
    base.map((v) => Math.round(v * 2) / 2),
    base.map((v) => Math.exp(v) + 0.3 * rng.normal()),
    base.map(() => rng.normal()),
    base.map((v) => -Math.round((v + rng.normal()) * 3)),
  ];
  const r = runR<{ matrix: number[][]; pair: number }>(
    String.raw`
m <- do.call(cbind, lapply(seq_len(nrow(input$columns)), function(i) input$columns[i, ]))
out <- list(matrix = lapply(seq_len(ncol(m)), function(i) cor(m, method = "spearman")[i, ]),
            pair = cor(m[, 1], m[, 4], method = "spearman"))
`,
    { columns },
  );

  it('spearman and spearmanMatrix agree within 1e-14 absolute, with ties', () => {
    assert.ok(Math.abs(spearman(columns[0]!, columns[3]!) - r.pair) <= 1e-14);
    const m = spearmanMatrix(columns);
    m.forEach((row, i) =>
      row.forEach((v, j) => {
        assert.ok(Math.abs(v - r.matrix[i]![j]!) <= 1e-14, `[${i}][${j}] ${v} vs ${r.matrix[i]![j]}`);
        assert.equal(v, m[j]![i]);
      }),
    );
    m.forEach((row, i) => assert.equal(row[i], 1));
  });
});
