import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IDENTITY,
  createVolume,
  linearIndex,
  type Geometry,
  type Mask,
  type Mat3,
} from '../imaging/volume.ts';
import {
  adjacentSlices,
  axialAxis,
  EmptyRoiError,
  inPlaneAxes,
  largestRoiSlice,
  roiVoxelsPerSlice,
} from './slice-selection.ts';

function emptyMask(g: Geometry): Mask {
  return createVolume(g, new Uint8Array(g.size[0] * g.size[1] * g.size[2]));
}

/** Sets `count` voxels of the slice `index` perpendicular to `axis` (walking the other two axes). */
function fillSlice(mask: Mask, axis: 0 | 1 | 2, index: number, count: number): void {
  const [u, v] = inPlaneAxes(axis);
  let left = count;
  for (let b = 0; b < mask.size[v] && left > 0; b += 1)
    for (let a = 0; a < mask.size[u] && left > 0; a += 1, left -= 1) {
      const idx = [0, 0, 0];
      idx[axis] = index;
      idx[u] = a;
      idx[v] = b;
      mask.data[linearIndex(mask, idx[0]!, idx[1]!, idx[2]!)] = 1;
    }
  assert.equal(left, 0, 'the slice is too small for the requested count');
}

const axialGrid: Geometry = {
  size: [6, 5, 4],
  spacingMm: [0.7, 0.8, 2],
  originMm: [0, 0, 0],
  direction: IDENTITY,
};

test('an axial series: the slice with the most ROI voxels, area = voxels × in-plane spacing', () => {
  const mask = emptyMask(axialGrid);
  fillSlice(mask, 2, 0, 3);
  fillSlice(mask, 2, 2, 7);
  fillSlice(mask, 2, 3, 4);
  const slice = largestRoiSlice(mask);
  assert.equal(slice.axis, 2);
  assert.equal(slice.index, 2);
  assert.equal(slice.voxels, 7);
  // 7 voxels × 0.7 mm × 0.8 mm; the 2 mm slice thickness plays no part in an area.
  assert.ok(Math.abs(slice.areaMm2 - 7 * 0.7 * 0.8) < 1e-12);
});

test('ties between slices go to the lower index', () => {
  const mask = emptyMask(axialGrid);
  fillSlice(mask, 2, 1, 5);
  fillSlice(mask, 2, 3, 5);
  fillSlice(mask, 2, 0, 4);
  assert.equal(largestRoiSlice(mask).index, 1);
});

test('a coronal-stored series (j runs head–foot): slices are taken along j and the area uses i and k spacings', () => {
  // Columns: i → x (L), j → z (S), k → y (P). Row-major with column c = axis c.
  const direction: Mat3 = [1, 0, 0, 0, 0, 1, 0, 1, 0];
  const g: Geometry = { size: [4, 6, 5], spacingMm: [0.5, 3, 0.9], originMm: [0, 0, 0], direction };
  assert.equal(axialAxis(g), 1);
  const mask = emptyMask(g);
  fillSlice(mask, 1, 4, 9);
  fillSlice(mask, 1, 2, 6);
  const slice = largestRoiSlice(mask);
  assert.deepEqual([slice.axis, slice.index, slice.voxels], [1, 4, 9]);
  assert.ok(Math.abs(slice.areaMm2 - 9 * 0.5 * 0.9) < 1e-12);
});

test('an oblique series: the axis whose direction is closest to world z', () => {
  // Rotation by 30° about x: k = (0, −sin30, cos30) has |z| = 0.866 > |z| of j = 0.5, so k is axial.
  const c = Math.cos(Math.PI / 6);
  const s = Math.sin(Math.PI / 6);
  const tilted: Mat3 = [1, 0, 0, 0, c, -s, 0, s, c];
  assert.equal(axialAxis({ ...axialGrid, direction: tilted }), 2);
  // Rotation by 60°: now j = (0, cos60, sin60) has |z| = 0.866, more than k's 0.5.
  const c2 = Math.cos(Math.PI / 3);
  const s2 = Math.sin(Math.PI / 3);
  const steep: Mat3 = [1, 0, 0, 0, c2, -s2, 0, s2, c2];
  assert.equal(axialAxis({ ...axialGrid, direction: steep }), 1);
  const mask = emptyMask({ ...axialGrid, direction: steep });
  fillSlice(mask, 1, 3, 8);
  fillSlice(mask, 1, 1, 2);
  const slice = largestRoiSlice(mask);
  assert.deepEqual([slice.axis, slice.index], [1, 3]);
  assert.ok(Math.abs(slice.areaMm2 - 8 * 0.7 * 2) < 1e-12, 'in-plane spacings of i and k');
  // Exactly 45°: j and k tie on |z| = √½; the lower axis (j) wins, as documented.
  const r = Math.SQRT1_2;
  assert.equal(axialAxis({ ...axialGrid, direction: [1, 0, 0, 0, r, -r, 0, r, r] }), 1);
});

test('per-slice counts along each axis add up to the ROI size', () => {
  const mask = emptyMask(axialGrid);
  fillSlice(mask, 2, 1, 11);
  fillSlice(mask, 2, 3, 4);
  for (const axis of [0, 1, 2] as const) {
    const counts = roiVoxelsPerSlice(mask, axis);
    assert.equal(counts.length, axialGrid.size[axis]);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      15,
    );
  }
});

test('an empty ROI is refused with a message that says so', () => {
  assert.throws(
    () => largestRoiSlice(emptyMask(axialGrid)),
    (e: unknown) => {
      assert.ok(e instanceof EmptyRoiError);
      assert.match(e.message, /ROI is empty/);
      return true;
    },
  );
});

test('±1 neighbours are clipped at the volume edges', () => {
  assert.deepEqual(adjacentSlices(2, 5), [1, 2, 3]);
  assert.deepEqual(adjacentSlices(0, 5), [0, 1]);
  assert.deepEqual(adjacentSlices(4, 5), [3, 4]);
  assert.deepEqual(adjacentSlices(0, 1), [0]);
  assert.throws(() => adjacentSlices(5, 5), RangeError);
});

test('counts do not depend on how the mask bytes are aligned in memory', () => {
  // 45 voxels stored at byte offset 3 of a larger buffer: one unaligned head byte, 11 whole
  // 4-byte words, no tail; set voxels in the head, the words and the last byte.
  const g: Geometry = { size: [5, 3, 3], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY };
  const buffer = new Uint8Array(64);
  const mask = createVolume(g, buffer.subarray(3, 48));
  const set = [0, 7, 21, 22, 23, 30, 44];
  for (const o of set) mask.data[o] = 1;
  // Voxel o lies on slice ⌊o / 15⌋ along k: 0, 7 → 0; 21, 22, 23 → 1; 30, 44 → 2.
  assert.deepEqual([...roiVoxelsPerSlice(mask, 2)], [2, 3, 2]);
  // Along i (o mod 5): 0, 2, 1, 2, 3, 0, 4 → counts per i = [2, 1, 2, 1, 1].
  assert.deepEqual([...roiVoxelsPerSlice(mask, 0)], [2, 1, 2, 1, 1]);
  // Along j (⌊o / 5⌋ mod 3): 0, 1, 1, 1, 1, 0, 2 → [2, 4, 1].
  assert.deepEqual([...roiVoxelsPerSlice(mask, 1)], [2, 4, 1]);
  // A tail byte: 46 voxels at offset 4 (aligned): 11 words and 2 trailing bytes.
  const g2: Geometry = { ...g, size: [46, 1, 1] };
  const tail = createVolume(g2, new Uint8Array(64).subarray(4, 50));
  tail.data[45] = 1;
  tail.data[44] = 1;
  assert.equal(
    roiVoxelsPerSlice(tail, 0).reduce((a, b) => a + b, 0),
    2,
  );
});
