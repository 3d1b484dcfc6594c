/**
 * Narrowed extraction settings (feature-subset.ts): the reference for every value is a full
 * extraction with the shipped MRI parameter file (params/mri-study.yaml), i.e. what a site that
 * trained with that file gets. Narrowing may only drop work, so the same-named features must be
 * identical, bit for bit. The image is a small synthetic volume with anisotropic voxels (so the
 * resampling to 1 mm runs) and a blob-shaped ROI.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { createVolume, IDENTITY, type Volume } from '../imaging/volume.ts';
import { repoRoot } from '../model/testing.ts';
import { extractFeatures } from './extractor.ts';
import { FeatureSubsetError, settingsForFeatures } from './feature-subset.ts';
import { parseSettingsYaml, settingsFromParams, type ExtractionSettings } from './settings.ts';

const full: ExtractionSettings = parseSettingsYaml(
  readFileSync(path.join(repoRoot, 'params', 'mri-study.yaml'), 'utf8'),
  'params/mri-study.yaml',
);

/** A 24×22×14 volume (0.8 × 0.8 × 1.5 mm): a bright ellipsoid on a background with seeded noise. */
function phantom(): { image: Volume; mask: Volume } {
  const size = [24, 22, 14] as const;
  const geometry = {
    size,
    spacingMm: [0.8, 0.8, 1.5] as const,
    originMm: [-10, 5, 3] as const,
    direction: IDENTITY,
  };
  const n = size[0] * size[1] * size[2];
  const image = new Float64Array(n);
  const mask = new Uint8Array(n);
  let state = 12345;
  const noise = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < size[2]; k += 1)
    for (let j = 0; j < size[1]; j += 1)
      for (let i = 0; i < size[0]; i += 1) {
        const at = i + size[0] * (j + size[1] * k);
        const r = Math.hypot(((i - 12) * 0.8) / 6, ((j - 11) * 0.8) / 5, ((k - 7) * 1.5) / 7);
        image[at] = 200 + 400 * Math.exp(-r * r) + 80 * noise() + 20 * Math.sin(i);
        mask[at] = r < 1 ? 1 : 0;
      }
  return { image: createVolume(geometry, image), mask: createVolume(geometry, mask) };
}

/** Model inputs across image types (original, LoG, wavelet) and classes (shape, firstorder, texture). */
const NAMES = [
  'original_shape_Sphericity',
  'original_shape_MeshVolume',
  'original_firstorder_Range',
  'original_glcm_Contrast',
  'original_glszm_ZoneEntropy',
  'log-sigma-1-0-mm-3D_firstorder_Mean',
  'log-sigma-3-0-mm-3D_glszm_SmallAreaEmphasis',
  'wavelet-LLH_glrlm_LongRunLowGrayLevelEmphasis',
  'wavelet-HHL_glszm_ZoneEntropy',
  'wavelet-LLL_glcm_Autocorrelation',
  'original_gldm_DependenceEntropy',
  'original_ngtdm_Busyness',
];

describe('settingsForFeatures gives the same values as the full parameter file', () => {
  const { image, mask } = phantom();
  let reference: Record<string, number>;
  before(() => {
    reference = extractFeatures(image, mask, full);
  });

  test('the full extraction computes every name used here, as finite numbers', () => {
    for (const name of NAMES) assert.ok(Number.isFinite(reference[name]), `${name} = ${reference[name]}`);
  });

  for (const name of NAMES)
    test(`${name} alone`, () => {
      const narrowed = extractFeatures(image, mask, settingsForFeatures(full, [name]));
      assert.equal(narrowed[name], reference[name]);
      // Whatever else the narrowed settings compute (all wavelet sub-bands, say) is identical too.
      for (const [other, v] of Object.entries(narrowed)) assert.equal(v, reference[other], other);
    });

  test('all of them at once', () => {
    const narrowed = extractFeatures(image, mask, settingsForFeatures(full, NAMES));
    for (const name of NAMES) assert.equal(narrowed[name], reference[name], name);
    assert.ok(Object.keys(narrowed).length < Object.keys(reference).length, 'narrowing computed less');
  });
});

describe('what the narrowed settings keep', () => {
  test('only the LoG sigmas and feature classes named; shape alone needs no derived image', () => {
    const s = settingsForFeatures(full, [
      'log-sigma-3-0-mm-3D_glszm_SmallAreaEmphasis',
      'original_firstorder_Range',
    ]);
    assert.deepEqual(
      s.imageTypes.map((t) => [t.type, t.type === 'LoG' ? t.settings.sigma : null]),
      [
        ['Original', null],
        ['LoG', [3]],
      ],
    );
    assert.deepEqual(s.featureClass, { glszm: ['SmallAreaEmphasis'], firstorder: ['Range'] });
    // The settings that change values are untouched.
    for (const key of [
      'normalize',
      'normalizeScale',
      'resampledPixelSpacing',
      'interpolator',
      'binWidth',
    ] as const)
      assert.deepEqual(s[key], full[key], key);

    const shape = settingsForFeatures(full, ['original_shape_Sphericity']);
    assert.deepEqual(shape.imageTypes, []);
    assert.deepEqual(shape.featureClass, { shape: ['Sphericity'] });
  });
});

describe('names the parameter file cannot produce are refused', () => {
  const refused: [string, string][] = [
    ['log-sigma-5-0-mm-3D_glcm_Contrast', 'a LoG sigma the file does not list'],
    ['square_firstorder_Mean', 'an image type the file does not enable'],
    ['original_shape2D_Area', 'a feature class the file does not enable'],
    ['Range', 'not a PyRadiomics feature name'],
  ];
  for (const [name, why] of refused)
    test(`${name} (${why})`, () => {
      assert.throws(
        () => settingsForFeatures(full, [name]),
        (err: unknown) => err instanceof FeatureSubsetError && err.message.includes(name.split('_')[0]!),
      );
    });

  test('a feature outside the class list of the file', () => {
    const listed = settingsFromParams({
      imageType: { Original: {} },
      featureClass: { firstorder: ['Mean'] },
    });
    assert.throws(() => settingsForFeatures(listed, ['original_firstorder_Range']), FeatureSubsetError);
    assert.doesNotThrow(() => settingsForFeatures(listed, ['original_firstorder_Mean']));
  });

  // Names the parameter file cannot produce are refused when the bundle is prepared, not when a
  // patient's features are extracted.
  const notProduced: [string, string][] = [
    ['original_glcm_NoSuchFeature', 'a feature the class does not have'],
    ['original_firstorder_StandardDeviation', 'a deprecated feature, left out by a null class'],
    ['original_shape_Compactness1', 'a deprecated shape feature'],
    ['wavelet-XYZ_firstorder_Mean', 'a wavelet sub-band that does not exist'],
    ['wavelet2-LLH_firstorder_Mean', 'a wavelet level the file (level 1) does not compute'],
    ['wavelet-LLH_shape_Sphericity', 'shape features are only named original_shape_…'],
  ];
  for (const [name, why] of notProduced)
    test(`${name} (${why})`, () => {
      assert.throws(() => settingsForFeatures(full, [name]), FeatureSubsetError);
    });
});
