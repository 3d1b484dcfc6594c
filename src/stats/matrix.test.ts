import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../synth/random.ts';
import {
  column,
  entry,
  householderQr,
  matrixFromColumns,
  matrixFromRows,
  matrixToRows,
  qrInverseGram,
  qrSolve,
  selectColumns,
  selectRows,
  symmetricEigen,
} from './matrix.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

describe('Matrix constructors (column-major)', () => {
  test('fromRows and fromColumns agree; column is a view of column j', () => {
    // [[1, 2, 3], [4, 5, 6]] has columns (1, 4), (2, 5), (3, 6): data = 1, 4, 2, 5, 3, 6.
    const a = matrixFromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = matrixFromColumns([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    assert.deepEqual(a, b);
    assert.deepEqual(Array.from(a.data), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(Array.from(column(a, 2)), [3, 6]);
    assert.equal(entry(a, 1, 0), 4);
    column(a, 0)[1] = 40;
    assert.equal(entry(a, 1, 0), 40);
    assert.deepEqual(matrixToRows(b), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(matrixToRows(selectColumns(b, [2, 0])), [
      [3, 1],
      [6, 4],
    ]);
    assert.deepEqual(matrixToRows(selectRows(b, [1])), [[4, 5, 6]]);
    assert.equal(matrixFromColumns([], 7).rows, 7);
  });

  test('bad shapes', () => {
    assert.throws(() => matrixFromColumns([[1, 2], [3]]), /column 1 has 1 values, expected 2/);
    assert.throws(() => matrixFromRows([[1, 2], [3]]), /row 1 has 1 values, expected 2/);
    assert.throws(() => matrixFromColumns([]), /no columns and no row count/);
    assert.throws(() => column(matrixFromRows([[1]]), 1), /column index 1 out of range/);
    assert.throws(() => selectRows(matrixFromRows([[1]]), [2]), /row index 2 out of range/);
  });
});

describe('factorisations vs R', { skip: rAvailable() ? false : R_MISSING }, () => {
  const rng = createRng('matrix-factorisations');
  const n = 30;
  const p = 5;
  const A = matrixFromColumns(
    Array.from({ length: p }, (_, j) => Float64Array.from({ length: n }, () => rng.normal(j, 1 + j))),
  );
  const b = Float64Array.from({ length: n }, () => rng.normal());
  const m = 40;
  const S = new Float64Array(m * m);
  for (let i = 0; i < m; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      const v = rng.normal() + (i === j ? i / 4 : 0);
      S[i * m + j] = v;
      S[j * m + i] = v;
    }
  }
  const r = runR<{ coef: number[]; inv: number[]; values: number[]; vectors: number[] }>(
    String.raw`
A <- input$A; S <- input$S
e <- eigen(S, symmetric = TRUE)
out <- list(coef = qr.coef(qr(A), input$b), inv = as.vector(solve(crossprod(A))), values = e$values, vectors = as.vector(e$vectors))
`,
    {
      A: matrixToRows(A),
      b: Array.from(b),
      S: Array.from({ length: m }, (_, i) => Array.from(S.subarray(i * m, (i + 1) * m))),
    },
  );

  test('Householder QR least squares and (AᵀA)⁻¹ match qr.coef and solve(crossprod(A)) to 1e-12', () => {
    const f = householderQr(A.data, n, p);
    const x = qrSolve(f, b);
    x.forEach((v, j) =>
      assert.ok(Math.abs(v - (r.coef[j] as number)) <= 1e-12 * Math.max(1, Math.abs(r.coef[j] as number))),
    );
    const inv = qrInverseGram(f);
    for (let i = 0; i < p; i += 1) {
      for (let j = 0; j < p; j += 1) {
        const want = r.inv[i + j * p] as number;
        assert.ok(Math.abs(((inv[i] as number[])[j] as number) - want) <= 1e-12 * Math.abs(want) + 1e-15);
      }
    }
    assert.ok(Array.from(f.relativeDiagonal).every((d) => d > 1e-3));
  });

  test('symmetric eigen-decomposition matches eigen(symmetric = TRUE): values to 1e-12, vectors up to sign', () => {
    const { values, vectors } = symmetricEigen(S, m);
    const scale = Math.max(...r.values.map(Math.abs));
    values.forEach((v, k) => assert.ok(Math.abs(v - (r.values[k] as number)) <= 1e-12 * scale, `λ${k}`));
    vectors.forEach((vec, k) => {
      const sign = Math.sign(vec[0] as number) === Math.sign(r.vectors[k * m] as number) ? 1 : -1;
      vec.forEach((v, i) =>
        assert.ok(Math.abs(v - sign * (r.vectors[i + k * m] as number)) <= 1e-10, `v${k}[${i}]`),
      );
    });
  });
});

describe('factorisation identities', () => {
  test('eigen: A v = λ v and orthonormal vectors, including repeated eigenvalues', () => {
    // diag(2, 2, 5) rotated: eigenvalues 5, 2, 2.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const q = [
      [c, -s, 0],
      [s, c, 0],
      [0, 0, 1],
    ];
    const d = [2, 2, 5];
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i += 1) {
      for (let j = 0; j < 3; j += 1) {
        let v = 0;
        for (let k = 0; k < 3; k += 1) v += (q[i]?.[k] as number) * (d[k] as number) * (q[j]?.[k] as number);
        a[i * 3 + j] = v;
      }
    }
    const { values, vectors } = symmetricEigen(a, 3);
    assert.ok(Math.abs((values[0] as number) - 5) < 1e-14 && Math.abs((values[2] as number) - 2) < 1e-14);
    vectors.forEach((v, k) => {
      for (let i = 0; i < 3; i += 1) {
        let av = 0;
        for (let j = 0; j < 3; j += 1) av += (a[i * 3 + j] as number) * (v[j] as number);
        assert.ok(Math.abs(av - (values[k] as number) * (v[i] as number)) < 1e-14);
      }
      vectors.forEach((u, l) => {
        const dot = u.reduce((acc, x, i) => acc + x * (v[i] as number), 0);
        assert.ok(Math.abs(dot - (k === l ? 1 : 0)) < 1e-14);
      });
    });
    assert.deepEqual(Array.from(symmetricEigen([7], 1).values), [7]);
  });

  test('QR flags a collinear column', () => {
    const a = matrixFromColumns([
      [1, 1, 1, 1],
      [1, 2, 3, 4],
      [2, 3, 4, 5],
    ]);
    const f = householderQr(a.data, 4, 3);
    assert.ok((f.relativeDiagonal[2] as number) < 1e-14);
  });
});
