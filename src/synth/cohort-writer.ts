import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  stratifiedSplit,
  writeCohortManifest,
  type CohortRow,
  type CohortSequence,
  type TimePoint,
} from '../cohort/manifest.ts';
import type {
  DicomFile,
  FrameOfReferenceUid,
  MrSeriesSpec,
  MrSeriesVolume,
  PatientInfo,
  SegSpec,
  SeriesUid,
  SopInstanceUid,
  StudyInfo,
  StudyUid,
} from '../dicom/dicom-types.ts';
import { writeMrSeries } from '../dicom/mr-writer.ts';
import { writeSeg } from '../dicom/seg-writer.ts';
import { TUMOUR_SEGMENT } from '../dicom/segment-codes.ts';
import { uidFrom } from '../dicom/uid.ts';
import type { Mask } from '../imaging/volume.ts';
import {
  defaultGeneratingModel,
  drawPatient,
  type GeneratingModel,
  type SyntheticPatient,
} from './generating-model.ts';
import { patientTransaction, type PatientRecord, type StudyRecord } from './fhir-bundle.ts';
import { generatePatientImages, patientImageStream, type StudyImages } from './patient-images.ts';
import { ACQUISITION, MAGNETIC_FIELD_STRENGTH_T, type ProtocolSize } from './protocols.ts';
import { createRng, hashSeed32 } from './random.ts';

export interface SynthOptions {
  patients: number;
  seed: string;
  outDir: string;
  size: ProtocolSize;
  /** Address written into the FHIR Endpoint the ImagingStudy resources point at. */
  dicomWebRoot?: string;
  /** Share of patients in the training split (default 144/254, the MRI study's split). */
  trainFraction?: number;
  /** Edge case: complete responders get an empty post-NAT ROI (no SEG frames). */
  emptyPostRoiForCompleteResponders?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface CohortSummary {
  outDir: string;
  patients: number;
  apcrRate: number;
  manifestPath: string;
  generatingModelPath: string;
  files: number;
  bytes: number;
  /** Bytes of DICOM per study, for the benchmark. */
  bytesPerStudy: number[];
}

/** Series numbers as a scanner console would assign them. */
const SERIES_NUMBER: Record<CohortSequence, number> = { T2: 2, DWI: 3, ADC: 4, DCE: 5 };
const SEG_SERIES_OFFSET = 100;
/** The DCE phase a radiologist draws the tumour on: the first post-contrast phase. */
export const SEG_DCE_TEMPORAL_POSITION = 2;
/** The DWI volume the tumour is drawn on. */
export const SEG_DWI_B_VALUE = 800;

const DESCRIPTION: Record<CohortSequence, { series: string; protocol: string }> = {
  DCE: { series: 'ax DCE 3D FS dynamic', protocol: 'BREAST_DCE' },
  T2: { series: 'ax T2 TSE', protocol: 'BREAST_T2' },
  DWI: { series: 'ax DWI b0 b800', protocol: 'BREAST_DWI' },
  ADC: { series: 'ax DWI ADC', protocol: 'BREAST_DWI' },
};

const patientId = (index: number): string => `SYN${String(index + 1).padStart(4, '0')}`;
const dicomDate = (iso: string): string => iso.replaceAll('-', '');

/**
 * Generates a cohort: for each patient the clinical truth, both MRI studies as DICOM (MR and
 * tumour SEG per sequence), a FHIR transaction, a manifest row; then the manifest and the
 * generating model with every patient's latent truth. Patient k depends only on (seed, k).
 */
export async function writeCohort(o: SynthOptions): Promise<CohortSummary> {
  if (!Number.isInteger(o.patients) || o.patients < 1)
    throw new RangeError(`--patients must be a positive integer, got ${o.patients}`);
  const model = defaultGeneratingModel(
    o.emptyPostRoiForCompleteResponders ? { emptyPostRoiForCompleteResponders: true } : {},
  );
  const root = createRng(o.seed);
  await mkdir(o.outDir, { recursive: true });
  const rows: Omit<CohortRow, 'split'>[] = [];
  const truth: Record<string, unknown>[] = [];
  let files = 0;
  let bytes = 0;
  const bytesPerStudy: number[] = [];

  for (let index = 0; index < o.patients; index += 1) {
    const patient = drawPatient(model, root, index);
    const id = patientId(index);
    const images = generatePatientImages(model, patient, o.size, patientImageStream(root, index));
    const info: PatientInfo = {
      patientId: id,
      patientName: `Synthetic^${id}`,
      birthDate: dicomDate(patient.birthDate),
      sex: 'F',
    };
    const studies = {} as CohortRow['studies'];
    const studyRecords = {} as Record<TimePoint, StudyRecord>;
    for (const tp of ['pre', 'post'] as const) {
      const written = writeStudy(o, id, info, patient, tp, images[tp]);
      for (const f of written.files) {
        const file = path.join(o.outDir, f.relPath);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, f.bytes);
      }
      files += written.files.length;
      const studyBytes = written.files.reduce((n, f) => n + f.bytes.length, 0);
      bytes += studyBytes;
      bytesPerStudy.push(studyBytes);
      studies[tp] = written.manifest;
      studyRecords[tp] = written.record;
    }
    const record = patientRecord(id, patient, studyRecords);
    const bundle = patientTransaction(record, o.dicomWebRoot ?? 'http://127.0.0.1:8042/dicom-web');
    const bundleFile = path.join(o.outDir, 'fhir', `${id}.json`);
    await mkdir(path.dirname(bundleFile), { recursive: true });
    await writeFile(bundleFile, `${JSON.stringify(bundle, null, 1)}\n`);
    rows.push(manifestRow(id, patient, studies));
    truth.push({
      patientId: id,
      index,
      latentResponse: patient.latentResponse,
      linearPredictor: patient.linearPredictor,
      apcrProbability: patient.apcrProbability,
      clinicalApcrProbability: patient.clinicalApcrProbability,
      apcr: patient.apcr,
      features: patient.features,
      imaging: { pre: images.pre.truth, post: images.post.truth },
    });
    o.onProgress?.(index + 1, o.patients);
  }

  const split = stratifiedSplit(rows, o.seed, o.trainFraction ?? 144 / 254, hashSeed32);
  const manifestPath = path.join(o.outDir, 'cohort.csv');
  await writeFile(
    manifestPath,
    writeCohortManifest(rows.map((r) => ({ ...r, split: split.get(r.patientId)! }))),
  );
  const generatingModelPath = path.join(o.outDir, 'generating-model.json');
  await writeFile(
    generatingModelPath,
    `${JSON.stringify(generatingModelDocument(model, o, truth), null, 2)}\n`,
  );
  return {
    outDir: o.outDir,
    patients: o.patients,
    apcrRate: rows.filter((r) => r.apcr === 1).length / rows.length,
    manifestPath,
    generatingModelPath,
    files,
    bytes,
    bytesPerStudy,
  };
}

function generatingModelDocument(model: GeneratingModel, o: SynthOptions, truth: Record<string, unknown>[]) {
  return {
    description:
      'Generating model of this synthetic cohort: apCR ~ Bernoulli(sigmoid(intercept + clinical log-odds + latentResponse effect × r)). Training on this cohort should recover the clinical coefficients (ln of the published odds ratios) and find imaging signal carried by r.',
    seed: o.seed,
    size: o.size,
    patients: o.patients,
    model,
    truth,
  };
}

interface WrittenStudy {
  files: { relPath: string; bytes: Uint8Array }[];
  manifest: CohortRow['studies'][TimePoint];
  record: StudyRecord;
}

function writeStudy(
  o: SynthOptions,
  id: string,
  info: PatientInfo,
  patient: SyntheticPatient,
  tp: TimePoint,
  images: StudyImages,
): WrittenStudy {
  const uid = <K extends string>(what: string) => uidFrom<K>(`axilla-synth/${o.seed}/${id}/${tp}/${what}`);
  const date = tp === 'pre' ? patient.dates.preMri : patient.dates.postMri;
  const study: StudyInfo = {
    studyInstanceUid: uid<'Study'>('study') as StudyUid,
    studyDate: dicomDate(date),
    studyTime: '090000',
    accessionNumber: `${id}${tp === 'pre' ? 'A' : 'B'}`,
    studyId: tp === 'pre' ? '1' : '2',
    studyDescription: `MRI breast bilateral ${tp === 'pre' ? 'pre' : 'post'}-NAT`,
    manufacturer: 'Axilla CDS synthetic scanner',
    institutionName: 'Synthetic Breast Centre',
  };
  const frameOfReferenceUid = uid<'FrameOfReference'>('frame-of-reference') as FrameOfReferenceUid;
  const files: WrittenStudy['files'] = [];
  const sequences = {} as Record<
    CohortSequence,
    CohortRow['studies'][TimePoint]['sequences'][CohortSequence]
  >;
  const series: StudyRecord['series'] = [];

  const volumesOf: Record<
    CohortSequence,
    { volumes: MrSeriesVolume[]; mask: Mask; roiVolume: (v: MrSeriesVolume) => boolean }
  > = {
    DCE: {
      volumes: images.dce.phases.map((p) => ({
        volume: p.volume,
        temporalPositionIdentifier: p.temporalPositionIdentifier,
        triggerTimeMs: p.triggerTimeMs,
        acquisitionTime: acquisitionTime(p.triggerTimeMs),
      })),
      mask: images.dce.mask,
      roiVolume: (v) => v.temporalPositionIdentifier === SEG_DCE_TEMPORAL_POSITION,
    },
    T2: { volumes: [{ volume: images.t2.volume }], mask: images.t2.mask, roiVolume: () => true },
    DWI: {
      volumes: images.dwi.b.map((b) => ({ volume: b.volume, diffusionBValue: b.bValue })),
      mask: images.dwi.mask,
      roiVolume: (v) => v.diffusionBValue === SEG_DWI_B_VALUE,
    },
    ADC: { volumes: [{ volume: images.adc.volume }], mask: images.adc.mask, roiVolume: () => true },
  };

  for (const seq of ['T2', 'DWI', 'ADC', 'DCE'] as const) {
    const { volumes, mask, roiVolume } = volumesOf[seq];
    const acq = ACQUISITION[seq];
    const spec: MrSeriesSpec = {
      seriesInstanceUid: uid<'Series'>(`series/${seq}`) as SeriesUid,
      seriesNumber: SERIES_NUMBER[seq],
      seriesDescription: DESCRIPTION[seq].series,
      protocolName: DESCRIPTION[seq].protocol,
      sequence: seq,
      frameOfReferenceUid,
      seriesTime: '090000',
      repetitionTimeMs: acq.repetitionTimeMs,
      echoTimeMs: acq.echoTimeMs,
      flipAngleDeg: acq.flipAngleDeg,
      magneticFieldStrengthT: MAGNETIC_FIELD_STRENGTH_T,
      ...(seq === 'ADC' ? { derived: true } : {}),
      volumes,
    };
    const mrFiles = writeMrSeries(info, study, spec);
    const imageDir = path.posix.join('dicom', id, tp, seq);
    mrFiles.forEach((f, n) =>
      files.push({
        relPath: path.posix.join(imageDir, `${String(n + 1).padStart(4, '0')}.dcm`),
        bytes: f.bytes,
      }),
    );

    // The SEG references the slices of the volume the ROI was drawn on; files are volume-major.
    const slices = mask.size[2];
    const roiIndex = volumes.findIndex(roiVolume);
    const referenced: DicomFile[] = mrFiles.slice(roiIndex * slices, (roiIndex + 1) * slices);
    const segSpec: SegSpec = {
      seriesInstanceUid: uid<'Series'>(`seg-series/${seq}`) as SeriesUid,
      sopInstanceUid: uid<'SOPInstance'>(`seg/${seq}`) as SopInstanceUid,
      seriesNumber: SERIES_NUMBER[seq] + SEG_SERIES_OFFSET,
      seriesDescription: `Tumour SEG ${seq}`,
      contentLabel: 'TUMOUR',
      referencedSeriesUid: spec.seriesInstanceUid,
      referencedInstances: referenced.map((f) => ({
        sopClassUid: f.sopClassUid,
        sopInstanceUid: f.sopInstanceUid,
      })),
      frameOfReferenceUid,
      segment: TUMOUR_SEGMENT,
      mask,
    };
    const seg = writeSeg(info, study, segSpec);
    const segPath = path.posix.join('dicom', id, tp, 'SEG', `${seq}.dcm`);
    files.push({ relPath: segPath, bytes: seg.bytes });
    sequences[seq] = {
      seriesInstanceUid: spec.seriesInstanceUid,
      segSopInstanceUid: segSpec.sopInstanceUid,
      segSeriesInstanceUid: segSpec.seriesInstanceUid,
      imageDir,
      segPath,
    };
    series.push(
      {
        seriesInstanceUid: spec.seriesInstanceUid,
        number: spec.seriesNumber,
        modality: 'MR',
        description: spec.seriesDescription,
        instances: mrFiles.length,
      },
      {
        seriesInstanceUid: segSpec.seriesInstanceUid,
        number: segSpec.seriesNumber,
        modality: 'SEG',
        description: segSpec.seriesDescription,
        instances: 1,
      },
    );
  }
  return {
    files,
    manifest: { studyInstanceUid: study.studyInstanceUid, studyDate: date, sequences },
    record: {
      studyInstanceUid: study.studyInstanceUid,
      date,
      description: study.studyDescription,
      series: series.sort((a, b) => a.number - b.number),
    },
  };
}

/** HHMMSS.FFFFFF of a DCE phase: the 09:00:00 series start plus the phase's trigger time. */
function acquisitionTime(triggerTimeMs: number): string {
  const t = 9 * 3600 + triggerTimeMs / 1000;
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return `${String(h).padStart(2, '0')}${String(m).padStart(2, '0')}${s.toFixed(6).padStart(9, '0')}`;
}

function patientRecord(
  id: string,
  p: SyntheticPatient,
  studies: Record<TimePoint, StudyRecord>,
): PatientRecord {
  const c = p.clinical;
  return {
    patientId: id,
    family: 'Synthetic',
    given: id,
    birthDate: p.birthDate,
    er: c.er,
    pr: c.pr,
    her2: { ihc: c.her2.ihc, ...(c.her2.ish ? { ish: c.her2.ish } : {}) },
    ki67Percent: c.ki67Percent,
    cT: c.cT,
    cN: c.cN,
    diagnosisDate: p.dates.diagnosis,
    natStart: p.dates.natStart,
    natEnd: p.dates.natEnd,
    studies,
  };
}

function manifestRow(
  id: string,
  p: SyntheticPatient,
  studies: CohortRow['studies'],
): Omit<CohortRow, 'split'> {
  const c = p.clinical;
  return {
    patientId: id,
    apcr: p.apcr ? 1 : 0,
    age: p.ageYears,
    er: c.er.status,
    pr: c.pr.status,
    her2: c.her2.status,
    her2Ihc: c.her2.ihc,
    ki67Percent: Math.round(c.ki67Percent * 10) / 10,
    cT: c.cT,
    cN: c.cN,
    natStart: p.dates.natStart,
    natEnd: p.dates.natEnd,
    studies,
  };
}
