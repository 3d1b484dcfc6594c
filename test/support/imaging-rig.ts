/**
 * The rig of test/imaging-hooks.test.ts: a synthetic cohort in a real Orthanc (DICOMweb) and in
 * the embedded FHIR server, services started from a configuration as `axilla serve` starts them,
 * signed hook calls over real HTTP, and the few fault injectors the fault tests need (a proxy
 * that holds one WADO-RS request so Orthanc can be stopped mid-retrieval, an Orthanc restart on
 * the same storage, a FHIR server that answers 500, a service in a child process to SIGKILL).
 *
 * Run directly (`node --import tsx test/support/imaging-rig.ts CONFIG.json`) it is that child:
 * it starts the service from the configuration overrides in CONFIG.json and prints one JSON line
 * `{"baseUrl": …}` on stdout once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import dcmjs from 'dcmjs';
import { runPredict } from '../../src/cli/predict-command.ts';
import { readCohortManifest, type CohortRow } from '../../src/cohort/manifest.ts';
import { loadConfig, mergeLayers, type AxillaConfig } from '../../src/config/config.ts';
import { generateEhrKey, signHookToken, type EhrKey } from '../../src/demo/demo-ehr.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/demo/embedded-fhir-server.ts';
import { pushDicom, pushFhirBundle } from '../../src/dicom/push.ts';
import { startService, type RunningService } from '../../src/http/service.ts';
import { writeCohort } from '../../src/synth/cohort-writer.ts';
import { createLogger } from '../../src/util/logger.ts';
import { ORTHANC_BINARY, startOrthanc, type OrthancInstance } from './orthanc.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ORDER_SIGN = '/cds-services/axilla-apcr-order-sign';

/** Repository paths made absolute, so neither the test's nor a child's cwd matters. */
function repoPaths(): Record<string, unknown> {
  return {
    models: {
      dir: path.join(REPO_ROOT, 'models'),
      trustedKeys: path.join(REPO_ROOT, 'models/trusted-publishers.jwks.json'),
    },
    cards: { dir: path.join(REPO_ROOT, 'cds-hooks') },
  };
}

// ----- the world: cohort, Orthanc, FHIR server, EHR key ------------------------------------------

export interface ImagingWorld {
  /** The cohort folder (cohort.csv, dicom/, fhir/). */
  dir: string;
  rows: CohortRow[];
  orthanc: OrthancInstance;
  fhir: EmbeddedFhirServer;
  /** The access token the FHIR server wants and the hook calls hand over (fhirAuthorization). */
  fhirAccessToken: string;
  ehrKey: EhrKey;
  timingsMs: Record<string, number>;
  row(patientId: string): CohortRow;
  bundle(patientId: string): Bundle;
  close(): Promise<void>;
}

/** Every file under `dir`, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

export async function startImagingWorld(o: { patients: number; seed: string }): Promise<ImagingWorld> {
  const timingsMs: Record<string, number> = {};
  let clock = performance.now();
  const lap = (what: string): void => {
    const now = performance.now();
    timingsMs[what] = Math.round(now - clock);
    clock = now;
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'axilla-imaging-hooks-'));
  const closers: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const orthanc = await startOrthanc();
    closers.push(() => orthanc.stop());
    lap('orthancStart');
    await writeCohort({
      patients: o.patients,
      seed: o.seed,
      outDir: dir,
      size: 'small',
      dicomWebRoot: orthanc.dicomWebRoot,
    });
    lap('synthesize');
    const files = filesUnder(path.join(dir, 'dicom'));
    const pushed = await pushDicom(files, orthanc.dicomWebRoot, { allowInsecureHttp: 'loopback' });
    if (pushed.failed.length > 0 || pushed.stored !== files.length)
      throw new Error(`STOW-RS stored ${pushed.stored} of ${files.length} instances`);
    lap('pushDicom');

    const ehrKey = await generateEhrKey('imaging-hooks-ehr');
    const fhirAccessToken = randomBytes(16).toString('hex');
    const fhir = await startEmbeddedFhirServer({
      jwks: { keys: [ehrKey.publicJwk] },
      accessToken: fhirAccessToken,
    });
    closers.push(() => fhir.close());
    const rows = readCohortManifest(readFileSync(path.join(dir, 'cohort.csv'), 'utf8'));
    const bundles = new Map<string, Bundle>();
    for (const r of rows) {
      const bundle = JSON.parse(
        readFileSync(path.join(dir, 'fhir', `${r.patientId}.json`), 'utf8'),
      ) as Bundle;
      bundles.set(r.patientId, bundle);
      await pushFhirBundle(fhir.fhirBaseUrl, bundle, {
        allowInsecureHttp: 'loopback',
        headers: { Authorization: `Bearer ${fhirAccessToken}` },
      });
    }
    lap('pushFhir');
    return {
      dir,
      rows,
      orthanc,
      fhir,
      fhirAccessToken,
      ehrKey,
      timingsMs,
      row(patientId) {
        const r = rows.find((x) => x.patientId === patientId);
        if (!r) throw new Error(`no cohort row ${patientId}`);
        return r;
      },
      bundle(patientId) {
        const b = bundles.get(patientId);
        if (!b) throw new Error(`no FHIR bundle ${patientId}`);
        return b;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

// ----- services ------------------------------------------------------------------------------------

export interface ServiceSettings {
  sqlitePath: string;
  dicomWebUrl: string;
  model: string;
  deadlineMs: number;
  maxAttempts?: number;
}

/**
 * The configuration as plain JSON (a child process gets it as a file): overrides over the
 * embedded defaults, and the imaging source, set after loading because the defaults' folder
 * source would otherwise be merged into the DICOMweb one.
 */
export interface ServiceSpec {
  overrides: Record<string, unknown>;
  source: AxillaConfig['imaging']['source'];
}

export function serviceSpec(world: ImagingWorld, s: ServiceSettings): ServiceSpec {
  return {
    overrides: mergeLayers(repoPaths(), {
      demo: { enabled: false },
      service: { port: 0, baseUrl: 'http://127.0.0.1:0' },
      store: { sqlitePath: s.sqlitePath },
      auth: {
        issuers: [{ iss: world.fhir.origin, jwksUrl: world.fhir.jwksUrl }],
        allowInsecureHttp: 'loopback',
        jwksCooldownSeconds: 0,
      },
      fhir: { allowInsecureHttp: 'loopback', timeoutMs: 10_000 },
      imaging: {
        deadlineMs: s.deadlineMs,
        fallbackModel: 'clinical-synthetic',
        backboneDir: path.join(REPO_ROOT, 'var/backbones'),
        ...(s.maxAttempts === undefined ? {} : { maxAttempts: s.maxAttempts }),
      },
      models: { active: s.model },
      logging: { level: 'silent' },
    }),
    source: {
      kind: 'dicomweb',
      url: s.dicomWebUrl,
      timeoutMs: 20_000,
      maxConcurrent: 6,
      allowInsecureHttp: 'loopback',
    },
  };
}

export function configOf(spec: ServiceSpec): AxillaConfig {
  const config = loadConfig({ env: {}, overrides: spec.overrides });
  config.imaging.source = spec.source;
  return config;
}

export async function startImagingService(world: ImagingWorld, s: ServiceSettings): Promise<RunningService> {
  return startService(configOf(serviceSpec(world, s)), createLogger('silent'));
}

/** A fresh SQLite path in a fresh folder (removed by the returned cleanup). */
export function freshStore(): { sqlitePath: string; dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'axilla-imaging-store-'));
  return {
    dir,
    sqlitePath: path.join(dir, 'axilla.sqlite'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ----- hook calls ------------------------------------------------------------------------------------

/** The draft ServiceRequest for axillary surgery that the cohort's FHIR bundle carries. */
export function draftOrder(world: ImagingWorld, patientId: string): ServiceRequest {
  const order = (world.bundle(patientId).entry ?? [])
    .map((e) => e.resource)
    .find((r): r is ServiceRequest => r?.resourceType === 'ServiceRequest');
  if (!order) throw new Error(`bundle ${patientId} has no ServiceRequest`);
  return order;
}

/** An order-sign request with no prefetch: the service reads everything from `fhirServer`. */
export function orderSignBody(
  world: ImagingWorld,
  patientId: string,
  fhirServer: string = world.fhir.fhirBaseUrl,
): Record<string, unknown> {
  return {
    hook: 'order-sign',
    hookInstance: randomUUID(),
    fhirServer,
    fhirAuthorization: {
      access_token: world.fhirAccessToken,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'patient/*.read',
      subject: 'axilla-cds',
    },
    context: {
      userId: 'Practitioner/test-surgeon',
      patientId,
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: draftOrder(world, patientId) }],
      },
    },
  };
}

export interface HookReply {
  status: number;
  // The CDS Hooks answer ({ cards }) or an OperationOutcome; the tests look inside.
  body: {
    cards?: { summary: string; detail?: string; indicator: string }[];
    resourceType?: string;
    issue?: { code: string; details?: { text?: string } }[];
  };
  ms: number;
}

/** POSTs a hook body to a service with a token the test EHR signed for exactly that URL. */
export async function callHook(
  world: ImagingWorld,
  baseUrl: string,
  body: Record<string, unknown>,
  servicePath: string = ORDER_SIGN,
): Promise<HookReply> {
  const url = `${baseUrl}${servicePath}`;
  const token = await signHookToken(world.ehrKey, { issuer: world.fhir.origin, audience: url });
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(150_000),
  });
  const json = (await res.json()) as HookReply['body'];
  return { status: res.status, body: json, ms: Math.round(performance.now() - started) };
}

// ----- the independent reference: `axilla predict` over the cohort folder --------------------------

export interface ReferencePrediction {
  outcome: string;
  probability: number;
  features: { names: string[]; values: number[] };
  modelDigest: string;
}

/**
 * `axilla predict` over the cohort's Part-10 folder and its FHIR Bundle file: the same numbers
 * must come out of the hook, which reads the pixels from Orthanc and the chart from the FHIR
 * server, through the job queue and the results cache.
 */
export async function folderReference(
  world: ImagingWorld,
  patientId: string,
  model: string,
): Promise<ReferencePrediction> {
  // runPredict mutates the configuration it gets, so every call has its own.
  const config: AxillaConfig = loadConfig({
    env: {},
    overrides: mergeLayers(repoPaths(), {
      demo: { enabled: false },
      imaging: { backboneDir: path.join(REPO_ROOT, 'var/backbones') },
    }),
  });
  const result = (await runPredict(
    {
      patient: patientId,
      dicom: path.join(world.dir, 'dicom'),
      fhirBundle: path.join(world.dir, 'fhir', `${patientId}.json`),
      model,
      hook: 'order-sign',
    },
    config,
  )) as {
    outcome: string;
    model: { digest: string };
    detail: { output?: { probability: number }; features?: { names: string[]; values: number[] } };
  };
  if (result.outcome !== 'prediction' || !result.detail.output || !result.detail.features)
    throw new Error(`axilla predict over the folder gave ${result.outcome}, not a prediction`);
  return {
    outcome: result.outcome,
    probability: result.detail.output.probability,
    features: result.detail.features,
    modelDigest: result.model.digest,
  };
}

// ----- DICOM facts read with dcmjs, independently of the product's decoders ------------------------

type Naturalized = Record<string, unknown>;

function readDataset(file: string, headerOnly: boolean): Naturalized {
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const dict = dcmjs.data.DicomMessage.readFile(buffer, headerOnly ? { untilTag: '7FE00010' } : {}).dict;
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
}

export interface InstanceHeader {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  temporalPositionIdentifier?: number;
  diffusionBValue?: number;
}

/** SOP UID and volume-selecting attributes of every Part-10 file in a series folder. */
export function seriesFolderHeaders(dir: string): InstanceHeader[] {
  return filesUnder(dir).map((file) => {
    const ds = readDataset(file, true);
    const num = (v: unknown): number | undefined =>
      v === undefined || v === null || v === '' ? undefined : Number(v);
    const tpi = num(ds.TemporalPositionIdentifier);
    const b = num(ds.DiffusionBValue);
    return {
      sopInstanceUid: String(ds.SOPInstanceUID),
      seriesInstanceUid: String(ds.SeriesInstanceUID),
      ...(tpi === undefined ? {} : { temporalPositionIdentifier: tpi }),
      ...(b === undefined ? {} : { diffusionBValue: b }),
    };
  });
}

/** The image instances a SEG file names in its Referenced Series Sequence (0008,1115). */
export function segReferencedInstances(
  segFile: string,
): { seriesInstanceUid: string; instances: string[] }[] {
  const ds = readDataset(segFile, false);
  const asArray = (v: unknown): Naturalized[] =>
    Array.isArray(v) ? (v as Naturalized[]) : v ? [v as Naturalized] : [];
  return asArray(ds.ReferencedSeriesSequence).map((s) => ({
    seriesInstanceUid: String(s.SeriesInstanceUID),
    instances: asArray(s.ReferencedInstanceSequence).map((i) => String(i.ReferencedSOPInstanceUID)),
  }));
}

/** SOP Instance UIDs Orthanc lists for a series (QIDO-RS, asked directly, not through the product). */
export async function orthancSeriesInstances(
  dicomWebRoot: string,
  studyInstanceUid: string,
  seriesInstanceUid: string,
): Promise<string[]> {
  const res = await fetch(
    `${dicomWebRoot}/studies/${studyInstanceUid}/series/${seriesInstanceUid}/instances?limit=10000`,
    { headers: { accept: 'application/dicom+json' } },
  );
  if (!res.ok) throw new Error(`QIDO-RS answered ${res.status}`);
  const list = (await res.json()) as Record<string, { Value?: string[] }>[];
  return list.map((ds) => String(ds['00080018']?.Value?.[0]));
}

// ----- fault injectors -----------------------------------------------------------------------------

export interface HoldingProxy {
  /** The proxy's root with the upstream path appended, e.g. `http://127.0.0.1:P/dicom-web`. */
  url: string;
  /** Resolves when the first request `holdIf` picks has arrived and is being held. */
  held: Promise<string>;
  /** Lets the held request go on to the upstream (whatever state the upstream is in by then). */
  release(): void;
  requests: number;
  close(): Promise<void>;
}

/**
 * A transparent loopback HTTP proxy in front of Orthanc that holds the first request `holdIf`
 * picks. It lets a test stop Orthanc exactly while the service is retrieving: when the upstream
 * is gone, the proxy drops the client connection as a dead server would.
 */
export async function startHoldingProxy(
  upstream: string,
  holdIf: (pathAndQuery: string) => boolean,
): Promise<HoldingProxy> {
  const up = new URL(upstream);
  let resolveHeld!: (path: string) => void;
  const held = new Promise<string>((r) => (resolveHeld = r));
  let resolveRelease!: () => void;
  const released = new Promise<void>((r) => (resolveRelease = r));
  let holding = false;
  const state = { requests: 0 };

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const out = httpRequest(
      {
        host: up.hostname,
        port: up.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: up.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  };
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    const url = req.url ?? '/';
    if (!holding && holdIf(url)) {
      holding = true;
      resolveHeld(url);
      void released.then(() => forward(req, res));
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${up.pathname.replace(/\/+$/, '')}`,
    held,
    release: () => resolveRelease(),
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        resolveRelease();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/**
 * Kills an Orthanc (SIGKILL, as a crash or a pulled plug) and waits until its port no longer
 * answers; its storage folder stays for `restartOrthanc`.
 */
export async function killOrthanc(orthanc: OrthancInstance): Promise<void> {
  orthanc.kill();
  const deadline = Date.now() + 10_000;
  while (await answers(`${orthanc.restRoot}/system`)) {
    if (Date.now() > deadline) throw new Error('Orthanc still answers 10 s after SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts Orthanc again on the storage, index and ports of a killed instance (the harness's
 * configuration file is still in its folder). Stop the returned process before the instance's
 * own `stop()`, which removes the folder.
 */
export async function restartOrthanc(orthanc: OrthancInstance): Promise<{ stop(): Promise<void> }> {
  const configPath = path.join(orthanc.folder, 'orthanc.json');
  for (let attempt = 1; ; attempt += 1) {
    const child = spawn(ORTHANC_BINARY, [configPath], { cwd: orthanc.folder, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const stop = async (): Promise<void> => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    };
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await answers(`${orthanc.restRoot}/system`)) return { stop };
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    // A port just released can still be held for a moment; try again a few times.
    if (attempt >= 5) throw new Error('restarted Orthanc did not answer');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A FHIR server that answers 500 to everything; counts what it was asked. */
export async function startFailingFhirServer(): Promise<{
  fhirBaseUrl: string;
  requests: string[];
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal server error');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    fhirBaseUrl: `http://127.0.0.1:${port}/fhir/R4`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ServiceProcess {
  baseUrl: string;
  child: ChildProcess;
  /** SIGKILL, then resolves when the process is gone. */
  kill(): Promise<{ signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** The service in a child process (this file run as a script), for crash tests. */
export async function spawnServiceProcess(spec: ServiceSpec): Promise<ServiceProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'axilla-child-config-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(spec));
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, configFile], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4000)));
  const exited = new Promise<{ signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (_code, signal) => {
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
      resolve({ signal });
    }),
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`service child did not start: ${err}`)), 90_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { baseUrl: string }).baseUrl);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`service child exited before listening: ${err}`));
    });
  });
  return {
    baseUrl,
    child,
    async kill() {
      child.kill('SIGKILL');
      return exited;
    },
    stderr: () => err,
  };
}

// ----- child-process entry ----------------------------------------------------------------------

async function childMain(configFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(configFile, 'utf8')) as ServiceSpec;
  const running = await startService(configOf(spec), createLogger('silent'));
  process.stdout.write(`${JSON.stringify({ baseUrl: running.baseUrl })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  childMain(process.argv[2] ?? '').catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
