/**
 * Imaging predictions for the hooks, precomputed: a prediction is a job in the durable queue,
 * keyed by its content (bundle digest + study UIDs + the clinical values), whose result lands in
 * the results cache. Hooks look the key up (milliseconds), or queue the job and wait up to a
 * deadline; the PACS (Orthanc's stable-study event through the webhook, or polling) and
 * patient-view queue jobs ahead of the order. A job interrupted by a restart stays queued and
 * runs again (DESIGN §6.5); a PACS that does not answer is retried, a data problem is a result.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ImagingStudy } from '@medplum/fhirtypes';
import type { DicomSource } from '../dicom/dicom-types.ts';
import type { AxillaConfig } from '../config/config.ts';
import { InstanceCache } from '../dicom/instance-cache.ts';
import { BackboneStore } from '../deep/backbone-store.ts';
import { SqliteJobQueue, SqliteResultCache } from '../store/sqlite-jobs.ts';
import type { SqliteStore } from '../store/sqlite-store.ts';
import type { NeoadjuvantTherapy } from '../fhir/clinical-inputs.ts';
import {
  computeImaging,
  ImagingComputationError,
  type ImagingFeatureVector,
  type ImagingTrace,
} from '../pipeline/imaging/compute-imaging.ts';
import type { ExtractionPool } from '../pipeline/imaging/extraction-pool.ts';
import type { ImagingModel } from '../pipeline/imaging/imaging-model.ts';
import { ImagingGateError, type ImagingProblem } from '../pipeline/imaging/imaging-problem.ts';
import type { ImagingTimePoint } from '../pipeline/imaging/imaging-needs.ts';
import {
  chooseStudies,
  findStudyCandidates,
  type ChosenStudies,
  type StudyCandidate,
} from '../pipeline/imaging/locate-studies.ts';
import { sourceProblem } from '../pipeline/imaging/locate-series.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { JobQueue, QueuedJob, ResultCache } from '../store/job-queue.ts';
import type { Logger } from '../util/logger.ts';
import { startJobRunner, type JobRunner } from './job-runner.ts';

/** What the results cache holds for a key. */
export type ImagingResult =
  | {
      kind: 'prediction';
      modelDigest: string;
      probability: number;
      features: ImagingFeatureVector;
      trace: ImagingTrace;
      computedAt: string;
    }
  | {
      kind: 'imaging-unavailable';
      modelDigest: string;
      problems: ImagingProblem[];
      trace?: ImagingTrace;
      computedAt: string;
    };

/** The queued work: everything needed to compute without the hook call (no patient identifiers). */
export interface PredictionPayload {
  kind: 'prediction';
  modelDigest: string;
  studies: Record<ImagingTimePoint, StudyCandidate>;
  clinical: Record<string, number>;
}

export type WaitOutcome =
  | { kind: 'result'; result: ImagingResult }
  | { kind: 'pending'; job: QueuedJob }
  | { kind: 'failed'; job: QueuedJob };

export interface ImagingServiceOptions {
  source: DicomSource;
  cache: InstanceCache;
  backbones: BackboneStore;
  /** Worker threads for radiomics extraction (closed by the owner). */
  pool?: ExtractionPool;
  queue: JobQueue;
  results: ResultCache;
  audit: AuditStore;
  logger: Logger;
  /** Prepared imaging models by bundle digest. */
  models: ReadonlyMap<string, ImagingModel>;
  maxAttempts?: number;
  concurrency?: number;
  /** Extra work the queue runs (e.g. study-stable jobs); returns true when it handled the job. */
  otherJobs?: (job: QueuedJob, signal: AbortSignal) => Promise<boolean>;
}

/**
 * The service on the configured caches and the store's queue and results tables; `extra` adds
 * what differs between the server and the command line (worker pool, other job kinds).
 */
export function createImagingService(
  config: AxillaConfig['imaging'],
  o: {
    source: DicomSource;
    store: SqliteStore;
    models: ReadonlyMap<string, ImagingModel>;
    logger: Logger;
  } & Pick<ImagingServiceOptions, 'pool' | 'otherJobs' | 'maxAttempts'>,
): ImagingService {
  return new ImagingService({
    ...o,
    cache: new InstanceCache(config.instanceCacheMb * 1024 * 1024),
    backbones: new BackboneStore(config.backboneDir),
    queue: new SqliteJobQueue(o.store.database),
    results: new SqliteResultCache(o.store.database),
    audit: o.store,
    maxAttempts: o.maxAttempts ?? config.maxAttempts,
    concurrency: config.concurrency,
  });
}

/** The content key of one imaging prediction. */
export function predictionKey(
  modelDigest: string,
  studies: Record<ImagingTimePoint, StudyCandidate>,
  clinical: Record<string, number>,
): string {
  const canonical = JSON.stringify([
    'imaging-prediction/1',
    modelDigest,
    studies.pre.studyInstanceUid,
    studies.post.studyInstanceUid,
    Object.keys(clinical)
      .sort()
      .map((k) => [k, clinical[k]]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export class ImagingService {
  private readonly events = new EventEmitter();
  private readonly runner: JobRunner;

  constructor(private readonly o: ImagingServiceOptions) {
    this.events.setMaxListeners(0);
    this.runner = startJobRunner({
      queue: o.queue,
      logger: o.logger,
      maxAttempts: o.maxAttempts ?? 3,
      concurrency: o.concurrency ?? 1,
      run: (job, signal) => this.run(job, signal),
    });
  }

  get source(): DicomSource {
    return this.o.source;
  }

  model(digest: string): ImagingModel | undefined {
    return this.o.models.get(digest);
  }

  /** Pre- and post-NAT studies from the ImagingStudy resources, else QIDO-RS by Patient ID. */
  async chooseStudies(
    model: ImagingModel,
    patientId: string,
    imagingStudies: readonly ImagingStudy[],
    nat: NeoadjuvantTherapy,
    surgeryDate?: string,
  ): Promise<ChosenStudies> {
    let candidates: StudyCandidate[];
    try {
      candidates = await findStudyCandidates(this.o.source, patientId, imagingStudies);
    } catch (err) {
      throw new ImagingGateError([sourceProblem(err, 'finding the patient’s studies')]);
    }
    return chooseStudies(candidates, nat, {
      modality: model.modality,
      ...(surgeryDate ? { surgeryDate } : {}),
    });
  }

  lookup(key: string): ImagingResult | undefined {
    return this.o.results.get<ImagingResult>(key)?.value;
  }

  /** The cached result, or the prediction queued (unless already queued or running). */
  request(
    payload: PredictionPayload,
    reason: string,
  ): { key: string; result: ImagingResult } | { key: string; result?: undefined; job: QueuedJob } {
    const key = predictionKey(payload.modelDigest, payload.studies, payload.clinical);
    const result = this.lookup(key);
    if (result) return { key, result };
    const { job, created } = this.o.queue.enqueue(key, { ...payload }, reason);
    if (created) this.runner.wake();
    return { key, job };
  }

  /** Queues arbitrary work (e.g. a study-stable notification) under `key`. */
  enqueue(key: string, payload: Record<string, unknown>, reason: string): QueuedJob {
    const { job, created } = this.o.queue.enqueue(key, payload, reason);
    if (created) this.runner.wake();
    return job;
  }

  /** The result of `key` once it is there, or what the job is doing after `ms`. */
  async wait(key: string, ms: number): Promise<WaitOutcome> {
    const settled = (): WaitOutcome | undefined => {
      const result = this.lookup(key);
      if (result) return { kind: 'result', result };
      const job = this.o.queue.byKey(key);
      if (job?.state === 'failed') return { kind: 'failed', job };
      return undefined;
    };
    const now = settled();
    if (now) return now;
    return new Promise<WaitOutcome>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.events.off(key, onEvent);
        resolve(settled() ?? { kind: 'pending', job: this.o.queue.byKey(key)! });
      };
      const onEvent = () => {
        if (settled()) finish();
      };
      const timer = setTimeout(finish, ms);
      // The runner records a job's last failure after `run` returns, so the event can come
      // before the queue says 'failed': look again now and then.
      const poll = setInterval(onEvent, 250);
      this.events.on(key, onEvent);
    });
  }

  /** Resolves when no job is queued or running (tests, benchmark, shutdown). */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** Stops the runner and releases the backbones it opened. */
  async close(): Promise<void> {
    await this.runner.stop();
    await this.o.backbones.close();
  }

  private async run(job: QueuedJob, signal: AbortSignal): Promise<void> {
    try {
      if (job.payload.kind === 'prediction')
        await this.runPrediction(job, job.payload as unknown as PredictionPayload, signal);
      else if (!(await this.o.otherJobs?.(job, signal)))
        throw new Error(`job ${job.id} has an unknown kind ${String(job.payload.kind)}`);
    } finally {
      this.events.emit(job.key);
    }
  }

  private async runPrediction(
    job: QueuedJob,
    payload: PredictionPayload,
    signal: AbortSignal,
  ): Promise<void> {
    const model = this.o.models.get(payload.modelDigest);
    if (!model) throw new Error(`model bundle ${payload.modelDigest.slice(0, 12)} is no longer served`);
    const manifest = model.bundle.manifest;
    const modelRef = { id: manifest.id, version: manifest.version, digest: model.bundle.digest };
    let result: ImagingResult;
    try {
      const computed = await computeImaging(model, this.o, {
        studies: payload.studies,
        clinical: payload.clinical,
        signal,
      });
      result = {
        kind: 'prediction',
        modelDigest: payload.modelDigest,
        probability: computed.probability,
        features: computed.features,
        trace: computed.trace,
        computedAt: new Date().toISOString(),
      };
    } catch (err) {
      if (!(err instanceof ImagingGateError)) throw err;
      const trace = err instanceof ImagingComputationError ? err.trace : undefined;
      if (err.transient) {
        // Worth another attempt: the queue retries; the audit keeps each failed attempt.
        this.o.audit.append({
          kind: 'imaging-job',
          outcome: 'error',
          model: modelRef,
          detail: {
            jobId: job.id,
            key: job.key,
            attempt: job.attempts,
            problems: err.problems,
            ...(trace ? { trace } : {}),
          },
        });
        throw err;
      }
      result = {
        kind: 'imaging-unavailable',
        modelDigest: payload.modelDigest,
        problems: err.problems,
        ...(trace ? { trace } : {}),
        computedAt: new Date().toISOString(),
      };
    }
    this.o.results.put(job.key, result);
    this.o.audit.append({
      kind: 'imaging-job',
      outcome: result.kind === 'prediction' ? 'prediction' : 'cannot-compute',
      model: modelRef,
      detail: {
        jobId: job.id,
        key: job.key,
        reason: job.reason,
        attempt: job.attempts,
        ...(result.kind === 'prediction'
          ? { probability: result.probability, features: result.features, trace: result.trace }
          : { problems: result.problems, ...(result.trace ? { trace: result.trace } : {}) }),
      },
    });
  }
}
