import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVolume, IDENTITY, type Volume } from '../imaging/volume.ts';
import { extractFeatures } from './extractor.ts';
import { loadForExtraction } from './load-image.ts';
import { prepareRoi, RoiError } from './roi.ts';
import { parseSettingsYaml, settingsFromParams, SettingsError, type ExtractionSettings } from './settings.ts';

const geometry = {
  size: [4, 4, 3] as const,
  spacingMm: [1, 1, 2] as const,
  originMm: [0, 0, 0] as const,
  direction: IDENTITY,
};

function image(): Volume {
  return createVolume(
    geometry,
    Float64Array.from({ length: 48 }, (_, n) => (n * 7) % 23),
  );
}
function mask(voxels: number[], label = 1): Volume {
  const data = new Uint8Array(48);
  for (const v of voxels) data[v] = label;
  return createVolume(geometry, data);
}
const settings = () => settingsFromParams({ featureClass: { firstorder: null } });
/** Load stage then ROI preparation, as the extractor runs them. */
function prepare(img: Volume, m: Volume, s: ExtractionSettings) {
  const loaded = loadForExtraction(img, m, s);
  return prepareRoi(loaded.image, loaded.mask, s);
}

test('empty mask is refused', () => {
  assert.throws(() => prepare(image(), mask([]), settings()), /No labels found in this mask/);
});

test('absent label is refused, naming the labels present', () => {
  assert.throws(
    () => prepare(image(), mask([1, 2, 5], 2), settings()),
    /Label \(1\) not present in mask. Choose from \[2\]/,
  );
});

test('mask on another grid is refused', () => {
  const m = mask([0, 1, 5]);
  const shifted = { ...m, originMm: [0, 0, 1] as const };
  assert.throws(() => prepare(image(), shifted, settings()), /geometry mismatch/);
  const other = createVolume({ ...geometry, size: [4, 4, 2] }, new Uint8Array(32).fill(1));
  assert.throws(
    () => prepare(image(), other, settings()),
    /geometry mismatch \(image size 4×4×3, mask size 4×4×2\)/,
  );
});

test('NaN in the image is refused', () => {
  const img = image();
  (img.data as Float64Array)[3] = Number.NaN;
  assert.throws(() => prepare(img, mask([0, 1, 5]), settings()), /NaN/);
});

test('one-voxel ROI and minimumROIDimensions / minimumROISize', () => {
  assert.throws(() => prepare(image(), mask([5]), settings()), /only contains 1 segmented voxel/);
  const line = mask([0, 1, 2]); // 1-D ROI
  assert.throws(
    () => prepare(image(), line, settings()),
    /too few dimensions \(number of dimensions 1, minimum required 2\)/,
  );
  assert.doesNotThrow(() => prepare(image(), line, { ...settings(), minimumROIDimensions: 1 }));
  assert.throws(
    () => prepare(image(), mask([0, 1, 4, 5]), { ...settings(), minimumROISize: 4 }),
    /Size of the ROI is too small \(minimum size: 4, ROI size: 4/,
  );
});

test('crop to the bounding box and resegmentation', () => {
  const p = prepare(image(), mask([5, 6, 9, 10, 21]), settings());
  assert.deepEqual(p.roi.size, [2, 2, 2]);
  assert.deepEqual(p.boundingBox, [1, 2, 1, 2, 0, 1]);
  const values = [5, 6, 9, 10, 21].map((n) => (n * 7) % 23); // 12, 19, 17, 1, 9
  const r = prepare(image(), mask([5, 6, 9, 10, 21]), { ...settings(), resegmentRange: [9, 17] });
  assert.equal(
    [...r.roi.mask].reduce((a, b) => a + b, 0),
    values.filter((v) => v >= 9 && v <= 17).length,
  );
  assert.equal(
    [...r.shapeRoi.mask].reduce((a, b) => a + b, 0),
    5,
  ); // resegmentShape false
  assert.throws(
    () => prepare(image(), mask([5, 6, 9, 10, 21]), { ...settings(), resegmentRange: [100] }),
    /Resegmentation excluded too many voxels/,
  );
});

test('settings: defaults, unknown keys, bad values, unsupported features', () => {
  const d = parseSettingsYaml('');
  assert.equal(d.binWidth, 25);
  assert.equal(d.minimumROIDimensions, 2);
  assert.equal(d.interpolator, 'sitkBSpline');
  assert.deepEqual(d.distances, [1]);
  assert.throws(() => parseSettingsYaml('setting:\n  binWdth: 3\n'), /unknown setting key\(s\): binWdth/);
  assert.throws(() => parseSettingsYaml('setting:\n  binWidth: -3\n'), /setting.binWidth/);
  assert.throws(
    () => parseSettingsYaml('setting:\n  interpolator: sitkLanczosWindowedSinc\n'),
    /not supported yet: setting.interpolator sitkLanczosWindowedSinc/,
  );
  assert.throws(() => parseSettingsYaml('imageType:\n  LBP3D: {}\n'), /not supported yet: imageType LBP3D/);
  assert.throws(() => parseSettingsYaml('imageType:\n  LoG: {}\n'), /imageType LoG needs sigma/);
  assert.throws(
    () => parseSettingsYaml('setting:\n  kernelRadius: 2\n'),
    /not supported yet: setting key\(s\) kernelRadius/,
  );
  // A type's own mapping overrides `setting:` for that type only (PyRadiomics customKwargs).
  const custom = parseSettingsYaml(
    'setting:\n  binWidth: 10\nimageType:\n  Original: {}\n  LoG: {sigma: [1.0], binWidth: 5}\n',
  );
  assert.deepEqual(
    custom.imageTypes.map((t) => [t.type, t.settings.binWidth, t.settings.sigma]),
    [
      ['Original', 10, []],
      ['LoG', 5, [1]],
    ],
  );
  assert.throws(() => parseSettingsYaml('featureClass:\n  glcmx:\n'), SettingsError);
});

test('extractFeatures: requested features only, deprecated only on request, unknown names refused', () => {
  const s = settingsFromParams({ featureClass: { firstorder: ['Mean', 'StandardDeviation'] } });
  const f = extractFeatures(image(), mask([5, 6, 9, 10, 21]), s);
  assert.deepEqual(Object.keys(f), ['original_firstorder_Mean', 'original_firstorder_StandardDeviation']);
  assert.equal(f.original_firstorder_Mean, (12 + 19 + 17 + 1 + 9) / 5);
  const all = extractFeatures(image(), mask([5, 6, 9, 10, 21]), settings());
  assert.equal(Object.keys(all).length, 18);
  assert.throws(
    () =>
      extractFeatures(
        image(),
        mask([5, 6, 9]),
        settingsFromParams({ featureClass: { firstorder: ['Meen'] } }),
      ),
    /unknown firstorder feature\(s\): Meen/,
  );
  assert.ok(new RoiError('x') instanceof Error);
});
