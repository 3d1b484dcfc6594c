/**
 * The bundle's series selection rules (series-rules.ts): defaults, PCRE-style "(?i)" patterns as
 * PyRadiomics-era manifests write them, and refusal of rules the locator could misread. Expected
 * values come from the schema's documented defaults (MR, BREAST, minimum ROI 0 mm³).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { shippedModelsDir } from '../../model/testing.ts';
import {
  describeRule,
  hasAttributeCriteria,
  parseSeriesSelection,
  SeriesRuleError,
  toRegExp,
} from './series-rules.ts';

describe('parseSeriesSelection', () => {
  test('an empty rule gets the documented defaults', () => {
    const rules = parseSeriesSelection({ T2: {} }, ['T2']);
    assert.deepEqual(rules, { T2: { modality: 'MR', bodyPart: ['BREAST'], minRoiVolumeMm3: 0 } });
  });

  test('stated values are kept', () => {
    const rules = parseSeriesSelection(
      {
        DWI: {
          modality: 'MR',
          bodyPart: ['BREAST', 'CHEST'],
          diffusionBValue: 800,
          seriesDescription: '(?i)dwi|diff',
          minRoiVolumeMm3: 50,
        },
      },
      ['DWI'],
    );
    assert.deepEqual(rules.DWI, {
      modality: 'MR',
      bodyPart: ['BREAST', 'CHEST'],
      diffusionBValue: 800,
      seriesDescription: '(?i)dwi|diff',
      minRoiVolumeMm3: 50,
    });
  });

  test('a rule for a sequence the model does not need is allowed', () => {
    const rules = parseSeriesSelection({ T2: {}, ADC: {} }, ['T2']);
    assert.deepEqual(Object.keys(rules).sort(), ['ADC', 'T2']);
  });

  test('a needed sequence without a rule is refused, naming it', () => {
    assert.throws(
      () => parseSeriesSelection({ DCE: {} }, ['DCE', 'T2', 'DWI']),
      (err: unknown) =>
        err instanceof SeriesRuleError && /no rule for T2, DWI/.test(err.message) && !/DCE/.test(err.message),
    );
  });

  // Each case: the raw rules and what the message must name so that the author can fix them.
  const refused: [string, unknown, RegExp][] = [
    ['an unknown key (a misspelt attribute would be ignored)', { T2: { echoTime: 60 } }, /T2.*echoTime/],
    ['a sequence name that cannot prefix a model input', { 'T2 W': {} }, /T2 W/],
    [
      'a pattern that is not a regular expression',
      { T2: { seriesDescription: 'ax (t2' } },
      /T2\.seriesDescription/,
    ],
    ['"(?i)" anywhere but at the start', { T2: { seriesDescription: 't(?i)2' } }, /T2\.seriesDescription/],
    ['a negative minimum ROI volume', { T2: { minRoiVolumeMm3: -1 } }, /T2\.minRoiVolumeMm3/],
    [
      'temporal position 0 (positions start at 1)',
      { DCE: { temporalPositionIdentifier: 0 } },
      /DCE\.temporalPositionIdentifier/,
    ],
    ['a b value below 0', { DWI: { diffusionBValue: -800 } }, /DWI\.diffusionBValue/],
    ['an empty body-part list', { T2: { bodyPart: [] } }, /T2\.bodyPart/],
    ['an empty modality', { T2: { modality: '' } }, /T2\.modality/],
    ['rules that are not a mapping', ['T2'], /seriesSelection/],
  ];
  for (const [what, raw, names] of refused)
    test(`refused: ${what}`, () => {
      assert.throws(
        () => parseSeriesSelection(raw, []),
        (err: unknown) => err instanceof SeriesRuleError && names.test(err.message),
      );
    });
});

describe('toRegExp', () => {
  test('a leading "(?i)" makes the pattern case-insensitive', () => {
    const re = toRegExp('(?i)t2');
    assert.equal(re.flags, 'i');
    assert.equal(re.source, 't2');
    assert.ok(re.test('AX T2 TSE'));
  });

  test('without "(?i)" the pattern is case-sensitive, as in PCRE', () => {
    const re = toRegExp('t2');
    assert.equal(re.flags, '');
    assert.ok(!re.test('AX T2 TSE'));
    assert.ok(re.test('ax t2 tse'));
  });

  test('alternatives keep the flag for every branch', () => {
    const re = toRegExp('(?i)dce|dyn|vibrant|thrive');
    for (const d of ['ax DCE 3D FS dynamic', 'VIBRANT multiphase', 'eThrive', 'Dyn sub'])
      assert.ok(re.test(d), d);
    assert.ok(!re.test('ax T2 TSE'));
  });
});

test('describeRule and hasAttributeCriteria say what the locator will look for', () => {
  const [dce] = Object.values(
    parseSeriesSelection({ DCE: { temporalPositionIdentifier: 2, seriesDescription: '(?i)dce' } }, ['DCE']),
  );
  assert.equal(describeRule('DCE', dce!), 'DCE (MR, temporal position 2, description /(?i)dce/)');
  assert.equal(hasAttributeCriteria(dce!), true);
  const t2 = parseSeriesSelection({ T2: { seriesDescription: '(?i)t2' } }, ['T2']).T2!;
  assert.equal(hasAttributeCriteria(t2), false, 'T2 is chosen by its description alone');
  const t2te = parseSeriesSelection({ T2: { echoTimeMinMs: 60 } }, ['T2']).T2!;
  assert.equal(hasAttributeCriteria(t2te), true);
  assert.equal(describeRule('T2', t2te), 'T2 (MR, echo time ≥ 60 ms)');
});

test('the shipped imaging bundles have rules that parse, and their patterns tell the synthetic series apart', () => {
  // Series descriptions the synthetic scanner writes (src/synth/cohort-writer.ts DESCRIPTION).
  const descriptions = { DCE: 'ax DCE 3D FS dynamic', T2: 'ax T2 TSE', DWI: 'ax DWI b0 b800' };
  for (const id of ['radiomics-clinical-synthetic', 'radiomics-synthetic', 'dlr-synthetic']) {
    const manifest = JSON.parse(
      readFileSync(path.join(shippedModelsDir, id, '1.0.0', 'manifest.json'), 'utf8'),
    ) as { seriesSelection: unknown };
    const rules = parseSeriesSelection(manifest.seriesSelection, ['DCE', 'T2', 'DWI']);
    for (const [sequence, rule] of Object.entries(rules)) {
      const re = toRegExp(rule.seriesDescription!);
      for (const [other, text] of Object.entries(descriptions))
        assert.equal(re.test(text), other === sequence, `${id} ${sequence} pattern on "${text}"`);
    }
  }
});
