/**
 * The durable background-job queue and content-addressed result cache used to precompute imaging
 * predictions. Types only; `sqlite-jobs.ts` implements them on the service's SQLite file so jobs
 * survive a restart and several processes sharing the file can work the same queue.
 *
 * A job is "held" by a worker while it is `running` with that worker's id. A lease only decides
 * when another worker may take a running job over (a crashed worker stops renewing it); a worker
 * whose lease ran out still holds its job until someone else claims it.
 */

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface QueuedJob {
  id: number;
  /** Content key: identical work has the same key (e.g. bundle digest + study UIDs + clinical-input hash). */
  key: string;
  /** JSON-serialisable description of the work, opaque to the queue. */
  payload: Record<string, unknown>;
  /** Why it was queued, e.g. 'webhook', 'qido-poll', 'patient-view', 'hook-deadline'. */
  reason: string;
  state: JobState;
  /** How many times the job was claimed (each claim is one attempt). */
  attempts: number;
  lastError?: string;
  createdAt: string; // ISO
  updatedAt: string; // ISO
}

/** What `fail` did: requeued the job, gave up on it, or nothing because the worker no longer held it. */
export type FailOutcome = 'queued' | 'failed' | 'not-held';

export interface JobQueue {
  /** Adds a job unless one with the same key is queued or running (then returns that one, created=false). A key whose last job is done or failed is queued again. */
  enqueue(
    key: string,
    payload: Record<string, unknown>,
    reason: string,
  ): { job: QueuedJob; created: boolean };
  /**
   * Claims the oldest queued job, or a running job whose lease has expired (a crashed worker), for
   * leaseMs; increments attempts. A candidate that already used `maxAttempts` (it was abandoned by
   * a worker that crashed or stopped that many times, e.g. a job that kills the process) is marked
   * failed instead of being claimed again, so it cannot crash-loop the service.
   */
  claim(workerId: string, leaseMs: number, nowMs?: number, maxAttempts?: number): QueuedJob | undefined;
  /** Extends the lease of a job the worker holds; false when it no longer holds it. */
  renew(id: number, workerId: string, leaseMs: number, nowMs?: number): boolean;
  /** Marks a held job done; false (and no change) when the worker no longer holds it. */
  complete(id: number, workerId: string): boolean;
  /**
   * Records a failure: back to queued while attempts < maxAttempts (claimable again after
   * retryDelayMs), else 'failed'. Returns the new state, or 'not-held' (no change) when the worker
   * no longer holds the job.
   */
  fail(
    id: number,
    workerId: string,
    error: string,
    maxAttempts: number,
    retryDelayMs?: number,
    nowMs?: number,
  ): FailOutcome;
  /**
   * Jobs left running by a process that stopped become queued again at start-up; returns how many.
   * Only jobs whose worker id starts with `workerIdPrefix` are touched; without it every running
   * job is, which is right only when one process uses the file (otherwise a live process's jobs
   * would be run twice).
   */
  requeueAbandoned(workerIdPrefix?: string): number;
  /** The latest job for that key. */
  byKey(key: string): QueuedJob | undefined;
  counts(): Record<JobState, number>;
}

export interface CachedResult<T = unknown> {
  key: string;
  value: T;
  storedAt: string;
}

export interface ResultCache {
  /** The stored value, typed by the caller's assertion: validate it if its shape may have changed. */
  get<T = unknown>(key: string): CachedResult<T> | undefined;
  /** Stores (or replaces) the value for key. The value must be JSON-serialisable. */
  put(key: string, value: unknown): void;
}
