/**
 * The extractor on awkward but legal inputs (one-slice ROI, flat region, every image type) and
 * on bad ones: a specific error or PyRadiomics' documented value, never a crash or a NaN.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVolume, IDENTITY, type Geometry } from '../src/imaging/volume.ts';
import { extractFeatures } from '../src/radiomics/extractor.ts';
import { RoiError } from '../src/radiomics/roi.ts';
import { parseSettingsYaml } from '../src/radiomics/settings.ts';

const geometry: Geometry = {
  size: [24, 20, 12],
  spacingMm: [0.8, 0.8, 2.5],
  originMm: [-10, 5, 30],
  direction: IDENTITY,
};
const n = 24 * 20 * 12;
const at = (i: number, j: number, k: number) => i + 24 * (j + 20 * k);

function image(f: (i: number, j: number, k: number) => number) {
  const data = new Int16Array(n);
  for (let k = 0; k < 12; k += 1)
    for (let j = 0; j < 20; j += 1) for (let i = 0; i < 24; i += 1) data[at(i, j, k)] = f(i, j, k);
  return createVolume(geometry, data);
}
function mask(inside: (i: number, j: number, k: number) => boolean) {
  const data = new Uint8Array(n);
  for (let k = 0; k < 12; k += 1)
    for (let j = 0; j < 20; j += 1)
      for (let i = 0; i < 24; i += 1) data[at(i, j, k)] = inside(i, j, k) ? 1 : 0;
  return createVolume(geometry, data);
}
const texture = (i: number, j: number, k: number) => 100 + ((i * 37 + j * 11 + k * 53) % 90);
const blob = (i: number, j: number, k: number) => (i - 12) ** 2 + (j - 10) ** 2 + 4 * (k - 6) ** 2 < 30;

const EVERY_TYPE = `
imageType:
  Original: {}
  LoG: {sigma: [1.0, 2.0]}
  Wavelet: {}
  Square: {}
  SquareRoot: {}
  Logarithm: {}
  Exponential: {}
  Gradient: {}
setting:
  resampledPixelSpacing: [1, 1, 1]
  binWidth: 10
`;

test('every image type on a resampled ROI: PyRadiomics names, finite values', () => {
  const f = extractFeatures(image(texture), mask(blob), parseSettingsYaml(EVERY_TYPE));
  const prefixes = new Set(Object.keys(f).map((k) => k.slice(0, k.indexOf('_'))));
  assert.deepEqual(
    [...prefixes].sort(),
    [
      'exponential',
      'gradient',
      'log-sigma-1-0-mm-3D',
      'log-sigma-2-0-mm-3D',
      'logarithm',
      'original',
      'square',
      'squareroot',
      'wavelet-HHH',
      'wavelet-HHL',
      'wavelet-HLH',
      'wavelet-HLL',
      'wavelet-LHH',
      'wavelet-LHL',
      'wavelet-LLH',
      'wavelet-LLL',
    ].sort(),
  );
  // 14 shape features once, 93 intensity and texture features per derived image (PyRadiomics 3.1).
  assert.equal(Object.keys(f).length, 14 + 16 * 93);
  for (const [name, v] of Object.entries(f)) assert.ok(Number.isFinite(v), `${name} = ${v}`);
});

test('a one-slice ROI keeps its slice spacing when resampled (PyRadiomics: no resampling along a one-slice axis)', () => {
  const f = extractFeatures(
    image(texture),
    mask((i, j, k) => k === 6 && Math.abs(i - 12) < 4 && Math.abs(j - 10) < 4),
    parseSettingsYaml(
      'setting:\n  resampledPixelSpacing: [0.5, 0.5, 0.5]\n  force2D: true\nimageType:\n  Original: {}\n  LoG: {sigma: [1.0]}\n',
    ),
  );
  for (const [name, v] of Object.entries(f)) assert.ok(Number.isFinite(v), `${name} = ${v}`);
  // 7 × 7 voxels of 0.8 mm resampled to 0.5 mm in plane: about 5.6² mm² × 2.5 mm.
  const volume = f['original_shape_VoxelVolume']!;
  assert.ok(volume > 60 && volume < 100, `VoxelVolume ${volume}`);
});

test('a flat region gives PyRadiomics documented values, not NaN', () => {
  const f = extractFeatures(
    image(() => 500),
    mask(blob),
    parseSettingsYaml('featureClass:\n  firstorder:\n  glcm:\n  glszm:\n  ngtdm:\n'),
  );
  for (const [name, v] of Object.entries(f)) assert.ok(Number.isFinite(v), `${name} = ${v}`);
  assert.equal(f['original_firstorder_Variance'], 0);
  assert.equal(f['original_glcm_Correlation'], 1); // PyRadiomics: 1 for a flat region
  assert.equal(f['original_ngtdm_Coarseness'], 1e6); // PyRadiomics: 10^6 when Σ p·s = 0
});

test('a one-voxel ROI is refused by name, before resampling', () => {
  assert.throws(
    () =>
      extractFeatures(
        image(texture),
        mask((i, j, k) => i === 3 && j === 3 && k === 3),
        parseSettingsYaml(''),
      ),
    (err) => err instanceof RoiError && /only contains 1 segmented voxel/.test(err.message),
  );
});

test('a filter producing non-finite values inside the ROI is refused, naming the image type', () => {
  // Exponential of an image whose largest magnitude is 0: ln(0)/0 — PyRadiomics would return NaN.
  assert.throws(
    () =>
      extractFeatures(
        image(() => 0),
        mask(blob),
        parseSettingsYaml('imageType:\n  Exponential: {}\nfeatureClass:\n  firstorder:\n'),
      ),
    (err) => err instanceof RoiError && /image type exponential has non-finite values/.test(err.message),
  );
});
