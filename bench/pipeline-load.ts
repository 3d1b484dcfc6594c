/**
 * The second process of bench/pipeline.ts: sends signed order-sign hooks at a fixed rate to the
 * service and records the latency of every response. Every request carries its own JWT (the
 * service refuses a replayed `jti`) and its own hookInstance; all tokens are signed before the
 * clock starts so that signing does not slow the generator.
 *
 * Two clients:
 * - `autocannon` with `overallRate`: each connection may send rate/connections requests per
 *   second, back to back (one in flight per connection), then waits for the next second. The
 *   rate is exact per second but the requests come in bursts at the start of each second.
 *   autocannon's coordinated-omission correction is switched off: with a rate it assumes an
 *   interval of ceil(1/rate) = 1 ms and would add made-up samples to every slower response.
 * - `open-loop`: one request every 1000/rate ms by the clock whether or not earlier ones have
 *   answered (node:http with keep-alive sockets), the arrival pattern of many independent EHR
 *   clients; latency is also measured from the scheduled time.
 *
 * Run by bench/pipeline.ts as `node --import tsx bench/pipeline-load.ts <job.json>`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { importJWK } from 'jose';
import { signHookToken, type EhrKey } from '../src/demo/demo-ehr.ts';
import { summarise, type LoadJob, type LoadResult } from './support/load-protocol.ts';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}
interface AutocannonResult {
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number; max: number };
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', f: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (opts: Record<string, unknown>) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadJob;
const target = new URL(job.url);

// ----- tokens and bodies, before the clock ----------------------------------------------------------
const privateJwk = job.privateJwk;
const key: EhrKey = {
  kid: privateJwk.kid!,
  alg: 'ES384',
  privateKey: (await importJWK(privateJwk, 'ES384')) as EhrKey['privateKey'],
  publicJwk: {},
};
// autocannon may build a request or two beyond `amount` (each client builds its next one early).
const prepared = job.requests + job.connections * 2 + 16;
const signStart = performance.now();
const calls: { authorization: string; body: string }[] = [];
for (let i = 0; i < prepared; i += 1) {
  const token = await signHookToken(key, { issuer: job.issuer, audience: job.url, lifetimeSeconds: 600 });
  calls.push({
    authorization: `Bearer ${token}`,
    body: JSON.stringify({ ...job.body, hookInstance: randomUUID() }),
  });
}
const signingS = (performance.now() - signStart) / 1000;
let next = 0;
const take = () => {
  const call = calls[next++];
  if (!call) throw new Error(`more than ${prepared} requests were built; sign more tokens`);
  return call;
};

// ----- sampled check that the answer is the cached prediction card ---------------------------------
const sample: LoadResult['sample'] = { checked: 0, prediction: 0 };
let responses = 0;
function check(status: number, body: string): void {
  if (responses++ % job.sampleEvery !== 0) return;
  sample.checked += 1;
  let summary: string | undefined;
  try {
    summary = (JSON.parse(body) as { cards?: { summary?: string }[] }).cards?.[0]?.summary;
  } catch {
    summary = undefined;
  }
  if (status === 200 && summary === job.expectedSummary) sample.prediction += 1;
  else sample.firstMismatch ??= `HTTP ${status}: ${(summary ?? body).slice(0, 160)}`;
}

// ----- the clients -------------------------------------------------------------------------------------
async function runAutocannon(): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const instance = autocannon({
    url: target.origin,
    connections: job.connections,
    overallRate: job.rate,
    amount: job.requests,
    timeout: 10,
    ignoreCoordinatedOmission: true,
    requests: [
      {
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: AutocannonRequest) => {
          const call = take();
          return {
            ...req,
            headers: { ...req.headers, authorization: call.authorization },
            body: call.body,
          };
        },
        onResponse: check,
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const r = await instance;
  const elapsedS = (performance.now() - started) / 1000;
  const statusCounts = Object.fromEntries(Object.entries(r.statusCodeStats).map(([s, v]) => [s, v.count]));
  return {
    client: 'autocannon',
    // Every request written either answered or failed (autocannon's own `requests.sent` counts a
    // whole second's quota per connection at start-up, not requests written).
    sent: latencies.length + r.errors + r.timeouts,
    completed: latencies.length,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statusCounts,
    elapsedS,
    latencyMs: summarise(latencies),
    autocannonMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    tokensSigned: prepared,
    signingS,
    sample,
  };
}

async function runOpenLoop(): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  const fromSchedule: number[] = [];
  const statusCounts: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  let non2xx = 0;
  let pending = job.requests;
  const interval = 1000 / job.rate;
  const t0 = performance.now() + 20;
  let lastEnd = t0;
  await new Promise<void>((resolve) => {
    const done = () => {
      pending -= 1;
      lastEnd = performance.now();
      if (pending === 0) resolve();
    };
    const send = (due: number) => {
      const call = take();
      const sentAt = performance.now();
      sent += 1;
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(call.body),
            authorization: call.authorization,
          },
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const end = performance.now();
            latencies.push(end - sentAt);
            fromSchedule.push(end - due);
            const status = res.statusCode ?? 0;
            statusCounts[status] = (statusCounts[status] ?? 0) + 1;
            if (status < 200 || status > 299) non2xx += 1;
            check(status, Buffer.concat(chunks).toString('utf8'));
            done();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors += 1;
        done();
      });
      req.end(call.body);
    };
    let n = 0;
    const tick = () => {
      const now = performance.now();
      while (n < job.requests && t0 + n * interval <= now) {
        send(t0 + n * interval);
        n += 1;
      }
      if (n < job.requests) setTimeout(tick, Math.max(0, t0 + n * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  agent.destroy();
  return {
    client: 'open-loop',
    sent,
    completed: latencies.length,
    non2xx,
    errors,
    statusCounts,
    elapsedS: (lastEnd - t0) / 1000,
    latencyMs: summarise(latencies),
    latencyFromScheduleMs: summarise(fromSchedule),
    tokensSigned: prepared,
    signingS,
    sample,
  };
}

const result = job.client === 'autocannon' ? await runAutocannon() : await runOpenLoop();
writeFileSync(job.resultFile, JSON.stringify(result));
