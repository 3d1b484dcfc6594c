/**
 * Batch feature extraction over a cohort manifest (`axilla extract-cohort`): one job per
 * patient × time point × sequence, run in worker threads, each result appended durably to a
 * JSON-lines journal next to the output so that an interrupted run resumes where it stopped, and
 * finally one wide features table with the DESIGN §4 column names:
 *
 *   patient_id, <SEQ>_pre_<feature>…, <SEQ>_post_<feature>…, <SEQ>_delta_<feature>… (post − pre),
 *   then deep-learning columns DL_… when a `deep` callback is given.
 *
 * Resume: a journal entry is reused only when its digest matches the job's: the digest covers
 * the parameter file's text, the manifest's UIDs and paths of the series and SEG, and a
 * fingerprint of the extraction code, so a changed parameter file, input or extractor
 * recomputes. Only successful results are reused; failed jobs are retried on every run (they are
 * cheap, and a file replaced with a repaired copy under the same UIDs is then picked up).
 *
 * Failures (missing or corrupt file, SEG not matching its image, empty ROI of a complete
 * responder, extraction refused) leave that job's cells empty — never 0, never NaN — and the
 * delta cells that need them, and are listed in the summary with their reason. The run as a whole
 * is `usable: false` only when the table cannot serve a model: no job succeeded, or a sequence
 * has no successful extraction for any patient (its columns would not exist). Unreadable manifest
 * or parameter files throw before any job runs.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/module-worker.ts';
import { stringify } from 'csv-stringify/sync';
import { listFiles } from '../dicom/folder-source.ts';
import { parseSettingsYaml } from '../radiomics/settings.ts';
import {
  COHORT_SEQUENCES,
  readCohortManifest,
  TIME_POINTS,
  type CohortRow,
  type CohortSequence,
  type TimePoint,
} from './manifest.ts';
import {
  WORKER_ROLE,
  type ExtractionJob,
  type JobFailureKind,
  type JobResult,
  type ParameterFile,
} from './extract-worker.ts';

export type { ParameterFile } from './extract-worker.ts';

/** Bumped when the journal's meaning changes; part of every digest. */
const JOURNAL_VERSION = 1;

export interface CohortProgress {
  done: number;
  total: number;
  /** The patient of the job that just finished (absent for the initial report). */
  patientId?: string;
  timePoint?: TimePoint;
  sequence?: CohortSequence;
  computed: number;
  reused: number;
  failed: number;
}

export interface ExtractCohortOptions {
  manifestPath: string;
  /** The features table (CSV). The journal is `<outPath>.journal.jsonl`. */
  outPath: string;
  /** Default parameter file; absent = PyRadiomics defaults. */
  params?: ParameterFile;
  /** Parameter files per sequence, overriding the default. */
  paramsBySequence?: ReadonlyMap<CohortSequence, ParameterFile>;
  /** Sequences to extract (default all four, in COHORT_SEQUENCES order). */
  sequences?: readonly CohortSequence[];
  /** Worker threads (default: available cores). */
  workers?: number;
  /** Discard the journal and recompute everything. */
  restart?: boolean;
  onProgress?: (p: CohortProgress) => void;
  /** Aborting stops the run (like an interruption): finished jobs stay in the journal. */
  signal?: AbortSignal;
  /**
   * Hook for deep features: columns `DL_…` (e.g. DL_pre_0001, DL_post_0001, DL_delta_0001) to
   * append to a patient's row. A rejection is listed as a failure and leaves the cells empty.
   */
  deep?: (row: CohortRow) => Promise<Record<string, number>>;
  /**
   * Identity of the extraction code in the journal digests. Default: a digest of the sources of
   * the radiomics, imaging and DICOM parts and of this loader, so that results of another
   * extractor version are recomputed. Tests pin it, since other edits would invalidate journals.
   */
  codeVersion?: string;
}

export interface CohortFailure {
  patientId: string;
  /** Absent for a deep-feature failure (it spans both time points). */
  timePoint?: TimePoint;
  sequence: CohortSequence | 'DL';
  kind: JobFailureKind | 'deep';
  reason: string;
}

export interface CohortExtractionSummary {
  outPath: string;
  journalPath: string;
  patients: number;
  jobs: { total: number; computed: number; reused: number; succeeded: number; failed: number };
  /** Columns of the table, patient_id included. */
  columns: number;
  failures: CohortFailure[];
  usable: boolean;
  unusableReason?: string;
  seconds: number;
}

/** A refusal before any job runs (manifest, parameter files, options). */
export class CohortExtractionError extends Error {
  override name = 'CohortExtractionError';
}

/** The run was aborted; the journal keeps the `done` finished jobs for the next run. */
export class CohortExtractionAborted extends Error {
  override name = 'CohortExtractionAborted';
  constructor(
    readonly done: number,
    readonly total: number,
  ) {
    super(`extraction interrupted after ${done} of ${total} jobs; run again to resume`);
  }
}

interface JournalEntry {
  key: string;
  digest: string;
  patientId: string;
  timePoint: TimePoint;
  sequence: CohortSequence;
  status: 'ok' | 'failed';
  features?: Record<string, number | null>;
  kind?: JobFailureKind;
  reason?: string;
  seriesInstanceUid?: string;
  segSopInstanceUid?: string;
  roiVoxels?: number;
  seconds: number;
}

interface PlannedJob {
  job: ExtractionJob;
  key: string;
  digest: string;
}

/** The journal of an output table. */
export function journalPathFor(outPath: string): string {
  return `${outPath}.journal.jsonl`;
}

const DEFAULT_PARAMS: ParameterFile = { name: '(PyRadiomics defaults)', text: '' };

/**
 * Digest of the code a result depends on (radiomics, imaging, DICOM decoding, this loader and
 * job), so results from another extractor version are never mixed into one table.
 */
async function extractorFingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dirs = ['../radiomics', '../imaging', '../dicom'].map((d) => path.join(here, d));
  const own = ['sequence-loader', 'extract-worker'].map((f) =>
    path.join(here, `${f}${path.extname(fileURLToPath(import.meta.url))}`),
  );
  const files = [...(await Promise.all(dirs.map((d) => listFiles(d).catch(() => [])))).flat(), ...own]
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.test(-helper)?\.|test-helper/.test(f))
    .sort();
  for (const f of files) {
    hash.update(path.relative(here, f));
    hash.update(await readFile(f).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex');
}

function jobDigest(code: string, job: Omit<ExtractionJob, 'id' | 'manifestDir'>): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        journal: JOURNAL_VERSION,
        code,
        params: job.params.text,
        patientId: job.patientId,
        timePoint: job.timePoint,
        sequence: job.sequence,
        entry: job.entry,
      }),
    )
    .digest('hex');
}

/** Latest journal entry per key; lines cut short by an interruption are ignored. */
function readJournal(file: string): Map<string, JournalEntry> {
  const out = new Map<string, JournalEntry>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as Partial<JournalEntry>;
      if (
        typeof e.key === 'string' &&
        typeof e.digest === 'string' &&
        (e.status === 'ok' || e.status === 'failed')
      )
        out.set(e.key, e as JournalEntry);
    } catch {
      // A partial last line from a killed run.
    }
  }
  return out;
}

/** Appends entries durably: each line is written and fsync'ed before the job counts as done. */
class JournalWriter {
  private readonly fd: number;
  constructor(readonly file: string) {
    this.fd = openSync(file, 'a');
    // A run killed mid-line leaves no newline: start on a fresh line so the next entry parses.
    const size = statSync(file).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      const reader = openSync(file, 'r');
      try {
        readSync(reader, last, 0, 1, size - 1);
      } finally {
        closeSync(reader);
      }
      if (last[0] !== 0x0a) writeSync(this.fd, '\n');
    }
  }
  append(e: JournalEntry): void {
    writeSync(this.fd, `${JSON.stringify(e)}\n`);
    fsyncSync(this.fd);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** Writes a file through a temporary sibling and a rename, so readers never see half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Starts an extraction worker (the worker module beside this one, .ts under tsx or .js). */
function startWorker(): Worker {
  const self = import.meta.url;
  const entry = new URL(`./extract-worker${path.extname(fileURLToPath(self))}`, self);
  return startModuleWorker(entry, { role: WORKER_ROLE });
}

/**
 * Runs the jobs on `count` workers, one job per worker at a time. A worker that dies mid-job
 * fails that job and is replaced; one that dies before any worker finished a job means workers
 * cannot start at all, which ends the run.
 */
function runPool(
  jobs: readonly ExtractionJob[],
  count: number,
  onResult: (job: ExtractionJob, result: JobResult) => void,
  signal: AbortSignal | undefined,
  aborted: () => Error,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let anyFinished = false;
    let settled = false;
    const live = new Set<Worker>();
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of live) void w.terminate();
      live.clear();
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    };
    const onAbort = () => finish(aborted());
    if (signal?.aborted) return finish(aborted());
    signal?.addEventListener('abort', onAbort);

    const spawn = () => {
      const w = startWorker();
      live.add(w);
      let current: ExtractionJob | undefined;
      const feed = () => {
        if (settled) return;
        const job = jobs[next];
        if (job === undefined) {
          live.delete(w);
          void w.terminate();
          if (live.size === 0) finish();
          return;
        }
        next += 1;
        current = job;
        w.postMessage(job);
      };
      const died = (why: string) => {
        if (settled || !live.has(w)) return;
        live.delete(w);
        const job = current;
        current = undefined;
        if (!anyFinished) return finish(new Error(`extraction worker could not run: ${why}`));
        if (job) {
          try {
            onResult(job, {
              id: job.id,
              ok: false,
              kind: 'worker',
              reason: `patient ${job.patientId}, ${job.timePoint} ${job.sequence}: worker crashed: ${why}`,
              seconds: 0,
            });
          } catch (err) {
            return finish(err);
          }
        }
        if (next < jobs.length) spawn();
        else if (live.size === 0) finish();
      };
      w.on('message', (result: JobResult) => {
        if (settled || !current) return;
        const job = current;
        current = undefined;
        anyFinished = true;
        try {
          onResult(job, result);
        } catch (err) {
          return finish(err);
        }
        feed();
      });
      w.on('error', (err) => died(err.message));
      w.on('exit', (code) => died(`exited with code ${code}`));
      feed();
    };
    const n = Math.min(count, jobs.length);
    if (n === 0) return finish();
    for (let i = 0; i < n; i += 1) spawn();
  });
}

/** Text of a file, or a refusal naming it. */
async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CohortExtractionError(
      `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** A CSV cell: finite numbers as their shortest round-trip text, anything else empty. */
function cell(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

/** Extracts features for every job of the manifest and writes the features table. */
export async function extractCohort(o: ExtractCohortOptions): Promise<CohortExtractionSummary> {
  const started = performance.now();
  const manifestPath = path.resolve(o.manifestPath);
  const outPath = path.resolve(o.outPath);
  const journalPath = journalPathFor(outPath);
  const sequences = [...(o.sequences ?? COHORT_SEQUENCES)];
  if (sequences.length === 0) throw new CohortExtractionError('no sequence to extract');
  const workers = o.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1)
    throw new CohortExtractionError(`workers must be a positive integer, got ${workers}`);

  const rows = readCohortManifest(await readText(manifestPath, 'cohort manifest'));
  if (rows.length === 0) throw new CohortExtractionError(`cohort manifest ${manifestPath} lists no patient`);
  const paramsFor = (s: CohortSequence) => o.paramsBySequence?.get(s) ?? o.params ?? DEFAULT_PARAMS;
  // Every parameter file must be valid before any job runs (SettingsError names the file).
  for (const s of sequences) parseSettingsYaml(paramsFor(s).text, paramsFor(s).name);

  const code = o.codeVersion ?? (await extractorFingerprint());
  const manifestDir = path.dirname(manifestPath);
  const planned: PlannedJob[] = [];
  for (const row of rows)
    for (const timePoint of TIME_POINTS)
      for (const sequence of sequences) {
        const base = {
          patientId: row.patientId,
          timePoint,
          sequence,
          entry: row.studies[timePoint].sequences[sequence],
          params: paramsFor(sequence),
        };
        planned.push({
          job: { id: planned.length, manifestDir, ...base },
          key: `${row.patientId}/${timePoint}/${sequence}`,
          digest: jobDigest(code, base),
        });
      }

  await mkdir(path.dirname(outPath), { recursive: true });
  if (o.restart) rmSync(journalPath, { force: true });
  const previous = readJournal(journalPath);
  const results = new Map<string, JournalEntry>();
  for (const p of planned) {
    const e = previous.get(p.key);
    if (e && e.status === 'ok' && e.digest === p.digest) results.set(p.key, e);
  }
  const pending = planned.filter((p) => !results.has(p.key));
  const total = planned.length;
  const counts = { computed: 0, reused: results.size, failed: 0 };
  o.onProgress?.({ done: results.size, total, ...counts });

  const journal = new JournalWriter(journalPath);
  const byId = new Map(pending.map((p) => [p.job.id, p]));
  try {
    await runPool(
      pending.map((p) => p.job),
      workers,
      (job, r) => {
        const p = byId.get(job.id)!;
        const entry: JournalEntry = {
          key: p.key,
          digest: p.digest,
          patientId: job.patientId,
          timePoint: job.timePoint,
          sequence: job.sequence,
          status: r.ok ? 'ok' : 'failed',
          ...(r.ok
            ? {
                features: r.features,
                seriesInstanceUid: r.seriesInstanceUid,
                segSopInstanceUid: r.segSopInstanceUid,
                roiVoxels: r.roiVoxels,
              }
            : { kind: r.kind, reason: r.reason }),
          seconds: r.seconds,
        };
        journal.append(entry);
        results.set(p.key, entry);
        counts.computed += 1;
        if (!r.ok) counts.failed += 1;
        o.onProgress?.({
          done: results.size,
          total,
          patientId: job.patientId,
          timePoint: job.timePoint,
          sequence: job.sequence,
          ...counts,
        });
      },
      o.signal,
      () => new CohortExtractionAborted(results.size, total),
    );
  } finally {
    journal.close();
  }

  const failures: CohortFailure[] = [];
  for (const p of planned) {
    const e = results.get(p.key)!;
    if (e.status === 'failed')
      failures.push({
        patientId: e.patientId,
        timePoint: e.timePoint,
        sequence: e.sequence,
        kind: e.kind ?? 'unexpected',
        reason: e.reason ?? 'unknown',
      });
  }

  // Deep features, one call per patient, after the radiomics jobs.
  const deep = new Map<string, Record<string, number>>();
  if (o.deep) {
    for (const row of rows) {
      try {
        const cols = await o.deep(row);
        const bad = Object.keys(cols).filter((k) => !k.startsWith('DL_'));
        if (bad.length > 0) throw new Error(`deep feature columns must start with DL_: ${bad.join(', ')}`);
        deep.set(row.patientId, cols);
      } catch (err) {
        failures.push({
          patientId: row.patientId,
          sequence: 'DL',
          kind: 'deep',
          reason: `patient ${row.patientId}: deep features: ${(err as Error).message}`,
        });
      }
    }
  }

  const table = featureTable(rows, sequences, results, deep);
  await writeAtomically(outPath, stringify([table.columns, ...table.rows]));
  // Compact the journal to the current jobs (stale digests and superseded lines dropped).
  await writeAtomically(journalPath, planned.map((p) => `${JSON.stringify(results.get(p.key))}\n`).join(''));

  const succeeded = total - failures.filter((f) => f.sequence !== 'DL').length;
  const emptySequences = sequences.filter(
    (s) => !planned.some((p) => p.job.sequence === s && results.get(p.key)?.status === 'ok'),
  );
  const unusableReason =
    succeeded === 0
      ? `no job succeeded (${total} failed)`
      : emptySequences.length > 0
        ? `no ${emptySequences.join(', ')} ROI could be extracted for any patient`
        : undefined;
  return {
    outPath,
    journalPath,
    patients: rows.length,
    jobs: { total, computed: counts.computed, reused: counts.reused, succeeded, failed: total - succeeded },
    columns: table.columns.length,
    failures,
    usable: unusableReason === undefined,
    ...(unusableReason ? { unusableReason } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Names in first-seen order over a list of records. */
function orderedUnion(records: Iterable<Record<string, unknown> | undefined>): string[] {
  const seen = new Set<string>();
  for (const r of records) if (r) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/**
 * The wide table: per sequence, the feature names any job of that sequence produced, as
 * pre, post and delta (= post − pre, empty unless both are numbers) columns; then DL columns.
 */
function featureTable(
  rows: readonly CohortRow[],
  sequences: readonly CohortSequence[],
  results: ReadonlyMap<string, JournalEntry>,
  deep: ReadonlyMap<string, Record<string, number>>,
): { columns: string[]; rows: string[][] } {
  const values = (patientId: string, tp: TimePoint, s: CohortSequence) => {
    const e = results.get(`${patientId}/${tp}/${s}`);
    return e?.status === 'ok' ? e.features : undefined;
  };
  const names = new Map(
    sequences.map((s) => [
      s,
      orderedUnion(rows.flatMap((r) => TIME_POINTS.map((tp) => values(r.patientId, tp, s)))),
    ]),
  );
  const dlNames = orderedUnion(rows.map((r) => deep.get(r.patientId)));
  const columns = ['patient_id'];
  for (const s of sequences)
    for (const tp of [...TIME_POINTS, 'delta'] as const)
      for (const n of names.get(s)!) columns.push(`${s}_${tp}_${n}`);
  columns.push(...dlNames);

  const out = rows.map((r) => {
    const line = [r.patientId];
    for (const s of sequences) {
      const pre = values(r.patientId, 'pre', s);
      const post = values(r.patientId, 'post', s);
      const list = names.get(s)!;
      for (const n of list) line.push(cell(pre?.[n]));
      for (const n of list) line.push(cell(post?.[n]));
      for (const n of list) {
        const a = pre?.[n];
        const b = post?.[n];
        line.push(typeof a === 'number' && typeof b === 'number' ? cell(b - a) : '');
      }
    }
    const dl = deep.get(r.patientId);
    for (const n of dlNames) line.push(cell(dl?.[n]));
    return line;
  });
  return { columns, rows: out };
}
