import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Geometry } from '../imaging/volume.ts';
import { DicomError } from './dicom-types.ts';
import {
  AXIAL,
  boxMask,
  patient,
  segSpec,
  seriesSpec,
  study,
  tempFolder,
} from './dicom-fixtures.test-helper.ts';
import { FolderSource } from './folder-source.ts';
import { writeMrSeries } from './mr-writer.ts';
import { writeSeg } from './seg-writer.ts';
import { uidFrom } from './uid.ts';

test('a folder with non-DICOM files: listed in skipped with path and reason, or an error when strict', async () => {
  const s = study('folder');
  const spec = seriesSpec('T2', AXIAL, 'folder');
  const files = writeMrSeries(patient, s, spec);
  const broken = files[0]!.bytes.slice(0, 400); // DICM prefix, header cut short
  const folder = await tempFolder({ 'notes/readme.txt': 'not an image', 'broken.dcm': broken });
  try {
    for (const f of files) await folder.write(`series/${f.sopInstanceUid}.dcm`, f.bytes);
    const source = await FolderSource.open(folder.dir);
    assert.equal(source.size, 10);
    assert.deepEqual(
      source.skipped.map((x) => [x.path, x.reason.split(':')[0]]),
      [
        ['broken.dcm', 'cannot parse DICOM Part-10 file'],
        ['notes/readme.txt', 'not a DICOM Part-10 file (no DICM prefix)'],
      ],
    );
    await assert.rejects(
      FolderSource.open(folder.dir, { strict: true }),
      (e: unknown) =>
        e instanceof DicomError &&
        /2 file\(s\) in .* are not usable DICOM instances: broken\.dcm: cannot parse.*; notes\/readme\.txt: not a DICOM Part-10 file \(no DICM prefix\)/.test(
          e.message,
        ),
    );
  } finally {
    await folder.remove();
  }
});

test('queries, retrieval by instance and clear errors for what is not there', async () => {
  const s = study('q');
  const t2 = seriesSpec('T2', AXIAL, 'q');
  const dwi = seriesSpec('DWI', AXIAL, 'q');
  const folder = await tempFolder();
  try {
    const t2Files = writeMrSeries(patient, s, t2);
    for (const f of [...t2Files, ...writeMrSeries(patient, s, dwi)])
      await folder.write(`${f.sopInstanceUid}`, f.bytes);
    // The same instance twice is reported, not silently merged.
    await folder.write('copy/dup.dcm', t2Files[0]!.bytes);
    const source = await FolderSource.open(folder.dir);
    assert.equal(source.skipped.length, 1);
    assert.match(source.skipped[0]!.reason, /^duplicate SOP Instance UID/);

    assert.deepEqual(await source.findStudies({ patientId: 'someone else' }), []);
    const [st] = await source.findStudies({ studyInstanceUid: s.studyInstanceUid });
    assert.deepEqual(st, {
      studyInstanceUid: s.studyInstanceUid,
      patientId: patient.patientId,
      studyDate: '20240315',
      studyDescription: s.studyDescription,
      modalities: ['MR'],
    });
    const series = await source.findSeries(s.studyInstanceUid);
    assert.deepEqual(
      series.map((x) => [x.seriesNumber, x.seriesDescription, x.numberOfInstances]),
      [
        [2, 'Synthetic T2', 10],
        [3, 'Synthetic DWI', 20],
      ],
    );
    const instances = await source.findInstances(s.studyInstanceUid, t2.seriesInstanceUid);
    assert.deepEqual(
      instances.map((i) => i.instanceNumber),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    const picked = [t2Files[4]!.sopInstanceUid, t2Files[1]!.sopInstanceUid];
    const bytes = await source.retrieveInstances(s.studyInstanceUid, t2.seriesInstanceUid, picked);
    assert.deepEqual(bytes, [t2Files[4]!.bytes, t2Files[1]!.bytes]);
    await assert.rejects(
      source.retrieveInstances(s.studyInstanceUid, uidFrom('nowhere')),
      (e: unknown) => e instanceof DicomError && /series .* of study .* is not in/.test(e.message),
    );
    await assert.rejects(
      source.retrieveInstances(s.studyInstanceUid, dwi.seriesInstanceUid, picked),
      (e: unknown) => e instanceof DicomError && /instance .* of series .* is not in/.test(e.message),
    );
  } finally {
    await folder.remove();
  }
});

test('a header longer than the first read (a SEG of many frames) is indexed from the whole file', async () => {
  const g: Geometry = { ...AXIAL, size: [8, 8, 240] };
  const s = study('long');
  const spec = seriesSpec('T2', g, 'long');
  const files = writeMrSeries(patient, s, spec);
  const seg = writeSeg(patient, s, segSpec(files, spec, boxMask(g), 'long'), { frames: 'all' });
  assert.ok(seg.bytes.length > 64 * 1024);
  const folder = await tempFolder({ 'seg.dcm': seg.bytes });
  try {
    const source = await FolderSource.open(folder.dir, { strict: true });
    const [series] = await source.findSeries(s.studyInstanceUid);
    assert.equal(series?.modality, 'SEG');
    assert.equal(series?.seriesInstanceUid, seg.seriesInstanceUid);
  } finally {
    await folder.remove();
  }
});
