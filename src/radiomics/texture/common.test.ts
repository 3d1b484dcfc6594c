import assert from 'node:assert/strict';
import { test } from 'node:test';
import { angleWeight, generateAngles } from './common.ts';
import { symmetricEigenvalues } from '../linalg.ts';

test('generateAngles: 13 angles in 3D, 4 with force2D, none along a dimension of size 1', () => {
  const base = { distances: [1], force2D: false, force2Ddimension: 0 as const };
  assert.equal(generateAngles([5, 5, 5], base).length, 13);
  const a2d = generateAngles([5, 5, 5], { ...base, force2D: true });
  assert.deepEqual(a2d.map((a) => a.zyx).sort(), [
    [0, 0, 1],
    [0, 1, -1],
    [0, 1, 0],
    [0, 1, 1],
  ]);
  assert.equal(generateAngles([4, 1, 1], base).length, 1); // only (0, 0, 1): along i
  assert.equal(generateAngles([5, 5, 5], { ...base, distances: [1, 2] }).length, (5 ** 3 - 1) / 2);
  assert.equal(generateAngles([5, 5, 5], { ...base, distances: [2] }).length, (5 ** 3 - 3 ** 3) / 2);
});

test('angleWeight: exp(−‖d‖²) on the spacing-scaled offset; 1 for no_weighting', () => {
  const [a] = generateAngles([3, 1, 1], { distances: [1], force2D: false, force2Ddimension: 0 });
  assert.equal(angleWeight(a!, [2, 1, 1], 'no_weighting'), 1);
  assert.equal(angleWeight(a!, [2, 1, 1], 'euclidean'), Math.exp(-4));
});

test('symmetricEigenvalues', () => {
  const ev = symmetricEigenvalues(Float64Array.from([2, 1, 1, 2]), 2);
  assert.ok(Math.abs(ev[0]! - 1) < 1e-12 && Math.abs(ev[1]! - 3) < 1e-12);
});
