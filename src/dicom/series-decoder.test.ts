import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gdcmReadImageNode } from '@itk-wasm/image-io';
import type { Geometry, Volume } from '../imaging/volume.ts';
import { indexToWorld } from '../imaging/volume.ts';
import type { DicomFile, SeriesUid, SopInstanceUid, StudyUid } from './dicom-types.ts';
import { DicomError } from './dicom-types.ts';
import { AXIAL, OBLIQUE, patient, seriesSpec, study, tempFolder } from './dicom-fixtures.test-helper.ts';
import { FolderSource } from './folder-source.ts';
import { writeMrSeries } from './mr-writer.ts';
import { ds, encodePart10, parsePart10, pixelDataBytes, type NaturalDataset } from './part10.ts';
import { decodeSeries, decodeSeriesDetailed, type DecodedVoxels } from './series-decoder.ts';
import { uidFrom } from './uid.ts';

function assertSameGeometry(actual: Geometry, expected: Geometry, tol = 1e-6): void {
  assert.deepEqual(actual.size, expected.size);
  for (let c = 0; c < 3; c += 1) {
    assert.ok(Math.abs(actual.spacingMm[c]! - expected.spacingMm[c]!) < tol, `spacing ${c}`);
    assert.ok(Math.abs(actual.originMm[c]! - expected.originMm[c]!) < tol, `origin ${c}`);
  }
  actual.direction.forEach((v, n) => assert.ok(Math.abs(v - expected.direction[n]!) < tol, `direction ${n}`));
}

/** Re-encodes a written instance after changing its dataset (to make bad inputs). */
function rewrite(file: DicomFile, change: (ds: NaturalDataset) => void): Uint8Array {
  const dataset = { ...parsePart10(file.bytes).dataset };
  dataset['PixelData'] = pixelDataBytes(dataset)!.slice().buffer;
  change(dataset);
  return encodePart10(dataset, { PixelData: 'OW' });
}

function rejects(files: Uint8Array[], pattern: RegExp, options = {}): void {
  assert.throws(
    () => decodeSeries(files, options),
    (e: unknown) => e instanceof DicomError && pattern.test(e.message),
    `expected a DicomError matching ${pattern}`,
  );
}

for (const [name, geometry] of [
  ['axial', AXIAL],
  ['oblique', OBLIQUE],
] as const) {
  test(`round trip (${name}): write → folder → FolderSource → decodeSeries gives identical voxels and geometry`, async () => {
    const s = study(name);
    const spec = seriesSpec('T2', geometry, name);
    const files = writeMrSeries(patient, s, spec);
    const folder = await tempFolder();
    try {
      // Shuffled names in nested folders: order must come from the geometry, not the file system.
      for (const [n, f] of files.entries())
        await folder.write(`d${n % 3}/IMG${(n * 7919) % 1000}.dcm`, f.bytes);
      const source = await FolderSource.open(folder.dir);
      assert.deepEqual(source.skipped, []);
      const [studySummary] = await source.findStudies({ patientId: patient.patientId });
      assert.equal(studySummary?.studyInstanceUid, s.studyInstanceUid);
      const series = await source.findSeries(s.studyInstanceUid);
      assert.equal(series.length, 1);
      assert.equal(series[0]!.numberOfInstances, 10);
      const bytes = await source.retrieveInstances(s.studyInstanceUid, spec.seriesInstanceUid);
      const decoded = decodeSeriesDetailed(bytes.reverse());
      const expected = spec.volumes[0]!.volume;
      assertSameGeometry(decoded.volume, expected);
      assert.ok(decoded.volume.data instanceof Uint16Array);
      assert.deepEqual(decoded.volume.data, expected.data);
      assert.equal(decoded.rescaled, false);
      assert.equal(decoded.seriesInstanceUid, spec.seriesInstanceUid);
      assert.equal(decoded.frameOfReferenceUid, spec.frameOfReferenceUid);
      assert.deepEqual(
        decoded.instances.map((i) => i.sopInstanceUid),
        files.map((f) => f.sopInstanceUid),
      );
    } finally {
      await folder.remove();
    }
  });
}

test('a left-handed volume (k along −normal) decodes sorted along +normal at the same world positions', () => {
  const g: Geometry = { ...AXIAL, direction: [1, 0, 0, 0, 1, 0, 0, 0, -1] };
  const spec = seriesSpec('T2', g);
  const v = decodeSeries(writeMrSeries(patient, study(), spec).map((f) => f.bytes));
  const original = spec.volumes[0]!.volume;
  assert.deepEqual(v.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const nz = g.size[2];
  const last = indexToWorld(g, 0, 0, nz - 1);
  v.originMm.forEach((x, c) => assert.ok(Math.abs(x - last[c]!) < 1e-6));
  const n = g.size[0] * g.size[1];
  for (let k = 0; k < nz; k += 1) {
    assert.deepEqual(
      v.data.subarray(k * n, (k + 1) * n),
      original.data.subarray((nz - 1 - k) * n, (nz - k) * n),
    );
  }
});

test('DCE phases and DWI b values need a selection; each selection gives its volume', () => {
  const s = study();
  const dce = seriesSpec('DCE', AXIAL);
  const dceBytes = writeMrSeries(patient, s, dce).map((f) => f.bytes);
  rejects(
    dceBytes,
    /holds 3 temporal positions \(TemporalPositionIdentifier 1, 2, 3\); select one with select\.temporalPositionIdentifier/,
  );
  for (const [n, phase] of dce.volumes.entries()) {
    const d = decodeSeriesDetailed(dceBytes, { select: { temporalPositionIdentifier: n + 1 } });
    assert.deepEqual(d.volume.data, phase.volume.data);
    assert.equal(d.temporalPositionIdentifier, n + 1);
  }
  rejects(dceBytes, /no instance has TemporalPositionIdentifier 9 \(present: 1, 2, 3\)/, {
    select: { temporalPositionIdentifier: 9 },
  });

  const dwi = seriesSpec('DWI', OBLIQUE);
  const dwiBytes = writeMrSeries(patient, s, dwi).map((f) => f.bytes);
  rejects(dwiBytes, /holds 2 b values \(DiffusionBValue 0, 800\)/);
  const b800 = decodeSeriesDetailed(dwiBytes, { select: { diffusionBValue: 800 } });
  assert.deepEqual(b800.volume.data, dwi.volumes[1]!.volume.data);
  assertSameGeometry(b800.volume, OBLIQUE);
  assert.equal(b800.diffusionBValue, 800);
});

test('rescale slope / intercept gives Float32 values; stored values are kept otherwise', () => {
  const files = writeMrSeries(patient, study(), seriesSpec('ADC', AXIAL));
  const scaled = files.map((f) =>
    rewrite(f, (d) => {
      d['RescaleSlope'] = '0.5';
      d['RescaleIntercept'] = '-10';
      d['RescaleType'] = 'US';
    }),
  );
  const d = decodeSeriesDetailed(scaled);
  assert.ok(d.volume.data instanceof Float32Array);
  assert.equal(d.rescaled, true);
  const raw = decodeSeries(files.map((f) => f.bytes));
  raw.data.forEach((v, n) => assert.equal(d.volume.data[n], v * 0.5 - 10));
});

test('bad series give their specific DicomError', () => {
  const s = study();
  const spec = seriesSpec('T2', AXIAL);
  const files = writeMrSeries(patient, s, spec);
  const bytes = files.map((f) => f.bytes);

  // A file cut short inside its Pixel Data (dcmjs would zero-fill the rest silently).
  const cut = bytes[2]!.subarray(0, bytes[2]!.length - 100);
  assert.throws(
    () => parsePart10(cut),
    (err) => err instanceof DicomError && /Pixel Data is cut short by 100 bytes/.test(err.message),
  );
  rejects([...bytes.slice(0, 2), cut, ...bytes.slice(3)], /Pixel Data is cut short by 100 bytes/);
  // Missing slice.
  rejects(
    [...bytes.slice(0, 4), ...bytes.slice(5)],
    /missing slice in series: a gap of 5 mm .*\(about 1 slice\(s\) missing/,
  );
  // Duplicated slice position (another instance at the position of slice 3).
  const again = writeMrSeries(patient, s, spec, {
    sopInstanceUid: (n) => uidFrom<'SOPInstance'>(`again/${n}`),
  });
  rejects(
    [...bytes, again[3]!.bytes],
    /duplicated slice position in series: instance 4 .* and instance 4 .* both at 19\.75 mm/,
  );
  // Mixed orientations (one slice of the same series tilted).
  const tilted = writeMrSeries(patient, s, {
    ...spec,
    volumes: [{ volume: { ...spec.volumes[0]!.volume, direction: OBLIQUE.direction } }],
  });
  rejects(
    [...bytes.slice(0, 9), tilted[9]!.bytes],
    /mixed orientations in series: instance 10 .* has Image Orientation \(Patient\)/,
  );
  // Mixed series.
  const dwi = writeMrSeries(patient, s, seriesSpec('DWI', AXIAL));
  rejects([...bytes, dwi[0]!.bytes], /mixed series: the instances belong to 2 series/);
  // Irregular spacing: slice 6 moved 0.4 mm along the normal.
  const moved = rewrite(files[6]!, (d) => {
    const p = indexToWorld(AXIAL, 0, 0, 6);
    d['ImagePositionPatient'] = [ds(p[0]), ds(p[1]), ds(p[2] + 0.4)];
  });
  rejects([...bytes.slice(0, 6), moved, ...bytes.slice(7)], /irregular slice spacing in series: 2\.9 mm/);
  // Inconsistent rows / columns and pixel spacing.
  const small = writeMrSeries(patient, s, {
    ...spec,
    volumes: [
      { volume: { ...spec.volumes[0]!.volume, size: [32, 20, 12], data: new Uint16Array(32 * 20 * 12) } },
    ],
  });
  rejects(
    [...bytes.slice(0, 9), small[9]!.bytes],
    /inconsistent image size: instance 10 .* is 32×20, others 32×24/,
  );
  const finer = rewrite(files[2]!, (d) => {
    d['PixelSpacing'] = ['0.8', '0.6'];
  });
  rejects([finer, ...bytes.slice(0, 2), ...bytes.slice(3)], /inconsistent pixel spacing/);
  // Compressed transfer syntax (RLE Lossless named in the meta information).
  const rle = files[0]!.bytes.slice();
  const ts = new TextEncoder().encode('1.2.840.10008.1.2.1\0');
  const at = rle.findIndex((_, n) => ts.every((b, m) => rle[n + m] === b));
  rle[at + 18] = '5'.charCodeAt(0);
  rejects(
    [rle, ...bytes.slice(1)],
    /file 1: pixel data in RLE Lossless \(1\.2\.840\.10008\.1\.2\.5\) is not supported/,
  );
  // Not DICOM at all.
  rejects([new TextEncoder().encode('plain text')], /file 1: not a DICOM Part-10 file \(no DICM prefix\)/);
});

test('itk-wasm (GDCM) reads the same geometry and voxels, slice by slice', async () => {
  const spec = seriesSpec('T2', OBLIQUE);
  const files = writeMrSeries(patient, study(), spec);
  const decoded = decodeSeriesDetailed(files.map((f) => f.bytes));
  const v: Volume<DecodedVoxels> = decoded.volume;
  const folder = await tempFolder();
  try {
    const n = v.size[0] * v.size[1];
    for (const inst of decoded.instances) {
      const file = files.find((f) => f.sopInstanceUid === inst.sopInstanceUid)!;
      const p = await folder.write(`${inst.positionIndex}.dcm`, file.bytes);
      const { couldRead, image } = await gdcmReadImageNode(p);
      assert.equal(couldRead, true);
      assert.deepEqual(image.size, [v.size[0], v.size[1], 1]);
      const k = inst.positionIndex;
      const origin = indexToWorld(v, 0, 0, k);
      image.origin.forEach((x, c) =>
        assert.ok(Math.abs(x - origin[c]!) < 1e-6, `ITK origin ${c} of slice ${k}`),
      );
      assert.ok(Math.abs(image.spacing[0]! - v.spacingMm[0]) < 1e-9);
      assert.ok(Math.abs(image.spacing[1]! - v.spacingMm[1]) < 1e-9);
      // ITK's direction is row-major with column c the direction of axis c, as in Volume.
      Array.from(image.direction as Float64Array).forEach((x, m) =>
        assert.ok(Math.abs(x - v.direction[m]!) < 1e-6, `direction ${m}`),
      );
      assert.deepEqual(image.data, v.data.subarray(k * n, (k + 1) * n));
    }
  } finally {
    await folder.remove();
  }
});

test('typed ids: decodeSeriesDetailed keeps branded UIDs', () => {
  const spec = seriesSpec('T2', AXIAL);
  const d = decodeSeriesDetailed(writeMrSeries(patient, study(), spec).map((f) => f.bytes));
  const seriesUid: SeriesUid = d.seriesInstanceUid;
  const studyUid: StudyUid = d.studyInstanceUid;
  const first: SopInstanceUid = d.instances[0]!.sopInstanceUid;
  assert.ok(seriesUid && studyUid && first);
});
