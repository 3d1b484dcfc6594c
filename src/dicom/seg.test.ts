import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gdcmReadImageNode } from '@itk-wasm/image-io';
import type { Geometry } from '../imaging/volume.ts';
import { dciodvfyAvailable, validateDicom } from './dciodvfy.ts';
import type { SegSpec } from './dicom-types.ts';
import { DicomError } from './dicom-types.ts';
import {
  AXIAL,
  boxMask,
  OBLIQUE,
  patient,
  segSpec,
  seriesSpec,
  study,
  tempFolder,
} from './dicom-fixtures.test-helper.ts';
import { FolderSource } from './folder-source.ts';
import { writeMrSeries } from './mr-writer.ts';
import { num, parsePart10, seq, str } from './part10.ts';
import { decodeSeg, decodeSegDetailed } from './seg-decoder.ts';
import { SEGMENTATION_STORAGE, writeSeg } from './seg-writer.ts';
import { decodeSeriesDetailed } from './series-decoder.ts';
import { uidFrom } from './uid.ts';

function setup(geometry: Geometry, seed = 'seg') {
  const s = study(seed);
  const spec = seriesSpec('T2', geometry, seed);
  const files = writeMrSeries(patient, s, spec);
  const image = decodeSeriesDetailed(files.map((f) => f.bytes));
  const mask = boxMask(geometry);
  return { s, spec, files, image, mask, seg: segSpec(files, spec, mask, seed) };
}

function rejects(run: () => unknown, pattern: RegExp): void {
  assert.throws(
    run,
    (e: unknown) => e instanceof DicomError && pattern.test(e.message),
    `expected ${pattern}`,
  );
}

test('SEG passes dciodvfy with no errors and no warnings (axial, oblique, all frames, empty)', async (t) => {
  const { s, seg } = setup(AXIAL);
  if (!(await dciodvfyAvailable())) return t.skip('dciodvfy not installed (Debian package dicom3tools)');
  const empty: SegSpec = { ...seg, mask: { ...seg.mask, data: new Uint8Array(seg.mask.data.length) } };
  for (const [name, file] of [
    ['empty mask', writeSeg(patient, s, empty)],
    ['axial', writeSeg(patient, s, seg)],
    ['axial, all frames', writeSeg(patient, s, seg, { frames: 'all' })],
    ['oblique', writeSeg(patient, study('o'), setup(OBLIQUE, 'o').seg)],
    ['automatic', writeSeg(patient, s, { ...seg, segment: { ...seg.segment, algorithmType: 'AUTOMATIC' } })],
  ] as const) {
    const r = await validateDicom(file.bytes);
    assert.equal(r.iod, 'Segmentation');
    assert.deepEqual(r.errors, [], name);
    assert.deepEqual(r.warnings, [], name);
    t.diagnostic(`SEG ${name}: ${r.errors.length} errors, ${r.warnings.length} warnings`);
  }
});

test('SEG content: frames of the non-empty slices, each referencing its exact source instance', () => {
  const { s, seg, files } = setup(OBLIQUE);
  const ds = parsePart10(writeSeg(patient, s, seg).bytes).dataset;
  assert.equal(str(ds, 'SOPClassUID'), SEGMENTATION_STORAGE);
  assert.equal(str(ds, 'SegmentationType'), 'BINARY');
  assert.equal(num(ds, 'NumberOfFrames'), 4);
  const frames = seq(ds, 'PerFrameFunctionalGroupsSequence');
  const sources = frames.map((f) => {
    const src = seq(seq(f, 'DerivationImageSequence')[0]!, 'SourceImageSequence')[0]!;
    assert.equal(str(seq(src, 'PurposeOfReferenceCodeSequence')[0]!, 'CodeValue'), '121322');
    return str(src, 'ReferencedSOPInstanceUID');
  });
  assert.deepEqual(
    sources,
    [3, 4, 5, 7].map((k) => files[k]!.sopInstanceUid),
  );
  assert.equal(seq(seq(ds, 'ReferencedSeriesSequence')[0]!, 'ReferencedInstanceSequence').length, 10);
  assert.equal(str(ds, 'DeviceSerialNumber'), 'AXILLA-CDS-0001');
  assert.equal(str(ds, 'ContentCreatorName'), 'AXILLA^CDS');
});

for (const [name, geometry] of [
  ['axial', AXIAL],
  ['oblique', OBLIQUE],
] as const) {
  test(`SEG round trip (${name}) through a folder gives the identical mask`, async () => {
    const { s, spec, files, seg, mask } = setup(geometry, name);
    const folder = await tempFolder();
    try {
      for (const f of files) await folder.write(`mr/${f.sopInstanceUid}.dcm`, f.bytes);
      await folder.write('seg/seg.dcm', writeSeg(patient, s, seg).bytes);
      const source = await FolderSource.open(folder.dir);
      const series = await source.findSeries(s.studyInstanceUid);
      assert.deepEqual(
        series.map((x) => x.modality),
        ['MR', 'SEG'],
      );
      const image = decodeSeriesDetailed(
        await source.retrieveInstances(s.studyInstanceUid, spec.seriesInstanceUid),
      );
      const [segBytes] = await source.retrieveInstances(s.studyInstanceUid, seg.seriesInstanceUid);
      const masks = decodeSeg(segBytes!, image);
      assert.deepEqual([...masks.keys()], [1]);
      const decoded = masks.get(1)!;
      assert.deepEqual(decoded.data, mask.data);
      assert.deepEqual(decoded.size, image.volume.size);
      assert.deepEqual(decoded.originMm, image.volume.originMm);
      const [detail] = decodeSegDetailed(segBytes!, image);
      assert.equal(detail!.label, 'Tumour');
      assert.equal(detail!.type?.codeValue, '108369006');
    } finally {
      await folder.remove();
    }
  });
}

test('all-frames SEG and an empty mask', () => {
  const { s, seg, image, mask } = setup(AXIAL);
  assert.deepEqual(
    decodeSeg(writeSeg(patient, s, seg, { frames: 'all' }).bytes, image).get(1)!.data,
    mask.data,
  );
  const empty: SegSpec = { ...seg, mask: { ...seg.mask, data: new Uint8Array(seg.mask.data.length) } };
  const emptySeg = writeSeg(patient, s, empty);
  assert.equal(num(parsePart10(emptySeg.bytes).dataset, 'NumberOfFrames'), 1, 'one all-zero frame');
  assert.ok(
    decodeSeg(emptySeg.bytes, image)
      .get(1)!
      .data.every((v) => v === 0),
  );
  const decoded = decodeSeg(writeSeg(patient, s, empty, { frames: 'all' }).bytes, image).get(1)!;
  assert.ok(decoded.data.every((v) => v === 0));
});

test('itk-wasm (GDCM) reads the SEG frames as the mask slices', async () => {
  const { s, seg, mask } = setup(AXIAL);
  const folder = await tempFolder();
  try {
    const p = await folder.write('seg.dcm', writeSeg(patient, s, seg).bytes);
    const { couldRead, image } = await gdcmReadImageNode(p);
    assert.equal(couldRead, true);
    assert.deepEqual(image.size, [32, 24, 4]);
    const n = 32 * 24;
    [3, 4, 5, 7].forEach((k, f) => {
      const frame = Array.from((image.data as Uint8Array).subarray(f * n, (f + 1) * n), (v) => (v ? 1 : 0));
      assert.deepEqual(frame, Array.from(mask.data.subarray(k * n, (k + 1) * n)), `frame ${f}`);
    });
  } finally {
    await folder.remove();
  }
});

test('a SEG that does not belong to the image gives its specific DicomError', () => {
  const { s, spec, files, image, seg } = setup(AXIAL);
  const segBytes = writeSeg(patient, s, seg).bytes;

  // References another series.
  const dwi = decodeSeriesDetailed(
    writeMrSeries(patient, s, seriesSpec('DWI', AXIAL, 'seg')).map((f) => f.bytes),
    {
      select: { diffusionBValue: 0 },
    },
  );
  rejects(() => decodeSeg(segBytes, dwi), /SEG references series .*, not the image series/);

  // Frames reference instances that are not in the image series.
  const foreign = writeMrSeries(patient, s, spec, {
    sopInstanceUid: (n) => uidFrom<'SOPInstance'>(`foreign/${n}`),
  });
  const wrongRefs = segSpec(foreign, spec, seg.mask, 'seg');
  rejects(
    () => decodeSeg(writeSeg(patient, s, wrongRefs).bytes, image),
    /SEG frame 1 references instance .*, which is not in the image series/,
  );

  // Frame positions off the image grid (the mask grid shifted by 1 mm).
  const shifted = {
    ...seg,
    mask: { ...seg.mask, originMm: [AXIAL.originMm[0] + 1, AXIAL.originMm[1], AXIAL.originMm[2]] as const },
  };
  rejects(
    () => decodeSeg(writeSeg(patient, s, shifted).bytes, image),
    /SEG geometry does not match the image: SEG frame 1 at .* is not on a slice/,
  );

  // Another pixel spacing.
  const coarse = { ...seg, mask: { ...seg.mask, spacingMm: [0.8, 0.8, 2.5] as const } };
  rejects(
    () => decodeSeg(writeSeg(patient, s, coarse).bytes, image),
    /SEG geometry does not match the image: SEG frame 1 pixel spacing 0\.8\\0\.8 mm/,
  );

  // Another orientation.
  const tilted = { ...seg, mask: { ...seg.mask, direction: OBLIQUE.direction } };
  rejects(
    () => decodeSeg(writeSeg(patient, s, tilted).bytes, image),
    /SEG geometry does not match the image: SEG frame 1 orientation/,
  );

  // Another rows / columns.
  const other = setup({ ...AXIAL, size: [30, 24, 10] }, 'small');
  rejects(
    () =>
      decodeSeg(
        writeSeg(patient, s, {
          ...other.seg,
          referencedSeriesUid: spec.seriesInstanceUid,
          frameOfReferenceUid: spec.frameOfReferenceUid,
        }).bytes,
        image,
      ),
    /SEG frames are 30×24, image slices 32×24/,
  );

  // Another frame of reference.
  const otherFor = { ...seg, frameOfReferenceUid: uidFrom<'FrameOfReference'>('elsewhere') };
  rejects(
    () => decodeSeg(writeSeg(patient, s, otherFor).bytes, image),
    /SEG Frame of Reference .* differs from the image's/,
  );

  // A frame whose source instance is another slice than its position.
  const swapped = { ...seg, referencedInstances: [...seg.referencedInstances].reverse() };
  rejects(
    () => decodeSeg(writeSeg(patient, s, swapped).bytes, image),
    /SEG frame 1 lies on image slice 3 but references the instance of slice 6/,
  );

  // Not a SEG.
  rejects(() => decodeSeg(files[0]!.bytes, image), /not a DICOM Segmentation/);
});
