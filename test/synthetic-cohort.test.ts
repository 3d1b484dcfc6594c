/**
 * The synthetic cohort end to end: generated DICOM passes dciodvfy; pushed to a real Orthanc
 * (STOW-RS) and FHIR server, it reads back through the DICOMweb source exactly as through the
 * folder source and exactly as generated (voxels, geometry, masks).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCohortManifest, type CohortRow, type CohortSequence } from '../src/cohort/manifest.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../src/demo/embedded-fhir-server.ts';
import { validateDicom } from '../src/dicom/dciodvfy.ts';
import type { DicomSource, SeriesUid, StudyUid } from '../src/dicom/dicom-types.ts';
import { DicomWebSource } from '../src/dicom/dicomweb-source.ts';
import { FolderSource } from '../src/dicom/folder-source.ts';
import { pushDicom, pushFhirBundle } from '../src/dicom/push.ts';
import { decodeSeg } from '../src/dicom/seg-decoder.ts';
import { decodeSeriesDetailed } from '../src/dicom/series-decoder.ts';
import type { Mask, Volume } from '../src/imaging/volume.ts';
import { SEG_DCE_TEMPORAL_POSITION, SEG_DWI_B_VALUE, writeCohort } from '../src/synth/cohort-writer.ts';
import { defaultGeneratingModel, drawPatient } from '../src/synth/generating-model.ts';
import { generatePatientImages, patientImageStream } from '../src/synth/patient-images.ts';
import { createRng } from '../src/synth/random.ts';
import { orthancSkipReason, startOrthanc, type OrthancInstance } from './support/orthanc.ts';

const SEED = 'test-cohort-1';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** Voxels, geometry and mask of one sequence of one study, read through a source. */
async function readSequence(source: DicomSource, row: CohortRow, tp: 'pre' | 'post', seq: CohortSequence) {
  const study = row.studies[tp].studyInstanceUid as StudyUid;
  const entry = row.studies[tp].sequences[seq];
  const files = await source.retrieveInstances(study, entry.seriesInstanceUid as SeriesUid);
  const select =
    seq === 'DCE'
      ? { temporalPositionIdentifier: SEG_DCE_TEMPORAL_POSITION }
      : seq === 'DWI'
        ? { diffusionBValue: SEG_DWI_B_VALUE }
        : undefined;
  const series = decodeSeriesDetailed(files, select ? { select } : {});
  const [segBytes] = await source.retrieveInstances(study, entry.segSeriesInstanceUid as SeriesUid);
  const masks = decodeSeg(segBytes!, series);
  return { volume: series.volume, mask: masks.get(1)! };
}

function assertSameVolume(a: Volume, b: Volume, what: string): void {
  assert.deepEqual([...a.size], [...b.size], `${what} size`);
  for (let c = 0; c < 3; c += 1) {
    assert.ok(Math.abs(a.spacingMm[c]! - b.spacingMm[c]!) < 1e-6, `${what} spacing`);
    assert.ok(
      Math.abs(a.originMm[c]! - b.originMm[c]!) < 1e-4,
      `${what} origin ${a.originMm} vs ${b.originMm}`,
    );
  }
  a.direction.forEach((v, n) => assert.ok(Math.abs(v - b.direction[n]!) < 1e-6, `${what} direction`));
  assert.equal(a.data.length, b.data.length, `${what} voxel count`);
  let differing = 0;
  for (let n = 0; n < a.data.length; n += 1) if (a.data[n] !== b.data[n]) differing += 1;
  assert.equal(differing, 0, `${what}: ${differing} voxels differ`);
}

describe('synthetic cohort', () => {
  let dir: string;
  let rows: CohortRow[];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-cohort-'));
    await writeCohort({ patients: 2, seed: SEED, outDir: dir, size: 'small' });
    rows = readCohortManifest(readFileSync(path.join(dir, 'cohort.csv'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a manifest, FHIR bundles and the generating model with every patient truth', () => {
    assert.equal(rows.length, 2);
    const doc = JSON.parse(readFileSync(path.join(dir, 'generating-model.json'), 'utf8')) as {
      seed: string;
      truth: { patientId: string; apcr: boolean }[];
    };
    assert.equal(doc.seed, SEED);
    assert.deepEqual(
      doc.truth.map((t) => t.patientId),
      rows.map((r) => r.patientId),
    );
    doc.truth.forEach((t, n) => assert.equal(t.apcr ? 1 : 0, rows[n]!.apcr));
    for (const r of rows) {
      assert.ok(r.natStart > r.studies.pre.studyDate, 'pre-NAT MRI before NAT');
      assert.ok(r.studies.post.studyDate > r.natEnd, 'post-NAT MRI after NAT end');
      assert.ok(readdirSync(path.join(dir, 'fhir')).includes(`${r.patientId}.json`));
    }
  });

  it('every kind of DICOM object written passes dciodvfy without errors', async (t) => {
    const files = filesUnder(path.join(dir, 'dicom', rows[0]!.patientId));
    // Each series is written by one writer call: check its first and last instance and every SEG.
    const byFolder = new Map<string, string[]>();
    for (const f of files) byFolder.set(path.dirname(f), [...(byFolder.get(path.dirname(f)) ?? []), f]);
    const sample = [...byFolder.entries()].flatMap(([folder, fs]) => {
      const sorted = fs.sort();
      return folder.endsWith('SEG') ? sorted : [sorted[0]!, sorted[sorted.length - 1]!];
    });
    let checked = 0;
    for (const f of sample) {
      const report = await validateDicom(readFileSync(f));
      if (!report.available) return t.skip(report.message ?? 'dciodvfy not installed');
      assert.deepEqual(report.errors, [], `${path.relative(dir, f)}: ${report.errors.join('; ')}`);
      checked += 1;
    }
    assert.ok(checked >= 2 * 4 * 2 + 2 * 4, `${checked} objects checked`);
  });

  it('the folder source reads back exactly what was generated', async () => {
    const source = await FolderSource.open(path.join(dir, 'dicom'), { strict: true });
    const row = rows[0]!;
    const model = defaultGeneratingModel();
    const root = createRng(SEED);
    const patient = drawPatient(model, root, 0);
    const images = generatePatientImages(model, patient, 'small', patientImageStream(root, 0));
    for (const tp of ['pre', 'post'] as const) {
      const generated: Record<CohortSequence, { volume: Volume; mask: Mask }> = {
        DCE: {
          volume: images[tp].dce.phases.find(
            (p) => p.temporalPositionIdentifier === SEG_DCE_TEMPORAL_POSITION,
          )!.volume,
          mask: images[tp].dce.mask,
        },
        T2: { volume: images[tp].t2.volume, mask: images[tp].t2.mask },
        DWI: {
          volume: images[tp].dwi.b.find((b) => b.bValue === SEG_DWI_B_VALUE)!.volume,
          mask: images[tp].dwi.mask,
        },
        ADC: { volume: images[tp].adc.volume, mask: images[tp].adc.mask },
      };
      for (const seq of ['DCE', 'T2', 'DWI', 'ADC'] as const) {
        const read = await readSequence(source, row, tp, seq);
        assertSameVolume(read.volume, generated[seq].volume, `${tp} ${seq} image`);
        assertSameVolume(read.mask, generated[seq].mask, `${tp} ${seq} mask`);
        assert.ok(
          read.mask.data.some((v) => v === 1),
          `${tp} ${seq} ROI is not empty`,
        );
      }
    }
  });

  describe('through Orthanc (DICOMweb) and a FHIR server', () => {
    let orthanc: OrthancInstance | undefined;
    let fhir: EmbeddedFhirServer;
    const skip = orthancSkipReason();

    before(async () => {
      fhir = await startEmbeddedFhirServer();
      if (!skip) orthanc = await startOrthanc();
    });
    after(async () => {
      await orthanc?.stop();
      await fhir.close();
    });

    it('pushes the cohort and reads it back identical to the folder source', { skip }, async () => {
      const files = filesUnder(path.join(dir, 'dicom'));
      const pushed = await pushDicom(files, orthanc!.dicomWebRoot, { allowInsecureHttp: 'loopback' });
      assert.deepEqual(pushed.failed, []);
      assert.equal(pushed.stored, files.length);
      for (const r of rows) {
        const bundle = JSON.parse(readFileSync(path.join(dir, 'fhir', `${r.patientId}.json`), 'utf8'));
        await pushFhirBundle(fhir.fhirBaseUrl, bundle, { allowInsecureHttp: 'loopback' });
      }
      const patient = await fetch(`${fhir.fhirBaseUrl}/Patient/${rows[0]!.patientId}`);
      assert.equal(patient.status, 200);

      const web = new DicomWebSource({
        url: orthanc!.dicomWebRoot,
        timeoutMs: 20_000,
        maxConcurrent: 4,
        allowInsecureHttp: 'loopback',
      });
      const folder = await FolderSource.open(path.join(dir, 'dicom'), { strict: true });
      try {
        const studies = await web.findStudies({ patientId: rows[0]!.patientId });
        assert.deepEqual(
          studies.map((s) => s.studyInstanceUid).sort(),
          [rows[0]!.studies.pre.studyInstanceUid, rows[0]!.studies.post.studyInstanceUid].sort(),
        );
        for (const tp of ['pre', 'post'] as const) {
          for (const seq of ['DCE', 'T2', 'DWI', 'ADC'] as const) {
            const a = await readSequence(web, rows[0]!, tp, seq);
            const b = await readSequence(folder, rows[0]!, tp, seq);
            assertSameVolume(a.volume, b.volume, `${tp} ${seq} image (DICOMweb vs folder)`);
            assertSameVolume(a.mask, b.mask, `${tp} ${seq} mask (DICOMweb vs folder)`);
          }
        }
      } finally {
        await web.close();
        await folder.close();
      }
    });
  });
});
