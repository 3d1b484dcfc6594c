/**
 * One extraction job of the cohort batch (extract-cohort.ts) — load a (patient, time point,
 * sequence) and compute its features — and the worker-thread entry that runs such jobs one at a
 * time for the main thread. The job runs the same extractor as `axilla extract` and the service:
 * there is one feature extractor (DESIGN §2).
 *
 * A job never throws: every failure becomes a result with a kind and a reason, so one bad series
 * cannot stop a cohort.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { extractFeatures } from '../radiomics/extractor.ts';
import { RoiError } from '../radiomics/roi.ts';
import { parseSettingsYaml, SettingsError, type ExtractionSettings } from '../radiomics/settings.ts';
import type { CohortSequence, SequenceEntry, TimePoint } from './manifest.ts';
import { loadSequence, SequenceLoadError, type LoadFailureKind } from './sequence-loader.ts';

/** A PyRadiomics parameter file: its name (for messages) and its text (parsed in the worker). */
export interface ParameterFile {
  name: string;
  text: string;
}

export interface ExtractionJob {
  id: number;
  /** Absolute folder of the manifest; the entry's paths are relative to it. */
  manifestDir: string;
  patientId: string;
  timePoint: TimePoint;
  sequence: CohortSequence;
  entry: SequenceEntry;
  params: ParameterFile;
}

export type JobFailureKind = LoadFailureKind | 'extraction' | 'worker' | 'unexpected';

export type JobResult =
  | {
      id: number;
      ok: true;
      /** PyRadiomics names → values; null where the value is not a finite number. */
      features: Record<string, number | null>;
      seriesInstanceUid: string;
      segSopInstanceUid: string;
      roiVoxels: number;
      seconds: number;
    }
  | { id: number; ok: false; kind: JobFailureKind; reason: string; seconds: number };

/** Marks workers started by the batch engine, so importing this module elsewhere starts nothing. */
export const WORKER_ROLE = 'axilla-extract-cohort';

const settingsCache = new Map<string, ExtractionSettings>();

/** Settings of a parameter file, parsed once per worker (a cohort uses one or a few files). */
function settingsOf(params: ParameterFile): ExtractionSettings {
  let s = settingsCache.get(params.text);
  if (!s) {
    s = parseSettingsYaml(params.text, params.name);
    settingsCache.set(params.text, s);
  }
  return s;
}

/** Loads and extracts one job; failures are returned, never thrown. */
export async function runExtractionJob(job: ExtractionJob): Promise<JobResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const where = `patient ${job.patientId}, ${job.timePoint} ${job.sequence}`;
  try {
    const settings = settingsOf(job.params);
    // `label` names the SEG segment (Segment Number); the decoded mask of that segment is 0/1.
    const loaded = await loadSequence(
      job.manifestDir,
      { patientId: job.patientId, timePoint: job.timePoint, sequence: job.sequence, entry: job.entry },
      { geometryTolerance: settings.geometryTolerance, segmentNumber: settings.label },
    );
    const all = extractFeatures(loaded.image, loaded.mask, { ...settings, label: 1 });
    const features: Record<string, number | null> = {};
    for (const [name, value] of Object.entries(all)) {
      // Diagnostics are not model inputs; only feature values go to the table.
      if (name.startsWith('diagnostics_')) continue;
      features[name] = Number.isFinite(value) ? value : null;
    }
    return {
      id: job.id,
      ok: true,
      features,
      seriesInstanceUid: loaded.seriesInstanceUid,
      segSopInstanceUid: loaded.segSopInstanceUid,
      roiVoxels: loaded.roiVoxels,
      seconds: seconds(),
    };
  } catch (err) {
    if (err instanceof SequenceLoadError)
      return { id: job.id, ok: false, kind: err.kind, reason: err.message, seconds: seconds() };
    const message = err instanceof Error ? err.message : String(err);
    const known = err instanceof SettingsError || err instanceof RoiError;
    return {
      id: job.id,
      ok: false,
      kind: known ? 'extraction' : 'unexpected',
      reason: `${where}: ${known ? '' : 'unexpected error: '}${message}`,
      seconds: seconds(),
    };
  }
}

// Worker entry: one job per message, one result per job.
if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  port.on('message', (job: ExtractionJob) => {
    void runExtractionJob(job).then((result) => port.postMessage(result));
  });
}
