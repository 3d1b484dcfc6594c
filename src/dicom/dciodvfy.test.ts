import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDciodvfyReport, validateDicom } from './dciodvfy.ts';

test('parseDciodvfyReport splits the IOD name, errors and warnings', () => {
  const r = parseDciodvfyReport(
    'MRImage\nError - Missing attribute Type 1 Required Element=<Rows> Module=<ImagePixel>\n' +
      'Warning - Unrecognized defined term <M> for value 3 of attribute <Image Type>\n',
  );
  assert.equal(r.iod, 'MRImage');
  assert.deepEqual(r.errors, ['Missing attribute Type 1 Required Element=<Rows> Module=<ImagePixel>']);
  assert.deepEqual(r.warnings, ['Unrecognized defined term <M> for value 3 of attribute <Image Type>']);
});

test('validateDicom reports errors for a broken object', async (t) => {
  const bytes = new Uint8Array(200);
  bytes.set([0x44, 0x49, 0x43, 0x4d], 128);
  const r = await validateDicom(bytes);
  if (!r.available) return t.skip(r.message);
  assert.ok(r.errors.length > 0, 'a file with nothing after DICM is not valid');
});
