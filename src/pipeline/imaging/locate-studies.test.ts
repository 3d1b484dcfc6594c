/**
 * Choosing the pre- and post-NAT studies (locate-studies.ts). Expected choices follow the rule
 * the module documents and DESIGN §6.1: pre-NAT = the latest study of the model's modality dated
 * on or before NAT start; post-NAT = the latest one dated on or after NAT end and not after
 * surgery; otherwise no study is chosen and the reason is named.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImagingStudy } from '@medplum/fhirtypes';
import type { StudyUid } from '../../dicom/dicom-types.ts';
import { ImagingGateError, type ImagingProblem } from './imaging-problem.ts';
import {
  candidatesFromImagingStudies,
  chooseStudies,
  isoDay,
  type StudyCandidate,
} from './locate-studies.ts';

function study(uid: string, date: string | undefined, modalities: string[] = ['MR']): StudyCandidate {
  return {
    studyInstanceUid: uid as StudyUid,
    ...(date ? { date } : {}),
    modalities,
    from: 'qido',
  };
}

const NAT = { start: '2022-03-01', end: '2022-08-31' };
const MR = { modality: 'MR' };

/** The problems chooseStudies throws; fails the test when it chooses instead. */
function problemsOf(run: () => unknown): ImagingProblem[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ImagingGateError, `expected an ImagingGateError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected no study to be chosen');
}

describe('chooseStudies', () => {
  test('pre = latest MR on or before NAT start; post = latest MR on or after NAT end, not after surgery', () => {
    const candidates = [
      study('1.1', '2022-01-10'),
      study('1.2', '2022-03-01'), // on NAT start: still pre-NAT
      study('1.3', '2022-05-15'), // during NAT: neither
      study('1.4', '2022-08-31'), // on NAT end: a post-NAT study
      study('1.5', '2022-09-20'),
      study('1.6', '2022-11-01'), // after the planned surgery
    ];
    const chosen = chooseStudies(candidates, NAT, { ...MR, surgeryDate: '2022-10-01' });
    assert.equal(chosen.pre.studyInstanceUid, '1.2');
    assert.equal(chosen.post.studyInstanceUid, '1.5');
    assert.equal(chosen.candidates.length, candidates.length, 'every candidate is kept for the audit');

    // Without a surgery date the latest study after NAT end is the post-NAT one.
    assert.equal(chooseStudies(candidates, NAT, MR).post.studyInstanceUid, '1.6');
  });

  test('the input order does not matter', () => {
    const candidates = [study('2.3', '2022-09-30'), study('2.1', '2021-12-01'), study('2.2', '2022-02-01')];
    const chosen = chooseStudies(candidates, NAT, MR);
    assert.equal(chosen.pre.studyInstanceUid, '2.2');
    assert.equal(chosen.post.studyInstanceUid, '2.3');
  });

  test('NAT dates given as date-times are compared by day', () => {
    const chosen = chooseStudies(
      [study('3.1', '2022-03-01'), study('3.2', '2022-08-31')],
      { start: '2022-03-01T08:30:00Z', end: '2022-08-31T17:00:00Z' },
      MR,
    );
    assert.equal(chosen.pre.studyInstanceUid, '3.1');
    assert.equal(chosen.post.studyInstanceUid, '3.2');
  });

  test('NAT ongoing (no end date): no post-NAT study can be chosen', () => {
    const problems = problemsOf(() =>
      chooseStudies([study('4.1', '2022-01-10'), study('4.2', '2022-09-20')], { start: NAT.start }, MR),
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.timePoint]),
      [['nat-ongoing', 'post']],
    );
    assert.match(problems[0]!.message, /NAT has no end date \(started 2022-03-01\)/);
  });

  test('only a CT after NAT end: wrong modality, naming the study found', () => {
    const problems = problemsOf(() =>
      chooseStudies([study('5.1', '2022-01-10'), study('5.2', '2022-09-15', ['CT'])], NAT, MR),
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.timePoint]),
      [['wrong-modality', 'post']],
    );
    assert.match(problems[0]!.message, /CT 2022-09-15/);
    assert.match(problems[0]!.message, /not MR/);
  });

  test('only a CT before NAT start: wrong modality for the pre-NAT study', () => {
    const problems = problemsOf(() =>
      chooseStudies([study('6.1', '2022-01-10', ['CT']), study('6.2', '2022-09-15')], NAT, MR),
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.timePoint]),
      [['wrong-modality', 'pre']],
    );
    assert.match(problems[0]!.message, /CT 2022-01-10/);
  });

  test('the latest MR lies between NAT start and NAT end: post-before-nat-end, with both dates', () => {
    const problems = problemsOf(() =>
      chooseStudies([study('7.1', '2022-01-10'), study('7.2', '2022-08-20')], NAT, MR),
    );
    assert.deepEqual(
      problems.map((p) => [p.code, p.timePoint]),
      [['post-before-nat-end', 'post']],
    );
    assert.match(problems[0]!.message, /2022-08-20/);
    assert.match(problems[0]!.message, /NAT end \(2022-08-31\)/);
  });

  test('no study at all: both missing studies are reported together', () => {
    const problems = problemsOf(() => chooseStudies([], NAT, MR));
    assert.deepEqual(problems.map((p) => p.code).sort(), ['no-post-study', 'no-pre-study']);
  });

  test('a study after the planned surgery is not a post-NAT study', () => {
    const problems = problemsOf(() =>
      chooseStudies([study('8.1', '2022-01-10'), study('8.2', '2022-11-01')], NAT, {
        ...MR,
        surgeryDate: '2022-10-01',
      }),
    );
    assert.deepEqual(
      problems.map((p) => p.code),
      ['no-post-study'],
    );
  });

  test('undated studies are passed over, never chosen', () => {
    const chosen = chooseStudies(
      [
        study('9.0', undefined),
        study('9.1', '2022-01-10'),
        study('9.2', '2022-09-20'),
        study('9.3', undefined),
      ],
      NAT,
      MR,
    );
    assert.equal(chosen.pre.studyInstanceUid, '9.1');
    assert.equal(chosen.post.studyInstanceUid, '9.2');

    // An undated MR cannot stand in for a missing post-NAT study.
    const problems = problemsOf(() =>
      chooseStudies([study('9.4', '2022-01-10'), study('9.5', undefined)], NAT, MR),
    );
    assert.deepEqual(
      problems.map((p) => p.code),
      ['no-post-study'],
    );
  });

  test('a study whose modalities are not stated is judged later, at series level', () => {
    const chosen = chooseStudies([study('10.1', '2022-01-10', []), study('10.2', '2022-09-20', [])], NAT, MR);
    assert.equal(chosen.pre.studyInstanceUid, '10.1');
    assert.equal(chosen.post.studyInstanceUid, '10.2');
  });

  test('one study cannot be both the pre- and the post-NAT study', () => {
    // NAT recorded as a single day: the same study is on or before start and on or after end.
    const problems = problemsOf(() =>
      chooseStudies([study('11.1', '2022-03-01')], { start: '2022-03-01', end: '2022-03-01' }, MR),
    );
    assert.deepEqual(
      problems.map((p) => p.code),
      ['no-post-study'],
    );
    assert.match(problems[0]!.message, /same study/);
  });
});

describe('candidatesFromImagingStudies', () => {
  const base: ImagingStudy = {
    resourceType: 'ImagingStudy',
    id: 'mri-post',
    status: 'available',
    subject: { reference: 'Patient/p1' },
  };

  test('the DICOM Study Instance UID comes from a urn:oid: identifier; date, modalities and source are kept', () => {
    const [c, ...rest] = candidatesFromImagingStudies([
      {
        ...base,
        identifier: [
          { system: 'urn:ietf:rfc:3986', value: 'ACC-0042' }, // an accession number, not a UID
          { system: 'urn:dicom:uid', value: 'urn:oid:2.25.1234567' },
        ],
        started: '2023-02-16T09:00:00Z',
        modality: [
          { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' },
          { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'SEG' },
        ],
        description: 'MRI breast post-NAT',
      },
    ]);
    assert.equal(rest.length, 0);
    assert.deepEqual(c, {
      studyInstanceUid: '2.25.1234567',
      date: '2023-02-16',
      modalities: ['MR', 'SEG'],
      description: 'MRI breast post-NAT',
      from: 'ImagingStudy/mri-post',
    });
  });

  test('a bare UID is accepted; studies without a UID, entered in error or cancelled are left out', () => {
    const out = candidatesFromImagingStudies([
      { ...base, id: 'a', identifier: [{ value: '1.2.840.99' }] },
      { ...base, id: 'b', identifier: [{ value: 'urn:oid:not-a-uid' }] },
      { ...base, id: 'c' },
      { ...base, id: 'd', status: 'entered-in-error', identifier: [{ value: 'urn:oid:1.2.3' }] },
      { ...base, id: 'e', status: 'cancelled', identifier: [{ value: 'urn:oid:1.2.4' }] },
    ]);
    assert.deepEqual(
      out.map((c) => [c.from, c.studyInstanceUid, c.date]),
      [['ImagingStudy/a', '1.2.840.99', undefined]],
    );
  });
});

test('isoDay reads DICOM DA and ISO dates, and nothing else', () => {
  assert.equal(isoDay('20230216'), '2023-02-16');
  assert.equal(isoDay('2023-02-16'), '2023-02-16');
  assert.equal(isoDay('2023-02-16T23:59:00+02:00'), '2023-02-16');
  assert.equal(isoDay('16/02/2023'), undefined);
  assert.equal(isoDay(undefined), undefined);
});
