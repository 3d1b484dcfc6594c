import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { JobQueue, QueuedJob } from '../store/job-queue.ts';
import { SqliteJobQueue } from '../store/sqlite-jobs.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { silentLogger } from '../util/logger.ts';
import { JobInterruptedError, startJobRunner } from './job-runner.ts';

/** Resolves when `signal` aborts, rejecting with its reason, as a well-behaved job would. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('background job runner', () => {
  let dir: string;
  const open: SqliteStore[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-runner-'));
    process.on('unhandledRejection', onUnhandled);
  });
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    for (const s of open) s.close();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(unhandled, [], 'the runner never rejects unhandled');
  });

  /** A fresh connection to the named file, as a (re)started process would open it. */
  function queueOn(name: string): SqliteJobQueue {
    const store = new SqliteStore(path.join(dir, `${name}.sqlite`));
    open.push(store);
    return new SqliteJobQueue(store.database);
  }

  it('runs queued jobs to done', async () => {
    const queue = queueOn('done');
    const keys = ['k1', 'k2', 'k3', 'k4'];
    for (const k of keys) queue.enqueue(k, { k }, 'webhook');
    const ran: string[] = [];
    const runner = startJobRunner({
      queue,
      logger: silentLogger,
      concurrency: 2,
      run: async (job) => {
        await new Promise((r) => setTimeout(r, 5));
        ran.push(job.key);
      },
    });
    await runner.idle();
    assert.deepEqual([...ran].sort(), keys);
    assert.deepEqual(queue.counts(), { queued: 0, running: 0, done: 4, failed: 0 });

    queue.enqueue('later', {}, 'patient-view');
    runner.wake();
    await runner.idle();
    assert.equal(queue.byKey('later')?.state, 'done', 'wake() picks up new work');
    await runner.stop();
  });

  it('retries a throwing job, then marks it failed after maxAttempts', async () => {
    const queue = queueOn('retry');
    queue.enqueue('always', {}, 'webhook');
    queue.enqueue('once', {}, 'webhook');
    const calls = new Map<string, number>();
    const runner = startJobRunner({
      queue,
      logger: silentLogger,
      maxAttempts: 3,
      retryDelayMs: 0,
      run: (job) => {
        const n = (calls.get(job.key) ?? 0) + 1;
        calls.set(job.key, n);
        // Thrown synchronously on purpose: a run() that is not async must not escape either.
        if (job.key === 'always' || n === 1) throw new Error(`attempt ${n} broke`);
        return Promise.resolve();
      },
    });
    await runner.idle();
    await runner.stop();
    const always = queue.byKey('always');
    assert.equal(always?.state, 'failed');
    assert.equal(always?.attempts, 3);
    assert.equal(calls.get('always'), 3);
    assert.match(always?.lastError ?? '', /attempt 3 broke/);
    const once = queue.byKey('once');
    assert.equal(once?.state, 'done');
    assert.equal(once?.attempts, 2);
  });

  it('after stop(), a new runner on the same file completes the interrupted job', async () => {
    const first = queueOn('restart');
    const { job } = first.enqueue('k', { study: '1.2.3' }, 'webhook');
    const started = deferred();
    let abortReason: unknown;
    const runner1 = startJobRunner({
      queue: first,
      logger: silentLogger,
      run: (_job, signal) => {
        started.resolve();
        signal.addEventListener('abort', () => (abortReason = signal.reason));
        return untilAborted(signal);
      },
    });
    await started.promise;
    await runner1.stop();
    assert.ok(abortReason instanceof JobInterruptedError && abortReason.why === 'runner-stopped');
    assert.equal(first.byKey('k')?.state, 'running', 'an interrupted job is not failed');

    const second = queueOn('restart');
    const ranAgain: number[] = [];
    const runner2 = startJobRunner({
      queue: second,
      logger: silentLogger,
      run: async (j) => {
        ranAgain.push(j.id);
      },
    });
    await runner2.idle();
    await runner2.stop();
    assert.deepEqual(ranAgain, [job.id]);
    const done = second.byKey('k');
    assert.equal(done?.state, 'done');
    assert.equal(done?.attempts, 2);
  });

  it('aborts a job whose lease another worker took over, without failing it', async () => {
    const queue = queueOn('lease-lost');
    const { job } = queue.enqueue('k', {}, 'webhook');
    const started = deferred();
    const aborted = deferred<unknown>();
    const runner = startJobRunner({
      queue,
      logger: silentLogger,
      leaseMs: 60,
      run: (_job, signal) => {
        started.resolve();
        signal.addEventListener('abort', () => aborted.resolve(signal.reason));
        return untilAborted(signal);
      },
    });
    await started.promise;
    // Another worker sees the lease as expired (its clock is ahead) and takes the job.
    assert.equal(queue.claim('thief', 60_000, Date.now() + 1000)?.id, job.id);
    const reason = await aborted.promise;
    assert.ok(reason instanceof JobInterruptedError && reason.why === 'lease-lost');
    await runner.stop();
    const now = queue.byKey('k');
    assert.equal(now?.state, 'running', 'still running, now under the thief');
    assert.equal(now?.lastError, undefined, 'the lost attempt was not recorded as a failure');
    assert.equal(queue.complete(job.id, 'thief'), true);
  });

  it('survives a queue that throws, and picks the work up on a later poll', async () => {
    const real = queueOn('flaky');
    real.enqueue('k', {}, 'webhook');
    let claimCalls = 0;
    const flaky: JobQueue = Object.create(real) as JobQueue;
    flaky.claim = (...args: Parameters<JobQueue['claim']>): QueuedJob | undefined => {
      claimCalls += 1;
      if (claimCalls === 1) throw new Error('SQLITE_BUSY (simulated)');
      return real.claim(...args);
    };
    flaky.requeueAbandoned = () => {
      throw new Error('disk gone (simulated)');
    };
    // keepAlive: between the failed claim and the next poll nothing else holds the event loop open.
    const runner = startJobRunner({
      queue: flaky,
      logger: silentLogger,
      pollMs: 10,
      keepAlive: true,
      run: async () => {},
    });
    await runner.idle();
    await runner.stop();
    assert.ok(claimCalls >= 2);
    assert.equal(real.byKey('k')?.state, 'done');
  });

  it('logs job ids and key prefixes but never payload contents or error messages', async () => {
    const queue = queueOn('logs');
    const key = 'a'.repeat(64);
    const { job } = queue.enqueue(key, { patientId: 'PATIENT-SECRET-42' }, 'webhook');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const runner = startJobRunner({
      queue,
      logger: pino({ level: 'debug' }, sink),
      maxAttempts: 1,
      run: async (j) => {
        throw new Error(`no study for ${String(j.payload.patientId)}`);
      },
    });
    await runner.idle();
    await runner.stop();
    const text = lines.join('');
    assert.equal(queue.byKey(key)?.state, 'failed');
    assert.match(queue.byKey(key)?.lastError ?? '', /PATIENT-SECRET-42/, 'the message is kept in the store');
    assert.ok(!text.includes('PATIENT-SECRET-42'), 'no patient id in the logs');
    assert.ok(!text.includes(key), 'only a prefix of the key is logged');
    const failed = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.state === 'failed');
    assert.equal(failed?.jobId, job.id);
    assert.equal(failed?.key, key.slice(0, 12));
    assert.equal(failed?.err, 'Error');
  });
});
