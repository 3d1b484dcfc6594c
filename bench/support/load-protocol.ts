/**
 * What bench/pipeline.ts hands the load process (bench/pipeline-load.ts) through a temp file,
 * and what the load process writes back. The EHR's private key travels in this file (mode 0600,
 * in a temp folder the parent removes), so that the load process signs its own tokens.
 */
import type { JWK } from 'jose';

export type LoadClient = 'autocannon' | 'open-loop';

export interface LoadJob {
  client: LoadClient;
  /** Full URL of the hook, also the JWT audience. */
  url: string;
  issuer: string;
  /** The EHR's private key (ES384 JWK with kid). */
  privateJwk: JWK;
  /** The hook request without hookInstance; the load process gives each request its own. */
  body: Record<string, unknown>;
  /** Requests per second. */
  rate: number;
  /** Requests in all: rate × duration. */
  requests: number;
  /** autocannon connections; the open-loop client opens as many sockets as it needs. */
  connections: number;
  /** The card summary a cached prediction answers with; sampled responses are compared with it. */
  expectedSummary: string;
  /** Every n-th response is parsed and checked. */
  sampleEvery: number;
  /** Where the load process writes its LoadResult. */
  resultFile: string;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  client: LoadClient;
  /** Requests put on the wire. */
  sent: number;
  /** Responses received, any status. */
  completed: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCounts: Record<string, number>;
  /** Wall time from the first request to the last response, in s. */
  elapsedS: number;
  /** Latency of every response from the moment its bytes were written (ms). */
  latencyMs: LatencySummary;
  /**
   * Open loop only: latency from the moment the schedule said the request was due, so that a
   * late generator does not hide waiting (coordinated omission).
   */
  latencyFromScheduleMs?: LatencySummary;
  /** autocannon's own histogram figures (whole milliseconds), for comparison. */
  autocannonMs?: { p50: number; p99: number; max: number };
  /** Tokens signed before the clock started, and how long that took (s). */
  tokensSigned: number;
  signingS: number;
  sample: { checked: number; prediction: number; firstMismatch?: string };
}

/** Nearest-rank percentiles of a list of latencies. */
export function summarise(values: readonly number[]): LatencySummary {
  const s = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
  return {
    count: s.length,
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
    max: s.length ? s[s.length - 1]! : NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
  };
}
