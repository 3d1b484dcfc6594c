import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, Observation } from '@medplum/fhirtypes';
import { parseTCategories } from './ajcc-t-category.ts';
import { readClinicalT } from './tumour-stage.ts';
import { LOINC_CODES, cancerCondition, codes, observation } from './fhir-fixtures.test-helper.ts';

const TNM_T_PROFILE = 'http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tnm-primary-tumor-category';
// mCODE STU3 codes the clinical T observation with SNOMED CT 399504009 "cT category".
const SNOMED_CT_CATEGORY = { system: 'http://snomed.info/sct', code: '399504009', display: 'cT category' };
const AJCC = 'http://cancerstaging.org';

function tObservation(
  id: string,
  valueCodeableConcept: Observation['valueCodeableConcept'],
  date = '2024-01-12',
  code = SNOMED_CT_CATEGORY,
) {
  return observation(id, code, { valueCodeableConcept }, { date, profile: TNM_T_PROFILE });
}
function value(observations: Observation[], conditions: Condition[] = []) {
  const d = readClinicalT(observations, conditions, codes);
  assert.ok(d.ok, d.ok ? '' : `expected a value, got missing: ${d.reason}`);
  return d.value;
}
function missing(observations: Observation[], conditions: Condition[] = []) {
  const d = readClinicalT(observations, conditions, codes);
  assert.ok(!d.ok, 'expected cT to be missing');
  return d;
}

describe('AJCC T category recognition', () => {
  it('recognises clinical forms and subcategories', () => {
    const forms = [
      'cT2',
      'T2',
      'cT4b',
      'T1c',
      'T1mi',
      'American Joint Committee on Cancer cT3 (qualifier value)',
      'T3 category',
    ];
    assert.deepEqual(
      forms.map((f) => parseTCategories(f).map((p) => `${p.kind}:${p.value}`)),
      [
        ['category:T2'],
        ['category:T2'],
        ['category:T4'],
        ['category:T1'],
        ['category:T1'],
        ['category:T3'],
        ['category:T3'],
      ],
    );
  });

  it('marks T0, Tis and TX out of scope and pT / ycT as not clinical', () => {
    assert.deepEqual(
      ['cT0', 'cTis(DCIS)', 'TX', 'pT2', 'ycT1'].map((f) =>
        parseTCategories(f).map((p) => `${p.kind}:${p.value}`),
      ),
      [
        ['out-of-scope:T0'],
        ['out-of-scope:Tis'],
        ['out-of-scope:TX'],
        ['not-clinical:pT2'],
        ['not-clinical:ycT1'],
      ],
    );
  });

  it('does not find a T category inside other words', () => {
    assert.deepEqual(parseTCategories('T2WI sequence'), []);
    assert.deepEqual(parseTCategories('1228938002'), []);
  });
});

describe('clinical T category', () => {
  it('from an Observation with a SNOMED CT AJCC answer displayed "... cT3"', () => {
    const v = value([
      tObservation('ct-1', {
        coding: [
          {
            system: 'http://snomed.info/sct',
            code: '1228938002',
            display: 'American Joint Committee on Cancer cT3 (qualifier value)',
          },
        ],
      }),
    ]);
    assert.equal(v.value, 'T3');
    assert.equal(v.date, '2024-01-12');
    assert.deepEqual(v.provenance, [{ reference: 'Observation/ct-1', versionId: '1', date: '2024-01-12' }]);
  });

  it('from an AJCC-coded "T4b" (LOINC 21905-5 observation code, mCODE STU1)', () => {
    const v = value([
      tObservation(
        'ct-1',
        { coding: [{ system: AJCC, code: 'T4b', display: 'T4b' }] },
        '2024-01-12',
        LOINC_CODES.clinicalT,
      ),
    ]);
    assert.equal(v.value, 'T4');
    assert.equal(v.basis, 'T4b → T4');
  });

  it('from text only', () => {
    assert.equal(value([tObservation('ct-1', { text: 'cT2' })]).value, 'T2');
  });

  it('from Condition.stage with a clinical-T type, dated by recordedDate', () => {
    const condition = cancerCondition('bc-1', [
      {
        type: { coding: [SNOMED_CT_CATEGORY] },
        summary: { coding: [{ system: AJCC, code: 'cT2', display: 'T2' }] },
      },
    ]);
    const v = value([], [condition]);
    assert.equal(v.value, 'T2');
    assert.equal(v.date, '2024-01-20');
    assert.deepEqual(v.provenance, [{ reference: 'Condition/bc-1', versionId: '3', date: '2024-01-20' }]);
  });

  it('ignores Condition.stage entries of another type (e.g. the stage group)', () => {
    const condition = cancerCondition('bc-1', [
      {
        type: {
          coding: [
            { system: 'http://snomed.info/sct', code: '399537006', display: 'Clinical TNM stage grouping' },
          ],
        },
        summary: { text: 'Stage IIB' },
      },
    ]);
    assert.equal(missing([], [condition]).reason, 'no final result recorded');
  });

  it('the latest of Observation and Condition.stage wins; the same date in conflict is missing', () => {
    const obs = tObservation('ct-1', { text: 'cT2' }, '2024-01-12');
    const laterCondition = cancerCondition(
      'bc-1',
      [{ type: { coding: [SNOMED_CT_CATEGORY] }, summary: { text: 'cT3' } }],
      '2024-01-20',
    );
    assert.equal(value([obs], [laterCondition]).value, 'T3');
    const sameDay = cancerCondition(
      'bc-1',
      [{ type: { coding: [SNOMED_CT_CATEGORY] }, summary: { text: 'cT3' } }],
      '2024-01-12',
    );
    const d = missing([obs], [sameDay]);
    assert.equal(d.reason, 'contradictory results on 2024-01-12: Condition/bc-1 T3, Observation/ct-1 T2');
  });

  it('a refuted Condition does not count', () => {
    const refuted: Condition = {
      ...cancerCondition('bc-1', [{ type: { coding: [SNOMED_CT_CATEGORY] }, summary: { text: 'cT3' } }]),
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' }],
      },
    };
    assert.equal(missing([], [refuted]).reason, 'no final result recorded');
  });

  for (const [display, code, form] of [
    ['American Joint Committee on Cancer cT0 (qualifier value)', '1228882005', 'T0'],
    ['American Joint Committee on Cancer cTis(DCIS) (qualifier value)', '1228885007', 'Tis'],
    ['American Joint Committee on Cancer cTX (qualifier value)', '1222604002', 'TX'],
  ] as const) {
    it(`${form} is missing as out of the model's scope`, () => {
      const d = missing([
        tObservation('ct-1', { coding: [{ system: 'http://snomed.info/sct', code, display }] }),
      ]);
      assert.equal(d.reason, `Observation/ct-1 reports ${form}, not in the model's scope (T0/Tis/TX)`);
    });
  }

  it('a pathological pT value on a clinical-T observation is refused', () => {
    const d = missing([tObservation('ct-1', { text: 'pT2' })]);
    assert.match(d.reason, /reports pT2, not a pre-treatment clinical T category/);
  });

  it('codings that disagree within one value are refused', () => {
    const d = missing([tObservation('ct-1', { coding: [{ system: AJCC, code: 'cT2' }], text: 'cT3' })]);
    assert.match(d.reason, /names several T categories \(cT2, cT3\)/);
  });

  it('an unrecognisable latest value is missing, with no fallback to the older one', () => {
    const old = tObservation('ct-1', { text: 'cT2' }, '2023-11-01');
    const bad = tObservation('ct-2', { text: 'large tumour' }, '2024-01-12');
    assert.equal(
      missing([old, bad]).reason,
      'Observation/ct-2 has no recognisable T category (found "large tumour")',
    );
  });
});
