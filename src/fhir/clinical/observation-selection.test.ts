import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { observationDate, selectLatest, type Finding } from './observation-selection.ts';
import { parseFhirDate } from './fhir-date.ts';
import { LOINC_CODES, observation } from './fhir-fixtures.test-helper.ts';

function finding(label: string, value: string, date?: string): Finding<string> {
  return {
    label,
    when: parseFhirDate(date),
    provenance: [{ reference: label, ...(date ? { date } : {}) }],
    reading: { ok: true, value, basis: value },
  };
}
const show = { show: (v: string) => v };

describe('the date of an observation', () => {
  const base = observation('o', LOINC_CODES.erPresence, {}, { date: null });
  const at = (o: Partial<Observation>) => observationDate({ ...base, ...o })?.text;

  it('prefers effectiveDateTime, then effectivePeriod.start, then effectiveInstant, then issued', () => {
    const all = {
      effectiveDateTime: '2024-01-01',
      effectivePeriod: { start: '2024-01-02' },
      effectiveInstant: '2024-01-03T00:00:00Z',
      issued: '2024-01-04T00:00:00Z',
    };
    assert.equal(at(all), '2024-01-01');
    assert.equal(at({ ...all, effectiveDateTime: undefined }), '2024-01-02');
    assert.equal(
      at({ issued: '2024-01-04T00:00:00Z', effectiveInstant: '2024-01-03T00:00:00Z' }),
      '2024-01-03T00:00:00Z',
    );
    assert.equal(at({ issued: '2024-01-04T00:00:00Z' }), '2024-01-04T00:00:00Z');
    assert.equal(at({}), undefined);
  });

  it('skips an unparseable date to the next usable one', () => {
    assert.equal(
      at({ effectiveDateTime: 'unknown', issued: '2024-01-04T00:00:00Z' }),
      '2024-01-04T00:00:00Z',
    );
  });
});

describe('selecting the latest finding', () => {
  it('is independent of input order', () => {
    const a = finding('Observation/a', 'x', '2024-01-01');
    const b = finding('Observation/b', 'y', '2024-02-01');
    assert.deepEqual(selectLatest([a, b], show), selectLatest([b, a], show));
  });

  it('a month-only result that may be later than a dated one is treated as simultaneous', () => {
    const day = finding('Observation/day', 'positive', '2024-03-15');
    const month = finding('Observation/month', 'negative', '2024-03');
    const d = selectLatest([day, month], show);
    assert.ok(d && !d.ok);
    assert.match(
      d.reason,
      /contradictory results on 2024-03-15: Observation\/day positive, Observation\/month negative/,
    );
  });

  it('a date-only result and a time on that day are simultaneous; a later time on another day is not', () => {
    const d1 = selectLatest(
      [finding('a', 'p', '2024-03-15'), finding('b', 'n', '2024-03-15T16:00:00Z')],
      show,
    );
    assert.ok(d1 && !d1.ok);
    const d2 = selectLatest(
      [finding('a', 'p', '2024-03-15'), finding('b', 'n', '2024-03-16T16:00:00Z')],
      show,
    );
    assert.ok(d2?.ok && d2.value.value === 'n');
  });

  it('two undated contradicting findings are missing', () => {
    const d = selectLatest([finding('a', 'p'), finding('b', 'n')], show);
    assert.ok(d && !d.ok);
    assert.equal(d.reason, 'contradictory results without a date: a p, b n');
  });

  it('nothing to select gives undefined', () => {
    assert.equal(selectLatest([], show), undefined);
  });
});
