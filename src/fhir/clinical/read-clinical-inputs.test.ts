import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, MedicationAdministration, Observation, Procedure } from '@medplum/fhirtypes';
import type { ClinicalInputName } from '../clinical-inputs.ts';
import {
  readClinicalInputs as readFromContract,
  clinicalInputsDigest as digestFromContract,
} from '../clinical-inputs.ts';
import { CLINICAL_INPUT_ORDER, readClinicalInputs, type ClinicalResources } from './read-clinical-inputs.ts';
import { describeMissing } from './describe-missing.ts';
import { clinicalInputsDigest } from './inputs-digest.ts';
import { codes } from './fhir-fixtures.test-helper.ts';

// A patient record as a FHIR server returns it: mCODE tumour markers, staging and NAT cycles.
const observations: Observation[] = [
  {
    resourceType: 'Observation',
    id: 'er-biopsy',
    meta: {
      versionId: '2',
      profile: ['http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test'],
    },
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: {
      coding: [
        {
          system: 'http://loinc.org',
          code: '85337-4',
          display: 'Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain',
        },
      ],
    },
    subject: { reference: 'Patient/breast-1' },
    effectiveDateTime: '2023-08-21',
    valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA6576-8', display: 'Positive' }] },
  },
  {
    resourceType: 'Observation',
    id: 'pr-biopsy',
    meta: { versionId: '1' },
    status: 'final',
    code: {
      coding: [
        {
          system: 'http://loinc.org',
          code: '85325-9',
          display: 'Cells.progesterone receptor/100 cells in Breast cancer specimen by Immune stain',
        },
      ],
    },
    subject: { reference: 'Patient/breast-1' },
    effectiveDateTime: '2023-08-21',
    valueQuantity: { value: 0, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  },
  {
    resourceType: 'Observation',
    id: 'her2-ihc',
    meta: { versionId: '1' },
    status: 'final',
    code: {
      coding: [
        {
          system: 'http://loinc.org',
          code: '85319-2',
          display: 'HER2 [Presence] in Breast cancer specimen by Immune stain',
        },
      ],
    },
    subject: { reference: 'Patient/breast-1' },
    effectiveDateTime: '2023-08-21',
    valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA11842-4', display: '2+' }] },
  },
  {
    resourceType: 'Observation',
    id: 'her2-fish',
    meta: { versionId: '1' },
    status: 'final',
    code: {
      coding: [
        {
          system: 'http://loinc.org',
          code: '85318-4',
          display: 'ERBB2 gene duplication [Presence] in Breast cancer specimen by FISH',
        },
      ],
    },
    subject: { reference: 'Patient/breast-1' },
    effectiveDateTime: '2023-08-28',
    valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA6576-8', display: 'Positive' }] },
  },
  {
    resourceType: 'Observation',
    id: 'ki67-biopsy',
    meta: { versionId: '1' },
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '85330-9' }] },
    subject: { reference: 'Patient/breast-1' },
    effectiveDateTime: '2023-08-21',
    valueQuantity: { value: 30, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  },
  {
    resourceType: 'Observation',
    id: 'ct-staging',
    meta: {
      versionId: '1',
      profile: ['http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tnm-primary-tumor-category'],
    },
    status: 'final',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '399504009', display: 'cT category' }] },
    subject: { reference: 'Patient/breast-1' },
    effectiveDateTime: '2023-08-30',
    valueCodeableConcept: {
      coding: [
        {
          system: 'http://snomed.info/sct',
          code: '1228929004',
          display: 'American Joint Committee on Cancer cT2 (qualifier value)',
        },
      ],
    },
    method: { coding: [{ system: 'http://snomed.info/sct', code: '897275008' }] },
  },
];
const conditions: Condition[] = [];
const procedures: Procedure[] = [];
const medicationAdministrations: MedicationAdministration[] = [
  '2023-09-04',
  '2023-09-25',
  '2023-10-16',
  '2023-11-06',
].map((day, i) => ({
  resourceType: 'MedicationAdministration',
  id: `cycle-${i + 1}`,
  meta: { versionId: '1' },
  status: 'completed',
  category: { coding: [{ system: 'http://snomed.info/sct', code: '367336001', display: 'Chemotherapy' }] },
  medicationCodeableConcept: {
    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '56946', display: 'paclitaxel' }],
  },
  subject: { reference: 'Patient/breast-1' },
  effectivePeriod: { start: `${day}T09:00:00+01:00`, end: `${day}T13:00:00+01:00` },
}));
const record: ClinicalResources = { observations, conditions, procedures, medicationAdministrations };

function presentInputs(inputs: ReturnType<typeof readClinicalInputs>): ClinicalInputName[] {
  const present: ClinicalInputName[] = [];
  if (inputs.er) present.push('ER');
  if (inputs.pr) present.push('PR');
  if (inputs.her2) present.push('HER2');
  if (inputs.ki67Percent) present.push('Ki67');
  if (inputs.cT) present.push('cT');
  if (inputs.nat) present.push('NAT');
  return present;
}

function assertEachInputOnce(inputs: ReturnType<typeof readClinicalInputs>): void {
  const named = [...presentInputs(inputs), ...inputs.missing.map((m) => m.input)].sort();
  assert.deepEqual(named, [...CLINICAL_INPUT_ORDER].sort());
}

const reversed = (r: ClinicalResources): ClinicalResources => ({
  observations: [...r.observations].reverse(),
  conditions: [...r.conditions].reverse(),
  procedures: [...r.procedures].reverse(),
  medicationAdministrations: [...r.medicationAdministrations].reverse(),
});

describe('readClinicalInputs', () => {
  it('reads a complete record', () => {
    const inputs = readClinicalInputs(record, codes);
    assert.equal(inputs.er?.value, 'positive');
    assert.equal(inputs.pr?.value, 'negative');
    assert.equal(inputs.her2?.value, 'positive');
    assert.equal(inputs.her2?.basis, 'IHC 2+, ISH positive');
    assert.equal(inputs.ki67Percent?.value, 30);
    assert.equal(inputs.cT?.value, 'T2');
    assert.deepEqual(inputs.nat?.value, {
      start: '2023-09-04T09:00:00+01:00',
      end: '2023-11-06T13:00:00+01:00',
    });
    assert.deepEqual(inputs.missing, []);
    assert.deepEqual(inputs.er?.provenance, [
      { reference: 'Observation/er-biopsy', versionId: '2', date: '2023-08-21' },
    ]);
  });

  it('every input is present or missing exactly once, whatever is recorded', () => {
    const subsets: ClinicalResources[] = [
      record,
      { observations: [], conditions: [], procedures: [], medicationAdministrations: [] },
      { ...record, observations: observations.filter((o) => o.id !== 'her2-fish') },
      { ...record, medicationAdministrations: [] },
      { ...record, observations: observations.map((o) => ({ ...o, status: 'preliminary' as const })) },
    ];
    for (const subset of subsets) assertEachInputOnce(readClinicalInputs(subset, codes));
  });

  it('an empty record lists all six inputs as missing, in a fixed order', () => {
    const inputs = readClinicalInputs(
      { observations: [], conditions: [], procedures: [], medicationAdministrations: [] },
      codes,
    );
    assert.deepEqual(
      inputs.missing.map((m) => m.input),
      CLINICAL_INPUT_ORDER,
    );
    assert.deepEqual(describeMissing(inputs.missing), [
      'ER status: no final result recorded.',
      'PR status: no final result recorded.',
      'HER2 status: no final result recorded.',
      'Ki-67 index: no final result recorded.',
      'Clinical T category: no final result recorded.',
      'Neoadjuvant therapy: no neoadjuvant therapy recorded.',
    ]);
  });

  it('describeMissing names the resource behind a specific reason', () => {
    const inputs = readClinicalInputs(
      { ...record, observations: observations.filter((o) => o.id !== 'her2-fish') },
      codes,
    );
    assert.deepEqual(describeMissing(inputs.missing), [
      'HER2 status: HER2 IHC 2+ without an ISH result (Observation/her2-ihc).',
    ]);
  });

  it('asOf drops therapy that started later', () => {
    const inputs = readClinicalInputs(record, codes, { asOf: '2023-10-01' });
    assert.deepEqual(inputs.nat?.value, {
      start: '2023-09-04T09:00:00+01:00',
      end: '2023-09-25T13:00:00+01:00',
    });
  });

  it('an invalid asOf is a caller error', () => {
    assert.throws(() => readClinicalInputs(record, codes, { asOf: 'last week' }), RangeError);
  });

  it('is re-exported from the contract module', () => {
    assert.equal(readFromContract, readClinicalInputs);
    assert.equal(digestFromContract, clinicalInputsDigest);
  });
});

describe('clinicalInputsDigest', () => {
  it('is a SHA-256 hex string', () => {
    assert.match(clinicalInputsDigest(readClinicalInputs(record, codes)), /^[0-9a-f]{64}$/);
  });

  it('is stable under resource order', () => {
    const a = readClinicalInputs(record, codes);
    const b = readClinicalInputs(reversed(record), codes);
    assert.deepEqual(a, b);
    assert.equal(clinicalInputsDigest(a), clinicalInputsDigest(b));
  });

  it('is stable under key order and provenance order of a hand-built value', () => {
    const a = readClinicalInputs(record, codes);
    const shuffled = JSON.parse(
      JSON.stringify({
        missing: a.missing,
        nat: a.nat,
        cT: a.cT,
        ki67Percent: a.ki67Percent,
        her2: a.her2,
        pr: a.pr,
        er: a.er,
      }),
    );
    shuffled.her2.provenance.reverse();
    assert.equal(clinicalInputsDigest(shuffled), clinicalInputsDigest(a));
  });

  it('changes when a value changes', () => {
    const other = observations.map((o) =>
      o.id === 'ki67-biopsy'
        ? { ...o, valueQuantity: { value: 31, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } }
        : o,
    );
    const a = clinicalInputsDigest(readClinicalInputs(record, codes));
    const b = clinicalInputsDigest(readClinicalInputs({ ...record, observations: other }, codes));
    assert.notEqual(a, b);
  });

  it('changes when only a resource version changes', () => {
    const bumped = observations.map((o) => (o.id === 'er-biopsy' ? { ...o, meta: { versionId: '3' } } : o));
    assert.notEqual(
      clinicalInputsDigest(readClinicalInputs(record, codes)),
      clinicalInputsDigest(readClinicalInputs({ ...record, observations: bumped }, codes)),
    );
  });
});
