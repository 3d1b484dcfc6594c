import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareFhirDates, mayBeAtOrAfter, parseFhirDate } from './fhir-date.ts';

function parsed(text: string) {
  const d = parseFhirDate(text);
  assert.ok(d, `expected ${text} to parse`);
  return d;
}

describe('FHIR dates as intervals', () => {
  it('a day spans 24 hours, a month its days, a year its months', () => {
    assert.equal(parsed('2024-03-05').hi - parsed('2024-03-05').lo, 86_400_000);
    assert.equal(parsed('2024-02').hi - parsed('2024-02').lo, 29 * 86_400_000);
    assert.equal(parsed('2024').hi, Date.UTC(2025, 0, 1));
  });

  it('a dateTime honours its zone and an instant is one millisecond', () => {
    const d = parsed('2024-03-05T10:00:00+02:00');
    assert.equal(d.lo, Date.UTC(2024, 2, 5, 8));
    assert.equal(d.hi, d.lo + 1);
  });

  it('rejects invalid dates', () => {
    for (const bad of ['2024-02-30', '2024-13', 'yesterday', '05/03/2024', '2024-03-05T25:00:00Z']) {
      assert.equal(parseFhirDate(bad), undefined, bad);
    }
  });

  it('a partial date cannot be ordered before a date inside it', () => {
    assert.ok(mayBeAtOrAfter(parsed('2024-03'), parsed('2024-03-15')));
    assert.ok(!mayBeAtOrAfter(parsed('2024-02'), parsed('2024-03-15')));
    assert.ok(compareFhirDates(parsed('2024-03-15'), parsed('2024-03')) > 0);
  });
});
