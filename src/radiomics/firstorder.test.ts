import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeFirstOrderFeatures, percentile, selectOrderStatistics } from './firstorder.ts';
import { discretise } from './discretise.ts';

test('selectOrderStatistics puts the sorted value at every requested index', () => {
  let seed = 11;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (const n of [1, 2, 5, 17, 100, 1001]) {
    for (const kind of ['random', 'ties', 'sorted', 'reversed']) {
      const values = Float64Array.from({ length: n }, (_, i) =>
        kind === 'random' ? next() : kind === 'ties' ? Math.floor(next() * 3) : kind === 'sorted' ? i : -i,
      );
      const sorted = values.slice().sort();
      const ks = [...new Set([0, n - 1, n >> 1, Math.floor((n - 1) * 0.1), Math.floor((n - 1) * 0.9)])].sort(
        (a, b) => a - b,
      );
      const partial = values.slice();
      selectOrderStatistics(partial, ks);
      for (const k of ks) assert.equal(partial[k], sorted[k], `${kind} n=${n} k=${k}`);
      assert.deepEqual(
        [...partial].sort((a, b) => a - b),
        [...sorted],
      );
    }
  }
});

test('first-order percentiles, median and range equal those of a full sort', () => {
  let seed = 5;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const values = Array.from({ length: 999 }, () => Math.round(next() * 500) / 4);
  const roi = discretise(
    {
      size: [999, 1, 1],
      spacingMm: [1, 1, 1],
      image: Float64Array.from(values),
      mask: new Uint8Array(999).fill(1),
    },
    { binWidth: 25, binCount: null },
  );
  const f = computeFirstOrderFeatures(roi, { voxelArrayShift: 0 });
  const sorted = Float64Array.from(values).sort();
  assert.equal(f['10Percentile'], percentile(sorted, 10));
  assert.equal(f['90Percentile'], percentile(sorted, 90));
  assert.equal(f['InterquartileRange'], percentile(sorted, 75) - percentile(sorted, 25));
  assert.equal(f['Median'], sorted[499]);
  assert.equal(f['Minimum'], sorted[0]);
  assert.equal(f['Maximum'], sorted[998]);
});
