import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { readReceptorStatus } from './receptor-status.ts';
import { ANSWERS, LOINC_CODES, codes, coded, observation, percent } from './fhir-fixtures.test-helper.ts';

function value(observations: Observation[], receptor: 'ER' | 'PR' = 'ER') {
  const decision = readReceptorStatus(receptor, observations, codes);
  assert.ok(decision.ok, decision.ok ? '' : `expected a value, got missing: ${decision.reason}`);
  return decision.value;
}

function missing(observations: Observation[], receptor: 'ER' | 'PR' = 'ER') {
  const decision = readReceptorStatus(receptor, observations, codes);
  assert.ok(!decision.ok, 'expected the input to be missing');
  return decision;
}

describe('ER / PR qualitative results (mCODE Tumor Marker Test, LOINC answers)', () => {
  it('reads ER positive and ER negative', () => {
    assert.equal(
      value([observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.positive))]).value,
      'positive',
    );
    assert.equal(
      value([observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.negative))]).value,
      'negative',
    );
  });

  it('reads PR positive and PR negative, and keeps ER and PR apart', () => {
    const er = observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.negative));
    const prPos = observation('pr-1', LOINC_CODES.prPresence, coded(ANSWERS.snomedPositive));
    const prNeg = observation('pr-1', LOINC_CODES.prPresence, coded(ANSWERS.snomedNegative));
    assert.equal(value([er, prPos], 'PR').value, 'positive');
    assert.equal(value([er, prNeg], 'PR').value, 'negative');
    assert.deepEqual(value([er, prPos], 'PR').provenance, [
      { reference: 'Observation/pr-1', versionId: '1', date: '2024-01-15' },
    ]);
  });

  it('accepts valueCodeableConcept.text and valueString "positive"/"negative" in any case', () => {
    const text = observation('er-t', LOINC_CODES.erPresence, { valueCodeableConcept: { text: 'Positive' } });
    const str = observation('er-s', LOINC_CODES.erPresence, { valueString: 'NEGATIVE' });
    assert.equal(value([text]).value, 'positive');
    assert.equal(value([str]).value, 'negative');
  });

  it('refuses an unmapped code and names it', () => {
    const local = coded({
      system: 'http://hospital.example/lab-answers',
      code: 'WPOS',
      display: 'weakly positive',
    });
    const d = missing([observation('er-9', LOINC_CODES.erPresence, local)]);
    assert.match(
      d.reason,
      /Observation\/er-9 has an unmapped code http:\/\/hospital\.example\/lab-answers\|WPOS/,
    );
  });

  it('refuses an equivocal ER', () => {
    const d = missing([observation('er-e', LOINC_CODES.erPresence, coded(ANSWERS.equivocal))]);
    assert.match(d.reason, /Observation\/er-e reports equivocal/);
  });

  it('refuses a concept carrying both a positive and a negative coding', () => {
    const d = missing([
      observation('er-c', LOINC_CODES.erPresence, coded(ANSWERS.positive, ANSWERS.snomedNegative)),
    ]);
    assert.match(d.reason, /conflicting codings \(positive and negative\)/);
  });
});

describe('ER / PR by percentage of stained nuclei (ASCO/CAP 2020: >= 1 % is positive)', () => {
  it('0.5 % is negative', () => {
    const v = value([observation('er-p', LOINC_CODES.erPercent, percent(0.5))]);
    assert.equal(v.value, 'negative');
    assert.match(v.basis, /ASCO\/CAP 2020/);
  });

  it('1 % is positive (the cut-off itself is positive)', () => {
    assert.equal(value([observation('er-p', LOINC_CODES.erPercent, percent(1))]).value, 'positive');
  });

  it('PR 0 % is negative, PR 80 % positive', () => {
    assert.equal(value([observation('pr-p', LOINC_CODES.prPercent, percent(0))], 'PR').value, 'negative');
    assert.equal(value([observation('pr-p', LOINC_CODES.prPercent, percent(80))], 'PR').value, 'positive');
  });

  it('honours a configured cut-off', () => {
    const strict = { ...codes, receptorPositiveMinPercent: 10 };
    const d = readReceptorStatus('ER', [observation('er-p', LOINC_CODES.erPercent, percent(5))], strict);
    assert.ok(d.ok && d.value.value === 'negative');
  });

  it('"< 1 %" is negative, "< 5 %" does not decide', () => {
    const lt1 = observation('er-lt1', LOINC_CODES.erPercent, {
      valueQuantity: { value: 1, comparator: '<', unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
    const lt5 = observation('er-lt5', LOINC_CODES.erPercent, {
      valueQuantity: { value: 5, comparator: '<', unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
    });
    assert.equal(value([lt1]).value, 'negative');
    assert.match(missing([lt5]).reason, /does not decide against the 1 % cut-off/);
  });

  it('refuses a percentage in another unit, and a value outside 0-100', () => {
    const ratio = observation('er-r', LOINC_CODES.erPercent, {
      valueQuantity: { value: 0.9, unit: '1', code: '1' },
    });
    assert.match(
      missing([ratio]).reason,
      /Observation\/er-r has valueQuantity in "1"; expected a percentage/,
    );
    assert.match(missing([observation('er-o', LOINC_CODES.erPercent, percent(120))]).reason, /outside 0–100/);
  });
});

describe('choosing among several ER results', () => {
  it('the latest result wins over an older contradicting one', () => {
    const old = observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.positive), { date: '2023-11-02' });
    const latest = observation('er-2', LOINC_CODES.erPresence, coded(ANSWERS.negative), {
      date: '2024-02-10',
    });
    const v = value([latest, old]);
    assert.equal(v.value, 'negative');
    assert.equal(v.date, '2024-02-10');
    assert.deepEqual(
      v.provenance.map((p) => p.reference),
      ['Observation/er-2'],
    );
  });

  it('qualitative and percentage results compete: the latest of all decides', () => {
    const qual = observation('er-q', LOINC_CODES.erPresence, coded(ANSWERS.negative), { date: '2023-12-01' });
    const pct = observation('er-p', LOINC_CODES.erPercent, percent(60), { date: '2024-01-05' });
    assert.equal(value([qual, pct]).value, 'positive');
  });

  it('a same-date contradiction is missing and names both resources', () => {
    const a = observation('er-a', LOINC_CODES.erPresence, coded(ANSWERS.positive), { date: '2024-01-15' });
    const b = observation('er-b', LOINC_CODES.erPercent, percent(0), { date: '2024-01-15' });
    const d = missing([a, b]);
    assert.match(d.reason, /^contradictory results on 2024-01-15: /);
    assert.match(d.reason, /Observation\/er-a positive/);
    assert.match(d.reason, /Observation\/er-b negative/);
    assert.deepEqual(
      d.provenance.map((p) => p.reference),
      ['Observation/er-a', 'Observation/er-b'],
    );
  });

  it('concordant same-date results give the value with both in provenance', () => {
    const a = observation('er-a', LOINC_CODES.erPresence, coded(ANSWERS.positive));
    const b = observation('er-b', LOINC_CODES.erPercent, percent(95));
    const v = value([a, b]);
    assert.equal(v.value, 'positive');
    assert.equal(v.provenance.length, 2);
  });

  it('entered-in-error and preliminary results are ignored', () => {
    const final = observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.positive), {
      date: '2023-10-01',
    });
    const retracted = observation('er-2', LOINC_CODES.erPresence, coded(ANSWERS.negative), {
      date: '2024-01-10',
      status: 'entered-in-error',
    });
    const prelim = observation('er-3', LOINC_CODES.erPresence, coded(ANSWERS.negative), {
      date: '2024-01-12',
      status: 'preliminary',
    });
    const v = value([final, retracted, prelim]);
    assert.equal(v.value, 'positive');
    assert.deepEqual(
      v.provenance.map((p) => p.reference),
      ['Observation/er-1'],
    );
  });

  it('amended and corrected results count', () => {
    const amended = observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.negative), {
      status: 'amended',
      versionId: '4',
    });
    const v = value([amended]);
    assert.equal(v.value, 'negative');
    assert.equal(v.provenance[0]?.versionId, '4');
    assert.equal(value([{ ...amended, status: 'corrected' }]).value, 'negative');
  });

  it('with only uncounted results, says so and names them', () => {
    const prelim = observation('er-3', LOINC_CODES.erPresence, coded(ANSWERS.negative), {
      status: 'preliminary',
    });
    const d = missing([prelim]);
    assert.equal(d.reason, 'no final result recorded (not counted: Observation/er-3 is preliminary)');
  });

  it('with nothing at all, says no final result recorded', () => {
    assert.equal(missing([]).reason, 'no final result recorded');
  });

  it('an unreadable latest result is missing and does NOT fall back to the older result', () => {
    const old = observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.positive), { date: '2023-06-01' });
    const bad = observation('er-2', LOINC_CODES.erPresence, percent(40), { date: '2024-01-15' });
    const d = missing([old, bad]);
    assert.equal(d.reason, 'Observation/er-2 has valueQuantity; expected a coded positive/negative result');
    assert.deepEqual(
      d.provenance.map((p) => p.reference),
      ['Observation/er-2'],
    );
  });

  it('a latest result without a value, or with dataAbsentReason, is missing with that reason', () => {
    const old = observation('er-1', LOINC_CODES.erPresence, coded(ANSWERS.positive), { date: '2023-06-01' });
    const empty = observation('er-2', LOINC_CODES.erPresence, {}, { date: '2024-01-15' });
    const absent = observation('er-3', LOINC_CODES.erPresence, {
      dataAbsentReason: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-performed' },
        ],
      },
    });
    assert.match(missing([old, empty]).reason, /^Observation\/er-2 has no value; expected/);
    assert.match(
      missing([old, absent]).reason,
      /^Observation\/er-3 has no value \(dataAbsentReason: not-performed\)/,
    );
  });

  it('an unrecognisable valueString is missing with the text quoted', () => {
    const d = missing([observation('er-x', LOINC_CODES.erPresence, { valueString: 'see report' })]);
    assert.equal(
      d.reason,
      'Observation/er-x has valueString "see report"; expected a coded positive/negative result',
    );
  });

  it('an undated result still counts when it is the only one, and the basis says undated', () => {
    const v = value([observation('er-u', LOINC_CODES.erPresence, coded(ANSWERS.positive), { date: null })]);
    assert.equal(v.value, 'positive');
    assert.match(v.basis, /undated/);
    assert.equal(v.date, undefined);
  });

  it('an undated result counts as the oldest', () => {
    const undated = observation('er-u', LOINC_CODES.erPresence, coded(ANSWERS.negative), { date: null });
    const dated = observation('er-d', LOINC_CODES.erPresence, coded(ANSWERS.positive), {
      date: '2020-01-01',
    });
    assert.equal(value([undated, dated]).value, 'positive');
  });
});
