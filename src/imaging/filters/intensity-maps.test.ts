import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVolume, IDENTITY } from '../volume.ts';
import { exponentialImage, logarithmImage, squareImage, squareRootImage } from './intensity-maps.ts';

// Expected values follow PyRadiomics' formulas (imageoperations.get<Type>Image) by hand, with
// M = max |x| = 4 for the voxels −4, −1, 0, 1, 2.
const image = createVolume(
  { size: [5, 1, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY },
  Int16Array.from([-4, -1, 0, 1, 2]),
);
const close = (got: Float64Array, want: number[]) =>
  want.forEach((w, n) => assert.ok(Math.abs(got[n]! - w) < 1e-12, `voxel ${n}: ${got[n]} ≠ ${w}`));

test('Square: (x/√M)² = x²/4', () => close(squareImage(image).data, [4, 0.25, 0, 0.25, 1]));

test('SquareRoot: sign(x)·√(|x|·M)', () => close(squareRootImage(image).data, [-4, -2, 0, 2, Math.sqrt(8)]));

test('Logarithm: sign(x)·ln(|x|+1), rescaled so that max |·| = M', () => {
  const k = 4 / Math.log(5);
  close(logarithmImage(image).data, [
    -Math.log(5) * k,
    -Math.log(2) * k,
    0,
    Math.log(2) * k,
    Math.log(3) * k,
  ]);
});

test('Exponential: exp(x·ln M / M), so that M maps to M', () => {
  const c = Math.log(4) / 4;
  close(
    exponentialImage(image).data,
    [-4, -1, 0, 1, 2].map((x) => Math.exp(c * x)),
  );
  assert.deepEqual(exponentialImage(image).size, image.size);
});
