import assert from 'node:assert/strict';
import { test } from 'node:test';
import { symmetricEigenvalues, symmetricEigenvaluesTridiagonal } from './linalg.ts';

test('symmetricEigenvaluesTridiagonal: closed forms and agreement with Jacobi', () => {
  const ev = symmetricEigenvaluesTridiagonal([2, 1, 1, 2], 2);
  assert.ok(Math.abs(ev[0]! - 1) < 1e-14 && Math.abs(ev[1]! - 3) < 1e-14);
  assert.deepEqual(symmetricEigenvaluesTridiagonal([5], 1), [5]);
  assert.deepEqual(symmetricEigenvaluesTridiagonal([], 0), []);
  // Diagonal with zero rows (as in MCC with empty gray levels).
  assert.deepEqual(symmetricEigenvaluesTridiagonal([0, 0, 0, 0, 3, 0, 0, 0, 1], 3), [0, 1, 3]);
  let seed = 3;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  for (const n of [2, 3, 7, 20, 45]) {
    // Positive semi-definite B Bᵀ of rank ≤ n − 1, as the MCC matrices are.
    const rank = Math.max(1, n - 1);
    const b = Array.from({ length: n * rank }, next);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i += 1)
      for (let j = 0; j < n; j += 1) {
        let s = 0;
        for (let k = 0; k < rank; k += 1) s += b[i * rank + k]! * b[j * rank + k]!;
        a[i * n + j] = s;
      }
    const ql = symmetricEigenvaluesTridiagonal(a, n);
    const jacobi = symmetricEigenvalues(a, n);
    const scale = Math.max(...jacobi.map(Math.abs));
    ql.forEach((v, i) =>
      assert.ok(Math.abs(v - jacobi[i]!) <= 1e-12 * scale, `n ${n}: ${v} vs ${jacobi[i]}`),
    );
  }
});
