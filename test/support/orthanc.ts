/**
 * A real Orthanc PACS for tests (DESIGN §5: never a mock where Orthanc can serve): the Debian
 * `orthanc` binary with the `orthanc-dicomweb` plugin, on free loopback ports, storing into a
 * throw-away folder that `stop()` removes.
 *
 * Orthanc 1.10 has no bind-address setting, so both of its ports listen on all interfaces; the
 * configuration makes them useless from elsewhere: HTTP refuses non-loopback clients
 * (`RemoteAccessAllowed: false`) and the DICOM port accepts no association (no modalities, every
 * `DicomAlwaysAllow*` off). docs/pacs.md shows the exact JSON this file writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** Orthanc or its DICOMweb plugin is not installed; tests turn this into a skip. */
export class OrthancNotInstalledError extends Error {
  override name = 'OrthancNotInstalledError';
}

/** Orthanc is installed but did not come up (bad config, crash, no answer in time). */
export class OrthancStartError extends Error {
  override name = 'OrthancStartError';
}

export interface OrthancOptions {
  binary?: string;
  plugin?: string;
  /** How long to wait for `/system` to answer; Orthanc 1.10 answers in ~0.2 s here. */
  startTimeoutMs?: number;
  /** Seconds without new instances before a series/study counts as stable (Orthanc `StableAge`). */
  stableAgeSeconds?: number;
  /** Extra top-level Orthanc settings, merged over the harness defaults (tests of odd configs). */
  extraConfig?: Record<string, unknown>;
}

export interface OrthancInstance {
  /** e.g. `http://127.0.0.1:PORT/dicom-web` (no trailing slash, as dicomweb-client wants it). */
  dicomWebRoot: string;
  /** Orthanc REST API root, e.g. `http://127.0.0.1:PORT`. */
  restRoot: string;
  httpPort: number;
  dicomPort: number;
  /** `Version` from `/system`, e.g. `1.10.1`. */
  version: string;
  /** Temporary folder holding the config, storage and index; removed by `stop()`. */
  folder: string;
  /** Milliseconds from spawn to the first good `/system` answer. */
  startupMs: number;
  /** Graceful stop (SIGTERM, SIGKILL after 10 s), then the folder is removed. Idempotent. */
  stop(): Promise<void>;
  /** Immediate SIGKILL, for fault tests; call `stop()` later to remove the folder. */
  kill(): void;
}

/** Why Orthanc cannot run here, or undefined when binary and plugin are present. */
export function orthancMissingReason(
  options: Pick<OrthancOptions, 'binary' | 'plugin'> = {},
): string | undefined {
  const binary = options.binary ?? ORTHANC_BINARY;
  const plugin = options.plugin ?? DICOMWEB_PLUGIN;
  if (!existsSync(binary)) return `${binary} not found (Debian package orthanc)`;
  if (!existsSync(plugin)) return `${plugin} not found (Debian package orthanc-dicomweb)`;
  return undefined;
}

/**
 * The skip reason for tests that need Orthanc, or undefined when they can run. CI sets
 * AXILLA_REQUIRE_ORTHANC=1 so a missing Orthanc fails the run instead of silently skipping.
 */
export function orthancSkipReason(): string | undefined {
  const missing = orthancMissingReason();
  if (missing === undefined) return undefined;
  if (process.env.AXILLA_REQUIRE_ORTHANC === '1') {
    throw new OrthancNotInstalledError(`Orthanc required (AXILLA_REQUIRE_ORTHANC=1) but ${missing}`);
  }
  return `Orthanc not installed: ${missing}`;
}

export interface OrthancConfigParams {
  folder: string;
  httpPort: number;
  dicomPort: number;
  plugin: string;
  stableAgeSeconds: number;
}

/** The exact configuration the harness writes (documented verbatim in docs/pacs.md). */
export function orthancConfig(p: OrthancConfigParams): Record<string, unknown> {
  return {
    Name: 'axilla-test',
    StorageDirectory: path.join(p.folder, 'storage'),
    IndexDirectory: path.join(p.folder, 'index'),
    HttpServerEnabled: true,
    HttpPort: p.httpPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    // Uncompressed answers: WADO-RS bytes on the wire are the stored bytes.
    HttpCompressionEnabled: false,
    DicomServerEnabled: true,
    DicomAet: 'AXILLATEST',
    DicomPort: p.dicomPort,
    DicomCheckCalledAet: true,
    DicomModalities: {},
    DicomAlwaysAllowEcho: false,
    DicomAlwaysAllowStore: false,
    DicomAlwaysAllowFind: false,
    DicomAlwaysAllowGet: false,
    DicomAlwaysAllowMove: false,
    ExecuteLuaEnabled: false,
    SaveJobs: false,
    StableAge: p.stableAgeSeconds,
    Plugins: [p.plugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false },
  };
}

/** A port the kernel reports free on 127.0.0.1 (Orthanc binds it a moment later; see retry). */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Last lines of a child's output, kept for error messages. */
class OutputTail {
  private text = '';
  constructor(private readonly maxChars = 4000) {}
  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.maxChars);
  }
  toString(): string {
    return this.text.trim() === '' ? '(no output)' : this.text.trimEnd();
  }
}

interface SystemInfo {
  Version?: unknown;
}

async function fetchSystem(restRoot: string): Promise<SystemInfo | undefined> {
  try {
    const res = await fetch(`${restRoot}/system`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return undefined;
    return (await res.json()) as SystemInfo;
  } catch {
    return undefined;
  }
}

function exitPromise(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Orthanc 1.10: "The TCP port of the HTTP server is privileged or already in use". */
const PORT_CLASH = /already in use/i;

/** Start Orthanc; retries with fresh ports when a port was taken between probe and bind. */
export async function startOrthanc(options: OrthancOptions = {}): Promise<OrthancInstance> {
  const missing = orthancMissingReason(options);
  if (missing !== undefined) throw new OrthancNotInstalledError(missing);
  const attempts = 3;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(options);
    } catch (err) {
      const clash = err instanceof OrthancStartError && PORT_CLASH.test(err.message);
      if (!clash || attempt >= attempts) throw err;
    }
  }
}

async function startOnce(options: OrthancOptions): Promise<OrthancInstance> {
  const binary = options.binary ?? ORTHANC_BINARY;
  const plugin = options.plugin ?? DICOMWEB_PLUGIN;
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const folder = mkdtempSync(path.join(tmpdir(), 'axilla-orthanc-'));
  const httpPort = await freeLoopbackPort();
  let dicomPort = await freeLoopbackPort();
  while (dicomPort === httpPort) dicomPort = await freeLoopbackPort();
  const config = {
    ...orthancConfig({
      folder,
      httpPort,
      dicomPort,
      plugin,
      stableAgeSeconds: options.stableAgeSeconds ?? 1,
    }),
    ...options.extraConfig,
  };
  mkdirSync(path.join(folder, 'storage'));
  mkdirSync(path.join(folder, 'index'));
  const configPath = path.join(folder, 'orthanc.json');
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);

  const started = performance.now();
  const child = spawn(binary, [configPath], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new OutputTail();
  child.stdout?.on('data', (c: Buffer) => tail.push(c));
  child.stderr?.on('data', (c: Buffer) => tail.push(c));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const exited = exitPromise(child);
  // A crashed test process must not leave Orthanc running.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(folder, { recursive: true, force: true });
    })());

  const restRoot = `http://127.0.0.1:${httpPort}`;
  const deadline = started + timeoutMs;
  try {
    for (;;) {
      if (spawnError) throw new OrthancStartError(`cannot run ${binary}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new OrthancStartError(
          `Orthanc exited (${child.exitCode ?? child.signalCode}) before answering; output tail:\n${tail}`,
        );
      }
      const system = await fetchSystem(restRoot);
      if (system !== undefined) {
        return {
          dicomWebRoot: `${restRoot}/dicom-web`,
          restRoot,
          httpPort,
          dicomPort,
          version: typeof system.Version === 'string' ? system.Version : 'unknown',
          folder,
          startupMs: Math.round(performance.now() - started),
          stop,
          kill: () => void child.kill('SIGKILL'),
        };
      }
      if (performance.now() > deadline) {
        throw new OrthancStartError(
          `Orthanc did not answer ${restRoot}/system within ${timeoutMs} ms; output tail:\n${tail}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
