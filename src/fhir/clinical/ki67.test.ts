import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readKi67Percent } from './ki67.ts';
import { LOINC_CODES, codes, observation, percent } from './fhir-fixtures.test-helper.ts';

describe('Ki-67 index', () => {
  it('reads a percentage (UCUM %)', () => {
    const d = readKi67Percent([observation('ki-1', LOINC_CODES.ki67, percent(35))], codes);
    assert.ok(d.ok);
    assert.equal(d.value.value, 35);
    assert.equal(d.value.date, '2024-01-15');
  });

  it('accepts unit "%" without a UCUM code', () => {
    const d = readKi67Percent(
      [observation('ki-1', LOINC_CODES.ki67, { valueQuantity: { value: 12.5, unit: '%' } })],
      codes,
    );
    assert.ok(d.ok && d.value.value === 12.5);
  });

  it('refuses a wrong unit and names it', () => {
    const d = readKi67Percent(
      [observation('ki-1', LOINC_CODES.ki67, { valueQuantity: { value: 0.35, unit: 'ratio' } })],
      codes,
    );
    assert.ok(!d.ok);
    assert.equal(
      d.reason,
      'Observation/ki-1 has valueQuantity in "ratio"; expected a percentage of stained nuclei (%)',
    );
  });

  it('refuses a coded or text value', () => {
    const d = readKi67Percent([observation('ki-1', LOINC_CODES.ki67, { valueString: 'high' })], codes);
    assert.ok(!d.ok);
    assert.equal(d.reason, 'Observation/ki-1 has valueString; expected a percentage of stained nuclei (%)');
  });

  it('refuses a bound such as "< 5 %"', () => {
    const bound = observation('ki-1', LOINC_CODES.ki67, {
      valueQuantity: { value: 5, comparator: '<', unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
    const d = readKi67Percent([bound], codes);
    assert.ok(!d.ok);
    assert.match(d.reason, /reports a bound \(<5 %\)/);
  });

  it('refuses more than 100 %', () => {
    const d = readKi67Percent([observation('ki-1', LOINC_CODES.ki67, percent(140))], codes);
    assert.ok(!d.ok && /outside 0–100/.test(d.reason));
  });

  it('the latest wins; equal values on one date agree; different values on one date contradict', () => {
    const old = observation('ki-1', LOINC_CODES.ki67, percent(10), { date: '2023-10-01' });
    const latest = observation('ki-2', LOINC_CODES.ki67, percent(40), { date: '2024-01-15' });
    const twin = observation('ki-3', LOINC_CODES.ki67, percent(40), { date: '2024-01-15' });
    const other = observation('ki-4', LOINC_CODES.ki67, percent(25), { date: '2024-01-15' });
    const a = readKi67Percent([old, latest, twin], codes);
    assert.ok(a.ok && a.value.value === 40 && a.value.provenance.length === 2);
    const b = readKi67Percent([old, latest, other], codes);
    assert.ok(!b.ok);
    assert.equal(
      b.reason,
      'contradictory results on 2024-01-15: Observation/ki-2 40 %, Observation/ki-4 25 %',
    );
  });
});
