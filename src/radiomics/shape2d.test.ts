import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeShape2DFeatures } from './shape2d.ts';
import { breast1Available, closeTo, loadCroppedRoi, readReferenceFeatures, roiFrom } from './mesh/testing.ts';

const HAVE_BREAST1_2D = breast1Available(
  'breast1_image.nrrd',
  'breast1_label_2D.nrrd',
  'breast1_shape2D.json',
);

test(
  'shape2D: every original_shape2D_* of breast1_shape2D.json (PyRadiomics 2.1.0, force2Ddimension 0) within rel 1e-3',
  {
    skip: HAVE_BREAST1_2D
      ? false
      : 'PyRadiomics reference ../shared/reference/pyradiomics/breast1 not present',
  },
  () => {
    const ref = readReferenceFeatures('breast1_shape2D.json');
    const roi = loadCroppedRoi('breast1_image.nrrd', 'breast1_label_2D.nrrd');
    const got = computeShape2DFeatures(roi, { force2Ddimension: 0 });
    const refNames = Object.keys(ref)
      .filter((k) => k.startsWith('original_shape2D_'))
      .map((k) => k.slice('original_shape2D_'.length))
      .sort();
    assert.deepEqual(Object.keys(got).sort(), refNames);
    for (const name of refNames) {
      const expected = ref[`original_shape2D_${name}`]!;
      assert.ok(closeTo(got[name]!, expected), `${name}: got ${got[name]}, breast1_shape2D.json ${expected}`);
    }
  },
);

test('shape2D: one pixel is a diamond', () => {
  const f = computeShape2DFeatures(
    roiFrom([1, 1, 1], [1, 1, 1], () => true),
    { force2Ddimension: 0 },
  );
  assert.ok(Math.abs(f.MeshSurface! - 0.5) < 1e-12);
  assert.ok(Math.abs(f.Perimeter! - 2 * Math.SQRT2) < 1e-12);
  assert.equal(f.PixelSurface, 1);
  assert.equal(f.MaximumDiameter, 1);
  assert.ok(Number.isNaN(f.Elongation));
});

test('shape2D: rectangle of a×b pixels touching its bounding box: bevelled-rectangle closed form', () => {
  // Corners lose right triangles of legs ½: A = ab − 4·⅛ = ab − ½; P = 2(a−1) + 2(b−1) + 4·√½.
  const f = computeShape2DFeatures(
    roiFrom([6, 3, 1], [1, 1, 1], () => true),
    { force2Ddimension: 0 },
  );
  assert.ok(Math.abs(f.MeshSurface! - 17.5) < 1e-12);
  assert.ok(Math.abs(f.Perimeter! - (10 + 4 + 2 * Math.SQRT2)) < 1e-12);
});

test('shape2D: voxelised disc within 1 % of πr²; perimeter bias bounded', () => {
  const r = 20;
  const n = 2 * r + 1;
  const f = computeShape2DFeatures(
    roiFrom([n, n, 1], [1, 1, 1], (i, j) => (i - r) ** 2 + (j - r) ** 2 <= r * r),
    { force2Ddimension: 0 },
  );
  assert.ok(Math.abs(f.MeshSurface! / (Math.PI * r * r) - 1) < 0.01);
  const p = f.Perimeter! / (2 * Math.PI * r);
  assert.ok(p > 1 && p < 1.1, `P ratio ${p}`);
  assert.equal(f.MaximumDiameter, 2 * r + 1);
  assert.ok(Math.abs(f.Elongation! - 1) < 1e-9);
});

test('shape2D: force2Ddimension picks the dropped axis; a thick ROI is rejected', () => {
  const inside = (a: number, b: number): boolean => a + b < 5;
  const axial = computeShape2DFeatures(
    roiFrom([4, 3, 1], [0.5, 0.8, 3], (i, j) => inside(i, j)),
    {
      force2Ddimension: 0,
    },
  );
  const sagittal = computeShape2DFeatures(
    roiFrom([1, 3, 4], [3, 0.8, 0.5], (_i, j, k) => inside(k, j)),
    {
      force2Ddimension: 2,
    },
  );
  for (const name of Object.keys(axial))
    assert.ok(Math.abs(axial[name]! - sagittal[name]!) < 1e-12 || Number.isNaN(axial[name]), name);
  assert.throws(() =>
    computeShape2DFeatures(
      roiFrom([2, 2, 2], [1, 1, 1], () => true),
      { force2Ddimension: 0 },
    ),
  );
});
