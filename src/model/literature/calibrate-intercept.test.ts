import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  calibrateIntercept,
  enumerateCovariateCells,
  meanPredictedProbability,
  type CovariateFactor,
} from './calibrate-intercept.ts';

const factors: CovariateFactor[] = [
  {
    name: 'A',
    levels: [
      { label: 'yes', probability: 0.3, encoding: { a: 1 } },
      { label: 'no', probability: 0.7, encoding: {} },
    ],
  },
  {
    name: 'B',
    levels: [
      { label: 'low', probability: 0.5, encoding: { b: -1 } },
      { label: 'mid', probability: 0.25, encoding: {} },
      { label: 'high', probability: 0.25, encoding: { b: 2 } },
    ],
  },
];

test('cells are the Cartesian product with independent probabilities', () => {
  const cells = enumerateCovariateCells(factors, ['a', 'b']);
  assert.equal(cells.length, 6);
  assert.deepEqual(cells[0], { probability: 0.15, labels: { A: 'yes', B: 'low' }, features: [1, -1] });
  assert.deepEqual(cells[5]?.features, [0, 2]);
  assert.ok(Math.abs(cells.reduce((s, c) => s + c.probability, 0) - 1) < 1e-15);
  assert.throws(() => enumerateCovariateCells(factors, ['a']), /sets unknown input "b"/);
});

test('the calibrated intercept reproduces the target mean to 1e-12', () => {
  const cells = enumerateCovariateCells(factors, ['a', 'b']);
  for (const target of [0.05, 0.4, 0.567, 0.93]) {
    const weights = [1.7, -0.8];
    const b = calibrateIntercept(weights, cells, target);
    assert.ok(Math.abs(meanPredictedProbability(b, weights, cells) - target) < 1e-12, `target ${target}`);
    // With a single cell the answer is the logit of the target, a closed form to check against.
    const one = [{ probability: 1, labels: {}, features: [0, 0] }];
    assert.ok(Math.abs(calibrateIntercept(weights, one, target) - Math.log(target / (1 - target))) < 1e-11);
  }
  assert.throws(() => calibrateIntercept([1], cells, 1), /target mean must be in \(0, 1\)/);
});
