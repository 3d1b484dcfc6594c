/**
 * What a bundle needs from the images (imaging-needs.ts), from its input names alone (DESIGN §4:
 * `<SEQ>_<pre|post|delta>_<PyRadiomics name>`, `DL_pc…`, clinical names). The manifests here are
 * the shipped radiomics–clinical manifest with the inputs replaced by ones written for each case,
 * so the expected needs follow from the names by hand, not from a run of the code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { validateManifest, type BundleInput, type BundleManifest } from '../../model/manifest.ts';
import { shippedModelsDir } from '../../model/testing.ts';
import {
  DEEP_SEQUENCES,
  imagingNeeds,
  ImagingNeedsError,
  needsImaging,
  parseRadiomicsInput,
  type ImagingNeeds,
} from './imaging-needs.ts';

const shipped = validateManifest(
  JSON.parse(
    readFileSync(
      path.join(shippedModelsDir, 'radiomics-clinical-synthetic', '1.0.0', 'manifest.json'),
      'utf8',
    ),
  ),
);

/** The shipped manifest (extraction for DCE, T2, DWI) with these inputs. */
function manifestWith(inputs: [string, BundleInput['source']][]): BundleManifest {
  return { ...shipped, inputs: inputs.map(([name, source]) => ({ name, source })) };
}

/** Needs as plain data: sequences per time point and sorted feature names per sequence. */
function plain(needs: ImagingNeeds) {
  const radiomics = (tp: 'pre' | 'post') =>
    Object.fromEntries([...needs.radiomics[tp]].map(([seq, names]) => [seq, [...names].sort()]));
  return { sequences: needs.sequences, pre: radiomics('pre'), post: radiomics('post'), deep: needs.deep };
}

describe('imagingNeeds', () => {
  test('a delta input needs the feature at both time points', () => {
    const needs = imagingNeeds(
      manifestWith([
        ['T2_delta_original_glcm_Autocorrelation', 'radiomics'],
        ['ER_positive', 'clinical'],
      ]),
    );
    assert.deepEqual(plain(needs), {
      sequences: { pre: ['T2'], post: ['T2'] },
      pre: { T2: ['original_glcm_Autocorrelation'] },
      post: { T2: ['original_glcm_Autocorrelation'] },
      deep: false,
    });
    assert.equal(needsImaging(needs), true);
  });

  test('pre and post inputs need only their own time point; features are merged per sequence', () => {
    const needs = imagingNeeds(
      manifestWith([
        ['DWI_pre_log-sigma-4-0-mm-3D_glszm_SizeZoneNonUniformity', 'radiomics'],
        ['DCE_post_original_firstorder_Range', 'radiomics'],
        ['DCE_post_wavelet-HHL_glszm_ZoneEntropy', 'radiomics'],
        ['DCE_delta_original_firstorder_Range', 'radiomics'],
        ['HER2_positive', 'clinical'],
      ]),
    );
    assert.deepEqual(plain(needs), {
      sequences: { pre: ['DCE', 'DWI'], post: ['DCE'] },
      pre: {
        DWI: ['log-sigma-4-0-mm-3D_glszm_SizeZoneNonUniformity'],
        DCE: ['original_firstorder_Range'],
      },
      post: { DCE: ['original_firstorder_Range', 'wavelet-HHL_glszm_ZoneEntropy'] },
      deep: false,
    });
  });

  test('deep inputs need DCE, DWI and T2 at both time points, even with no radiomic input', () => {
    const needs = imagingNeeds(
      manifestWith([
        ['DL_pc001', 'deep'],
        ['DL_pc017', 'deep'],
        ['ER_positive', 'clinical'],
      ]),
    );
    assert.deepEqual([...DEEP_SEQUENCES].sort(), ['DCE', 'DWI', 'T2']);
    assert.deepEqual(plain(needs), {
      sequences: { pre: ['DCE', 'DWI', 'T2'], post: ['DCE', 'DWI', 'T2'] },
      pre: {},
      post: {},
      deep: true,
    });
    assert.equal(needsImaging(needs), true);
  });

  test('deep plus radiomics: the deep sequences are added to the radiomic ones', () => {
    const needs = imagingNeeds(
      manifestWith([
        ['DL_pc001', 'deep'],
        ['T2_pre_original_firstorder_Mean', 'radiomics'],
      ]),
    );
    assert.deepEqual(needs.sequences, { pre: ['DCE', 'DWI', 'T2'], post: ['DCE', 'DWI', 'T2'] });
    assert.deepEqual(plain(needs).pre, { T2: ['original_firstorder_Mean'] });
  });

  test('a clinical-only bundle needs no images', () => {
    const needs = imagingNeeds(
      manifestWith([
        ['ER_positive', 'clinical'],
        ['HER2_positive', 'clinical'],
      ]),
    );
    assert.deepEqual(needs.sequences, { pre: [], post: [] });
    assert.equal(needsImaging(needs), false);
  });

  test('a radiomic input of a sequence without a parameter file is refused, naming it', () => {
    assert.throws(
      () => imagingNeeds(manifestWith([['ADC_pre_original_firstorder_Mean', 'radiomics']])),
      (err: unknown) =>
        err instanceof ImagingNeedsError && /ADC_pre_original_firstorder_Mean/.test(err.message),
    );
  });

  test('a radiomic input without pre_, post_ or delta_ is refused', () => {
    assert.throws(
      () => imagingNeeds(manifestWith([['DCE_original_firstorder_Mean', 'radiomics']])),
      ImagingNeedsError,
    );
    assert.throws(
      () => imagingNeeds(manifestWith([['DCE_during_original_firstorder_Mean', 'radiomics']])),
      ImagingNeedsError,
    );
  });
});

test('parseRadiomicsInput splits sequence, time point and the PyRadiomics name (which may contain "_")', () => {
  assert.deepEqual(parseRadiomicsInput('DCE_delta_wavelet-LLH_glrlm_LongRunLowGrayLevelEmphasis', ['DCE']), {
    sequence: 'DCE',
    timePoint: 'delta',
    feature: 'wavelet-LLH_glrlm_LongRunLowGrayLevelEmphasis',
  });
  assert.equal(parseRadiomicsInput('T2_pre_original_firstorder_Mean', ['DCE']), undefined);
  assert.equal(parseRadiomicsInput('ER_positive', ['DCE', 'T2']), undefined);
});
