/**
 * The whole imaging pipeline behind a hook, on one `realistic` synthetic patient served by a real
 * Orthanc on loopback: the cold path per stage for each imaging model (empty results cache and
 * instance cache: locate, retrieve + decode, extract, deep, infer, and the results-cache write),
 * the bytes retrieved against the size of the two studies, and the latency of cached hooks under
 * a sustained load sent by a second process (bench/pipeline-load.ts). Prints figures beside the
 * goals (cold path < 10 s, cached p99 < 20 ms); asserts nothing.
 *
 * Run: `npm run bench:pipeline` (options: --rate 200, --duration 20, --connections 10,
 * --models radiomics-clinical-synthetic,dlr-synthetic, --clients autocannon,open-loop (or none),
 * --prefetch both|no|yes, --cohort-dir DIR to keep the generated cohort and reuse it next time,
 * --profile DIR to write a CPU profile of this process, which runs the service, around the cold
 * hook and each load run; open them in Chrome DevTools or speedscope).
 *
 * The service, the embedded FHIR server and Orthanc run beside each other on the same machine,
 * so the load figures include their competition for the cores.
 */
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { fillPrefetchTokens, loadServiceCatalog, PREFETCH_KEYS } from '../src/cds/service-catalog.ts';
import { readCohortManifest, type CohortRow } from '../src/cohort/manifest.ts';
import { loadConfig } from '../src/config/config.ts';
import { generateEhrKey, signHookToken } from '../src/demo/demo-ehr.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../src/demo/embedded-fhir-server.ts';
import { pushDicom, pushFhirBundle } from '../src/dicom/push.ts';
import { startService, type RunningService } from '../src/http/service.ts';
import type { ImagingTrace } from '../src/pipeline/imaging/compute-imaging.ts';
import type { AuditEntry } from '../src/store/audit-store.ts';
import type { JobQueue, ResultCache } from '../src/store/job-queue.ts';
import { writeCohort } from '../src/synth/cohort-writer.ts';
import { silentLogger } from '../src/util/logger.ts';
import { orthancMissingReason, startOrthanc, type OrthancInstance } from '../test/support/orthanc.ts';
import type { LoadClient, LoadJob, LoadResult } from './support/load-protocol.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const rate = Number(arg('rate', '200'));
const durationS = Number(arg('duration', '20'));
const connections = Number(arg('connections', '10'));
const modelIds = arg('models', 'radiomics-clinical-synthetic,dlr-synthetic').split(',');
// `--clients none` measures the cold path only.
const clients = arg('clients', 'autocannon,open-loop')
  .split(',')
  .filter((c) => c !== 'none' && c !== '') as LoadClient[];
for (const c of clients)
  if (c !== 'autocannon' && c !== 'open-loop') throw new Error(`--clients: unknown load client ${c}`);
const prefetchModes = { both: [false, true], no: [false], yes: [true] }[arg('prefetch', 'both')] ?? [false];
const keptCohort = process.argv.includes('--cohort-dir') ? path.resolve(arg('cohort-dir', '')) : undefined;
const profileDir = process.argv.includes('--profile') ? path.resolve(arg('profile', 'profiles')) : undefined;

const COLD_GOAL_MS = 10_000;
const CACHED_P99_GOAL_MS = 20;
const ORDER_SIGN = '/cds-services/axilla-apcr-order-sign';

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(0)} ms`);
const ms1 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(1)} ms`);
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const verdict = (value: number, limit: number, unit: string) =>
  value < limit
    ? 'met'
    : `MISSED by ${(value - limit).toFixed(unit === 's' ? 1 : 0)} ${unit} (${(value / limit).toFixed(1)}×)`;
const goal = (value: number, limit: number, unit: string) =>
  `goal < ${limit} ${unit}: ${verdict(value, limit, unit)}`;

/** Runs `f` under the V8 CPU profiler when --profile is given, writing `<name>.cpuprofile`. */
async function profiled<T>(name: string, f: () => Promise<T>): Promise<T> {
  if (!profileDir) return f();
  mkdirSync(profileDir, { recursive: true });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  try {
    return await f();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

// ----- clean-up, also on failure and Ctrl-C ---------------------------------------------------------
const cleanups: (() => unknown)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      console.error(`clean-up step failed: ${(err as Error).message}`);
    }
  }
}
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

/** Part-10 files under `dir`, recursively, with their sizes. */
function dicomFiles(dir: string): { file: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return dicomFiles(p);
    return e.name.endsWith('.dcm') ? [{ file: p, bytes: statSync(p).size }] : [];
  });
}

async function orthancJson<T>(orthanc: OrthancInstance, urlPath: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${orthanc.restRoot}${urlPath}`, init);
  if (!res.ok) throw new Error(`Orthanc ${urlPath}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Orthanc's stored size of a study (DiskSize of /studies/{id}/statistics). */
async function orthancStudyBytes(orthanc: OrthancInstance, studyUid: string): Promise<number | undefined> {
  const found = await orthancJson<{ ID: string; Type: string }[]>(orthanc, '/tools/lookup', {
    method: 'POST',
    body: studyUid,
  });
  const id = found.find((f) => f.Type === 'Study')?.ID;
  if (!id) return undefined;
  const stats = await orthancJson<{ DiskSize: string }>(orthanc, `/studies/${id}/statistics`);
  return Number(stats.DiskSize);
}

// ----- the pieces of the setup --------------------------------------------------------------------
interface Patient {
  row: CohortRow;
  patientId: string;
  draftOrder: ServiceRequest;
  bundle: Bundle;
  /** Part-10 bytes per study, from the files written. */
  studyBytes: Record<'pre' | 'post', number>;
  files: string[];
}

async function syntheticPatient(dir: string, dicomWebRoot: string): Promise<Patient> {
  if (!existsSync(path.join(dir, 'cohort.csv'))) {
    const t = performance.now();
    await writeCohort({ patients: 1, seed: 'bench-pipeline', outDir: dir, size: 'realistic', dicomWebRoot });
    console.log(
      `cohort: 1 realistic synthetic patient written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  } else console.log(`cohort: reusing ${dir}`);
  const row = readCohortManifest(readFileSync(path.join(dir, 'cohort.csv'), 'utf8'))[0]!;
  const bundle = JSON.parse(readFileSync(path.join(dir, 'fhir', `${row.patientId}.json`), 'utf8')) as Bundle;
  const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const draftOrder = resources.find((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
  const patient = resources.find((r) => r.resourceType === 'Patient');
  if (!draftOrder || !patient?.id)
    throw new Error(`fhir/${row.patientId}.json lacks a Patient or ServiceRequest`);
  const studyBytes = { pre: 0, post: 0 };
  const files: string[] = [];
  for (const tp of ['pre', 'post'] as const) {
    for (const f of dicomFiles(path.join(dir, 'dicom', row.patientId, tp))) {
      studyBytes[tp] += f.bytes;
      files.push(f.file);
    }
  }
  return { row, patientId: patient.id, draftOrder, bundle, studyBytes, files };
}

/** The data an EHR would prefetch, read from the FHIR server with the service's own templates. */
async function prefetchFor(fhir: EmbeddedFhirServer, patientId: string): Promise<Record<string, Resource>> {
  const config = loadConfig({ env: {}, overrides: { demo: { enabled: false } } });
  const catalog = loadServiceCatalog(path.join(repo, 'cds-hooks'), config.fhir.codes);
  const out: Record<string, Resource> = {};
  for (const key of PREFETCH_KEYS) {
    const query = fillPrefetchTokens(catalog.templates[key], { patientId });
    const res = await fetch(`${fhir.fhirBaseUrl}/${query}`);
    if (!res.ok) throw new Error(`prefetch ${key}: HTTP ${res.status}`);
    out[key] = (await res.json()) as Resource;
  }
  return out;
}

interface Instrumented {
  /** Milliseconds of each results-cache write. */
  storeMs: number[];
  /** Claim → complete of each job (ms). */
  jobMs: number[];
}

/**
 * Times the results-cache write and each job from claim to completion by wrapping the methods of
 * the service's own queue and cache objects (fields private to ImagingService, reached here only
 * because a benchmark may look inside; nothing in src/ changes). Returns undefined when the
 * fields are not where this expects them, and the figures are then derived instead.
 */
function instrument(running: RunningService): Instrumented | undefined {
  const inner = (
    running.imaging as unknown as { o?: { results?: ResultCache; queue?: JobQueue } } | undefined
  )?.o;
  const results = inner?.results;
  const queue = inner?.queue;
  if (!results || !queue || typeof results.put !== 'function' || typeof queue.claim !== 'function')
    return undefined;
  const out: Instrumented = { storeMs: [], jobMs: [] };
  const put = results.put.bind(results);
  results.put = (key, value) => {
    const t = performance.now();
    put(key, value);
    out.storeMs.push(performance.now() - t);
  };
  const claimed = new Map<number, number>();
  const claim = queue.claim.bind(queue);
  queue.claim = (...a) => {
    const job = claim(...a);
    if (job) claimed.set(job.id, performance.now());
    return job;
  };
  const complete = queue.complete.bind(queue);
  queue.complete = (id, worker) => {
    const held = complete(id, worker);
    const start = claimed.get(id);
    if (start !== undefined) out.jobMs.push(performance.now() - start);
    return held;
  };
  return out;
}

interface Cold {
  modelId: string;
  wallMs: number;
  status: number;
  outcome: string;
  summary: string;
  trace?: ImagingTrace;
  instrumented?: Instrumented;
  auditEntryBytes: number;
}

interface Rig {
  fhir: EmbeddedFhirServer;
  ehrKey: Awaited<ReturnType<typeof generateEhrKey>>;
  patient: Patient;
  orthanc: OrthancInstance;
  tmp: string;
}

async function startFor(rig: Rig, modelId: string): Promise<RunningService> {
  const config = loadConfig({
    env: {},
    overrides: {
      demo: { enabled: false },
      service: { host: '127.0.0.1', port: 0 },
      store: { sqlitePath: path.join(rig.tmp, `${modelId}.sqlite`) },
      auth: {
        issuers: [{ iss: rig.fhir.origin, jwksUrl: rig.fhir.jwksUrl }],
        allowInsecureHttp: 'loopback',
        jwksCooldownSeconds: 0,
      },
      fhir: { allowInsecureHttp: 'loopback' },
      models: {
        active: modelId,
        dir: path.join(repo, 'models'),
        trustedKeys: path.join(repo, 'models/trusted-publishers.jwks.json'),
      },
      cards: { dir: path.join(repo, 'cds-hooks') },
      imaging: {
        source: {
          kind: 'dicomweb',
          url: rig.orthanc.dicomWebRoot,
          timeoutMs: 30_000,
          maxConcurrent: 6,
          allowInsecureHttp: 'loopback',
        },
        deadlineMs: 60_000,
        backboneDir: path.join(repo, 'var/backbones'),
      },
      logging: { level: 'silent' },
    },
  });
  const running = await startService(config, silentLogger);
  if (running.models.active()?.manifest.id !== modelId)
    throw new Error(`model ${modelId} is not served (refused: ${JSON.stringify(running.models.refused)})`);
  return running;
}

function hookBody(rig: Rig, prefetch?: Record<string, Resource>): Record<string, unknown> {
  return {
    hook: 'order-sign',
    fhirServer: rig.fhir.fhirBaseUrl,
    context: {
      userId: 'Practitioner/bench-surgeon',
      patientId: rig.patient.patientId,
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: rig.patient.draftOrder }],
      },
    },
    ...(prefetch ? { prefetch } : {}),
  };
}

async function coldRun(rig: Rig, running: RunningService, modelId: string): Promise<Cold> {
  const instrumented = instrument(running);
  const url = `${running.baseUrl}${ORDER_SIGN}`;
  // Discovery first, so that the JWKS fetch of the first token is not counted in the hook.
  const discovery = await fetch(`${running.baseUrl}/cds-services`, {
    headers: {
      authorization: `Bearer ${await signHookToken(rig.ehrKey, { issuer: rig.fhir.origin, audience: `${running.baseUrl}/cds-services` })}`,
    },
  });
  if (discovery.status !== 200) throw new Error(`discovery answered ${discovery.status}`);
  const token = await signHookToken(rig.ehrKey, { issuer: rig.fhir.origin, audience: url });
  const hookInstance = crypto.randomUUID();
  const t = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...hookBody(rig), hookInstance }),
  });
  const answer = (await res.json()) as { cards?: { summary: string }[] };
  const wallMs = performance.now() - t;
  await running.imaging?.idle();
  const entry = running.store.query({ hookInstance, kind: 'hook-call' })[0] as AuditEntry | undefined;
  const detail = (entry?.detail ?? {}) as { imaging?: ImagingTrace };
  return {
    modelId,
    wallMs,
    status: res.status,
    outcome: entry?.outcome ?? 'no audit entry',
    summary: answer.cards?.[0]?.summary ?? '',
    ...(detail.imaging ? { trace: detail.imaging } : {}),
    ...(instrumented ? { instrumented } : {}),
    auditEntryBytes: entry ? JSON.stringify(entry).length : 0,
  };
}

async function runLoad(
  rig: Rig,
  running: RunningService,
  client: LoadClient,
  prefetch: Record<string, Resource> | undefined,
  expectedSummary: string,
): Promise<LoadResult> {
  const job: LoadJob = {
    client,
    url: `${running.baseUrl}${ORDER_SIGN}`,
    issuer: rig.fhir.origin,
    privateJwk: rig.ehrKey.privateJwk,
    body: hookBody(rig, prefetch),
    rate,
    requests: Math.round(rate * durationS),
    connections,
    expectedSummary,
    sampleEvery: 20,
    resultFile: path.join(rig.tmp, `load-${client}.json`),
  };
  const jobFile = path.join(rig.tmp, `load-job-${client}.json`);
  writeFileSync(jobFile, JSON.stringify(job), { mode: 0o600 });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'pipeline-load.ts'), jobFile], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const kill = () => child.kill('SIGKILL');
  cleanups.push(kill);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  cleanups.splice(cleanups.indexOf(kill), 1);
  rmSync(jobFile, { force: true });
  if (code !== 0) throw new Error(`load process (${client}) exited with ${code}`);
  return JSON.parse(readFileSync(job.resultFile, 'utf8')) as LoadResult;
}

/** The last audit sequence number (read straight from the store's SQLite file: cheap). */
function lastAuditSeq(running: RunningService): number {
  return (
    running.store.database.prepare('SELECT coalesce(max(seq), 0) AS seq FROM audit_log').get() as {
      seq: number;
    }
  ).seq;
}

/** Waits until the audit trail has not grown for 3 s (at most 120 s); returns the time waited. */
async function drain(running: RunningService): Promise<number> {
  const start = performance.now();
  let seq = lastAuditSeq(running);
  let still = performance.now();
  while (performance.now() - still < 3000 && performance.now() - start < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = lastAuditSeq(running);
    if (now !== seq) [seq, still] = [now, performance.now()];
  }
  return still - start;
}

/** Outcomes of the hook calls audited after `seq`, counted by SQLite without parsing the entries here. */
function hookOutcomesAfter(running: RunningService, seq: number): Record<string, number> {
  const rows = running.store.database
    .prepare(
      `SELECT json_extract(body, '$.outcome') AS outcome, count(*) AS n FROM audit_log
       WHERE seq > ? AND json_extract(body, '$.kind') = 'hook-call' GROUP BY outcome ORDER BY n DESC`,
    )
    .all(seq) as { outcome: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
}

// ----- printing -------------------------------------------------------------------------------------
function printCold(colds: Cold[], patient: Patient, orthancBytes: number | undefined): void {
  const width = 46;
  const col = 30;
  const row = (label: string, values: string[]) =>
    console.log(`  ${label.padEnd(width)}${values.map((v) => v.padStart(col)).join('')}`);
  console.log('\ncold path: one order-sign hook on an empty results cache and an empty instance cache');
  row(
    '',
    colds.map((c) => c.modelId),
  );
  row(
    'hook answer',
    colds.map((c) => `HTTP ${c.status}, ${c.outcome}`),
  );
  const stage = (s: 'locate' | 'retrieve' | 'extract' | 'deep' | 'infer') =>
    colds.map((c) => ms(c.trace?.timingsMs[s]));
  row('locate (QIDO-RS series/instances, SEGs)', stage('locate'));
  row('retrieve (WADO-RS + decode)', stage('retrieve'));
  row('extract (radiomics)', stage('extract'));
  row('deep (backbone + PCA)', stage('deep'));
  row('infer', stage('infer'));
  const stageSum = (c: Cold) => Object.values(c.trace?.timingsMs ?? {}).reduce((a, b) => a + (b ?? 0), 0);
  row(
    'stage sum',
    colds.map((c) => ms(stageSum(c))),
  );
  row(
    'store (results-cache write)',
    colds.map((c) => ms1(c.instrumented?.storeMs[0])),
  );
  row(
    'rest of the job (audit entry, queue)',
    colds.map((c) => {
      const job = c.instrumented?.jobMs[0];
      const store = c.instrumented?.storeMs[0] ?? 0;
      return job === undefined ? '—' : ms(job - stageSum(c) - store);
    }),
  );
  row(
    'job (claim → complete)',
    colds.map((c) => ms(c.instrumented?.jobMs[0])),
  );
  row(
    'hook outside the job (JWT, FHIR reads, cards)',
    colds.map((c) => ms(c.wallMs - (c.instrumented?.jobMs[0] ?? stageSum(c)))),
  );
  row(
    'hook wall time',
    colds.map((c) => ms(c.wallMs)),
  );
  row(
    `goal < ${COLD_GOAL_MS / 1000} s`,
    colds.map((c) => verdict(c.wallMs / 1000, COLD_GOAL_MS / 1000, 's')),
  );
  const total = patient.studyBytes.pre + patient.studyBytes.post;
  row(
    'instances fetched',
    colds.map((c) => String(c.trace?.retrieval.fetchedInstances ?? '—')),
  );
  row(
    'bytes fetched',
    colds.map((c) => (c.trace ? mb(c.trace.retrieval.fetchedBytes) : '—')),
  );
  row(
    'bytes from the instance cache',
    colds.map((c) => (c.trace ? mb(c.trace.retrieval.cachedBytes) : '—')),
  );
  row(
    `… of the two studies' Part-10 files (${mb(total)})`,
    colds.map((c) => (c.trace ? `${((100 * c.trace.retrieval.fetchedBytes) / total).toFixed(1)} %` : '—')),
  );
  if (orthancBytes !== undefined)
    row(
      `… of Orthanc's DiskSize of the studies (${mb(orthancBytes)})`,
      colds.map((c) =>
        c.trace ? `${((100 * c.trace.retrieval.fetchedBytes) / orthancBytes).toFixed(1)} %` : '—',
      ),
    );
  row(
    'audit entry of the hook call',
    colds.map((c) => `${(c.auditEntryBytes / 1024).toFixed(0)} KiB`),
  );
}

function printLoad(rows: { label: string; r: LoadResult; audited: string }[]): void {
  console.log(
    `\ncached hook under load from a second process: ${rate} requests/s for ${durationS} s, each with its own JWT`,
  );
  for (const { label, r, audited } of rows) {
    const l = r.latencyMs;
    console.log(`  ${label}`);
    console.log(
      `    sent ${r.sent}, answered ${r.completed} in ${r.elapsedS.toFixed(1)} s (${(r.completed / r.elapsedS).toFixed(0)}/s), non-2xx ${r.non2xx}, errors ${r.errors}, statuses ${JSON.stringify(r.statusCounts)}`,
    );
    console.log(
      `    latency p50 ${ms1(l.p50)}, p90 ${ms1(l.p90)}, p99 ${ms1(l.p99)}, max ${ms1(l.max)}, mean ${ms1(l.mean)} — ${goal(l.p99, CACHED_P99_GOAL_MS, 'ms')}`,
    );
    if (r.latencyFromScheduleMs)
      console.log(
        `    from the scheduled send time: p50 ${ms1(r.latencyFromScheduleMs.p50)}, p99 ${ms1(r.latencyFromScheduleMs.p99)}, max ${ms1(r.latencyFromScheduleMs.max)}`,
      );
    if (r.autocannonMs)
      console.log(
        `    autocannon's histogram (whole ms): p50 ${r.autocannonMs.p50} ms, p99 ${r.autocannonMs.p99} ms, max ${r.autocannonMs.max} ms`,
      );
    console.log(
      `    sampled responses (1 in 20): ${r.sample.prediction}/${r.sample.checked} carry the cached prediction card${r.sample.firstMismatch ? `; first other: ${r.sample.firstMismatch}` : ''}; audit: ${audited}`,
    );
    console.log(`    ${r.tokensSigned} tokens signed before the clock in ${r.signingS.toFixed(1)} s`);
  }
}

// ----- main ---------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(
    `pipeline benchmark: node ${process.version}, ${process.platform}/${process.arch}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  const missing = orthancMissingReason();
  if (missing) {
    console.log(`Orthanc is needed for this benchmark: ${missing}`);
    process.exitCode = 1;
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'axilla-bench-pipeline-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));

  const orthanc = await startOrthanc();
  cleanups.push(() => orthanc.stop());
  console.log(`Orthanc ${orthanc.version} on ${orthanc.restRoot}, up in ${orthanc.startupMs} ms`);

  const patient = await syntheticPatient(keptCohort ?? path.join(tmp, 'cohort'), orthanc.dicomWebRoot);
  let t = performance.now();
  const pushed = await pushDicom(patient.files, orthanc.dicomWebRoot, { allowInsecureHttp: 'loopback' });
  if (pushed.failed.length > 0)
    throw new Error(`${pushed.failed.length} instances not stored, e.g. ${pushed.failed[0]!.reason}`);
  console.log(
    `pushed ${pushed.stored} instances (${mb(patient.studyBytes.pre + patient.studyBytes.post)}: pre ${mb(patient.studyBytes.pre)}, post ${mb(patient.studyBytes.post)}) by STOW-RS in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const orthancSizes = await Promise.all(
    (['pre', 'post'] as const).map((tp) =>
      orthancStudyBytes(orthanc, patient.row.studies[tp].studyInstanceUid),
    ),
  );
  const orthancBytes = orthancSizes.every((s) => s !== undefined)
    ? orthancSizes.reduce<number>((a, b) => a + b!, 0)
    : undefined;

  const ehrKey = await generateEhrKey('bench-ehr-key-1');
  const fhir = await startEmbeddedFhirServer({ jwks: { keys: [ehrKey.publicJwk] } });
  cleanups.push(() => fhir.close());
  t = performance.now();
  await pushFhirBundle(fhir.fhirBaseUrl, patient.bundle, { allowInsecureHttp: 'loopback' });
  console.log(
    `FHIR: ${patient.bundle.entry?.length ?? 0} resources loaded into the embedded server in ${ms(performance.now() - t)}`,
  );
  const rig: Rig = { fhir, ehrKey, patient, orthanc, tmp };

  const colds: Cold[] = [];
  const loads: { label: string; r: LoadResult; audited: string }[] = [];
  for (const [n, modelId] of modelIds.entries()) {
    const running = await startFor(rig, modelId);
    const close = () => running.close();
    cleanups.push(close);
    const cold = await profiled(`cold-${modelId}`, () => coldRun(rig, running, modelId));
    colds.push(cold);
    console.log(`${modelId}: cold hook answered in ${ms(cold.wallMs)} (${cold.outcome})`);
    // The load runs against the first model's service, whose result is now cached.
    if (n === 0 && cold.outcome === 'prediction' && clients.length > 0) {
      const prefetch = prefetchModes.includes(true) ? await prefetchFor(fhir, patient.patientId) : undefined;
      for (const withPrefetch of prefetchModes)
        for (const client of clients) {
          const before = lastAuditSeq(running);
          const r = await profiled(`load-${client}-${withPrefetch ? 'prefetch' : 'no-prefetch'}`, () =>
            runLoad(rig, running, client, withPrefetch ? prefetch : undefined, cold.summary),
          );
          // Requests the client gave up on may still be in the service; let it finish them, so
          // that they are counted here and do not slow the next run.
          const drainedMs = await drain(running);
          const outcomes = hookOutcomesAfter(running, before);
          const label = `${client}${client === 'autocannon' ? ` (${connections} connections, overallRate ${rate})` : ` (one request every ${(1000 / rate).toFixed(1)} ms)`}, ${withPrefetch ? 'EHR sends prefetch' : 'no prefetch: the service reads FHIR'}, model ${modelId}`;
          loads.push({
            label,
            r,
            audited: `${JSON.stringify(outcomes)}${drainedMs > 3500 ? ` (the service went on for ${(drainedMs / 1000).toFixed(1)} s after the client stopped)` : ''}`,
          });
          console.log(`  load done: ${label}: p99 ${ms1(r.latencyMs.p99)}`);
        }
    } else if (n === 0 && clients.length > 0) {
      console.log(`  no load test: the cold hook did not give a prediction (${cold.outcome})`);
    }
    cleanups.splice(cleanups.indexOf(close), 1);
    await running.close();
  }

  printCold(colds, patient, orthancBytes);
  if (loads.length > 0) printLoad(loads);
  // Other work on the machine inflates every figure above; the load average tells how much there was.
  console.log(
    `\nload average at the end: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} (${cpus.length} cores)`,
  );
}

try {
  await main();
} catch (err) {
  console.error(`pipeline benchmark failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
