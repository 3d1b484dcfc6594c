import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bsplineCoefficients, createBSplineEvaluator } from './bspline.ts';
import { resampleVolume } from './resample.ts';
import { createVolume, IDENTITY, type Geometry, type Vec3 } from './volume.ts';

const grid = (size: Vec3, spacingMm: Vec3 = [1, 1, 1], originMm: Vec3 = [0, 0, 0]): Geometry => ({
  size,
  spacingMm,
  originMm,
  direction: IDENTITY,
});

test('cubic B-spline interpolation passes through the samples (interpolating spline, Unser 1999)', () => {
  const size: Vec3 = [7, 5, 3];
  const data = Float64Array.from({ length: 105 }, (_, n) => Math.sin(n * 1.7) * 100 + n);
  const evaluate = createBSplineEvaluator(bsplineCoefficients(data, size), size);
  let n = 0;
  for (let k = 0; k < 3; k += 1)
    for (let j = 0; j < 5; j += 1)
      for (let i = 0; i < 7; i += 1, n += 1) assert.ok(Math.abs(evaluate(i, j, k) - data[n]!) < 1e-9);
});

test('cubic B-spline reproduces a cubic polynomial away from the borders', () => {
  // Cubic splines reproduce polynomials of degree ≤ 3; mirror boundaries perturb them near the
  // ends, by a term that decays as |√3 − 2|^d with the distance d (≈ 1e-12 at d = 21).
  const n = 60;
  const f = (x: number) => 0.01 * x * x * x - 0.5 * x * x + 3 * x + 7;
  const data = Float64Array.from({ length: n }, (_, i) => f(i));
  const evaluate = createBSplineEvaluator(bsplineCoefficients(data, [n, 1, 1]), [n, 1, 1]);
  for (const x of [25.25, 30.5, 33.9]) assert.ok(Math.abs(evaluate(x, 0, 0) - f(x)) < 1e-9, `at ${x}`);
});

test('linear and nearest-neighbour resampling; outside the half-voxel border takes the default', () => {
  const image = createVolume(grid([4, 1, 1]), Float64Array.from([0, 10, 20, 30]));
  // Output voxel centres at x = 0.25, 1.5, 2.75.
  const target = grid([3, 1, 1], [1.25, 1, 1], [0.25, 0, 0]);
  const linear = resampleVolume(image, target, 'linear');
  assert.deepEqual([...linear.data], [2.5, 15, 27.5]);
  const nearest = resampleVolume(image, target, 'nearest');
  assert.deepEqual([...nearest.data], [0, 20, 30]); // ⌊x + 0.5⌋: 0.25 → 0, 1.5 → 2, 2.75 → 3
  const edges = resampleVolume(image, grid([4, 1, 1], [1, 1, 1], [-0.75, 0, 0]), 'linear', {
    defaultValue: -1,
  });
  // −0.75 lies beyond −0.5: default; 0.25 interpolates; 3.25 is within 3 + 0.5: clamped to 30.
  assert.deepEqual([...edges.data], [-1, 2.5, 12.5, 22.5]);
  const beyond = resampleVolume(image, grid([1, 1, 1], [1, 1, 1], [3.5, 0, 0]), 'linear', {
    defaultValue: -1,
  });
  assert.deepEqual([...beyond.data], [-1]); // 3.5 = end + 0.5 is outside (half-open)
});

test('an integer image resampled with pixelType same is truncated toward zero and clamped', () => {
  const image = createVolume(grid([2, 1, 1]), Int16Array.from([-3, 32767]));
  const out = resampleVolume(image, grid([3, 1, 1], [0.5, 1, 1]), 'linear', { pixelType: 'same' });
  assert.ok(out.data instanceof Int16Array);
  // −3, midpoint 16382, 32767: −3 + (32770 · 0.5) = 16382 exactly; the ends are the samples.
  assert.deepEqual([...out.data], [-3, 16382, 32767]);
  const frac = resampleVolume(
    createVolume(grid([2, 1, 1]), Int16Array.from([-3, 0])),
    grid([2, 1, 1], [0.5, 1, 1]),
    'linear',
    { pixelType: 'same' },
  );
  assert.deepEqual([...frac.data], [-3, -1]); // −1.5 truncates to −1 (static_cast), not −2
});
