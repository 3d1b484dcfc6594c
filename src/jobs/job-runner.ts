import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobQueue, QueuedJob } from '../store/job-queue.ts';
import type { Logger } from '../util/logger.ts';

export interface JobRunnerOptions {
  queue: JobQueue;
  /** Does the work; throwing marks an attempt failed. Should stop soon after `signal` aborts. */
  run(job: QueuedJob, signal: AbortSignal): Promise<void>;
  /** Gets job id, key prefix, state and error class — never payload contents or error messages (they may hold patient ids). */
  logger: Logger;
  /** Default `${hostname}:${pid}:${random}`; each concurrent slot claims as `${workerId}/${slot}`. */
  workerId?: string;
  /** Default 1. */
  concurrency?: number;
  /** Default 60_000, renewed every leaseMs/3 while a job runs. Must exceed the longest stretch run() blocks the event loop. */
  leaseMs?: number;
  /** Default 1000: how often to look for work when idle. */
  pollMs?: number;
  /** Default 3. */
  maxAttempts?: number;
  /** Default 5_000: wait before retry n is retryDelayMs·2^(n-1), so a brief outage is not retried away at once. */
  retryDelayMs?: number;
  /**
   * Which running jobs count as abandoned at start and are requeued: those whose worker id starts
   * with this prefix. Default: all of them, right when this is the only process using the file.
   * `false` leaves them to lease expiry (use when other live processes share the file and no prefix
   * tells their workers apart).
   */
  abandonedWorkerPrefix?: string | false;
  /** Default false: polling while idle does not keep the process alive (a server does that); a running job always does. */
  keepAlive?: boolean;
}

export interface JobRunner {
  /** Look for work now (called after enqueue). */
  wake(): void;
  /** Resolves when this runner runs nothing and no job is claimable now (for tests and shutdown). */
  idle(): Promise<void>;
  /** Stops claiming, aborts the signal of running jobs, waits for them to settle (their jobs stay running for the next start to requeue). */
  stop(): Promise<void>;
}

/** The abort reason given to a job's signal, so its outcome is not mistaken for a failure. */
export class JobInterruptedError extends Error {
  constructor(readonly why: 'runner-stopped' | 'lease-lost') {
    super(`job interrupted: ${why}`);
    this.name = 'JobInterruptedError';
  }
}

interface Settings {
  workerId: string;
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  retryDelayMs: number;
}

function settings(o: JobRunnerOptions): Settings {
  const s: Settings = {
    workerId: o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    concurrency: o.concurrency ?? 1,
    leaseMs: o.leaseMs ?? 60_000,
    pollMs: o.pollMs ?? 1000,
    maxAttempts: o.maxAttempts ?? 3,
    retryDelayMs: o.retryDelayMs ?? 5_000,
  };
  for (const name of ['concurrency', 'leaseMs', 'pollMs', 'maxAttempts'] as const) {
    if (!(s[name] > 0)) throw new RangeError(`job runner ${name} must be positive, got ${s[name]}`);
  }
  if (!(s.retryDelayMs >= 0)) throw new RangeError(`job runner retryDelayMs must be >= 0`);
  return s;
}

/** Enough of the key to correlate log lines; keys are meant to be digests, not identifiers. */
function keyPrefix(key: string): string {
  return key.slice(0, 12);
}

/** The class of an error, safe to log; its message stays in the queue's lastError only. */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * Starts the background worker loop: it claims jobs from the queue up to `concurrency` at a time,
 * keeps their leases renewed while `run` works, and records the outcome. It looks for work when
 * woken, when a job ends and every `pollMs`. Nothing it does can reject unhandled: queue errors
 * are logged and retried on the next poll.
 */
export function startJobRunner(o: JobRunnerOptions): JobRunner {
  const s = settings(o);
  const log = o.logger.child({ component: 'job-runner', workerId: s.workerId });
  const freeSlots = Array.from({ length: s.concurrency }, (_, i) => s.concurrency - 1 - i);
  const running = new Map<number, { controller: AbortController; settled: Promise<void> }>();
  let idleWaiters: (() => void)[] = [];
  let stopped = false;
  let pumpScheduled = false;
  /** True when the last look for work failed, so "nothing found" cannot be trusted yet. */
  let claimBroken = false;

  requeueAbandoned();
  const poll = setInterval(pump, s.pollMs);
  if (!o.keepAlive) poll.unref();
  schedulePump();

  function requeueAbandoned(): void {
    if (o.abandonedWorkerPrefix === false) return;
    try {
      const n = o.queue.requeueAbandoned(o.abandonedWorkerPrefix);
      if (n > 0) log.info({ requeued: n }, 'requeued jobs abandoned by a previous run');
    } catch (err) {
      log.error({ err: errorName(err) }, 'could not requeue abandoned jobs; they wait for lease expiry');
    }
  }

  /** Coalesces wake-ups and keeps claiming out of the caller's stack (e.g. a request handler). */
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  }

  /** Fills free slots with claimed jobs, then wakes idle() waiters if nothing is left to do. */
  function pump(): void {
    while (!stopped && freeSlots.length > 0) {
      const slot = freeSlots.pop() as number;
      const job = claim(slot);
      if (!job) {
        freeSlots.push(slot);
        break;
      }
      launch(job, slot);
    }
    if (running.size === 0 && (stopped || !claimBroken)) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function slotWorker(slot: number): string {
    return `${s.workerId}/${slot}`;
  }

  function claim(slot: number): QueuedJob | undefined {
    try {
      const job = o.queue.claim(slotWorker(slot), s.leaseMs, Date.now(), s.maxAttempts);
      claimBroken = false;
      return job;
    } catch (err) {
      claimBroken = true;
      log.error({ err: errorName(err) }, 'could not claim a job; retrying at the next poll');
      return undefined;
    }
  }

  function launch(job: QueuedJob, slot: number): void {
    const controller = new AbortController();
    const settled = execute(job, slotWorker(slot), controller)
      .catch((err: unknown) => log.error({ jobId: job.id, err: errorName(err) }, 'job runner bug'))
      .finally(() => {
        running.delete(slot);
        freeSlots.push(slot);
        schedulePump();
      });
    running.set(slot, { controller, settled });
  }

  /** Runs one claimed job to its recorded outcome; never rejects. */
  async function execute(job: QueuedJob, worker: string, controller: AbortController): Promise<void> {
    const meta = { jobId: job.id, key: keyPrefix(job.key), reason: job.reason, attempt: job.attempts };
    log.info({ ...meta, state: 'running' }, 'job started');
    // Left ref'd: a job in progress keeps the process alive until it settles, even if idle polling does not.
    const renewal = setInterval(() => renew(job.id, worker, controller), Math.max(1, s.leaseMs / 3));
    let outcome: { ok: true } | { ok: false; err: unknown };
    try {
      await o.run(job, controller.signal);
      outcome = { ok: true };
    } catch (err) {
      outcome = { ok: false, err };
    } finally {
      clearInterval(renewal);
    }
    try {
      record(job, worker, controller.signal, outcome, meta);
    } catch (err) {
      // The job stays running under our id; lease expiry or the next start's requeue picks it up.
      log.error({ ...meta, err: errorName(err) }, 'could not record job outcome');
    }
  }

  function renew(id: number, worker: string, controller: AbortController): void {
    try {
      if (!o.queue.renew(id, worker, s.leaseMs)) {
        log.warn({ jobId: id }, 'lease lost to another worker; aborting this attempt');
        controller.abort(new JobInterruptedError('lease-lost'));
      }
    } catch (err) {
      log.warn({ jobId: id, err: errorName(err) }, 'could not renew lease; will retry');
    }
  }

  function record(
    job: QueuedJob,
    worker: string,
    signal: AbortSignal,
    outcome: { ok: true } | { ok: false; err: unknown },
    meta: Record<string, unknown>,
  ): void {
    if (outcome.ok) {
      // Work that finished despite an abort is still done, as long as no one else took the job.
      const held = o.queue.complete(job.id, worker);
      if (held) log.info({ ...meta, state: 'done' }, 'job done');
      else log.warn({ ...meta }, 'job finished but its lease was lost; another worker has it');
      return;
    }
    if (signal.aborted) {
      // An interruption is not the job's fault: leave it for requeue (stop) or its new holder.
      const why = signal.reason instanceof JobInterruptedError ? signal.reason.why : 'aborted';
      log.info({ ...meta, why }, 'job interrupted');
      return;
    }
    const delay = s.retryDelayMs * 2 ** Math.max(0, job.attempts - 1);
    const state = o.queue.fail(job.id, worker, errorText(outcome.err), s.maxAttempts, delay);
    const level = state === 'failed' ? 'error' : 'warn';
    log[level]({ ...meta, state, err: errorName(outcome.err) }, 'job attempt failed');
  }

  return {
    wake: schedulePump,
    idle(): Promise<void> {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        pump();
      });
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(poll);
      const jobs = [...running.values()];
      for (const j of jobs) j.controller.abort(new JobInterruptedError('runner-stopped'));
      await Promise.allSettled(jobs.map((j) => j.settled));
      pump(); // releases idle() waiters
    },
  };
}
