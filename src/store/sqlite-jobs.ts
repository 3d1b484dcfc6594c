import type Database from 'better-sqlite3';
import type { CachedResult, FailOutcome, JobQueue, JobState, QueuedJob, ResultCache } from './job-queue.ts';

/*
 * Column names avoid the SQL keyword KEY. Times that the queue compares (leases, retry delays)
 * are epoch milliseconds; times that people read are ISO text.
 *
 * The partial unique index allows one queued-or-running job per key, so a duplicate can never be
 * inserted even by a process that skipped the check in `enqueue`; finished jobs stay as history.
 */
const JOB_SCHEMA = `
CREATE TABLE IF NOT EXISTS prediction_job (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_key     TEXT NOT NULL,
  payload     TEXT NOT NULL,
  reason      TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  worker_id   TEXT,
  lease_until INTEGER,
  not_before  INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS prediction_job_active_key
  ON prediction_job(job_key) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS prediction_job_by_key ON prediction_job(job_key, id);
CREATE INDEX IF NOT EXISTS prediction_job_by_state ON prediction_job(state, id);
`;

const CACHE_SCHEMA = `
CREATE TABLE IF NOT EXISTS result_cache (
  cache_key TEXT PRIMARY KEY,
  value     TEXT NOT NULL,
  stored_at TEXT NOT NULL
);
`;

/** Longest error text kept per job: enough for a message and a few stack lines. */
const MAX_ERROR_CHARS = 4000;

interface JobRow {
  id: number;
  job_key: string;
  payload: string;
  reason: string;
  state: JobState;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

const JOB_COLUMNS = 'id, job_key, payload, reason, state, attempts, last_error, created_at, updated_at';

function toJob(row: JobRow): QueuedJob {
  const job: QueuedJob = {
    id: row.id,
    key: row.job_key,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    reason: row.reason,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.last_error !== null) job.lastError = row.last_error;
  return job;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

function requirePositive(name: string, value: number): void {
  if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
}

/**
 * The job queue on the service's SQLite file. Every write is one transaction; those that read
 * before writing (`enqueue`, `claim`) take the write lock first (IMMEDIATE), so two processes
 * sharing the file cannot both insert the same key or claim the same job.
 *
 * Expects a connection set up like SqliteStore's (WAL, synchronous=FULL, a busy timeout), which
 * `SqliteStore.database` provides.
 */
export class SqliteJobQueue implements JobQueue {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    db.exec(JOB_SCHEMA);
    this.stmt = {
      byId: db.prepare<[number], JobRow>(`SELECT ${JOB_COLUMNS} FROM prediction_job WHERE id = ?`),
      activeByKey: db.prepare<[string], JobRow>(
        `SELECT ${JOB_COLUMNS} FROM prediction_job WHERE job_key = ? AND state IN ('queued', 'running')`,
      ),
      latestByKey: db.prepare<[string], JobRow>(
        `SELECT ${JOB_COLUMNS} FROM prediction_job WHERE job_key = ? ORDER BY id DESC LIMIT 1`,
      ),
      insert: db.prepare<[string, string, string, string, string]>(
        `INSERT INTO prediction_job (job_key, payload, reason, state, created_at, updated_at)
         VALUES (?, ?, ?, 'queued', ?, ?)`,
      ),
      // Oldest first across both kinds, so a crashed worker's job is not starved by new work.
      nextClaimable: db.prepare<[{ now: number }], JobRow>(
        `SELECT ${JOB_COLUMNS} FROM prediction_job
         WHERE (state = 'queued' AND not_before <= @now) OR (state = 'running' AND lease_until <= @now)
         ORDER BY id LIMIT 1`,
      ),
      markClaimed: db.prepare<[{ id: number; worker: string; leaseUntil: number; at: string }]>(
        `UPDATE prediction_job
         SET state = 'running', worker_id = @worker, lease_until = @leaseUntil,
             attempts = attempts + 1, updated_at = @at
         WHERE id = @id`,
      ),
      giveUp: db.prepare<[{ id: number; error: string; at: string }]>(
        `UPDATE prediction_job
         SET state = 'failed', last_error = @error, lease_until = NULL, updated_at = @at
         WHERE id = @id`,
      ),
      renew: db.prepare<[{ id: number; worker: string; leaseUntil: number; at: string }]>(
        `UPDATE prediction_job SET lease_until = @leaseUntil, updated_at = @at
         WHERE id = @id AND state = 'running' AND worker_id = @worker`,
      ),
      complete: db.prepare<[{ id: number; worker: string; at: string }]>(
        `UPDATE prediction_job SET state = 'done', lease_until = NULL, updated_at = @at
         WHERE id = @id AND state = 'running' AND worker_id = @worker`,
      ),
      // One statement, so the attempts it compares are the ones it updates.
      fail: db.prepare<
        [{ id: number; worker: string; error: string; max: number; notBefore: number; at: string }],
        { state: 'queued' | 'failed' }
      >(
        `UPDATE prediction_job
         SET state = CASE WHEN attempts < @max THEN 'queued' ELSE 'failed' END,
             worker_id = CASE WHEN attempts < @max THEN NULL ELSE worker_id END,
             not_before = CASE WHEN attempts < @max THEN @notBefore ELSE not_before END,
             last_error = @error, lease_until = NULL, updated_at = @at
         WHERE id = @id AND state = 'running' AND worker_id = @worker
         RETURNING state`,
      ),
      requeue: db.prepare<[{ prefix: string | null; at: string }]>(
        `UPDATE prediction_job
         SET state = 'queued', worker_id = NULL, lease_until = NULL, not_before = 0, updated_at = @at
         WHERE state = 'running'
           AND (@prefix IS NULL OR substr(worker_id, 1, length(@prefix)) = @prefix)`,
      ),
      counts: db.prepare<[], { state: JobState; n: number }>(
        'SELECT state, COUNT(*) AS n FROM prediction_job GROUP BY state',
      ),
    };
  }

  enqueue(
    key: string,
    payload: Record<string, unknown>,
    reason: string,
  ): { job: QueuedJob; created: boolean } {
    const body = JSON.stringify(payload);
    const tx = this.db.transaction((): { job: QueuedJob; created: boolean } => {
      const active = this.stmt.activeByKey.get(key);
      if (active) return { job: toJob(active), created: false };
      const at = new Date().toISOString();
      const { lastInsertRowid } = this.stmt.insert.run(key, body, reason, at, at);
      return { job: this.mustGet(Number(lastInsertRowid)), created: true };
    });
    return tx.immediate();
  }

  claim(
    workerId: string,
    leaseMs: number,
    nowMs: number = Date.now(),
    maxAttempts: number = Number.POSITIVE_INFINITY,
  ): QueuedJob | undefined {
    requirePositive('leaseMs', leaseMs);
    const at = isoAt(nowMs);
    const tx = this.db.transaction((): QueuedJob | undefined => {
      for (;;) {
        const row = this.stmt.nextClaimable.get({ now: nowMs });
        if (!row) return undefined;
        if (row.attempts >= maxAttempts) {
          // Only a job whose worker vanished mid-attempt gets here (`fail` never requeues one that
          // used its attempts); running it again would likely take this process down too.
          const error = `abandoned: attempt ${row.attempts} did not finish (worker stopped or crashed)`;
          this.stmt.giveUp.run({ id: row.id, error, at });
          continue;
        }
        this.stmt.markClaimed.run({ id: row.id, worker: workerId, leaseUntil: nowMs + leaseMs, at });
        return this.mustGet(row.id);
      }
    });
    return tx.immediate();
  }

  renew(id: number, workerId: string, leaseMs: number, nowMs: number = Date.now()): boolean {
    requirePositive('leaseMs', leaseMs);
    const r = this.stmt.renew.run({ id, worker: workerId, leaseUntil: nowMs + leaseMs, at: isoAt(nowMs) });
    return r.changes === 1;
  }

  complete(id: number, workerId: string): boolean {
    return this.stmt.complete.run({ id, worker: workerId, at: new Date().toISOString() }).changes === 1;
  }

  fail(
    id: number,
    workerId: string,
    error: string,
    maxAttempts: number,
    retryDelayMs = 0,
    nowMs: number = Date.now(),
  ): FailOutcome {
    requirePositive('maxAttempts', maxAttempts);
    const row = this.stmt.fail.get({
      id,
      worker: workerId,
      error: error.slice(0, MAX_ERROR_CHARS),
      max: maxAttempts,
      notBefore: nowMs + Math.max(0, retryDelayMs),
      at: isoAt(nowMs),
    });
    return row ? row.state : 'not-held';
  }

  requeueAbandoned(workerIdPrefix?: string): number {
    const r = this.stmt.requeue.run({ prefix: workerIdPrefix ?? null, at: new Date().toISOString() });
    return r.changes;
  }

  byKey(key: string): QueuedJob | undefined {
    const row = this.stmt.latestByKey.get(key);
    return row ? toJob(row) : undefined;
  }

  counts(): Record<JobState, number> {
    const out: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const { state, n } of this.stmt.counts.all()) out[state] = n;
    return out;
  }

  /** Reads a row the current transaction just wrote, so its absence is a bug. */
  private mustGet(id: number): QueuedJob {
    const row = this.stmt.byId.get(id);
    if (!row) throw new Error(`prediction_job ${id} vanished inside its own transaction`);
    return toJob(row);
  }
}

/**
 * Results keyed by the content key of the work that produced them, stored as JSON text on the
 * service's SQLite file. A later `put` for the same key replaces the value (e.g. a recomputation
 * after a fix), so readers always see one value per key.
 */
export class SqliteResultCache implements ResultCache {
  private readonly stmt;

  constructor(db: Database.Database) {
    db.exec(CACHE_SCHEMA);
    this.stmt = {
      get: db.prepare<[string], { cache_key: string; value: string; stored_at: string }>(
        'SELECT cache_key, value, stored_at FROM result_cache WHERE cache_key = ?',
      ),
      put: db.prepare<[string, string, string]>(
        `INSERT INTO result_cache (cache_key, value, stored_at) VALUES (?, ?, ?)
         ON CONFLICT(cache_key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at`,
      ),
    };
  }

  get<T = unknown>(key: string): CachedResult<T> | undefined {
    const row = this.stmt.get.get(key);
    if (!row) return undefined;
    return { key: row.cache_key, value: JSON.parse(row.value) as T, storedAt: row.stored_at };
  }

  put(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    // JSON.stringify returns undefined for undefined, functions and symbols: refuse rather than
    // store something `get` could not give back.
    if (text === undefined) throw new TypeError(`result for ${key.slice(0, 12)}… is not JSON-serialisable`);
    this.stmt.put.run(key, text, new Date().toISOString());
  }
}
