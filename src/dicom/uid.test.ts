import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StudyUid } from './dicom-types.ts';
import { isValidUid, newUid, uidFrom, uuidV5 } from './uid.ts';

const UID_2_25 = /^2\.25\.(0|[1-9][0-9]{0,38})$/;

test('newUid gives valid, distinct 2.25 UIDs of at most 64 characters', () => {
  const uids = Array.from({ length: 2000 }, () => newUid<'Study'>());
  for (const uid of uids) {
    assert.match(uid, UID_2_25);
    assert.ok(uid.length <= 64);
    assert.ok(isValidUid(uid));
    assert.ok(BigInt(uid.slice(5)) < 2n ** 128n);
  }
  assert.equal(new Set(uids).size, uids.length);
});

test('uidFrom is deterministic, seed-sensitive and a version-5 UUID in 2.25 form', () => {
  const a: StudyUid = uidFrom<'Study'>('cohort-1/patient-7/pre/study');
  assert.equal(a, uidFrom('cohort-1/patient-7/pre/study'));
  assert.notEqual(a, uidFrom('cohort-1/patient-7/post/study'));
  assert.match(a, UID_2_25);
  assert.ok(isValidUid(a));
  const hex = BigInt(a.slice(5)).toString(16).padStart(32, '0');
  assert.equal(hex[12], '5', 'UUID version nibble');
  assert.match(hex[16]!, /[89ab]/, 'RFC 9562 variant');
  // RFC 9562 Appendix A.4 style check against a known v5 UUID (DNS namespace, "www.example.com").
  assert.equal(
    uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
    '2ed6657d-e927-568b-95e1-2665a8aea6a2',
  );
});

test('isValidUid rejects leading zeros, empty components and over-long UIDs', () => {
  assert.ok(isValidUid('1.2.840.10008.5.1.4.1.1.4'));
  assert.ok(!isValidUid('1.02.3'));
  assert.ok(!isValidUid('1..3'));
  assert.ok(!isValidUid('1.2.'));
  assert.ok(!isValidUid(`1.${'2'.repeat(63)}`));
});
