import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY, type Mat3, type Vec3, type Volume } from '../volume.ts';
import { gradientMagnitude } from './gradient-magnitude.ts';

/** Int16 volume holding the linear ramp f = a·x + b·y + c·z, (x, y, z) = (i, j, k)·spacing in mm. */
function ramp(size: Vec3, spacingMm: Vec3, [a, b, c]: Vec3, direction: Mat3 = IDENTITY): Volume<Int16Array> {
  const data = new Int16Array(size[0] * size[1] * size[2]);
  let p = 0;
  for (let k = 0; k < size[2]; k += 1)
    for (let j = 0; j < size[1]; j += 1)
      for (let i = 0; i < size[0]; i += 1, p += 1)
        data[p] = a * i * spacingMm[0] + b * j * spacingMm[1] + c * k * spacingMm[2];
  return { size, spacingMm, originMm: [1, 2, 3], direction, data };
}

function at(v: Volume, i: number, j: number, k: number): number {
  return v.data[i + v.size[0] * (j + v.size[1] * k)]!;
}

const size: Vec3 = [6, 5, 4];
const spacing: Vec3 = [0.5, 2, 1.25];
const slope: Vec3 = [8, 3, -4];

test('a constant image has zero gradient', () => {
  const image: Volume = {
    size,
    spacingMm: spacing,
    originMm: [0, 0, 0],
    direction: IDENTITY,
    data: new Float64Array(120).fill(37.5),
  };
  gradientMagnitude(image).data.forEach((v) => assert.equal(v, 0));
});

test('a linear ramp: |slope| inside, halved one-sided differences at the borders (zero-flux Neumann)', () => {
  // Central difference (f[+1] − f[−1]) / 2h is exact on a ramp. At a border the outside neighbour
  // repeats the border voxel (ZeroFluxNeumannBoundaryCondition), so that component is slope / 2.
  const g = gradientMagnitude(ramp(size, spacing, slope));
  const [a, b, c] = slope;
  const mag = (fa: number, fb: number, fc: number): number => Math.hypot(a * fa, b * fb, c * fc);
  assert.ok(g.data instanceof Float32Array);
  assert.equal(at(g, 2, 2, 1), Math.fround(mag(1, 1, 1)));
  assert.equal(at(g, 3, 1, 2), Math.fround(mag(1, 1, 1)));
  assert.equal(at(g, 0, 2, 1), Math.fround(mag(0.5, 1, 1)));
  assert.equal(at(g, 5, 2, 1), Math.fround(mag(0.5, 1, 1)));
  assert.equal(at(g, 2, 4, 1), Math.fround(mag(1, 0.5, 1)));
  assert.equal(at(g, 2, 2, 3), Math.fround(mag(1, 1, 0.5)));
  assert.equal(at(g, 0, 0, 0), Math.fround(mag(0.5, 0.5, 0.5)));
});

test('without spacing the derivatives are per voxel', () => {
  // f changes by slope·spacing from one voxel to the next.
  const g = gradientMagnitude(ramp(size, spacing, slope), false);
  const per = slope.map((s, a) => s * spacing[a]!);
  assert.equal(at(g, 2, 2, 1), Math.fround(Math.hypot(per[0]!, per[1]!, per[2]!)));
  assert.equal(at(g, 2, 0, 1), Math.fround(Math.hypot(per[0]!, per[1]! / 2, per[2]!)));
});

test('geometry is kept and the direction cosines do not change the values', () => {
  const a = ramp(size, spacing, slope);
  const b = ramp(size, spacing, slope, [0, -1, 0, 1, 0, 0, 0, 0, 1]);
  const ga = gradientMagnitude(a);
  const gb = gradientMagnitude(b);
  assert.deepEqual(ga.data, gb.data);
  assert.deepEqual(
    [gb.size, gb.spacingMm, gb.originMm, gb.direction],
    [b.size, b.spacingMm, b.originMm, b.direction],
  );
});

test('a single bright voxel: the six neighbours see value / (2·spacing) along their axis', () => {
  const data = new Float64Array(5 * 5 * 5);
  data[2 + 5 * (2 + 5 * 2)] = 100;
  const g = gradientMagnitude({
    size: [5, 5, 5],
    spacingMm: [1, 2, 4],
    originMm: [0, 0, 0],
    direction: IDENTITY,
    data,
  });
  assert.equal(at(g, 2, 2, 2), 0);
  assert.equal(at(g, 1, 2, 2), 50);
  assert.equal(at(g, 2, 3, 2), 25);
  assert.equal(at(g, 2, 2, 1), 12.5);
  assert.equal(at(g, 1, 1, 2), 0);
});
