/**
 * Pushing data into the systems the product reads from: DICOM instances to a PACS by STOW-RS
 * (dicomweb-client through dicomweb-http.ts, in batches) and a FHIR transaction Bundle to a FHIR
 * server (fhir-kit-client). Used by the demo, the synthetic cohort loader and the tests; results
 * name every instance or entry that did not make it, so a caller can retry exactly those.
 */
import { readFile } from 'node:fs/promises';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { Client } from 'fhir-kit-client';
import { httpAllowed, type InsecureHttpPolicy } from '../config/config.ts';
import { DicomError } from './dicom-types.ts';
import { DicomWebError, DicomWebTransport, type StowAnswer } from './dicomweb-http.ts';
import { hasDicmPrefix, parsePart10, str } from './part10.ts';

// ----- DICOM by STOW-RS ---------------------------------------------------------------------------

export interface PushDicomOptions {
  /** Plain http: refused (false), loopback only ('loopback') or allowed (true). */
  allowInsecureHttp: InsecureHttpPolicy;
  headers?: Record<string, string>;
  /** Deadline of one STOW-RS request; 120 s when absent. */
  timeoutMs?: number;
  /** Instances per STOW-RS request; 25 when absent. */
  batchSize?: number;
  /** Bytes per STOW-RS request (a larger single instance goes alone); 64 MiB when absent. */
  maxBatchBytes?: number;
  /** Retries of a batch after a connection failure or 502/503/504; 2 when absent. */
  retries?: number;
}

export interface PushFailure {
  sopInstanceUid?: string;
  /** A path for files given by path, else `#n` (0-based position in the input). */
  source: string;
  reason: string;
}

export interface PushDicomResult {
  stored: number;
  failed: PushFailure[];
}

interface Prepared {
  source: string;
  bytes: Uint8Array;
  sopInstanceUid: string;
}

/** PS3.18 Table I.2-1 / PS3.4 Annex B failure reasons a STOW-RS server reports. */
const FAILURE_REASONS: Record<number, string> = {
  0x0110: 'processing failure',
  0x0111: 'duplicate SOP Instance',
  0x0122: 'SOP Class not supported',
  0x0124: 'not authorized',
  0xa700: 'out of resources',
  0xa900: 'data set does not match SOP Class',
  0xc000: 'cannot understand',
  0xc122: 'transfer syntax not supported',
};

function failureText(code: number | undefined): string {
  if (code === undefined) return 'refused by the server (no reason given)';
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `refused by the server: ${FAILURE_REASONS[code] ?? 'failure'} (${hex})`;
}

/**
 * Stores Part-10 files (bytes, or paths read batch by batch) by STOW-RS. Files that are not
 * DICOM Part-10 are reported, not sent. A batch that fails as a whole marks its instances
 * failed; when the server is unreachable the rest is not tried and is marked failed too.
 */
export async function pushDicom(
  files: ReadonlyArray<Uint8Array | string>,
  dicomWebRoot: string,
  options: PushDicomOptions,
): Promise<PushDicomResult> {
  const batchSize = options.batchSize ?? 25;
  const maxBatchBytes = options.maxBatchBytes ?? 64 * 1024 * 1024;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize ${batchSize} is not ≥ 1`);
  const transport = new DicomWebTransport({
    url: dicomWebRoot,
    allowInsecureHttp: options.allowInsecureHttp,
    timeoutMs: options.timeoutMs ?? 120_000,
    maxConcurrent: 1,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
  });
  const result: PushDicomResult = { stored: 0, failed: [] };
  try {
    let batch: Prepared[] = [];
    let batchBytes = 0;
    let abandoned: string | undefined;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const sent = batch;
      batch = [];
      batchBytes = 0;
      if (abandoned !== undefined) {
        for (const p of sent) result.failed.push(failure(p, abandoned));
        return;
      }
      try {
        const answer = await transport.store(sent.map((p) => p.bytes));
        tally(sent, answer, result);
      } catch (err) {
        if (!(err instanceof DicomError)) throw err;
        for (const p of sent) result.failed.push(failure(p, err.message));
        if (err instanceof DicomWebError && (err.kind === 'unreachable' || err.kind === 'insecure')) {
          abandoned = `not sent: an earlier batch failed (${err.message})`;
        }
      }
    };
    for (const [n, file] of files.entries()) {
      const prepared = await prepare(file, n);
      if ('reason' in prepared) {
        result.failed.push(prepared);
        continue;
      }
      if (
        batch.length >= batchSize ||
        (batch.length > 0 && batchBytes + prepared.bytes.length > maxBatchBytes)
      ) {
        await flush();
      }
      batch.push(prepared);
      batchBytes += prepared.bytes.length;
    }
    await flush();
  } finally {
    transport.close();
  }
  return result;
}

function failure(p: Prepared, reason: string): PushFailure {
  return { sopInstanceUid: p.sopInstanceUid, source: p.source, reason };
}

/** Reads and checks one input; a failure entry when it cannot be sent. */
async function prepare(file: Uint8Array | string, n: number): Promise<Prepared | PushFailure> {
  const source = typeof file === 'string' ? file : `#${n}`;
  let bytes: Uint8Array;
  try {
    bytes = typeof file === 'string' ? new Uint8Array(await readFile(file)) : file;
  } catch (err) {
    return { source, reason: `cannot read: ${(err as Error).message}` };
  }
  if (!hasDicmPrefix(bytes)) return { source, reason: 'not a DICOM Part-10 file (no DICM prefix); not sent' };
  try {
    const { meta, dataset } = parsePart10(bytes, { headerOnly: true });
    const sopInstanceUid = str(dataset, 'SOPInstanceUID') ?? str(meta, 'MediaStorageSOPInstanceUID');
    if (sopInstanceUid === undefined) return { source, reason: 'no SOP Instance UID; not sent' };
    return { source, bytes, sopInstanceUid };
  } catch (err) {
    return { source, reason: `${(err as Error).message}; not sent` };
  }
}

/** Counts the batch's instances the server acknowledged; every other one is a failure. */
function tally(sent: Prepared[], answer: StowAnswer, result: PushDicomResult): void {
  const stored = new Set(answer.stored.map((s) => s.sopInstanceUid));
  const refused = new Map(answer.failed.map((f) => [f.sopInstanceUid, f.failureReason]));
  for (const p of sent) {
    if (stored.has(p.sopInstanceUid)) result.stored += 1;
    else if (refused.has(p.sopInstanceUid))
      result.failed.push(failure(p, failureText(refused.get(p.sopInstanceUid))));
    else result.failed.push(failure(p, 'not acknowledged in the STOW-RS answer'));
  }
}

// ----- FHIR transaction ------------------------------------------------------------------------------

export interface PushFhirOptions {
  allowInsecureHttp: InsecureHttpPolicy;
  /** e.g. `{ Authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
  /** Deadline of the transaction request; 60 s when absent. */
  timeoutMs?: number;
}

/** A FHIR push failed; `entryIndex` (0-based) names the failing entry when it is known. */
export class FhirPushError extends Error {
  override name = 'FhirPushError';
  constructor(
    message: string,
    readonly entryIndex?: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Posts a transaction Bundle with fhir-kit-client and checks the transaction-response: one entry
 * per request entry, each with a 2xx status. Returns the transaction-response Bundle.
 */
export async function pushFhirBundle(
  fhirBaseUrl: string,
  bundle: Bundle,
  options: PushFhirOptions,
): Promise<Bundle> {
  if (!httpAllowed(fhirBaseUrl, options.allowInsecureHttp)) {
    throw new FhirPushError(`FHIR server ${fhirBaseUrl} is not https and plain http is not allowed for it`);
  }
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') {
    throw new FhirPushError(`not a transaction Bundle (type ${String(bundle.type)})`);
  }
  const entries = bundle.entry ?? [];
  const timeoutMs = options.timeoutMs ?? 60_000;
  const client = new Client({
    baseUrl: fhirBaseUrl.replace(/\/+$/, ''),
    customHeaders: options.headers ?? {},
  });
  let response: unknown;
  try {
    response = await client.transaction({
      // fhir-kit-client types resources loosely; the Bundle is sent as JSON as it is.
      body: bundle as unknown as Parameters<Client['transaction']>[0]['body'],
      options: { signal: AbortSignal.timeout(timeoutMs) },
    });
  } catch (err) {
    throw transactionError(err, entries, fhirBaseUrl, timeoutMs);
  }
  const reply = response as Bundle;
  if (reply?.resourceType !== 'Bundle' || reply.type !== 'transaction-response') {
    throw new FhirPushError(`FHIR server ${fhirBaseUrl} did not answer with a transaction-response Bundle`);
  }
  const answers = reply.entry ?? [];
  if (answers.length !== entries.length) {
    throw new FhirPushError(
      `transaction-response has ${answers.length} entries for ${entries.length} request entries`,
    );
  }
  answers.forEach((answer, n) => {
    const status = answer.response?.status ?? '';
    if (!/^2\d\d\b/.test(status)) {
      const outcome = outcomeText(answer.response?.outcome as OperationOutcome | undefined);
      throw new FhirPushError(
        `transaction entry ${describeEntry(entries[n], n)} failed: ${status || 'no status'}${outcome ? ` (${outcome})` : ''}`,
        n,
        Number.parseInt(status, 10) || undefined,
      );
    }
  });
  return reply;
}

/** `#1 Observation/abc (POST Observation, urn:uuid:…)`: enough to find the entry in the Bundle. */
function describeEntry(entry: BundleEntry | undefined, n: number): string {
  const r = entry?.resource;
  const what = r ? `${r.resourceType}${r.id ? `/${r.id}` : ''}` : 'without resource';
  const request = entry?.request ? `${entry.request.method} ${entry.request.url}` : 'no request';
  return `#${n} ${what} (${request}${entry?.fullUrl ? `, ${entry.fullUrl}` : ''})`;
}

function outcomeText(outcome: OperationOutcome | undefined): string | undefined {
  const issues = outcome?.issue ?? [];
  const texts = issues
    .map((i) => [i.details?.text ?? i.diagnostics, i.expression?.join(', ')].filter(Boolean).join(' at '))
    .filter((t) => t !== '');
  return texts.length > 0 ? texts.join('; ') : undefined;
}

/** Which entry an OperationOutcome of a refused transaction points at (`Bundle.entry[2]…`). */
function entryFromOutcome(outcome: OperationOutcome | undefined, count: number): number | undefined {
  for (const issue of outcome?.issue ?? []) {
    for (const place of [...(issue.expression ?? []), issue.diagnostics ?? '', issue.details?.text ?? '']) {
      const m = /entry\[(\d+)\]/i.exec(place);
      if (m && Number(m[1]) < count) return Number(m[1]);
    }
  }
  return undefined;
}

interface HttpishError {
  response?: { status?: number; data?: unknown };
  name?: string;
  message?: string;
  cause?: { code?: string };
}

function transactionError(
  err: unknown,
  entries: BundleEntry[],
  url: string,
  timeoutMs: number,
): FhirPushError {
  const e = err as HttpishError;
  const status = e.response?.status;
  if (status !== undefined) {
    const data = e.response?.data;
    const outcome =
      typeof data === 'object' &&
      data !== null &&
      (data as { resourceType?: unknown }).resourceType === 'OperationOutcome'
        ? (data as OperationOutcome)
        : undefined;
    const index = entryFromOutcome(outcome, entries.length);
    const where =
      index !== undefined
        ? `entry ${describeEntry(entries[index], index)}`
        : 'an entry the server did not name';
    const text = outcomeText(outcome);
    return new FhirPushError(
      `FHIR server refused the transaction (${status}) at ${where}${text ? `: ${text}` : ''}`,
      index,
      status,
    );
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new FhirPushError(`FHIR server ${url} did not answer the transaction within ${timeoutMs} ms`);
  }
  const code = e.cause?.code ? ` (${e.cause.code})` : '';
  return new FhirPushError(`FHIR server unreachable at ${url}${code}: ${e.message ?? String(err)}`);
}
