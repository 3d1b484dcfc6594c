import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IDENTITY,
  createVolume,
  indexToWorld,
  linearIndex,
  voxelCount,
  type Geometry,
  type Mask,
  type Mat3,
  type Vec3,
  type Volume,
} from '../imaging/volume.ts';
import {
  COMPOSITE_PIXELS,
  COMPOSITE_SIZE,
  CompositeError,
  compositeField,
  IMAGENET_MEAN,
  IMAGENET_STD,
  MIN_FOV_MM,
  rgbComposite,
} from './rgb-composite.ts';
import { largestRoiSlice } from './slice-selection.ts';

const N = COMPOSITE_SIZE;
const LAST = N - 1;

/** A volume whose voxel values are f(world position of the voxel centre). */
function volumeOf(g: Geometry, f: (p: Vec3) => number): Volume<Float64Array> {
  const data = new Float64Array(voxelCount(g));
  let o = 0;
  for (let k = 0; k < g.size[2]; k += 1)
    for (let j = 0; j < g.size[1]; j += 1)
      for (let i = 0; i < g.size[0]; i += 1, o += 1) data[o] = f(indexToWorld(g, i, j, k));
  return createVolume(g, data);
}

/** A mask with the index box [i0, i1] × [j0, j1] set on slice k (inclusive bounds). */
function boxMask(g: Geometry, k: number, [i0, i1]: [number, number], [j0, j1]: [number, number]): Mask {
  const mask = createVolume(g, new Uint8Array(voxelCount(g)));
  for (let j = j0; j <= j1; j += 1) for (let i = i0; i <= i1; i += 1) mask.data[linearIndex(g, i, j, k)] = 1;
  return mask;
}

const dceGrid: Geometry = {
  size: [80, 80, 10],
  spacingMm: [1, 1, 2],
  originMm: [-40, -40, 0],
  direction: IDENTITY,
};

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} differs from ${expected} by more than ${tolerance}`,
  );
}

/** Value of channel c at row j, column i. */
const at = (image: Float32Array, c: number, j: number, i: number): number =>
  image[c * COMPOSITE_PIXELS + j * N + i]!;

test('the field is centred on the ROI bounding box, at least 40 mm, in the plane of the selected slice', () => {
  // ROI 20 × 10 voxels of 1 mm on slice 4 (and a smaller one on slice 3): extent 20 mm, so the
  // side is max(1.5 × 20, 40) = 40 mm.
  const mask = boxMask(dceGrid, 4, [30, 49], [35, 44]);
  mask.data[linearIndex(dceGrid, 40, 40, 3)] = 1;
  const slice = largestRoiSlice(mask);
  assert.equal(slice.index, 4);
  const field = compositeField(mask, slice);
  assert.deepEqual(field.roiExtentMm, [20, 10]);
  assert.equal(field.sideMm, MIN_FOV_MM);
  // Bounding-box centre: i = (30 + 49)/2 = 39.5 → x = −40 + 39.5; j = 39.5 → y = −0.5; k = 4 → z = 8.
  assert.deepEqual(field.centreMm, [-0.5, -0.5, 8]);
  const g = field.geometry;
  assert.deepEqual(g.size, [N, N, 1]);
  assert.deepEqual(g.direction, IDENTITY);
  const pixel = 40 / N;
  close(g.spacingMm[0], pixel, 1e-12, 'pixel spacing');
  // The field's outer pixel edges lie at centre ± side/2: first centre at −0.5 − 20 + pixel/2.
  close(g.originMm[0], -0.5 - 20 + pixel / 2, 1e-9, 'origin x');
  close(g.originMm[1], -0.5 - 20 + pixel / 2, 1e-9, 'origin y');
  close(g.originMm[2], 8, 1e-12, 'origin z');
  // A larger ROI: 40 voxels wide → side 1.5 × 40 = 60 mm.
  const wide = boxMask(dceGrid, 4, [20, 59], [30, 59]);
  assert.equal(compositeField(wide, largestRoiSlice(wide)).sideMm, 60);
  // The neighbour plane of the averaging variant: same in-plane field, one DCE slice (2 mm) up.
  const up = compositeField(mask, slice, 5);
  assert.deepEqual(up.centreMm, [-0.5, -0.5, 10]);
  assert.equal(up.sideMm, field.sideMm);
});

test('linear intensity ramps on different grids come out as exact min–max ramps, ImageNet-normalised', () => {
  const mask = boxMask(dceGrid, 4, [30, 49], [35, 44]);
  const field = compositeField(mask, largestRoiSlice(mask));
  // DCE rises with x (along the columns); DWI, on a coarser, shifted grid, rises with y (along
  // the rows); T2 is uniform. Trilinear interpolation reproduces a linear function exactly, so
  // after min–max scaling over the field R = i / 223 and G = j / 223, B = 0 (constant channel).
  const dce = volumeOf(dceGrid, (p) => 100 + 2 * p[0]);
  const dwiGrid: Geometry = {
    size: [50, 50, 8],
    spacingMm: [2, 2, 4],
    originMm: [-41, -43, -2],
    direction: IDENTITY,
  };
  const dwi = volumeOf(dwiGrid, (p) => 500 + 3 * p[1]);
  const t2Grid: Geometry = {
    size: [100, 100, 8],
    spacingMm: [0.8, 0.8, 3],
    originMm: [-39, -39, -1],
    direction: IDENTITY,
  };
  const t2 = volumeOf(t2Grid, () => 250);
  const image = rgbComposite({ dce, dwi, t2 }, field);
  assert.equal(image.length, 3 * N * N);
  // float32 output of values of order 1–4: 1e-5 covers its rounding.
  for (const [j, i] of [
    [0, 0],
    [0, LAST],
    [LAST, 0],
    [57, 131],
    [200, 17],
  ] as const) {
    close(at(image, 0, j, i), (i / LAST - IMAGENET_MEAN[0]) / IMAGENET_STD[0], 1e-5, `R(${j}, ${i})`);
    close(at(image, 1, j, i), (j / LAST - IMAGENET_MEAN[1]) / IMAGENET_STD[1], 1e-5, `G(${j}, ${i})`);
    close(at(image, 2, j, i), (0 - IMAGENET_MEAN[2]) / IMAGENET_STD[2], 1e-6, `B(${j}, ${i})`);
  }
});

test('an oblique DCE: the field takes its in-plane axes, sampling is in world coordinates', () => {
  // DCE rotated 30° about z: i → (cos, sin, 0), j → (−sin, cos, 0); k stays axial.
  const c = Math.cos(Math.PI / 6);
  const s = Math.sin(Math.PI / 6);
  const direction: Mat3 = [c, -s, 0, s, c, 0, 0, 0, 1];
  const grid: Geometry = { ...dceGrid, originMm: [-20, -50, 0], direction };
  const mask = boxMask(grid, 6, [30, 49], [35, 44]);
  const slice = largestRoiSlice(mask);
  const field = compositeField(mask, slice);
  assert.deepEqual(field.geometry.direction, direction);
  const centre = indexToWorld(grid, 39.5, 39.5, 6);
  field.centreMm.forEach((v, a) => close(v, centre[a]!, 1e-9, `centre[${a}]`));
  // Intensity = world x. Along the field, x = x0 + pixel · (i cos − j sin), so after min–max over
  // the field R = (i cos − j sin + 223 sin) / (223 (cos + sin)).
  const dce = volumeOf(grid, (p) => p[0]);
  const uniform = volumeOf(grid, () => 7);
  const image = rgbComposite({ dce, dwi: uniform, t2: uniform }, field);
  for (const [j, i] of [
    [0, 0],
    [LAST, LAST],
    [10, 200],
    [150, 90],
  ] as const) {
    const scaled = (i * c - j * s + LAST * s) / (LAST * (c + s));
    close(at(image, 0, j, i), (scaled - IMAGENET_MEAN[0]) / IMAGENET_STD[0], 1e-5, `R(${j}, ${i})`);
  }
});

test('points outside a series take the fill value 0, which min–max scaling maps to 0', () => {
  const mask = boxMask(dceGrid, 4, [30, 49], [35, 44]);
  const field = compositeField(mask, largestRoiSlice(mask));
  const uniform = volumeOf(dceGrid, () => 40);
  // T2 of 100 everywhere it exists, starting at x = −5 mm: points with x < −5.5 mm (more than
  // half a voxel before the first centre) lie outside and take 0.
  const t2Grid: Geometry = {
    size: [60, 80, 20],
    spacingMm: [1, 1, 1],
    originMm: [-5, -40, 0],
    direction: IDENTITY,
  };
  const t2 = volumeOf(t2Grid, () => 100);
  const image = rgbComposite({ dce: uniform, dwi: uniform, t2 }, field);
  const x0 = field.geometry.originMm[0];
  const pixel = field.geometry.spacingMm[0];
  let boundaryColumn = -1;
  for (let i = 0; i < N; i += 1) {
    const inside = x0 + i * pixel >= -5.5;
    if (inside && boundaryColumn < 0) boundaryColumn = i;
    const expected = ((inside ? 1 : 0) - IMAGENET_MEAN[2]) / IMAGENET_STD[2];
    close(at(image, 2, 100, i), expected, 1e-6, `B(100, ${i})`);
  }
  assert.ok(boundaryColumn > 0 && boundaryColumn < N, 'the test field straddles the T2 edge');
});

test('a series that does not reach the ROI centre is refused, not filled', () => {
  const mask = boxMask(dceGrid, 4, [30, 49], [35, 44]);
  const field = compositeField(mask, largestRoiSlice(mask));
  const uniform = volumeOf(dceGrid, () => 40);
  // DWI starting at x = 5 mm: the ROI centre (x = −0.5 mm) is outside.
  const dwiGrid: Geometry = {
    size: [20, 80, 20],
    spacingMm: [2, 2, 2],
    originMm: [5, -40, 0],
    direction: IDENTITY,
  };
  const dwi = volumeOf(dwiGrid, () => 1);
  assert.throws(
    () => rgbComposite({ dce: uniform, dwi, t2: uniform }, field),
    (e: unknown) => e instanceof CompositeError && /DWI series does not cover/.test(e.message),
  );
});

test('ImageNet normalisation constants are torchvision’s', () => {
  // torchvision "Models and pre-trained weights": mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225].
  assert.deepEqual([...IMAGENET_MEAN], [0.485, 0.456, 0.406]);
  assert.deepEqual([...IMAGENET_STD], [0.229, 0.224, 0.225]);
});
