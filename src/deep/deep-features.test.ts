import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  IDENTITY,
  createVolume,
  indexToWorld,
  linearIndex,
  voxelCount,
  type Geometry,
  type Mask,
  type Vec3,
  type Volume,
} from '../imaging/volume.ts';
import { defaultGeneratingModel, drawPatient } from '../synth/generating-model.ts';
import { generatePatientImages, patientImageStream } from '../synth/patient-images.ts';
import { createRng } from '../synth/random.ts';
import {
  BACKBONE_FEATURE_LENGTH,
  BACKBONE_IMAGE_VALUES,
  ensureDemoBackbone,
  loadBackbone,
  type Backbone,
} from './backbone.ts';
import {
  deepFeatureNames,
  deltaFeatures,
  extractDeepFeatures,
  prepareDeepFeatureBatch,
  type DeepFeatureInputs,
} from './deep-features.ts';
import { compositeField, rgbComposite } from './rgb-composite.ts';
import { EmptyRoiError, largestRoiSlice } from './slice-selection.ts';
import { studyInputs } from './deep-fixtures.test-helper.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'axilla-deep-features-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function volumeOf(g: Geometry, f: (p: Vec3) => number): Volume<Float64Array> {
  const data = new Float64Array(voxelCount(g));
  let o = 0;
  for (let k = 0; k < g.size[2]; k += 1)
    for (let j = 0; j < g.size[1]; j += 1)
      for (let i = 0; i < g.size[0]; i += 1, o += 1) data[o] = f(indexToWorld(g, i, j, k));
  return createVolume(g, data);
}

const grid: Geometry = {
  size: [60, 60, 8],
  spacingMm: [1, 1, 2],
  originMm: [-30, -30, 0],
  direction: IDENTITY,
};

/** Synthetic study: intensities that change from slice to slice; ROI discs of radius r_k on slice k (none for r_k < 0). */
function syntheticInputs(radii: number[]): DeepFeatureInputs {
  const dce = volumeOf(grid, (p) => 100 + 50 * Math.sin(p[0] / 3 + p[2]));
  const dwi = volumeOf(grid, (p) => 300 + 40 * Math.cos(p[1] / 4 - p[2]));
  const t2 = volumeOf(grid, (p) => 200 + Math.hypot(p[0], p[1]) * (1 + p[2] / 10));
  const mask: Mask = createVolume(grid, new Uint8Array(voxelCount(grid)));
  radii.forEach((r, k) => {
    for (let j = 0; j < grid.size[1]; j += 1)
      for (let i = 0; i < grid.size[0]; i += 1)
        if (Math.hypot(i - 30, j - 30) <= r) mask.data[linearIndex(grid, i, j, k)] = 1;
  });
  return { dce, dwi, t2, mask };
}

/** A backbone stand-in: image m of every call gets features all equal to m + 1; records the batches. */
function fakeBackbone(): Backbone & { calls: { batch: Float32Array; n: number }[] } {
  const calls: { batch: Float32Array; n: number }[] = [];
  return {
    path: 'fake',
    sha256: '0'.repeat(64),
    isDemo: true,
    label: 'fake',
    metadata: {},
    calls,
    async run(batch, n) {
      calls.push({ batch: batch.slice(), n });
      return Array.from({ length: n }, (_, m) => new Float32Array(BACKBONE_FEATURE_LENGTH).fill(m + 1));
    },
    async close() {},
  };
}

test('column names DL_<tp>_0001 … DL_<tp>_2048', () => {
  for (const tp of ['pre', 'post', 'delta'] as const) {
    const names = deepFeatureNames(tp);
    assert.equal(names.length, 2048);
    assert.equal(names[0], `DL_${tp}_0001`);
    assert.equal(names[9], `DL_${tp}_0010`);
    assert.equal(names[2047], `DL_${tp}_2048`);
    assert.equal(new Set(names).size, 2048);
  }
});

test('delta = post − pre, element-wise', () => {
  const pre = Float32Array.from([1, 2.5, -3]);
  const post = Float32Array.from([4, 2, -1]);
  assert.deepEqual([...deltaFeatures(pre, post)], [3, -0.5, 2]);
  assert.throws(() => deltaFeatures(pre, Float32Array.from([1])), RangeError);
});

test('one study: the largest slice, one composite, the backbone run on it', async () => {
  // Disc radii per slice: the largest (radius 9) is on slice 5.
  const inputs = syntheticInputs([0, 3, 5, 7, 8, 9, 6, 2]);
  const backbone = fakeBackbone();
  const result = await extractDeepFeatures(backbone, inputs);
  assert.equal(result.sliceIndex, 5);
  assert.deepEqual(result.slicesUsed, [5]);
  assert.equal(result.areaMm2, largestRoiSlice(inputs.mask).voxels * 1 * 1);
  assert.equal(backbone.calls.length, 1);
  assert.equal(backbone.calls[0]!.n, 1);
  const slice = largestRoiSlice(inputs.mask);
  assert.deepEqual(backbone.calls[0]!.batch, rgbComposite(inputs, compositeField(inputs.mask, slice)));
  assert.ok(result.features.every((x) => x === 1));
});

test('±1-slice variant: composites of slices k − 1, k, k + 1 (same field), features averaged', async () => {
  const inputs = syntheticInputs([0, 3, 5, 7, 8, 9, 6, 2]);
  const backbone = fakeBackbone();
  const result = await extractDeepFeatures(backbone, inputs, { averageAdjacentSlices: true });
  assert.deepEqual(result.slicesUsed, [4, 5, 6]);
  assert.equal(backbone.calls[0]!.n, 3);
  const slice = largestRoiSlice(inputs.mask);
  [4, 5, 6].forEach((plane, m) => {
    const expected = rgbComposite(inputs, compositeField(inputs.mask, slice, plane));
    const got = backbone.calls[0]!.batch.subarray(m * BACKBONE_IMAGE_VALUES, (m + 1) * BACKBONE_IMAGE_VALUES);
    assert.deepEqual(got, expected, `image ${m} is slice ${plane}`);
  });
  // The three images differ (the intensities change from slice to slice).
  const batch = backbone.calls[0]!.batch;
  assert.notDeepEqual(
    batch.subarray(0, 1000),
    batch.subarray(BACKBONE_IMAGE_VALUES, BACKBONE_IMAGE_VALUES + 1000),
  );
  // Mean of the fake's 1, 2, 3.
  assert.ok(result.features.every((x) => x === 2));
  // At the volume edge only two slices exist: mean of 1 and 2.
  const edge = await extractDeepFeatures(fakeBackbone(), syntheticInputs([0, 3, 5, 7, 8, 9, 9, 10]), {
    averageAdjacentSlices: true,
  });
  assert.deepEqual(edge.slicesUsed, [6, 7]);
  assert.ok(edge.features.every((x) => x === 1.5));
});

test('inputs that cannot give features are refused', () => {
  const inputs = syntheticInputs([-1, -1, -1, -1, -1, -1, -1, -1]);
  assert.throws(() => prepareDeepFeatureBatch(inputs), EmptyRoiError);
  const shifted = syntheticInputs([0, 3, 5]);
  const offGrid: Mask = { ...shifted.mask, originMm: [-29, -30, 0] };
  assert.throws(() => prepareDeepFeatureBatch({ ...shifted, mask: offGrid }), /must lie on the DCE grid/);
});

test('a synthetic patient through the demo ResNet-50: pre, post and delta features', async () => {
  const model = defaultGeneratingModel();
  const root = createRng('deep-features-test');
  const patient = drawPatient(model, root, 0);
  const images = generatePatientImages(model, patient, 'small', patientImageStream(root, 0));
  const demo = await ensureDemoBackbone(dir);
  const backbone = await loadBackbone(demo.path, demo.sha256);
  try {
    const results = [];
    for (const study of [images.pre, images.post]) {
      if (!study.truth.roiExpected) continue;
      const inputs = studyInputs(study);
      const single = await extractDeepFeatures(backbone, inputs);
      const averaged = await extractDeepFeatures(backbone, inputs, { averageAdjacentSlices: true });
      assert.equal(single.features.length, 2048);
      assert.ok(single.features.every(Number.isFinite));
      // For a compact lesion the largest axial cross-section lies near its centre: within the
      // equivalent-sphere radius of the true centre along z (DCE slices are axial, 1.2 mm).
      const sliceZ = indexToWorld(inputs.mask, 0, 0, single.sliceIndex)[2];
      const radius = study.truth.equivalentDiameterMm / 2;
      assert.ok(
        Math.abs(sliceZ - study.truth.tumourCentreMm[2]) < radius,
        `slice z ${sliceZ} vs tumour centre z ${study.truth.tumourCentreMm[2]} (radius ${radius})`,
      );
      // The largest section cannot exceed the lesion's own largest section; a sphere of the same
      // volume has π r², and an elongated lesion more, so only loose bounds: ¼ to 4 × π r².
      const disc = Math.PI * radius * radius;
      assert.ok(single.areaMm2 > disc / 4 && single.areaMm2 < 4 * disc, `area ${single.areaMm2} vs ${disc}`);
      assert.equal(averaged.sliceIndex, single.sliceIndex);
      assert.equal(averaged.slicesUsed.length, 3);
      assert.notDeepEqual(averaged.features, single.features);
      results.push(single);
      console.log(
        `${study.truth.study}: slice ${single.sliceIndex}, ${single.areaMm2.toFixed(0)} mm², features mean ${(single.features.reduce((a, b) => a + b, 0) / 2048).toFixed(3)}`,
      );
    }
    assert.equal(results.length, 2, 'patient 0 has a lesion on both studies');
    const delta = deltaFeatures(results[0]!.features, results[1]!.features);
    assert.ok(delta.some((x) => x !== 0));
  } finally {
    await backbone.close();
  }
});
