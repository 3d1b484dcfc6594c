import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { readHer2 } from './her2.ts';
import { ANSWERS, LOINC_CODES, codes, coded, observation } from './fhir-fixtures.test-helper.ts';

function decide(observations: Observation[]) {
  return readHer2(observations, codes);
}
function value(observations: Observation[]) {
  const d = decide(observations);
  assert.ok(d.ok, d.ok ? '' : `expected a value, got missing: ${d.reason}`);
  return d.value;
}
function missing(observations: Observation[]) {
  const d = decide(observations);
  assert.ok(!d.ok, 'expected HER2 to be missing');
  return d;
}

const ihc = (id: string, score: Observation['valueCodeableConcept'] | string | number, date = '2024-01-15') =>
  observation(
    id,
    LOINC_CODES.her2Ihc,
    typeof score === 'string'
      ? { valueString: score }
      : typeof score === 'number'
        ? { valueInteger: score }
        : { valueCodeableConcept: score },
    { date },
  );
const ish = (id: string, answer: typeof ANSWERS.positive, date = '2024-01-22') =>
  observation(id, LOINC_CODES.her2Ish, coded(answer), { date });

describe('HER2 by IHC score (ASCO/CAP 2018: 0 and 1+ negative, 3+ positive)', () => {
  it('IHC 0 (LOINC answer LA6111-4) is negative', () => {
    const v = value([ihc('ihc-0', { coding: [ANSWERS.score0] })]);
    assert.equal(v.value, 'negative');
    assert.equal(v.basis, 'IHC 0 negative');
  });

  it('IHC 1+ is negative', () => {
    assert.equal(value([ihc('ihc-1', { coding: [ANSWERS.score1] })]).value, 'negative');
  });

  it('IHC 3+ is positive', () => {
    assert.equal(value([ihc('ihc-3', { coding: [ANSWERS.score3] })]).value, 'positive');
  });

  it('reads scores from text, valueString and valueInteger', () => {
    assert.equal(value([ihc('ihc-t', { text: '3+' })]).value, 'positive');
    assert.equal(value([ihc('ihc-s', '1+')]).value, 'negative');
    assert.equal(value([ihc('ihc-i', 0)]).value, 'negative');
    assert.equal(value([ihc('ihc-i3', 3)]).value, 'positive');
  });

  it('refuses an out-of-range integer score and an unknown text', () => {
    assert.match(
      missing([ihc('ihc-i', 4)]).reason,
      /Observation\/ihc-i has valueInteger 4; expected an IHC score/,
    );
    assert.match(missing([ihc('ihc-s', 'weak')]).reason, /Observation\/ihc-s has valueString "weak"/);
  });
});

describe('HER2 IHC 2+ is decided by ISH (ASCO/CAP 2018)', () => {
  it('2+ with ISH positive is positive, and provenance lists IHC and ISH', () => {
    const v = value([ihc('ihc-2', { coding: [ANSWERS.score2] }), ish('ish-1', ANSWERS.positive)]);
    assert.equal(v.value, 'positive');
    assert.equal(v.basis, 'IHC 2+, ISH positive');
    assert.deepEqual(
      v.provenance.map((p) => p.reference),
      ['Observation/ihc-2', 'Observation/ish-1'],
    );
  });

  it('2+ with ISH negative is negative', () => {
    const v = value([ihc('ihc-2', '2+'), ish('ish-1', ANSWERS.snomedNegative)]);
    assert.equal(v.value, 'negative');
    assert.equal(v.basis, 'IHC 2+, ISH negative');
  });

  it('2+ without ISH is missing', () => {
    const d = missing([ihc('ihc-2', { coding: [ANSWERS.score2] })]);
    assert.equal(d.reason, 'HER2 IHC 2+ without an ISH result (Observation/ihc-2)');
    assert.deepEqual(
      d.provenance.map((p) => p.reference),
      ['Observation/ihc-2'],
    );
  });

  it('2+ with an equivocal ISH is missing', () => {
    const d = missing([ihc('ihc-2', { coding: [ANSWERS.score2] }), ish('ish-1', ANSWERS.equivocal)]);
    assert.match(
      d.reason,
      /HER2 IHC 2\+ \(Observation\/ihc-2\) with an equivocal ISH result \(Observation\/ish-1\)/,
    );
  });

  it('2+ with only a preliminary ISH is missing', () => {
    const prelim = { ...ish('ish-1', ANSWERS.positive), status: 'preliminary' as const };
    assert.match(missing([ihc('ihc-2', '2+'), prelim]).reason, /without an ISH result/);
  });

  it('the latest ISH decides a 2+', () => {
    const v = value([
      ihc('ihc-2', '2+'),
      ish('ish-old', ANSWERS.positive, '2023-05-01'),
      ish('ish-new', ANSWERS.negative, '2024-01-22'),
    ]);
    assert.equal(v.value, 'negative');
    assert.deepEqual(
      v.provenance.map((p) => p.reference),
      ['Observation/ihc-2', 'Observation/ish-new'],
    );
  });

  it('ISH alone (no IHC) decides', () => {
    const v = value([ish('ish-1', ANSWERS.positive)]);
    assert.equal(v.value, 'positive');
    assert.match(v.basis, /ISH positive \(no IHC result\)/);
  });

  it('an ISH that contradicts IHC 1+ is missing rather than either result', () => {
    const d = missing([ihc('ihc-1', { coding: [ANSWERS.score1] }), ish('ish-1', ANSWERS.positive)]);
    assert.match(
      d.reason,
      /HER2 IHC 1\+ \(Observation\/ihc-1\) and ISH positive \(Observation\/ish-1\) disagree/,
    );
  });
});

describe('HER2 overall interpretation (LOINC 48676-1)', () => {
  it('reads positive and negative', () => {
    const pos = observation('her2-o', LOINC_CODES.her2Overall, coded(ANSWERS.positive));
    const neg = observation('her2-o', LOINC_CODES.her2Overall, coded(ANSWERS.negative));
    assert.equal(value([pos]).value, 'positive');
    assert.equal(value([neg]).value, 'negative');
    assert.equal(value([neg]).basis, 'overall interpretation negative');
  });

  it('a later overall interpretation wins over an older IHC', () => {
    const old = ihc('ihc-3', { coding: [ANSWERS.score3] }, '2023-09-01');
    const overall = observation('her2-o', LOINC_CODES.her2Overall, coded(ANSWERS.negative), {
      date: '2024-01-20',
    });
    assert.equal(value([old, overall]).value, 'negative');
  });

  it('a later IHC wins over an older overall interpretation', () => {
    const overall = observation('her2-o', LOINC_CODES.her2Overall, coded(ANSWERS.negative), {
      date: '2023-09-01',
    });
    const later = ihc('ihc-3', { coding: [ANSWERS.score3] }, '2024-01-20');
    assert.equal(value([overall, later]).value, 'positive');
  });

  it('overall and IHC contradicting on the same date is missing and names both', () => {
    const overall = observation('her2-o', LOINC_CODES.her2Overall, coded(ANSWERS.positive));
    const d = missing([overall, ihc('ihc-0', { coding: [ANSWERS.score0] })]);
    assert.match(
      d.reason,
      /contradictory results on 2024-01-15: Observation\/her2-o positive, Observation\/ihc-0 negative/,
    );
  });

  it('an equivocal overall interpretation is missing', () => {
    const overall = observation('her2-o', LOINC_CODES.her2Overall, coded(ANSWERS.equivocal));
    assert.match(missing([overall]).reason, /equivocal overall HER2 interpretation/);
  });

  it('an unreadable latest IHC is missing and does not fall back to an older overall result', () => {
    const overall = observation('her2-o', LOINC_CODES.her2Overall, coded(ANSWERS.negative), {
      date: '2023-09-01',
    });
    const bad = observation(
      'ihc-q',
      LOINC_CODES.her2Ihc,
      { valueQuantity: { value: 2 } },
      { date: '2024-01-20' },
    );
    assert.equal(
      missing([overall, bad]).reason,
      'Observation/ihc-q has valueQuantity; expected an IHC score 0, 1+, 2+ or 3+',
    );
  });

  it('nothing recorded', () => {
    assert.equal(missing([]).reason, 'no final result recorded');
  });
});
