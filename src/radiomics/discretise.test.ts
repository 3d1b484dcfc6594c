import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digitize, discretise, getBinEdges, numpyArange, pythonMod } from './discretise.ts';
import type { CroppedRoi } from './types.ts';

function roiOf(values: number[]): CroppedRoi {
  return {
    size: [values.length, 1, 1],
    spacingMm: [1, 1, 1],
    image: Float64Array.from(values),
    mask: new Uint8Array(values.length).fill(1),
  };
}

test('pythonMod follows Python float % (sign of the divisor)', () => {
  assert.equal(pythonMod(-7, 5), 3);
  assert.equal(pythonMod(-7.5, 5), 2.5);
  assert.equal(pythonMod(7, -5), -3);
  assert.equal(pythonMod(10, 5), 0);
});

test('numpyArange reproduces numpy.arange values bit for bit (numpy 2.4 output)', () => {
  assert.deepEqual(numpyArange(0.1, 0.5, 0.1), [0.1, 0.2, 0.30000000000000004, 0.4]);
  assert.deepEqual(
    numpyArange(-10, 3.3, 2.2),
    [-10, -7.8, -5.6, -3.3999999999999995, -1.1999999999999993, 1, 3.200000000000001],
  );
});

test('fixed bin width: negative values, floor-mod low bound, fractional width (numpy values)', () => {
  const roi = discretise(roiOf([-3.7, 0.2, 4.9]), { binWidth: 0.7, binCount: null });
  assert.equal(roi.binEdges[0], -4.199999999999999);
  assert.equal(roi.binEdges[6], 1.7763568394002505e-15);
  assert.equal(roi.binEdges.length, 16);
  assert.deepEqual([...roi.gray], [1, 7, 13]);
  // −7 with width 5: Python −7 % 5 = 3, so the first edge is −10.
  assert.equal(getBinEdges(-7, 3, { binWidth: 5, binCount: null })[0], -10);
});

test('fixed bin width: the documented example and a value on an edge', () => {
  assert.deepEqual(getBinEdges(54, 166, { binWidth: 25, binCount: null }), [50, 75, 100, 125, 150, 175, 200]);
  // 75 lies on an edge: half-open bins put it in [75, 100).
  assert.deepEqual([...discretise(roiOf([54, 75, 166]), { binWidth: 25, binCount: null }).gray], [1, 2, 5]);
});

test('flat region: one gray level', () => {
  const w = discretise(roiOf([100, 100, 100]), { binWidth: 25, binCount: null });
  assert.deepEqual([...w.gray], [1, 1, 1]);
  const c = discretise(roiOf([5, 5]), { binWidth: 25, binCount: 4 });
  assert.deepEqual(c.binEdges, [4.5, 4.75, 5, 5.25, 6.5]);
  assert.deepEqual([...c.gray], [3, 3]);
});

test('fixed bin count: numpy.histogram edges, last edge + 1, maximum in the top bin', () => {
  const roi = discretise(roiOf([1.3, 2.7, 9.1, -4.2]), { binWidth: 25, binCount: 7 });
  assert.deepEqual(roi.binEdges, [-4.2, -2.3, -0.3999999999999999, 1.5, 3.4000000000000004, 5.3, 7.2, 10.1]);
  assert.deepEqual([...roi.gray], [3, 4, 7, 1]);
});

test('digitize: numpy.digitize semantics at and beyond the ends', () => {
  const e = [0, 1, 2];
  assert.equal(digitize(-1, e), 0);
  assert.equal(digitize(0, e), 1);
  assert.equal(digitize(1.5, e), 2);
  assert.equal(digitize(2, e), 3);
});

test('voxels outside the mask stay 0', () => {
  const roi = roiOf([10, 20, 30]);
  roi.mask[1] = 0;
  assert.deepEqual([...discretise(roi, { binWidth: 25, binCount: null }).gray], [1, 0, 2]);
});

test('discretise gives numpy.digitize of every ROI value (guessed bins corrected on the edges)', () => {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let t = 0; t < 200; t += 1) {
    const scale = Math.exp((next() - 0.5) * 10);
    const values = Array.from({ length: 50 }, () => (next() - 0.3) * scale);
    const settings =
      t % 2 === 0
        ? { binWidth: scale / (1 + next() * 40), binCount: null }
        : { binWidth: 25, binCount: 1 + Math.floor(next() * 100) };
    const d = discretise(roiOf(values), settings);
    // Values exactly on edges as well.
    const onEdges = values.map((_, i) => d.binEdges[i % (d.binEdges.length - 1)]!);
    const e = discretise(roiOf(onEdges), settings);
    values.forEach((x, i) => assert.equal(d.gray[i], digitize(x, d.binEdges)));
    onEdges.forEach((x, i) => assert.equal(e.gray[i], digitize(x, e.binEdges)));
  }
});
