/**
 * A cohort drawn from the synthetic generating model (src/synth/generating-model.ts) with a
 * features table whose columns are built from each patient's latent response r, so a test knows
 * which features carry signal: what training must recover. Written as real cohort manifests and
 * features CSVs, so `train` reads them as it reads `axilla synth` + `axilla extract-cohort` output.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { COHORT_SEQUENCES, TIME_POINTS, writeCohortManifest, type CohortRow } from '../cohort/manifest.ts';
import {
  defaultGeneratingModel,
  drawPatient,
  patientStream,
  type SyntheticPatient,
} from '../synth/generating-model.ts';
import { createRng } from '../synth/random.ts';

/** Signal features: value = slope·r + sd·noise (r: latent response, higher = better response). */
export const SIGNAL_FEATURES: Record<string, { slope: number; sd: number }> = {
  DCE_delta_original_shape_VoxelVolume: { slope: -1, sd: 0.6 },
  DCE_post_original_firstorder_Mean: { slope: -0.8, sd: 0.7 },
  DWI_delta_original_firstorder_Mean: { slope: 0.7, sd: 0.8 },
};
/** A near-copy of the first signal feature, which the Spearman step must remove as redundant. */
export const REDUNDANT_COPY = 'DCE_delta_original_shape_MeshVolume';
export const NOISE_FEATURES = 120;

export interface SignalCohort {
  manifest: string;
  radiomicsTable: string;
  deepTable: string;
  patients: SyntheticPatient[];
}

function row(id: string, p: SyntheticPatient, split: 'train' | 'validation'): CohortRow {
  const c = p.clinical;
  const seqs = (tp: string) =>
    Object.fromEntries(
      COHORT_SEQUENCES.map((s, n) => [
        s,
        {
          seriesInstanceUid: `2.25.${p.index + 1}${tp === 'pre' ? 1 : 2}${n + 1}`,
          segSopInstanceUid: `2.25.${p.index + 1}${tp === 'pre' ? 1 : 2}${n + 1}1`,
          segSeriesInstanceUid: `2.25.${p.index + 1}${tp === 'pre' ? 1 : 2}${n + 1}2`,
          imageDir: `dicom/${id}/${tp}/${s}`,
          segPath: `dicom/${id}/${tp}/SEG/${s}.dcm`,
        },
      ]),
    ) as CohortRow['studies']['pre']['sequences'];
  return {
    patientId: id,
    apcr: p.apcr ? 1 : 0,
    split,
    age: p.ageYears,
    er: c.er.status,
    pr: c.pr.status,
    her2: c.her2.status,
    her2Ihc: c.her2.ihc,
    ki67Percent: c.ki67Percent,
    cT: c.cT,
    cN: c.cN,
    natStart: p.dates.natStart,
    natEnd: p.dates.natEnd,
    studies: Object.fromEntries(
      TIME_POINTS.map((tp) => [
        tp,
        {
          studyInstanceUid: `2.25.${p.index + 1}${tp === 'pre' ? 7 : 8}`,
          studyDate: tp === 'pre' ? p.dates.preMri : p.dates.postMri,
          sequences: seqs(tp),
        },
      ]),
    ) as CohortRow['studies'],
  };
}

/** Writes `<dir>/cohort.csv`, `features.csv` and `deep.csv` for `n` patients of `seed`. */
export interface SignalCohortOptions {
  /** Length of each deep block (DL_pre/post/delta_0001…). */
  deepDimension?: number;
  /** Noise features (default NOISE_FEATURES). */
  noiseFeatures?: number;
  /**
   * Noise features come in families sharing one factor (as radiomic features of one image type
   * do); within a family, correlation ≈ 1 / (1 + 0.3²). 1 = independent.
   */
  familySize?: number;
}

export function writeSignalCohort(
  dir: string,
  seed: string,
  n: number,
  options: SignalCohortOptions = {},
): SignalCohort {
  const deepDimension = options.deepDimension ?? 12;
  const noiseCount = options.noiseFeatures ?? NOISE_FEATURES;
  const familySize = options.familySize ?? 1;
  const model = defaultGeneratingModel();
  const root = createRng(seed);
  const patients = Array.from({ length: n }, (_, i) => drawPatient(model, patientStream(root, i), i));
  const ids = patients.map((_, i) => `SIG${String(i + 1).padStart(4, '0')}`);
  const manifest = path.join(dir, 'cohort.csv');
  writeFileSync(manifest, writeCohortManifest(patients.map((p, i) => row(ids[i]!, p, 'train'))));

  const noise = createRng(`${seed}/features`);
  const names = [
    ...Object.keys(SIGNAL_FEATURES),
    REDUNDANT_COPY,
    ...Array.from({ length: noiseCount }, (_, j) => `T2_pre_original_glcm_Noise${j + 1}`),
  ];
  const lines = patients.map((p, i) => {
    const signal = Object.values(SIGNAL_FEATURES).map(
      (f) => 100 + 10 * (f.slope * p.latentResponse + f.sd * noise.normal()),
    );
    const copy = signal[0]! + 0.3 * noise.normal();
    let factor = 0;
    const rest = Array.from({ length: noiseCount }, (_, j) => {
      if (j % familySize === 0) factor = noise.normal();
      return 50 + 5 * (familySize > 1 ? factor + 0.3 * noise.normal() : noise.normal());
    });
    return [ids[i]!, ...[...signal, copy, ...rest].map(String)];
  });
  const radiomicsTable = path.join(dir, 'features.csv');
  writeFileSync(radiomicsTable, stringify([['patient_id', ...names], ...lines]));

  // Deep features: a few directions carry r, the rest is noise.
  const blocks = ['DL_pre', 'DL_post', 'DL_delta'];
  const deepNames = blocks.flatMap((b) =>
    Array.from({ length: deepDimension }, (_, k) => `${b}_${String(k + 1).padStart(4, '0')}`),
  );
  const deepLines = patients.map((p, i) => [
    ids[i]!,
    ...deepNames.map((_, k) => String((k % 5 === 0 ? 2 * p.latentResponse : 0) + noise.normal())),
  ]);
  const deepTable = path.join(dir, 'deep.csv');
  writeFileSync(deepTable, stringify([['patient_id', ...deepNames], ...deepLines]));
  return { manifest, radiomicsTable, deepTable, patients };
}
