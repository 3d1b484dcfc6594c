import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';

/**
 * The cohort manifest: one CSV row per patient, the input format of the research path
 * (extraction, training). Image and SEG paths are relative to the manifest's folder, so a cohort
 * can be moved as a whole.
 */

export const TIME_POINTS = ['pre', 'post'] as const;
export type TimePoint = (typeof TIME_POINTS)[number];
export const COHORT_SEQUENCES = ['DCE', 'T2', 'DWI', 'ADC'] as const;
export type CohortSequence = (typeof COHORT_SEQUENCES)[number];

export interface SequenceEntry {
  seriesInstanceUid: string;
  /** SOP Instance UID of the tumour SEG drawn on this series. */
  segSopInstanceUid: string;
  segSeriesInstanceUid: string;
  /** Folder of the series' Part-10 files, relative to the manifest. */
  imageDir: string;
  /** The SEG file, relative to the manifest. */
  segPath: string;
}

export interface CohortRow {
  patientId: string;
  /** 1 = axillary pathological complete response. */
  apcr: 0 | 1;
  split: 'train' | 'validation';
  age: number;
  er: 'positive' | 'negative';
  pr: 'positive' | 'negative';
  her2: 'positive' | 'negative';
  her2Ihc: '0' | '1+' | '2+' | '3+';
  ki67Percent: number;
  cT: 'T1' | 'T2' | 'T3' | 'T4';
  cN: 'N1' | 'N2' | 'N3';
  natStart: string;
  natEnd: string;
  studies: Record<
    TimePoint,
    { studyInstanceUid: string; studyDate: string; sequences: Record<CohortSequence, SequenceEntry> }
  >;
}

const SCALAR_COLUMNS = [
  'patient_id',
  'apcr',
  'split',
  'age',
  'er',
  'pr',
  'her2',
  'her2_ihc',
  'ki67_percent',
  'ct',
  'cn',
  'nat_start',
  'nat_end',
] as const;

const SEQUENCE_FIELDS = ['series_uid', 'seg_sop_uid', 'seg_series_uid', 'image_dir', 'seg_path'] as const;

/** Column names in file order. */
export const MANIFEST_COLUMNS: string[] = [
  ...SCALAR_COLUMNS,
  ...TIME_POINTS.flatMap((tp) => [
    `${tp}_study_uid`,
    `${tp}_study_date`,
    ...COHORT_SEQUENCES.flatMap((seq) => SEQUENCE_FIELDS.map((f) => `${tp}_${seq}_${f}`)),
  ]),
];

export function writeCohortManifest(rows: readonly CohortRow[]): string {
  const records = rows.map((r) => {
    const rec: Record<string, string | number> = {
      patient_id: r.patientId,
      apcr: r.apcr,
      split: r.split,
      age: r.age,
      er: r.er,
      pr: r.pr,
      her2: r.her2,
      her2_ihc: r.her2Ihc,
      ki67_percent: r.ki67Percent,
      ct: r.cT,
      cn: r.cN,
      nat_start: r.natStart,
      nat_end: r.natEnd,
    };
    for (const tp of TIME_POINTS) {
      const s = r.studies[tp];
      rec[`${tp}_study_uid`] = s.studyInstanceUid;
      rec[`${tp}_study_date`] = s.studyDate;
      for (const seq of COHORT_SEQUENCES) {
        const e = s.sequences[seq];
        rec[`${tp}_${seq}_series_uid`] = e.seriesInstanceUid;
        rec[`${tp}_${seq}_seg_sop_uid`] = e.segSopInstanceUid;
        rec[`${tp}_${seq}_seg_series_uid`] = e.segSeriesInstanceUid;
        rec[`${tp}_${seq}_image_dir`] = e.imageDir;
        rec[`${tp}_${seq}_seg_path`] = e.segPath;
      }
    }
    return rec;
  });
  return stringify(records, { header: true, columns: MANIFEST_COLUMNS });
}

const uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a DICOM UID')
  .max(64);
const isoDate = z.iso.date();
const relPath = z
  .string()
  .min(1)
  .refine(
    (p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'),
    'must be a path inside the cohort folder',
  );

const rowSchema = z.object({
  patient_id: z.string().min(1),
  apcr: z.enum(['0', '1']).transform((v) => (v === '1' ? 1 : 0) as 0 | 1),
  split: z.enum(['train', 'validation']),
  age: z.coerce.number().int().min(18).max(110),
  er: z.enum(['positive', 'negative']),
  pr: z.enum(['positive', 'negative']),
  her2: z.enum(['positive', 'negative']),
  her2_ihc: z.enum(['0', '1+', '2+', '3+']),
  ki67_percent: z.coerce.number().min(0).max(100),
  ct: z.enum(['T1', 'T2', 'T3', 'T4']),
  cn: z.enum(['N1', 'N2', 'N3']),
  nat_start: isoDate,
  nat_end: isoDate,
  ...Object.fromEntries(
    TIME_POINTS.flatMap((tp) => [
      [`${tp}_study_uid`, uid],
      [`${tp}_study_date`, isoDate],
      ...COHORT_SEQUENCES.flatMap((seq) => [
        [`${tp}_${seq}_series_uid`, uid],
        [`${tp}_${seq}_seg_sop_uid`, uid],
        [`${tp}_${seq}_seg_series_uid`, uid],
        [`${tp}_${seq}_image_dir`, relPath],
        [`${tp}_${seq}_seg_path`, relPath],
      ]),
    ]),
  ),
});

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Parses and validates a manifest; errors name the line and column. */
export function readCohortManifest(text: string): CohortRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (err) {
    throw new ManifestError(`cohort manifest is not valid CSV: ${(err as Error).message}`);
  }
  const missingColumns = MANIFEST_COLUMNS.filter((c) => records.length > 0 && !(c in records[0]!));
  if (missingColumns.length > 0)
    throw new ManifestError(`cohort manifest lacks columns: ${missingColumns.join(', ')}`);
  const seen = new Set<string>();
  return records.map((rec, n) => {
    const parsed = rowSchema.safeParse(rec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ManifestError(
        `cohort manifest line ${n + 2}, column ${String(issue.path[0])}: ${issue.message}`,
      );
    }
    const r = parsed.data as Record<string, string | number>;
    if (seen.has(String(r.patient_id)))
      throw new ManifestError(`cohort manifest line ${n + 2}: patient ${r.patient_id} appears twice`);
    seen.add(String(r.patient_id));
    if (String(r.nat_end) < String(r.nat_start))
      throw new ManifestError(`cohort manifest line ${n + 2}: nat_end before nat_start`);
    const studies = Object.fromEntries(
      TIME_POINTS.map((tp) => [
        tp,
        {
          studyInstanceUid: String(r[`${tp}_study_uid`]),
          studyDate: String(r[`${tp}_study_date`]),
          sequences: Object.fromEntries(
            COHORT_SEQUENCES.map((seq) => [
              seq,
              {
                seriesInstanceUid: String(r[`${tp}_${seq}_series_uid`]),
                segSopInstanceUid: String(r[`${tp}_${seq}_seg_sop_uid`]),
                segSeriesInstanceUid: String(r[`${tp}_${seq}_seg_series_uid`]),
                imageDir: String(r[`${tp}_${seq}_image_dir`]),
                segPath: String(r[`${tp}_${seq}_seg_path`]),
              },
            ]),
          ) as Record<CohortSequence, SequenceEntry>,
        },
      ]),
    ) as CohortRow['studies'];
    return {
      patientId: String(r.patient_id),
      apcr: r.apcr as 0 | 1,
      split: r.split as CohortRow['split'],
      age: Number(r.age),
      er: r.er as CohortRow['er'],
      pr: r.pr as CohortRow['pr'],
      her2: r.her2 as CohortRow['her2'],
      her2Ihc: r.her2_ihc as CohortRow['her2Ihc'],
      ki67Percent: Number(r.ki67_percent),
      cT: r.ct as CohortRow['cT'],
      cN: r.cn as CohortRow['cN'],
      natStart: String(r.nat_start),
      natEnd: String(r.nat_end),
      studies,
    };
  });
}

/**
 * Stratified, seeded split: within each outcome class, patients are shuffled by a hash of
 * (seed, patient id) and the first `trainFraction` go to training, so both splits keep the
 * cohort's apCR rate and a patient's split does not depend on the order of the rows.
 */
export function stratifiedSplit(
  patients: readonly { patientId: string; apcr: 0 | 1 }[],
  seed: string,
  trainFraction: number,
  hash: (text: string) => number,
): Map<string, 'train' | 'validation'> {
  const out = new Map<string, 'train' | 'validation'>();
  for (const cls of [0, 1] as const) {
    const group = patients
      .filter((p) => p.apcr === cls)
      .map((p) => ({ id: p.patientId, key: hash(`${seed}/${p.patientId}`) }))
      .sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : 1));
    const nTrain = Math.round(group.length * trainFraction);
    group.forEach((p, n) => out.set(p.id, n < nTrain ? 'train' : 'validation'));
  }
  return out;
}
