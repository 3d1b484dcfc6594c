/**
 * The sequence loader on a real synthetic cohort: it picks the DCE phase / DWI b value the SEG
 * references (cross-checked against the cohort writer's constants and the decoders called
 * directly), honours geometryTolerance, and refuses bad inputs with errors naming the patient,
 * time point, sequence and file.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameOfReferenceUid, SeriesUid, SopInstanceUid, StudyUid } from '../dicom/dicom-types.ts';
import { num, parsePart10 } from '../dicom/part10.ts';
import { decodeSeg } from '../dicom/seg-decoder.ts';
import { writeSeg } from '../dicom/seg-writer.ts';
import { TUMOUR_SEGMENT } from '../dicom/segment-codes.ts';
import { decodeSeriesDetailed, type DecodedSeries } from '../dicom/series-decoder.ts';
import { uidFrom } from '../dicom/uid.ts';
import { SEG_DCE_TEMPORAL_POSITION, SEG_DWI_B_VALUE, writeCohort } from '../synth/cohort-writer.ts';
import { readCohortManifest, type CohortRow, type CohortSequence, type TimePoint } from './manifest.ts';
import { loadSequence, sequenceTarget, SequenceLoadError, type SequenceTarget } from './sequence-loader.ts';

// Chosen so that patient 1 responds completely (empty post-treatment ROI): checked below from the
// generating model's truth, not assumed.
const SEED = 'extract-cohort-3';

let dir: string;
let row: CohortRow;
let postRoiExpected: boolean;

function filesOf(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .map((f) => path.join(folder, f));
}

/** Decodes a series and its SEG directly with the decoders, choosing the volume by the constants. */
function decodeDirect(tp: TimePoint, seq: CohortSequence): { series: DecodedSeries; mask: Uint8Array } {
  const e = row.studies[tp].sequences[seq];
  const select =
    seq === 'DCE'
      ? { temporalPositionIdentifier: SEG_DCE_TEMPORAL_POSITION }
      : seq === 'DWI'
        ? { diffusionBValue: SEG_DWI_B_VALUE }
        : undefined;
  const series = decodeSeriesDetailed(
    filesOf(path.join(dir, e.imageDir)).map((f) => new Uint8Array(readFileSync(f))),
    select ? { select } : {},
  );
  const mask = decodeSeg(new Uint8Array(readFileSync(path.join(dir, e.segPath))), series).get(1)!;
  return { series, mask: mask.data };
}

async function loadError(target: SequenceTarget, options = {}): Promise<SequenceLoadError> {
  try {
    await loadSequence(dir, target, options);
  } catch (err) {
    assert.ok(err instanceof SequenceLoadError, `expected a SequenceLoadError, got ${String(err)}`);
    return err;
  }
  assert.fail('the load succeeded');
}

/** A copy of a sequence's image folder under `name`, for damaging it. */
function copyImageDir(target: SequenceTarget, name: string): SequenceTarget {
  cpSync(path.join(dir, target.entry.imageDir), path.join(dir, name), { recursive: true });
  return { ...target, entry: { ...target.entry, imageDir: name } };
}

describe('loadSequence', () => {
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-seqload-'));
    await writeCohort({
      patients: 1,
      seed: SEED,
      outDir: dir,
      size: 'small',
      emptyPostRoiForCompleteResponders: true,
    });
    row = readCohortManifest(readFileSync(path.join(dir, 'cohort.csv'), 'utf8'))[0]!;
    const truth = JSON.parse(readFileSync(path.join(dir, 'generating-model.json'), 'utf8')) as {
      truth: { imaging: { post: { roiExpected: boolean } } }[];
    };
    postRoiExpected = truth.truth[0]!.imaging.post.roiExpected;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const seq of ['DCE', 'DWI', 'T2'] as const) {
    it(`${seq}: loads the volume the SEG references, voxel for voxel as the decoders called directly`, async () => {
      const loaded = await loadSequence(dir, sequenceTarget(row, 'pre', seq));
      const direct = decodeDirect('pre', seq);
      if (seq === 'DCE')
        assert.deepEqual(loaded.selection, { temporalPositionIdentifier: SEG_DCE_TEMPORAL_POSITION });
      else if (seq === 'DWI') assert.deepEqual(loaded.selection, { diffusionBValue: SEG_DWI_B_VALUE });
      else assert.deepEqual(loaded.selection, {});
      assert.deepEqual([...loaded.image.size], [...direct.series.volume.size]);
      assert.deepEqual([...loaded.image.originMm], [...direct.series.volume.originMm]);
      assert.deepEqual(loaded.image.data, direct.series.volume.data);
      assert.deepEqual(loaded.mask.data, direct.mask);
      assert.equal(loaded.seriesInstanceUid, row.studies.pre.sequences[seq].seriesInstanceUid);
      assert.equal(loaded.segSopInstanceUid, row.studies.pre.sequences[seq].segSopInstanceUid);
      const count = direct.mask.reduce((n, v) => n + v, 0);
      assert.ok(count > 0);
      assert.equal(loaded.roiVoxels, count);
    });
  }

  it('a missing image folder names patient, time point, sequence and folder', async () => {
    const t = sequenceTarget(row, 'pre', 'T2');
    const err = await loadError({ ...t, entry: { ...t.entry, imageDir: 'nowhere/T2' } });
    assert.equal(err.kind, 'missing-input');
    assert.equal(err.file, 'nowhere/T2');
    assert.match(err.message, new RegExp(`patient ${row.patientId}, pre T2: image folder missing: ENOENT`));
  });

  it('a corrupt DICOM file (cut inside its header) is named', async () => {
    const t = copyImageDir(sequenceTarget(row, 'pre', 'T2'), 'broken-header/T2');
    const victim = filesOf(path.join(dir, 'broken-header/T2'))[4]!;
    truncateSync(victim, 300);
    const err = await loadError(t);
    assert.equal(err.kind, 'corrupt-file');
    assert.equal(err.file, `broken-header/T2/${path.basename(victim)}`);
    assert.match(err.message, /corrupt DICOM file/);
  });

  it('a corrupt DICOM file (Pixel Data cut short) of the referenced DCE phase is named', async () => {
    const t = copyImageDir(sequenceTarget(row, 'pre', 'DCE'), 'broken-pixels/DCE');
    // A file of the phase the SEG is drawn on: only that phase is decoded.
    const victim = filesOf(path.join(dir, 'broken-pixels/DCE')).find(
      (f) =>
        num(parsePart10(readFileSync(f), { headerOnly: true }).dataset, 'TemporalPositionIdentifier') ===
        SEG_DCE_TEMPORAL_POSITION,
    )!;
    const size = readFileSync(victim).length;
    truncateSync(victim, size - 2000);
    const err = await loadError(t);
    assert.equal(err.kind, 'corrupt-file');
    assert.equal(err.file, `broken-pixels/DCE/${path.basename(victim)}`);
  });

  it('a truncated SEG is named as corrupt, not decoded with zero-filled frames', async () => {
    const t = sequenceTarget(row, 'pre', 'T2');
    cpSync(path.join(dir, t.entry.segPath), path.join(dir, 'truncated-seg.dcm'));
    truncateSync(
      path.join(dir, 'truncated-seg.dcm'),
      readFileSync(path.join(dir, t.entry.segPath)).length - 64,
    );
    const err = await loadError({ ...t, entry: { ...t.entry, segPath: 'truncated-seg.dcm' } });
    assert.equal(err.kind, 'corrupt-file');
    assert.equal(err.file, 'truncated-seg.dcm');
    assert.match(err.message, /Pixel Data is cut short by 64 bytes/);
  });

  it('a SEG drawn on another series is refused as not matching its image', async () => {
    const t = sequenceTarget(row, 'pre', 'DCE');
    const t2 = row.studies.pre.sequences.T2;
    const err = await loadError({
      ...t,
      entry: { ...t.entry, segPath: t2.segPath, segSopInstanceUid: t2.segSopInstanceUid },
    });
    assert.equal(err.kind, 'seg-mismatch');
    assert.equal(err.file, t2.segPath);
    assert.match(err.message, new RegExp(`patient ${row.patientId}, pre DCE: SEG does not match its image`));
  });

  it('a SEG that is not the one the manifest names is refused', async () => {
    const t = sequenceTarget(row, 'pre', 'T2');
    const err = await loadError({ ...t, entry: { ...t.entry, segSopInstanceUid: '1.2.3.4' } });
    assert.equal(err.kind, 'seg-mismatch');
    assert.match(err.message, /the manifest names 1\.2\.3\.4/);
  });

  it('geometryTolerance (relative to the first spacing, as ITK) admits a SEG 0.05 mm off the grid', async () => {
    const t = sequenceTarget(row, 'pre', 'T2');
    const { series, mask } = decodeDirect('pre', 'T2');
    const g = series.volume;
    const sop = uidFrom<'SOPInstance'>('sequence-loader-test/shifted-seg') as SopInstanceUid;
    const seg = writeSeg(
      { patientId: row.patientId, patientName: 'Test^Shifted', birthDate: '19700101', sex: 'F' },
      {
        studyInstanceUid: row.studies.pre.studyInstanceUid as StudyUid,
        studyDate: '20240101',
        studyTime: '090000',
        accessionNumber: 'X',
        studyId: '1',
        studyDescription: 'shifted SEG',
        manufacturer: 'test',
        institutionName: 'test',
      },
      {
        seriesInstanceUid: uidFrom<'Series'>('sequence-loader-test/shifted-seg-series') as SeriesUid,
        sopInstanceUid: sop,
        seriesNumber: 999,
        seriesDescription: 'shifted',
        contentLabel: 'TUMOUR',
        referencedSeriesUid: series.seriesInstanceUid,
        referencedInstances: series.instances.map((i) => ({
          sopClassUid: i.sopClassUid,
          sopInstanceUid: i.sopInstanceUid,
        })),
        frameOfReferenceUid: series.frameOfReferenceUid as FrameOfReferenceUid,
        segment: TUMOUR_SEGMENT,
        mask: { ...g, originMm: [g.originMm[0] + 0.05, g.originMm[1], g.originMm[2]], data: mask },
      },
    );
    writeFileSync(path.join(dir, 'shifted-seg.dcm'), seg.bytes);
    const shifted = { ...t, entry: { ...t.entry, segPath: 'shifted-seg.dcm', segSopInstanceUid: sop } };

    const refused = await loadError(shifted);
    assert.equal(refused.kind, 'seg-mismatch');
    assert.match(refused.message, /not on a slice of the image grid/);
    // Spacing 0.6 mm × 0.1 = 0.06 mm ≥ 0.05 mm; 0.05 × 0.6 = 0.03 mm is not enough.
    assert.ok(g.spacingMm[0] * 0.1 >= 0.05 && g.spacingMm[0] * 0.05 < 0.05, `spacing ${g.spacingMm[0]}`);
    assert.equal((await loadError(shifted, { geometryTolerance: 0.05 })).kind, 'seg-mismatch');
    const loaded = await loadSequence(dir, shifted, { geometryTolerance: 0.1 });
    assert.deepEqual(loaded.mask.data, mask);
  });

  it('an empty post-treatment SEG (complete responder) is refused as an empty ROI', async () => {
    assert.equal(postRoiExpected, false, `seed ${SEED} no longer gives a complete responder`);
    for (const seq of ['DCE', 'ADC'] as const) {
      const err = await loadError(sequenceTarget(row, 'post', seq));
      assert.equal(err.kind, 'empty-roi');
      assert.equal(err.file, row.studies.post.sequences[seq].segPath);
      assert.match(err.message, new RegExp(`patient ${row.patientId}, post ${seq}: empty ROI`));
    }
  });
});
