import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MedicationAdministration, Procedure } from '@medplum/fhirtypes';
import { parseFhirDate } from './fhir-date.ts';
import { readNeoadjuvantTherapy } from './neoadjuvant-therapy.ts';
import { chemotherapyAdministration, chemotherapyProcedure, codes } from './fhir-fixtures.test-helper.ts';

function read(
  procedures: Procedure[],
  medicationAdministrations: MedicationAdministration[] = [],
  asOf?: string,
) {
  return readNeoadjuvantTherapy({ procedures, medicationAdministrations }, codes, parseFhirDate(asOf));
}

describe('neoadjuvant therapy dates', () => {
  it('from a completed Procedure with a performedPeriod', () => {
    const d = read([
      chemotherapyProcedure('nat-1', { performedPeriod: { start: '2023-09-04', end: '2024-01-22' } }),
    ]);
    assert.ok(d.ok);
    assert.deepEqual(d.value.value, { start: '2023-09-04', end: '2024-01-22' });
    assert.deepEqual(d.value.provenance, [
      { reference: 'Procedure/nat-1', versionId: '1', date: '2023-09-04' },
    ]);
  });

  it('from MedicationAdministrations: multiple cycles span first start to last end', () => {
    const cycles = [
      chemotherapyAdministration('cyc-3', {
        effectivePeriod: { start: '2023-10-16T09:00:00+01:00', end: '2023-10-16T12:00:00+01:00' },
      }),
      chemotherapyAdministration('cyc-1', {
        effectivePeriod: { start: '2023-09-04T09:00:00+01:00', end: '2023-09-04T12:30:00+01:00' },
      }),
      chemotherapyAdministration('cyc-2', { effectiveDateTime: '2023-09-25T10:00:00+01:00' }),
    ];
    const d = read([], cycles);
    assert.ok(d.ok);
    assert.deepEqual(d.value.value, { start: '2023-09-04T09:00:00+01:00', end: '2023-10-16T12:00:00+01:00' });
    assert.equal(d.value.basis, '3 records from 2023-09-04T09:00:00+01:00 to 2023-10-16T12:00:00+01:00');
    assert.deepEqual(
      d.value.provenance.map((p) => p.reference),
      ['MedicationAdministration/cyc-1', 'MedicationAdministration/cyc-2', 'MedicationAdministration/cyc-3'],
    );
  });

  it('combines Procedures and MedicationAdministrations', () => {
    const d = read(
      [chemotherapyProcedure('nat-1', { performedPeriod: { start: '2023-09-04', end: '2023-11-27' } })],
      [chemotherapyAdministration('cyc-9', { effectiveDateTime: '2024-01-08' })],
    );
    assert.ok(d.ok);
    assert.deepEqual(d.value.value, { start: '2023-09-04', end: '2024-01-08' });
  });

  it('is ongoing when a record is in progress, even with an end', () => {
    const d = read([
      chemotherapyProcedure('nat-1', { performedPeriod: { start: '2023-09-04', end: '2023-11-27' } }),
      chemotherapyProcedure(
        'nat-2',
        { performedPeriod: { start: '2023-12-04', end: '2024-02-26' } },
        'in-progress',
      ),
    ]);
    assert.ok(d.ok);
    assert.deepEqual(d.value.value, { start: '2023-09-04' });
    assert.match(d.value.basis, /ongoing since 2023-09-04 \(Procedure\/nat-2 not ended\)/);
  });

  it('is ongoing when a period has no end', () => {
    const d = read([], [chemotherapyAdministration('cyc-1', { effectivePeriod: { start: '2024-01-08' } })]);
    assert.ok(d.ok);
    assert.equal(d.value.value.end, undefined);
    assert.match(d.value.basis, /ongoing/);
  });

  it('ignores therapy that starts after asOf', () => {
    const d = read(
      [chemotherapyProcedure('nat-1', { performedPeriod: { start: '2023-09-04', end: '2023-11-27' } })],
      [chemotherapyAdministration('cyc-later', { effectiveDateTime: '2024-03-01' })],
      '2024-02-01',
    );
    assert.ok(d.ok);
    assert.deepEqual(d.value.value, { start: '2023-09-04', end: '2023-11-27' });
  });

  it('ignores not-done and entered-in-error records, and says so when none remains', () => {
    const d = read([
      chemotherapyProcedure(
        'nat-1',
        { performedPeriod: { start: '2023-09-04', end: '2023-11-27' } },
        'entered-in-error',
      ),
      chemotherapyProcedure('nat-2', { performedDateTime: '2023-09-04' }, 'not-done'),
    ]);
    assert.ok(!d.ok);
    assert.equal(
      d.reason,
      'no neoadjuvant therapy recorded (not counted: Procedure/nat-1 is entered-in-error, Procedure/nat-2 is not-done)',
    );
  });

  it('ignores procedures that are not neoadjuvant therapy', () => {
    const surgery: Procedure = {
      ...chemotherapyProcedure('surg-1', { performedDateTime: '2024-02-10' }),
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '64368001', display: 'Excision of part of breast' },
        ],
      },
    };
    const d = read([surgery]);
    assert.ok(!d.ok);
    assert.equal(d.reason, 'no neoadjuvant therapy recorded');
  });

  it('a matching record without a date makes the dates missing (it could be the last one)', () => {
    const d = read([
      chemotherapyProcedure('nat-1', { performedPeriod: { start: '2023-09-04', end: '2023-11-27' } }),
      chemotherapyProcedure('nat-2', {}),
    ]);
    assert.ok(!d.ok);
    assert.equal(d.reason, 'Procedure/nat-2 has no start date');
  });

  it('a period ending before it starts is refused', () => {
    const d = read([
      chemotherapyProcedure('nat-1', { performedPeriod: { start: '2024-01-10', end: '2023-11-27' } }),
    ]);
    assert.ok(!d.ok);
    assert.equal(d.reason, 'Procedure/nat-1 ends before it starts');
  });
});
