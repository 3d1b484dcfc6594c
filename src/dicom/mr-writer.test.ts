import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexToWorld } from '../imaging/volume.ts';
import { dciodvfyAvailable, validateDicom } from './dciodvfy.ts';
import type { DicomFile, MrSequence } from './dicom-types.ts';
import { AXIAL, OBLIQUE, patient, seriesSpec, study } from './dicom-fixtures.test-helper.ts';
import { MR_IMAGE_STORAGE, writeMrSeries } from './mr-writer.ts';
import { num, nums, parsePart10, pixelDataBytes, str, strs } from './part10.ts';

/** Warnings that remain by design (docs/dicom.md says why). */
const ACCEPTED_WARNINGS: Partial<Record<MrSequence, RegExp[]>> = {
  DWI: [/Attribute is not present in standard DICOM IOD - \(0x0018,0x9087\)/, /Standard Extended SOP Class/],
};

async function validateAll(files: DicomFile[], sequence: MrSequence) {
  const counts = { errors: 0, warnings: 0 };
  const queue = [...files];
  const workers = Array.from({ length: 4 }, async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const r = await validateDicom(f.bytes);
      if (!r.available) return;
      assert.equal(r.iod, 'MRImage');
      assert.deepEqual(r.errors, [], `dciodvfy errors in ${sequence} instance ${f.sopInstanceUid}`);
      const unexpected = r.warnings.filter(
        (w) => !(ACCEPTED_WARNINGS[sequence] ?? []).some((re) => re.test(w)),
      );
      assert.deepEqual(unexpected, [], `unexpected dciodvfy warnings in ${sequence}`);
      counts.errors += r.errors.length;
      counts.warnings += r.warnings.length;
    }
  });
  await Promise.all(workers);
  return counts;
}

for (const sequence of ['DCE', 'T2', 'DWI', 'ADC'] as const) {
  test(`${sequence}: every instance passes dciodvfy with no errors`, async (t) => {
    if (!(await dciodvfyAvailable())) return t.skip('dciodvfy not installed (Debian package dicom3tools)');
    const spec = seriesSpec(sequence, AXIAL);
    const files = writeMrSeries(patient, study(), spec);
    assert.equal(files.length, spec.volumes.length * AXIAL.size[2]);
    const counts = await validateAll(files, sequence);
    t.diagnostic(`${sequence}: ${files.length} files, ${counts.errors} errors, ${counts.warnings} warnings`);
  });
}

test('oblique T2 passes dciodvfy', async (t) => {
  if (!(await dciodvfyAvailable())) return t.skip('dciodvfy not installed (Debian package dicom3tools)');
  await validateAll(writeMrSeries(patient, study(), seriesSpec('T2', OBLIQUE)), 'T2');
});

test('geometry attributes follow the Volume exactly (oblique)', () => {
  const spec = seriesSpec('T2', OBLIQUE);
  const vol = spec.volumes[0]!.volume;
  const files = writeMrSeries(patient, study(), spec);
  const d = OBLIQUE.direction;
  files.forEach((f, k) => {
    const ds = parsePart10(f.bytes).dataset;
    assert.equal(str(ds, 'SOPClassUID'), MR_IMAGE_STORAGE);
    assert.equal(num(ds, 'Rows'), 24);
    assert.equal(num(ds, 'Columns'), 32);
    assert.deepEqual(nums(ds, 'PixelSpacing'), [0.9, 0.75], 'PixelSpacing = [spacing j, spacing i]');
    const iop = nums(ds, 'ImageOrientationPatient')!;
    const expected = [d[0], d[3], d[6], d[1], d[4], d[7]];
    iop.forEach((v, n) => assert.ok(Math.abs(v - expected[n]!) < 1e-6, `IOP[${n}]`));
    const ipp = nums(ds, 'ImagePositionPatient')!;
    const w = indexToWorld(OBLIQUE, 0, 0, k);
    ipp.forEach((v, n) => assert.ok(Math.abs(v - w[n]!) < 1e-6, `IPP[${n}] of slice ${k}`));
    assert.equal(num(ds, 'SliceThickness'), 3);
    assert.equal(num(ds, 'SpacingBetweenSlices'), 3);
    assert.equal(num(ds, 'InstanceNumber'), k + 1);
    const px = pixelDataBytes(ds)!;
    const slice = new Uint16Array(px.buffer, px.byteOffset, 32 * 24);
    assert.deepEqual(slice, vol.data.subarray(k * 768, (k + 1) * 768));
  });
  const locations = files.map((f) => num(parsePart10(f.bytes).dataset, 'SliceLocation')!);
  for (let k = 1; k < locations.length; k += 1)
    assert.ok(Math.abs(locations[k]! - locations[k - 1]! - 3) < 1e-5);
});

test('DCE phases carry temporal position and phase times; DWI b values; ADC is DERIVED', () => {
  const s = study();
  const dce = writeMrSeries(patient, s, seriesSpec('DCE', AXIAL)).map((f) => parsePart10(f.bytes).dataset);
  assert.deepEqual(new Set(dce.map((ds) => num(ds, 'InstanceNumber'))).size, 30, 'Instance Number unique');
  assert.deepEqual([...new Set(dce.map((ds) => num(ds, 'TemporalPositionIdentifier')))], [1, 2, 3]);
  assert.ok(dce.every((ds) => num(ds, 'NumberOfTemporalPositions') === 3));
  assert.deepEqual(
    [...new Set(dce.map((ds) => str(ds, 'AcquisitionTime')))],
    ['094500.000000', '094600.000000', '094700.000000'],
  );
  assert.ok(dce.every((ds) => str(ds, 'ContentTime') === str(ds, 'AcquisitionTime')));
  assert.ok(
    dce.every((ds) => ds['TriggerTime'] === undefined),
    'Trigger Time only with writeTriggerTime',
  );
  assert.equal(str(dce[0]!, 'ContrastBolusAgent'), undefined, 'no contrast agent on the pre-contrast phase');
  assert.equal(str(dce[15]!, 'ContrastBolusAgent'), 'GADOLINIUM');
  assert.deepEqual(strs(dce[0]!, 'ImageType'), ['ORIGINAL', 'PRIMARY', 'OTHER']);
  assert.equal(str(dce[0]!, 'MRAcquisitionType'), '3D');
  assert.ok(num(dce[0]!, 'WindowWidth')! > 0);

  const withTrigger = writeMrSeries(patient, s, seriesSpec('DCE', AXIAL), { writeTriggerTime: true });
  assert.equal(num(parsePart10(withTrigger[25]!.bytes).dataset, 'TriggerTime'), 120000);

  const dwi = writeMrSeries(patient, s, seriesSpec('DWI', AXIAL)).map((f) => parsePart10(f.bytes).dataset);
  assert.deepEqual([...new Set(dwi.map((ds) => num(ds, 'DiffusionBValue')))], [0, 800]);
  assert.deepEqual(strs(dwi[0]!, 'ScanningSequence'), ['SE', 'EP']);

  const adc = parsePart10(writeMrSeries(patient, s, seriesSpec('ADC', AXIAL))[0]!.bytes).dataset;
  assert.deepEqual(strs(adc, 'ImageType'), ['DERIVED', 'SECONDARY', 'DIFFUSION MAP', 'ADC']);
});

test('the same spec writes the same bytes (reproducible seeded cohorts)', () => {
  const a = writeMrSeries(patient, study(), seriesSpec('T2', AXIAL));
  const b = writeMrSeries(patient, study(), seriesSpec('T2', AXIAL));
  assert.deepEqual(
    a.map((f) => f.sopInstanceUid),
    b.map((f) => f.sopInstanceUid),
  );
  assert.deepEqual(a[3]!.bytes, b[3]!.bytes);
  assert.equal(new Set(a.map((f) => f.sopInstanceUid)).size, a.length);
});

test('bad specs are refused', () => {
  const spec = seriesSpec('DCE', AXIAL);
  spec.volumes[1]!.temporalPositionIdentifier = 1;
  assert.throws(() => writeMrSeries(patient, study(), spec), /distinct temporalPositionIdentifier/);
  const sheared = seriesSpec('T2', { ...AXIAL, direction: [1, 0, 0, 0, 1, 0.2, 0, 0, 1] });
  assert.throws(() => writeMrSeries(patient, study(), sheared), /not orthonormal/);
  const long = { ...study(), studyId: 'STUDY-ID-LONGER-THAN-16' };
  assert.throws(
    () => writeMrSeries(patient, long, seriesSpec('T2', AXIAL)),
    /StudyID \(SH\) is longer than 16/,
  );
});
