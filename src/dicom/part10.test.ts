import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DicomError } from './dicom-types.ts';
import { ds, parsePart10 } from './part10.ts';

test('non-DICOM bytes give a clear DicomError', () => {
  assert.throws(
    () => parsePart10(new TextEncoder().encode('hello, not dicom'), { source: 'notes.txt' }),
    (e: unknown) =>
      e instanceof DicomError && e.message === 'notes.txt: not a DICOM Part-10 file (no DICM prefix)',
  );
  const truncated = new Uint8Array(140);
  truncated.set([0x44, 0x49, 0x43, 0x4d], 128);
  assert.throws(
    () => parsePart10(truncated),
    (e: unknown) => e instanceof DicomError && /cannot parse/.test(e.message),
  );
});

test('ds writes at most 16 characters and keeps the value', () => {
  for (const v of [0, 1, -1, 0.1 + 0.2, Math.PI * 1e5, -123.456789012345, 1e-9, -7.25e20, 2.5]) {
    const s = ds(v);
    assert.ok(s.length <= 16, s);
    assert.ok(Math.abs(Number(s) - v) <= Math.abs(v) * 1e-10, `${v} → ${s}`);
  }
  assert.equal(ds(0.30000000000000004), '0.3');
  assert.equal(ds(2.5), '2.5');
});
