/**
 * The imaging pipeline in the hooks, end to end (DESIGN §4–6): a synthetic cohort stored in a
 * real Orthanc (DICOMweb) and in the embedded FHIR server, signed order-sign calls over HTTP,
 * the durable job queue and results cache on SQLite, and the faults the design promises to
 * survive: a deadline, a PACS that dies mid-retrieval, a service killed mid-job, a FHIR server
 * answering 500.
 *
 * Reference values: `axilla predict` (runPredict) over the cohort's folder of Part-10 files and
 * its FHIR Bundle file. It reads the same pixels through another source (files; no PACS, no
 * queue, no results cache, no HTTP, no FHIR server), so equal numbers show that the transport,
 * the queue and the stored JSON change nothing. UIDs are checked against cohort.csv (written by
 * the generator), the SEG files and the instance headers read with dcmjs, and Orthanc's own
 * QIDO-RS answers, none of which go through the product's imaging code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadCardWording } from '../src/cds/card-wording.ts';
import type { CohortSequence } from '../src/cohort/manifest.ts';
import { pushDicom } from '../src/dicom/push.ts';
import type { RunningService } from '../src/http/service.ts';
import type { AuditEntry } from '../src/store/audit-store.ts';
import { SEG_DCE_TEMPORAL_POSITION, SEG_DWI_B_VALUE } from '../src/synth/cohort-writer.ts';
import {
  callHook,
  filesUnder,
  folderReference,
  freshStore,
  killOrthanc,
  orderSignBody,
  orthancSeriesInstances,
  REPO_ROOT,
  restartOrthanc,
  segReferencedInstances,
  seriesFolderHeaders,
  serviceSpec,
  spawnServiceProcess,
  startFailingFhirServer,
  startHoldingProxy,
  startImagingService,
  startImagingWorld,
  type HookReply,
  type ImagingWorld,
  type ReferencePrediction,
} from './support/imaging-rig.ts';
import { orthancSkipReason, startOrthanc } from './support/orthanc.ts';

const SEED = 'imaging-hooks-test';
const PATIENTS = ['SYN0001', 'SYN0002'] as const;
const RADIOMICS = 'radiomics-clinical-synthetic';
const DLR = 'dlr-synthetic';
/** The largest deadline the configuration accepts: long enough for a computed card here. */
const LONG_DEADLINE_MS = 60_000;
/**
 * The fault test's deadline: past the two failed attempts (the runner retries after 5 s), so the
 * hook answers with the job's failure rather than "in progress".
 */
const FAULT_DEADLINE_MS = 30_000;
const TOLERANCE = 1e-9;

const skip = orthancSkipReason();
const wording = loadCardWording(path.join(REPO_ROOT, 'cds-hooks'));

interface SeriesTraceLike {
  timePoint: 'pre' | 'post';
  sequence: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  temporalPositionIdentifier?: number;
  diffusionBValue?: number;
  sopInstanceUids: string[];
  seg: { seriesInstanceUid: string; sopInstanceUid: string };
}

interface TraceLike {
  studies: Record<'pre' | 'post', { studyInstanceUid: string }>;
  series: SeriesTraceLike[];
  retrieval: { fetchedInstances: number; cachedInstances: number };
  timingsMs: Record<string, number>;
}

interface HookDetail {
  resultKey?: string;
  output?: { probability: number };
  features?: { names: string[]; values: number[] };
  imaging?: TraceLike;
  imagingProblems?: { code: string; message: string }[];
  fallback?: { model: { id: string }; output: { probability: number } };
  computedAt?: string;
  reason?: string;
}

interface JobDetail {
  key: string;
  attempt: number;
  problems?: { code: string; message: string }[];
  trace?: TraceLike;
  probability?: number;
}

function hookAudit(running: RunningService, hookInstance: unknown): AuditEntry & { detail: HookDetail } {
  const entries = running.store.query({ hookInstance: String(hookInstance), kind: 'hook-call' });
  assert.equal(entries.length, 1, 'one audit entry per hook call');
  return entries[0] as AuditEntry & { detail: HookDetail };
}

/** The queue's audit entries for one result key, oldest first. */
function jobAudits(running: RunningService, key: string): (AuditEntry & { detail: JobDetail })[] {
  return (running.store.query({ kind: 'imaging-job' }) as (AuditEntry & { detail: JobDetail })[])
    .filter((e) => e.detail.key === key)
    .reverse();
}

function latestJobState(running: RunningService, key: string): string | undefined {
  return running.store.database
    .prepare<[string], { state: string }>(
      'SELECT state FROM prediction_job WHERE job_key = ? ORDER BY id DESC',
    )
    .get(key)?.state;
}

function assertClose(actual: number | undefined, expected: number, what: string): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= TOLERANCE,
    `${what}: ${actual} vs ${expected}`,
  );
}

/** The hook's card and audit are the prediction `ref` describes (numbers to 1e-9). */
function assertPrediction(
  running: RunningService,
  reply: HookReply,
  entry: AuditEntry & { detail: HookDetail },
  ref: ReferencePrediction,
  what: string,
): void {
  assert.equal(reply.status, 200, `${what}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.cards?.length, 1, `${what}: one card`);
  const card = reply.body.cards![0]!;
  // The card states the reference probability and its side of the bundle's threshold.
  const manifest = running.models.active()!.manifest;
  assert.notEqual(manifest.threshold, 'not available');
  const threshold = (manifest.threshold as { value: number }).value;
  const side = ref.probability >= threshold ? 'at or above' : 'below';
  assert.equal(
    card.summary,
    `apCR probability ${(ref.probability * 100).toFixed(0)}%: ${side} the model threshold of ${(threshold * 100).toFixed(0)}%`,
    `${what}: prediction card`,
  );
  assert.equal(card.indicator, 'info');
  assert.equal(entry.outcome, 'prediction', `${what}: audit outcome`);
  assert.equal(entry.model?.digest, ref.modelDigest, `${what}: same bundle as axilla predict`);
  assertClose(entry.detail.output?.probability, ref.probability, `${what}: probability`);
  const features = entry.detail.features!;
  assert.deepEqual(features.names, ref.features.names, `${what}: feature names`);
  assert.equal(features.values.length, ref.features.values.length);
  features.values.forEach((v, n) =>
    assertClose(v, ref.features.values[n]!, `${what}: feature ${features.names[n]}`),
  );
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/**
 * The (time point, sequence) series a bundle's inputs read, from their names alone (DESIGN §4:
 * `DCE_pre_…`, `T2_delta_…` = pre and post; any `DL_pc…` = the deep composite's DCE, DWI and
 * T2 at both time points).
 */
function seriesRead(running: RunningService): string[] {
  const pairs = new Set<string>();
  for (const input of running.models.active()!.manifest.inputs) {
    if (input.source === 'deep')
      for (const tp of ['pre', 'post']) for (const q of ['DCE', 'DWI', 'T2']) pairs.add(`${tp} ${q}`);
    if (input.source !== 'radiomics') continue;
    const m = /^([A-Za-z0-9]+)_(pre|post|delta)_/.exec(input.name);
    assert.ok(m, `radiomics input ${input.name} names sequence and time point`);
    for (const tp of m[2] === 'delta' ? ['pre', 'post'] : [m[2]!]) pairs.add(`${tp} ${m[1]}`);
  }
  return sorted([...pairs]);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('imaging pipeline in the hooks, against Orthanc and the embedded FHIR server', { skip }, () => {
  let world: ImagingWorld;
  const fileStarted = performance.now();
  const references = new Map<string, Promise<ReferencePrediction>>();
  /** `axilla predict` over the folder, computed once per (patient, model). */
  const reference = (patientId: string, model: string): Promise<ReferencePrediction> => {
    const key = `${model}/${patientId}`;
    if (!references.has(key)) references.set(key, folderReference(world, patientId, model));
    return references.get(key)!;
  };

  before(async () => {
    if (skip) return;
    world = await startImagingWorld({ patients: PATIENTS.length, seed: SEED });
  });
  after(async () => {
    await world?.close();
    console.log(
      `imaging-hooks: setup ${JSON.stringify(world?.timingsMs)} ms; whole file ${Math.round(performance.now() - fileStarted)} ms`,
    );
  });

  // DLR (deep backbone, slowest) on one patient only, to keep the file within its time budget.
  const served = [
    { model: RADIOMICS, patients: PATIENTS },
    { model: DLR, patients: ['SYN0001'] },
  ] as const;
  for (const { model, patients } of served) {
    describe(`${model} served over DICOMweb`, () => {
      let running: RunningService;
      let store: ReturnType<typeof freshStore>;
      const first = new Map<string, AuditEntry & { detail: HookDetail }>();

      before(async () => {
        store = freshStore();
        running = await startImagingService(world, {
          sqlitePath: store.sqlitePath,
          dicomWebUrl: world.orthanc.dicomWebRoot,
          model,
          deadlineMs: LONG_DEADLINE_MS,
        });
      });
      after(async () => {
        await running?.close();
        store?.remove();
      });

      it('order-sign gives a prediction card whose audited probability and features equal axilla predict over the folder', async (t) => {
        for (const patientId of patients) {
          const body = orderSignBody(world, patientId);
          const reply = await callHook(world, running.baseUrl, body);
          const entry = hookAudit(running, body.hookInstance);
          const started = performance.now();
          const ref = await reference(patientId, model);
          const refMs = Math.round(performance.now() - started);
          assertPrediction(running, reply, entry, ref, `${model} ${patientId}`);
          first.set(patientId, entry);
          t.diagnostic(
            `${model} patient ${patientId.slice(-1)}: hook ${reply.ms} ms (stages ${JSON.stringify(
              Object.fromEntries(
                Object.entries(entry.detail.imaging!.timingsMs).map(([k, v]) => [k, Math.round(v)]),
              ),
            )}), folder reference ${refMs} ms`,
          );
        }
      });

      it('the audit names every UID used: studies, series and SEGs as in cohort.csv, and exactly the instances of the SEG-referenced volume', async () => {
        assert.equal(first.size, patients.length, 'needs the predictions of the test before');
        const expectedSeries = seriesRead(running);
        for (const [patientId, entry] of first) {
          const row = world.row(patientId);
          const trace = entry.detail.imaging!;
          for (const tp of ['pre', 'post'] as const)
            assert.equal(trace.studies[tp].studyInstanceUid, row.studies[tp].studyInstanceUid, `${tp} study`);
          // One series per time point and sequence the bundle's inputs read, no more.
          assert.deepEqual(sorted(trace.series.map((s) => `${s.timePoint} ${s.sequence}`)), expectedSeries);
          let volumeInstances = 0;
          for (const s of trace.series) {
            const what = `${patientId} ${s.timePoint} ${s.sequence}`;
            const study = row.studies[s.timePoint];
            const expected = study.sequences[s.sequence as CohortSequence];
            assert.equal(s.studyInstanceUid, study.studyInstanceUid, `${what}: study UID`);
            assert.equal(s.seriesInstanceUid, expected.seriesInstanceUid, `${what}: series UID`);
            assert.equal(s.seg.seriesInstanceUid, expected.segSeriesInstanceUid, `${what}: SEG series UID`);
            assert.equal(s.seg.sopInstanceUid, expected.segSopInstanceUid, `${what}: SEG SOP UID`);

            // The volume the generator drew the SEG on: DCE phase 2, DWI b = 800, T2 whole.
            const headers = seriesFolderHeaders(path.join(world.dir, expected.imageDir));
            const volume = headers.filter((h) =>
              s.sequence === 'DCE'
                ? h.temporalPositionIdentifier === SEG_DCE_TEMPORAL_POSITION
                : s.sequence === 'DWI'
                  ? h.diffusionBValue === SEG_DWI_B_VALUE
                  : true,
            );
            assert.ok(volume.length > 0);
            assert.deepEqual(
              sorted(s.sopInstanceUids),
              sorted(volume.map((h) => h.sopInstanceUid)),
              `${what}: instances = the SEG's volume in the folder`,
            );
            const refs = segReferencedInstances(path.join(world.dir, expected.segPath));
            assert.deepEqual(
              refs.map((r) => r.seriesInstanceUid),
              [expected.seriesInstanceUid],
            );
            assert.deepEqual(
              sorted(s.sopInstanceUids),
              sorted(refs[0]!.instances),
              `${what}: = SEG references`,
            );
            if (s.sequence === 'DCE') assert.equal(s.temporalPositionIdentifier, SEG_DCE_TEMPORAL_POSITION);
            if (s.sequence === 'DWI') assert.equal(s.diffusionBValue, SEG_DWI_B_VALUE);

            // Orthanc holds the whole series; only the volume's instances were named (and used).
            const inOrthanc = new Set(
              await orthancSeriesInstances(
                world.orthanc.dicomWebRoot,
                s.studyInstanceUid,
                s.seriesInstanceUid,
              ),
            );
            assert.equal(inOrthanc.size, headers.length, `${what}: Orthanc has the whole series`);
            for (const uid of s.sopInstanceUids) assert.ok(inOrthanc.has(uid), `${what}: ${uid} in Orthanc`);
            if (s.sequence === 'DCE' || s.sequence === 'DWI')
              assert.ok(s.sopInstanceUids.length < inOrthanc.size, `${what}: one phase / b value only`);
            volumeInstances += s.sopInstanceUids.length;
          }
          // Retrieved: the volumes, plus per study each SEG and one header instance of the series
          // it names (locate) — never whole multi-phase series.
          const segsPerPatient = 2 * 4;
          const fetched = trace.retrieval.fetchedInstances;
          assert.ok(
            fetched >= volumeInstances && fetched <= volumeInstances + 2 * segsPerPatient,
            `${patientId}: fetched ${fetched} instances for ${volumeInstances} volume instances`,
          );
        }
      });

      it('a second identical order-sign is answered from the results cache', async () => {
        for (const patientId of patients) {
          const earlier = first.get(patientId)!;
          const jobsBefore = running.store.query({ kind: 'imaging-job' }).length;
          const body = orderSignBody(world, patientId);
          const reply = await callHook(world, running.baseUrl, body);
          const entry = hookAudit(running, body.hookInstance);
          assertPrediction(running, reply, entry, await reference(patientId, model), `${patientId} again`);
          assert.equal(entry.detail.resultKey, earlier.detail.resultKey, 'same content key');
          // The very result computed for the first call, not a recomputation.
          assert.equal(entry.detail.computedAt, earlier.detail.computedAt);
          assert.equal(running.store.query({ kind: 'imaging-job' }).length, jobsBefore, 'no new job');
        }
      });

      if (model === RADIOMICS) {
        it('a FHIR server answering 500 (and no prefetch) makes order-sign answer 412 with the reason, audited', async () => {
          const failing = await startFailingFhirServer();
          try {
            const body = orderSignBody(world, 'SYN0001', failing.fhirBaseUrl);
            const reply = await callHook(world, running.baseUrl, body);
            // CDS Hooks 2.0 / DESIGN §4: required data that cannot be obtained is HTTP 412,
            // with an OperationOutcome saying which query failed how.
            assert.equal(reply.status, 412, JSON.stringify(reply.body));
            assert.equal(reply.body.resourceType, 'OperationOutcome');
            const text = reply.body.issue?.[0]?.details?.text ?? '';
            assert.match(
              text,
              /^(patient|observations|conditions|procedures|medicationAdministrations): FHIR server answered 500 for \S+/,
            );
            assert.ok(failing.requests.length > 0, 'the service did ask the FHIR server');
            const entry = hookAudit(running, body.hookInstance);
            assert.equal(entry.outcome, 'precondition-failed');
            assert.equal(entry.detail.reason, text);
            assert.deepEqual(entry.cardUuids, []);
            // No crash: the service goes on answering (here from the results cache).
            const ok = await callHook(world, running.baseUrl, orderSignBody(world, 'SYN0001'));
            assert.equal(ok.status, 200);
          } finally {
            await failing.close();
          }
        });
      }
    });
  }

  it('with a deadline of 0 the first order-sign says "analysis in progress"; once the queue is idle the next gives the prediction', async (t) => {
    const store = freshStore();
    const running = await startImagingService(world, {
      sqlitePath: store.sqlitePath,
      dicomWebUrl: world.orthanc.dicomWebRoot,
      model: RADIOMICS,
      deadlineMs: 0,
    });
    try {
      const patientId = 'SYN0001';
      const body = orderSignBody(world, patientId);
      const reply = await callHook(world, running.baseUrl, body);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.cards?.length, 1);
      assert.equal(reply.body.cards![0]!.summary, wording.imaging.inProgress.summary);
      const entry = hookAudit(running, body.hookInstance);
      assert.equal(entry.outcome, 'in-progress');
      const key = entry.detail.resultKey!;
      assert.equal(entry.detail.output, undefined, 'no probability while in progress');

      const started = performance.now();
      await running.imaging!.idle();
      t.diagnostic(`background job ${Math.round(performance.now() - started)} ms after the in-progress card`);
      assert.deepEqual(
        jobAudits(running, key).map((e) => e.outcome),
        ['prediction'],
      );
      const body2 = orderSignBody(world, patientId);
      const reply2 = await callHook(world, running.baseUrl, body2);
      const entry2 = hookAudit(running, body2.hookInstance);
      assertPrediction(running, reply2, entry2, await reference(patientId, RADIOMICS), 'after idle');
      assert.equal(entry2.detail.resultKey, key);
    } finally {
      await running.close();
      store.remove();
    }
  });

  it('Orthanc stopped mid-retrieval: no crash, the labelled clinical fallback naming the PACS, the job retried; after Orthanc restarts the prediction is given', async (t) => {
    const patientId = 'SYN0001';
    const row = world.row(patientId);
    // A PACS of its own, so that stopping it leaves the shared one alone.
    const pacs = await startOrthanc();
    const store = freshStore();
    let proxy: Awaited<ReturnType<typeof startHoldingProxy>> | undefined;
    let running: RunningService | undefined;
    let restarted: { stop(): Promise<void> } | undefined;
    try {
      const files = filesUnder(path.join(world.dir, 'dicom', patientId));
      const pushed = await pushDicom(files, pacs.dicomWebRoot, { allowInsecureHttp: 'loopback' });
      assert.equal(pushed.stored, files.length);

      // Locate fetches at most one header instance per image series (8 here); the 20th image
      // instance request is therefore one of the retrieve stage's: stop Orthanc right then.
      const imageSeries = new Set(
        (['pre', 'post'] as const).flatMap((tp) =>
          Object.values(row.studies[tp].sequences).map((q) => q.seriesInstanceUid),
        ),
      );
      let imageRequests = 0;
      proxy = await startHoldingProxy(pacs.dicomWebRoot, (url) => {
        const m = /\/series\/([0-9.]+)\/instances\/[0-9.]+$/.exec(url.split('?')[0]!);
        if (!m || !imageSeries.has(m[1]!)) return false;
        imageRequests += 1;
        return imageRequests === 20;
      });
      running = await startImagingService(world, {
        sqlitePath: store.sqlitePath,
        dicomWebUrl: proxy.url,
        model: RADIOMICS,
        deadlineMs: FAULT_DEADLINE_MS,
        maxAttempts: 2,
      });
      const body = orderSignBody(world, patientId);
      const started = performance.now();
      const pending = callHook(world, running.baseUrl, body);
      await withTimeout(proxy.held, 60_000, 'the 20th WADO-RS image request');
      await killOrthanc(pacs);
      proxy.release();
      const reply = await pending;
      const answeredMs = Math.round(performance.now() - started);
      t.diagnostic(`card after ${answeredMs} ms (deadline ${FAULT_DEADLINE_MS} ms, retry delay 5 s)`);

      // Attempt 1 died mid-retrieval, attempt 2 (after the runner's 5 s retry delay) found no
      // PACS; with maxAttempts 2 the job failed and the hook answered with the labelled clinical
      // fallback. Never a prediction, and never an HTTP error.
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.cards?.length, 1);
      const card = reply.body.cards![0]!;
      const entry = hookAudit(running, body.hookInstance);
      assert.equal(entry.detail.output, undefined, 'no imaging probability shown');
      if (entry.outcome === 'in-progress') {
        // Only on a machine so slow that the deadline passed before attempt 2 ended.
        t.diagnostic('deadline passed before the second attempt failed: in-progress card');
        assert.equal(card.summary, wording.imaging.inProgress.summary);
        // idle() would not wait for a retry that is not due yet: watch the job itself.
        const key = entry.detail.resultKey!;
        const deadline = Date.now() + 60_000;
        while (latestJobState(running, key) !== 'failed') {
          assert.ok(Date.now() < deadline, `job state ${latestJobState(running, key)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } else {
        assert.equal(entry.outcome, 'cannot-compute');
        assert.match(card.summary, /^Clinical model only: apCR probability \d+%/);
        assert.equal(card.indicator, 'warning');
        assert.ok(
          entry.detail.imagingProblems?.some((p) => p.code === 'pacs-unavailable'),
          JSON.stringify(entry.detail.imagingProblems),
        );
        assert.equal(entry.detail.fallback?.model.id, 'clinical-synthetic');
        // The waiting hook sees the failed job within a poll interval, not at its deadline.
        await t.test('the hook answers as soon as the job has failed, not at its deadline', () =>
          assert.ok(answeredMs < FAULT_DEADLINE_MS - 2000, `answered after ${answeredMs} ms`),
        );
      }
      const key = entry.detail.resultKey!;
      const errors = jobAudits(running, key);
      assert.deepEqual(
        errors.map((e) => [e.outcome, e.detail.attempt]),
        [
          ['error', 1],
          ['error', 2],
        ],
      );
      for (const e of errors)
        assert.ok(
          e.detail.problems!.every((p) => p.code === 'pacs-unavailable'),
          JSON.stringify(e.detail),
        );
      // Attempt 1 had located every series before Orthanc went: it failed while retrieving.
      assert.equal(errors[0]!.detail.trace?.series.length, seriesRead(running).length);
      assert.equal(running.imaging!.lookup(key), undefined, 'a PACS outage is not cached as a result');

      // Orthanc back on the same storage; the next hook queues the work again and gets the number.
      restarted = await restartOrthanc(pacs);
      const body2 = orderSignBody(world, patientId);
      const reply2 = await callHook(world, running.baseUrl, body2);
      const entry2 = hookAudit(running, body2.hookInstance);
      assertPrediction(running, reply2, entry2, await reference(patientId, RADIOMICS), 'after restart');
      assert.equal(entry2.detail.resultKey, key);
      assert.deepEqual(
        jobAudits(running, key).map((e) => e.outcome),
        ['error', 'error', 'prediction'],
      );
    } finally {
      await running?.close();
      await proxy?.close();
      await restarted?.stop();
      await pacs.stop();
      store.remove();
    }
  });

  it('a job interrupted by a crash of the service completes after restart, nothing lost', async (t) => {
    const patientId = 'SYN0002';
    const store = freshStore();
    const settings = {
      sqlitePath: store.sqlitePath,
      dicomWebUrl: world.orthanc.dicomWebRoot,
      model: RADIOMICS,
      deadlineMs: 0,
    };
    const child = await spawnServiceProcess(serviceSpec(world, settings));
    let running: RunningService | undefined;
    try {
      const body = orderSignBody(world, patientId);
      const reply = await callHook(world, child.baseUrl, body);
      assert.equal(reply.status, 200, `${JSON.stringify(reply.body)} ${child.stderr()}`);
      assert.equal(reply.body.cards?.[0]?.summary, wording.imaging.inProgress.summary);

      // Watch the queue table from outside until the child is working on the job, then kill it.
      const db = new Database(store.sqlitePath, { readonly: true, fileMustExist: true });
      type JobRow = { id: number; job_key: string; state: string; attempts: number };
      let job: JobRow | undefined;
      const deadline = Date.now() + 60_000;
      while (!job) {
        job = db
          .prepare<[], JobRow>(
            "SELECT id, job_key, state, attempts FROM prediction_job WHERE state = 'running'",
          )
          .get();
        if (!job) {
          assert.ok(Date.now() < deadline, 'the job never started');
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      const { signal } = await child.kill();
      assert.equal(signal, 'SIGKILL');
      const left = db
        .prepare<[number], JobRow>('SELECT id, job_key, state, attempts FROM prediction_job WHERE id = ?')
        .get(job.id)!;
      const cachedRows = db
        .prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM result_cache WHERE cache_key = ?')
        .get(job.job_key)!;
      db.close();
      // The kill really interrupted the work: the job is left running, with no result.
      assert.deepEqual([left.state, left.attempts, cachedRows.n], ['running', 1, 0]);

      const started = performance.now();
      running = await startImagingService(world, settings);
      await running.imaging!.idle();
      t.diagnostic(`restart and rerun ${Math.round(performance.now() - started)} ms`);
      const after = running.store.database
        .prepare<[number], JobRow>('SELECT id, job_key, state, attempts FROM prediction_job WHERE id = ?')
        .get(job.id)!;
      assert.deepEqual([after.state, after.attempts], ['done', 2], 'the same job, run again to the end');
      const ref = await reference(patientId, RADIOMICS);
      const cached = running.imaging!.lookup(job.job_key);
      assert.equal(cached?.kind, 'prediction');
      assertClose(cached?.kind === 'prediction' ? cached.probability : undefined, ref.probability, 'cached');
      assert.deepEqual(
        jobAudits(running, job.job_key).map((e) => [e.outcome, e.detail.attempt]),
        [['prediction', 2]],
      );

      // Nothing lost: the child's audit entry is there and the chain is whole.
      const childEntry = hookAudit(running, body.hookInstance);
      assert.equal(childEntry.outcome, 'in-progress');
      assert.equal(childEntry.detail.resultKey, job.job_key);
      assert.equal(running.store.verifyChain().ok, true);

      const body2 = orderSignBody(world, patientId);
      const reply2 = await callHook(world, running.baseUrl, body2);
      const entry2 = hookAudit(running, body2.hookInstance);
      assertPrediction(running, reply2, entry2, ref, 'after the crash');
      assert.equal(entry2.detail.resultKey, job.job_key);
    } finally {
      if (child.child.exitCode === null && child.child.signalCode === null) await child.kill();
      await running?.close();
      store.remove();
    }
  });
});
