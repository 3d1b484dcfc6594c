import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteJobQueue, SqliteResultCache } from './sqlite-jobs.ts';
import { SqliteStore } from './sqlite-store.ts';

describe('SQLite job queue and result cache', () => {
  let dir: string;
  const open: SqliteStore[] = [];
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-jobs-'));
  });
  after(() => {
    for (const s of open) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A store on its own file (or on `file`, for a second connection as another process would). */
  function storeAt(name: string): { store: SqliteStore; file: string } {
    const file = path.join(dir, `${name}.sqlite`);
    const store = new SqliteStore(file);
    open.push(store);
    return { store, file };
  }

  function queueAt(name: string): SqliteJobQueue {
    return new SqliteJobQueue(storeAt(name).store.database);
  }

  const T0 = Date.parse('2030-01-01T00:00:00Z');

  it('dedupes by key while a job is queued or running', () => {
    const q = queueAt('dedupe');
    const first = q.enqueue('k1', { study: 'a' }, 'webhook');
    assert.equal(first.created, true);
    assert.equal(first.job.state, 'queued');
    assert.deepEqual(first.job.payload, { study: 'a' });

    const again = q.enqueue('k1', { study: 'other' }, 'qido-poll');
    assert.equal(again.created, false);
    assert.equal(again.job.id, first.job.id);
    assert.equal(again.job.reason, 'webhook', 'the queued job is returned unchanged');

    q.claim('w1', 1000, T0);
    const whileRunning = q.enqueue('k1', {}, 'patient-view');
    assert.equal(whileRunning.created, false);
    assert.equal(whileRunning.job.state, 'running');
    assert.deepEqual(q.counts(), { queued: 0, running: 1, done: 0, failed: 0 });
  });

  it('queues a key again after its job is done or failed; byKey gives the latest', () => {
    const q = queueAt('requeue-key');
    const a = q.enqueue('k', { n: 1 }, 'webhook').job;
    q.claim('w', 1000, T0);
    assert.equal(q.complete(a.id, 'w'), true);
    assert.equal(q.byKey('k')?.state, 'done');

    const b = q.enqueue('k', { n: 2 }, 'hook-deadline');
    assert.equal(b.created, true);
    assert.notEqual(b.job.id, a.id);
    assert.deepEqual(q.byKey('k')?.payload, { n: 2 });

    q.claim('w', 1000, T0);
    assert.equal(q.fail(b.job.id, 'w', 'boom', 1), 'failed');
    const c = q.enqueue('k', { n: 3 }, 'webhook');
    assert.equal(c.created, true, 'a failed key can be queued again');
    assert.equal(q.byKey('k')?.id, c.job.id);
    assert.equal(q.byKey('nope'), undefined);
  });

  it('claims the oldest queued job first and counts attempts', () => {
    const q = queueAt('order');
    const ids = ['a', 'b', 'c'].map((k) => q.enqueue(k, {}, 'webhook').job.id);
    const claimed = [q.claim('w', 1000, T0), q.claim('w', 1000, T0), q.claim('w', 1000, T0)];
    assert.deepEqual(
      claimed.map((j) => j?.id),
      ids,
    );
    assert.ok(claimed.every((j) => j?.state === 'running' && j.attempts === 1));
    assert.equal(q.claim('w', 1000, T0), undefined, 'nothing left to claim');
  });

  it('lets another worker claim a running job once its lease expired', () => {
    const q = queueAt('lease');
    const { job } = q.enqueue('k', {}, 'webhook');
    assert.equal(q.claim('w1', 100, T0)?.id, job.id);
    assert.equal(q.claim('w2', 100, T0 + 99), undefined, 'lease still live');

    const taken = q.claim('w2', 100, T0 + 100);
    assert.equal(taken?.id, job.id);
    assert.equal(taken?.attempts, 2);
    assert.equal(q.renew(job.id, 'w1', 100, T0 + 101), false, 'the first worker lost it');
    assert.equal(q.complete(job.id, 'w1'), false);
    assert.equal(q.fail(job.id, 'w1', 'late', 3), 'not-held');
    assert.equal(q.byKey('k')?.state, 'running', "the loser's calls changed nothing");
    assert.equal(q.complete(job.id, 'w2'), true);
    assert.equal(q.byKey('k')?.state, 'done');
  });

  it('renew extends the lease of the holder', () => {
    const q = queueAt('renew');
    const { job } = q.enqueue('k', {}, 'webhook');
    q.claim('w1', 100, T0);
    assert.equal(q.renew(job.id, 'w1', 100, T0 + 80), true);
    assert.equal(q.claim('w2', 100, T0 + 150), undefined, 'renewed lease runs to T0+180');
    assert.equal(q.claim('w2', 100, T0 + 180)?.id, job.id);
    assert.equal(q.renew(job.id, 'nobody', 100, T0 + 181), false);
  });

  it('requeues a failed attempt until maxAttempts, then marks the job failed', () => {
    const q = queueAt('fail');
    const { job } = q.enqueue('k', {}, 'webhook');
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      assert.equal(q.claim('w', 1000, T0)?.attempts, attempt);
      assert.equal(q.fail(job.id, 'w', `err ${attempt}`, 3, 0, T0), 'queued');
      assert.equal(q.byKey('k')?.lastError, `err ${attempt}`);
    }
    q.claim('w', 1000, T0);
    assert.equal(q.fail(job.id, 'w', 'err 3', 3, 0, T0), 'failed');
    const last = q.byKey('k');
    assert.equal(last?.state, 'failed');
    assert.equal(last?.attempts, 3);
    assert.equal(q.claim('w', 1000, T0 + 10_000), undefined, 'a failed job is not claimed');
  });

  it('holds a requeued job back for the retry delay', () => {
    const q = queueAt('retry-delay');
    const { job } = q.enqueue('k', {}, 'webhook');
    q.claim('w', 1000, T0);
    assert.equal(q.fail(job.id, 'w', 'transient', 3, 500, T0), 'queued');
    assert.equal(q.claim('w', 1000, T0 + 499), undefined);
    assert.equal(q.claim('w', 1000, T0 + 500)?.id, job.id);
  });

  it('requeues abandoned running jobs, optionally only those of one worker prefix', () => {
    const q = queueAt('abandoned');
    for (const k of ['a', 'b', 'c']) q.enqueue(k, {}, 'webhook');
    q.claim('host1:100:x/0', 60_000);
    q.claim('host1:100:x/1', 60_000);
    q.claim('host2:200:y/0', 60_000);
    assert.equal(q.requeueAbandoned('host1:100:'), 2);
    assert.deepEqual(q.counts(), { queued: 2, running: 1, done: 0, failed: 0 });
    assert.equal(q.byKey('c')?.state, 'running', "another prefix's job is left alone");
    assert.equal(q.requeueAbandoned(), 1);
    assert.equal(q.counts().queued, 3);
    assert.equal(q.claim('new', 60_000)?.attempts, 2, 'the interrupted attempt still counts');
  });

  it('gives up on a job abandoned in its last attempt instead of claiming it again', () => {
    const q = queueAt('poison');
    q.enqueue('poison', {}, 'webhook');
    const healthy = q.enqueue('healthy', {}, 'webhook').job;
    for (let i = 0; i < 2; i += 1) {
      q.claim('crashy', 1000, T0, 2);
      q.requeueAbandoned();
    }
    const next = q.claim('w', 1000, T0, 2);
    assert.equal(next?.id, healthy.id, 'the poison job is skipped');
    const poison = q.byKey('poison');
    assert.equal(poison?.state, 'failed');
    assert.match(poison?.lastError ?? '', /abandoned/);
  });

  it('refuses a second active job for a key even through SQL (unique index)', () => {
    const { store } = storeAt('unique');
    const q = new SqliteJobQueue(store.database);
    q.enqueue('k', {}, 'webhook');
    const insert = store.database.prepare(
      "INSERT INTO prediction_job (job_key, payload, reason, state, created_at, updated_at) VALUES ('k', '{}', 'x', 'queued', 'now', 'now')",
    );
    assert.throws(() => insert.run(), /UNIQUE/);
  });

  it('two queues on one file never claim the same job (interleaved)', () => {
    const { file } = storeAt('shared');
    const [aStore, bStore] = [new SqliteStore(file), new SqliteStore(file)];
    open.push(aStore, bStore);
    const a = new SqliteJobQueue(aStore.database);
    const b = new SqliteJobQueue(bStore.database);
    for (let i = 0; i < 10; i += 1) (i % 2 ? a : b).enqueue(`k${i}`, { i }, 'webhook');
    assert.equal(b.enqueue('k3', {}, 'webhook').created, false, 'dedupe spans connections');

    const seen: number[] = [];
    for (;;) {
      const fromA = a.claim('A', 60_000);
      const fromB = b.claim('B', 60_000);
      if (fromA) seen.push(fromA.id);
      if (fromB) seen.push(fromB.id);
      if (!fromA && !fromB) break;
    }
    assert.equal(seen.length, 10);
    assert.equal(new Set(seen).size, 10, 'no job claimed twice');
  });

  it('two processes claiming concurrently never claim the same job', async () => {
    const { store, file } = storeAt('processes');
    const q = new SqliteJobQueue(store.database);
    const n = 200;
    for (let i = 0; i < n; i += 1) q.enqueue(`k${i}`, { i }, 'webhook');
    const startAt = Date.now() + 1500; // both children start claiming at the same moment
    const [a, b] = await Promise.all([claimInChild(file, 'A', startAt), claimInChild(file, 'B', startAt)]);
    const all = [...a, ...b];
    assert.equal(all.length, n);
    assert.equal(new Set(all).size, n, 'no job claimed twice');
    assert.deepEqual(q.counts(), { queued: 0, running: n, done: 0, failed: 0 });
  });

  it('result cache: put, get, replace, and persistence across a reopen', () => {
    const { store, file } = storeAt('cache');
    const cache = new SqliteResultCache(store.database);
    assert.equal(cache.get('r1'), undefined);
    cache.put('r1', { probability: 0.42, flags: ['a'] });
    const got = cache.get<{ probability: number; flags: string[] }>('r1');
    assert.deepEqual(got?.value, { probability: 0.42, flags: ['a'] });
    assert.equal(got?.key, 'r1');
    assert.ok(!Number.isNaN(Date.parse(got?.storedAt ?? '')));

    cache.put('r1', 7);
    assert.equal(cache.get('r1')?.value, 7, 'a second put replaces the value');
    assert.throws(() => cache.put('r2', undefined), TypeError);

    const other = new SqliteStore(file);
    open.push(other);
    assert.equal(new SqliteResultCache(other.database).get('r1')?.value, 7);
    assert.equal(
      store.database.prepare('SELECT COUNT(*) AS n FROM result_cache').pluck().get(),
      1,
      'one row per key',
    );
  });
});

/** Claims jobs in a separate Node process from `startAt` until none is left; resolves their ids. */
function claimInChild(file: string, worker: string, startAt: number): Promise<number[]> {
  const here = new URL('.', import.meta.url);
  const script = `
    import { SqliteStore } from ${JSON.stringify(new URL('sqlite-store.ts', here).href)};
    import { SqliteJobQueue } from ${JSON.stringify(new URL('sqlite-jobs.ts', here).href)};
    const store = new SqliteStore(${JSON.stringify(file)});
    const q = new SqliteJobQueue(store.database);
    while (Date.now() < ${startAt}) {}
    const ids = [];
    for (let job = q.claim(${JSON.stringify(worker)}, 60000); job; job = q.claim(${JSON.stringify(worker)}, 60000)) {
      ids.push(job.id);
      // A moment of "work" outside the transaction, so the other process gets the lock in between.
      for (const t = Date.now() + 1; Date.now() < t; );
    }
    store.close();
    process.stdout.write(JSON.stringify(ids));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as number[]);
      else reject(new Error(`claim child ${worker} exited ${code}: ${err}`));
    });
  });
}
