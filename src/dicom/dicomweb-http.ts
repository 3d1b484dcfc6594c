/**
 * The DICOMweb transport: dicomweb-client (`api.DICOMwebClient`) for every QIDO-RS, WADO-RS and
 * STOW-RS request, run over an `xhr2` XMLHttpRequest, with the checks dicomweb-client does not
 * make: per-request deadline, clear errors for an unreachable server, HTTP status, truncated or
 * malformed multipart answers and non-DICOM payloads, bounded concurrency and retries.
 *
 * Why it looks like this (dicomweb-client 0.11.3, xhr2 0.2.1):
 * - dicomweb-client takes the XMLHttpRequest to use per request (`request.instance`), so this
 *   module hands it an xhr2 instance for every call and never installs a global
 *   `XMLHttpRequest`: nothing else in the process sees a browser API appear.
 * - dicomweb-client knows only "status 0" for a failed connection and settles no promise on
 *   abort; its multipart decoder silently drops a part cut short and throws from inside the XHR
 *   event handler on garbage (which, in Node, would be an uncaught exception). The `TracedXhr`
 *   subclass records what happened on the wire and catches handler throws; every answer is then
 *   re-checked here.
 * - xhr2 follows redirects itself, to any host, with every header (Authorization too) and turns
 *   a POST into a GET. A DICOMweb server has no reason to redirect, so redirects are refused.
 */
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import dicomwebClient from 'dicomweb-client';
import { httpAllowed, type InsecureHttpPolicy } from '../config/config.ts';
import { DicomError } from './dicom-types.ts';
import { hasDicmPrefix, toArrayBuffer } from './part10.ts';
import { isValidUid } from './uid.ts';

// ----- errors ------------------------------------------------------------------------------------

export type DicomWebFailure =
  | 'insecure'
  | 'unreachable'
  | 'timeout'
  | 'http-status'
  | 'redirect'
  | 'truncated'
  | 'malformed'
  | 'not-dicom'
  | 'mismatch';

/** A DICOMweb exchange failed; `kind` lets callers tell a down server from a bad answer. */
export class DicomWebError extends DicomError {
  override name = 'DicomWebError';
  constructor(
    message: string,
    readonly kind: DicomWebFailure,
    /** The request URL with query values redacted (they can hold a Patient ID). */
    readonly url: string,
    readonly status?: number,
    /** For a refused STOW-RS request: the per-instance answer the server still sent. */
    readonly stowAnswer?: StowAnswer,
  ) {
    super(message);
  }
}

/**
 * The URL for messages and logs: query values replaced by `…`, because a QIDO query can carry a
 * Patient ID (DESIGN §6.4: no patient identifiers in logs).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const keys = [...new Set(u.searchParams.keys())];
    return `${u.origin}${u.pathname}${keys.length > 0 ? `?${keys.map((k) => `${k}=…`).join('&')}` : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

// ----- typed facades over the untyped libraries ----------------------------------------------------

/** A DICOM JSON model dataset (PS3.18 F.2): tag (8 hex digits) → element. */
export type DicomJsonDataset = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

interface XhrEvent {
  type: string;
  loaded?: number;
}

/** The part of xhr2's XMLHttpRequest this module uses, internals included (see TracedXhr). */
interface Xhr2Instance {
  readyState: number;
  status: number;
  response: unknown;
  responseText: string | null;
  getResponseHeader(name: string): string | null;
  abort(): void;
  setRequestHeader(name: string, value: string): void;
  nodejsSet(options: { httpAgent?: http.Agent; httpsAgent?: https.Agent }): void;
  dispatchEvent(event: XhrEvent): void;
  _onHttpRequestError(request: ClientRequest, error: Error): void;
  _onHttpResponse(request: ClientRequest, response: IncomingMessage): void;
}
type Xhr2Constructor = new () => Xhr2Instance;

/** What dicomweb-client takes as `request`: our XHR instance and the response type. */
interface RequestOptions {
  instance: Xhr2Instance;
  responseType?: 'json' | 'arraybuffer' | 'text';
}

type RequestHook = (xhr: Xhr2Instance, metadata: { method: string; url: string }) => Xhr2Instance;

/** The methods of dicomweb-client's DICOMwebClient used here (its bundled types are wrong). */
interface DicomWebClientApi {
  searchForStudies(o: { queryParams?: Record<string, string>; request: RequestOptions }): Promise<unknown>;
  searchForSeries(o: {
    studyInstanceUID: string;
    queryParams?: Record<string, string>;
    request: RequestOptions;
  }): Promise<unknown>;
  searchForInstances(o: {
    studyInstanceUID: string;
    seriesInstanceUID: string;
    queryParams?: Record<string, string>;
    request: RequestOptions;
  }): Promise<unknown>;
  retrieveInstance(o: {
    studyInstanceUID: string;
    seriesInstanceUID: string;
    sopInstanceUID: string;
    request: RequestOptions;
  }): Promise<unknown>;
  retrieveSeries(o: {
    studyInstanceUID: string;
    seriesInstanceUID: string;
    request: RequestOptions;
  }): Promise<unknown>;
  storeInstances(o: { datasets: ArrayBuffer[]; request: RequestOptions }): Promise<unknown>;
}
type DicomWebClientConstructor = new (options: {
  url: string;
  headers?: Record<string, string>;
  verbose?: boolean;
  requestHooks?: RequestHook[];
}) => DicomWebClientApi;

const DICOMwebClient = (dicomwebClient as unknown as { api: { DICOMwebClient: DicomWebClientConstructor } })
  .api.DICOMwebClient;

const Xhr2 = createRequire(import.meta.url)('xhr2') as Xhr2Constructor;
// TracedXhr overrides two xhr2 internals; fail at load, not silently, if an upgrade renamed them.
for (const method of ['_onHttpRequestError', '_onHttpResponse', 'nodejsSet'] as const) {
  if (typeof Xhr2.prototype[method] !== 'function') {
    throw new Error(`xhr2 has no ${method}(); src/dicom/dicomweb-http.ts needs updating for this xhr2`);
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const HEADERS_RECEIVED = 2;

/** An xhr2 request that remembers what happened on the wire, for error classification. */
class TracedXhr extends Xhr2 {
  /** The socket-level error of a failed connection (ECONNREFUSED, ECONNRESET, ENOTFOUND…). */
  networkError: (Error & { code?: string }) | undefined;
  redirect: { status: number; location: string } | undefined;
  /** Status and headers as they arrived (xhr2 forgets them when the body fails). */
  head: { status: number; contentType: string | null; contentLength: string | null } | undefined;
  loadedBytes = 0;
  ended: 'load' | 'error' | 'abort' | 'timeout' | undefined;
  /** dicomweb-client threw inside its readystatechange handler (e.g. its multipart decoder). */
  handlerError: unknown;
  private readonly loadEndWaiters: (() => void)[] = [];
  private loadEnded = false;

  override _onHttpRequestError(request: ClientRequest, error: Error): void {
    this.networkError ??= error;
    super._onHttpRequestError(request, error);
  }

  override _onHttpResponse(request: ClientRequest, response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    if (REDIRECT_STATUSES.has(status)) {
      this.redirect = { status, location: String(response.headers.location ?? '') };
      super._onHttpRequestError(request, new Error(`redirect ${status} refused`));
      return;
    }
    super._onHttpResponse(request, response);
  }

  override dispatchEvent(event: XhrEvent): void {
    switch (event.type) {
      case 'readystatechange':
        if (this.readyState === HEADERS_RECEIVED) {
          this.head = {
            status: this.status,
            contentType: this.getResponseHeader('content-type'),
            contentLength: this.getResponseHeader('content-length'),
          };
        }
        break;
      case 'progress':
        this.loadedBytes = event.loaded ?? this.loadedBytes;
        break;
      case 'load':
      case 'error':
      case 'abort':
      case 'timeout':
        this.ended ??= event.type;
        break;
    }
    try {
      super.dispatchEvent(event);
    } catch (err) {
      // Thrown by a handler (dicomweb-client's): record it instead of crashing the process.
      this.handlerError ??= err;
    }
    if (event.type === 'loadend') {
      this.loadEnded = true;
      for (const w of this.loadEndWaiters.splice(0)) w();
    }
  }

  /** Resolves once the exchange is over (loaded, failed or aborted). */
  whenEnded(): Promise<void> {
    return new Promise((resolve) => (this.loadEnded ? resolve() : this.loadEndWaiters.push(resolve)));
  }
}

// ----- concurrency ---------------------------------------------------------------------------------

/** At most `limit` holders at a time; waiters are served first come, first served. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit ${limit} is not ≥ 1`);
  }
  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

// ----- the transport -------------------------------------------------------------------------------

export interface DicomWebTransportOptions {
  /** DICOMweb root, e.g. `https://pacs.example.org/dicom-web` (QIDO, WADO and STOW below it). */
  url: string;
  /** Sent with every request, e.g. `{ Authorization: 'Bearer …' }`. Never logged. */
  headers?: Record<string, string>;
  /** Deadline of one request, from sending it to the last byte of the answer. */
  timeoutMs: number;
  /** Requests in flight at once (the rest wait). */
  maxConcurrent: number;
  /** Plain http: refused (false), loopback only ('loopback') or allowed (true). */
  allowInsecureHttp: InsecureHttpPolicy;
  /** Extra attempts after a connection failure or a 502/503/504 answer; 2 when absent. */
  retries?: number;
  /** Wait before the first retry, doubled for each further one; 200 ms when absent. */
  retryDelayMs?: number;
}

/** A successful exchange: dicomweb-client's result plus what the server actually sent. */
interface Exchange {
  value: unknown;
  status: number;
  contentType: string | null;
  body: unknown;
  text: string | null;
}

/** The STOW-RS answer (PS3.18 Table 10.5.3-1): instances stored and instances refused. */
export interface StowAnswer {
  stored: { sopClassUid?: string; sopInstanceUid?: string }[];
  failed: { sopClassUid?: string; sopInstanceUid?: string; failureReason?: number }[];
}

export interface StowResponse extends StowAnswer {
  status: number;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

export class DicomWebTransport {
  readonly baseUrl: string;
  private readonly client: DicomWebClientApi;
  private readonly semaphore: Semaphore;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private closed = false;

  constructor(private readonly options: DicomWebTransportOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(this.baseUrl);
    } catch {
      throw new DicomWebError(`DICOMweb URL ${options.url} is not a URL`, 'insecure', '(invalid URL)');
    }
    if (!httpAllowed(this.baseUrl, options.allowInsecureHttp)) {
      throw new DicomWebError(
        `DICOMweb URL ${redactUrl(this.baseUrl)} is not https and plain http is not allowed for it`,
        'insecure',
        redactUrl(this.baseUrl),
      );
    }
    if (parsed.username || parsed.password) {
      throw new DicomWebError(
        'put DICOMweb credentials in headers, not in the URL',
        'insecure',
        parsed.origin,
      );
    }
    if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs ${options.timeoutMs} is not > 0`);
    this.semaphore = new Semaphore(options.maxConcurrent);
    this.retries = options.retries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    // Own keep-alive pools: nothing shared with the rest of the process, destroyed by close().
    const agentOptions = { keepAlive: true, maxSockets: options.maxConcurrent };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.client = new DICOMwebClient({
      url: this.baseUrl,
      headers: { ...options.headers },
      // dicomweb-client would print failed requests (URLs with Patient IDs) on the console.
      verbose: false,
      requestHooks: [acceptDicomJsonOnPost],
    });
  }

  /** QIDO-RS: study, series or instance level, answers as DICOM JSON datasets. */
  async search(
    level: { study?: string; series?: string; of: 'studies' | 'series' | 'instances' },
    queryParams: Record<string, string>,
  ): Promise<DicomJsonDataset[]> {
    if (level.of !== 'studies') assertUid(level.study, 'Study Instance UID');
    if (level.of === 'instances') assertUid(level.series, 'Series Instance UID');
    const path =
      level.of === 'studies'
        ? '/studies'
        : level.of === 'series'
          ? `/studies/${level.study}/series`
          : `/studies/${level.study}/series/${level.series}/instances`;
    const url = `${this.baseUrl}${path}${queryString(queryParams)}`;
    const result = await this.run('GET', url, 'json', (request) => {
      if (level.of === 'studies') return this.client.searchForStudies({ queryParams, request });
      if (level.of === 'series')
        return this.client.searchForSeries({ studyInstanceUID: level.study ?? '', queryParams, request });
      return this.client.searchForInstances({
        studyInstanceUID: level.study ?? '',
        seriesInstanceUID: level.series ?? '',
        queryParams,
        request,
      });
    });
    // 204 No Content: dicomweb-client gives []; a body that is not JSON gives null.
    if (result.status === 204) return [];
    if (!Array.isArray(result.value) || !result.value.every(isPlainObject)) {
      throw new DicomWebError(
        `QIDO-RS answer to GET ${redactUrl(url)} is not a DICOM JSON array (Content-Type: ${result.contentType ?? 'none'})`,
        'malformed',
        redactUrl(url),
        result.status,
      );
    }
    return result.value as DicomJsonDataset[];
  }

  /** WADO-RS of one instance: its Part-10 bytes, checked as described in `checkedParts`. */
  async retrieveInstance(study: string, series: string, sop: string): Promise<Uint8Array> {
    assertUid(study, 'Study Instance UID');
    assertUid(series, 'Series Instance UID');
    assertUid(sop, 'SOP Instance UID');
    const url = `${this.baseUrl}/studies/${study}/series/${series}/instances/${sop}`;
    const result = await this.run('GET', url, 'arraybuffer', (request) =>
      this.client.retrieveInstance({
        studyInstanceUID: study,
        seriesInstanceUID: series,
        sopInstanceUID: sop,
        request,
      }),
    );
    // retrieveInstance keeps only the first part; check the whole message.
    const parts = checkedParts(result, url, (decoded) => (decoded === undefined ? [] : [decoded]), true);
    if (parts.length !== 1) {
      throw new DicomWebError(
        `WADO-RS answer to GET ${redactUrl(url)} holds ${parts.length} instances; one was asked for`,
        'mismatch',
        redactUrl(url),
      );
    }
    return parts[0] as Uint8Array;
  }

  /** WADO-RS of a whole series in one multipart answer. */
  async retrieveSeries(study: string, series: string): Promise<Uint8Array[]> {
    assertUid(study, 'Study Instance UID');
    assertUid(series, 'Series Instance UID');
    const url = `${this.baseUrl}/studies/${study}/series/${series}`;
    const result = await this.run('GET', url, 'arraybuffer', (request) =>
      this.client.retrieveSeries({ studyInstanceUID: study, seriesInstanceUID: series, request }),
    );
    return checkedParts(result, url, (decoded) => (Array.isArray(decoded) ? decoded : []), false);
  }

  /** STOW-RS of Part-10 datasets in one request; the answer lists stored and failed instances. */
  async store(datasets: readonly Uint8Array[]): Promise<StowResponse> {
    const url = `${this.baseUrl}/studies`;
    const buffers = datasets.map(toArrayBuffer);
    let result: Exchange;
    try {
      result = await this.run('POST', url, 'text', (request) =>
        this.client.storeInstances({ datasets: buffers, request }),
      );
    } catch (err) {
      // 409 (all failed) and 400 still carry the per-instance answer when the server sent one.
      if (err instanceof DicomWebError && err.stowAnswer !== undefined && err.stowAnswer.failed.length > 0) {
        return { status: err.status ?? 0, ...err.stowAnswer };
      }
      throw err;
    }
    const parsed = parseStowBody(result.text);
    if (parsed === undefined) {
      throw new DicomWebError(
        `STOW-RS answer (${result.status}) from ${redactUrl(url)} is not DICOM JSON (Content-Type: ${result.contentType ?? 'none'})`,
        'malformed',
        redactUrl(url),
        result.status,
      );
    }
    return { status: result.status, ...parsed };
  }

  /** Closes pooled connections; later requests fail. In-flight requests end with an error. */
  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** One request with concurrency bound, retries and classification. */
  private async run(
    method: 'GET' | 'POST',
    url: string,
    responseType: RequestOptions['responseType'],
    call: (request: RequestOptions) => Promise<unknown>,
  ): Promise<Exchange> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.semaphore.use(() => this.exchange(method, url, responseType, call));
      } catch (err) {
        const retryable =
          err instanceof DicomWebError &&
          (err.kind === 'unreachable' ||
            (err.kind === 'http-status' && RETRYABLE_STATUS.has(err.status ?? 0)));
        if (!retryable || attempt >= this.retries || this.closed) throw err;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** attempt));
      }
    }
  }

  private async exchange(
    method: 'GET' | 'POST',
    url: string,
    responseType: RequestOptions['responseType'],
    call: (request: RequestOptions) => Promise<unknown>,
  ): Promise<Exchange> {
    const shown = redactUrl(url);
    if (this.closed)
      throw new DicomWebError(`DICOMweb source for ${this.baseUrl} is closed`, 'unreachable', shown);
    const xhr = new TracedXhr();
    xhr.nodejsSet({ httpAgent: this.httpAgent, httpsAgent: this.httpsAgent });

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        xhr.abort();
        reject(
          new DicomWebError(
            `DICOMweb request timed out after ${this.options.timeoutMs} ms: ${method} ${shown}` +
              (xhr.head
                ? ` (answer ${xhr.head.status} started, ${xhr.loadedBytes} bytes received)`
                : ' (no answer)'),
            'timeout',
            shown,
          ),
        );
      }, this.options.timeoutMs);
    });
    deadline.catch(() => undefined);

    try {
      // dicomweb-client settles this in its readyState-4 handler, in the same turn as xhr2's
      // loadend event; it settles without the XHR ending only when the request was never sent.
      const settled = Promise.resolve()
        .then(() => call({ instance: xhr, ...(responseType ? { responseType } : {}) }))
        .then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
      await Promise.race([xhr.whenEnded(), settled, deadline]);
      if (xhr.handlerError !== undefined) throw this.decodeFailure(xhr, method, shown);
      const outcome = await Promise.race([settled, deadline]);
      const failure = xhr.ended === undefined ? undefined : this.classify(xhr, method, shown);
      if (failure) throw failure;
      if (!outcome.ok) {
        const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        throw new DicomWebError(
          `DICOMweb request ${method} ${shown} could not be made: ${reason}`,
          'malformed',
          shown,
        );
      }
      return {
        value: outcome.value,
        status: xhr.status,
        contentType: xhr.getResponseHeader('content-type'),
        body: xhr.response,
        text: responseType === 'text' ? xhr.responseText : null,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The failure, if any, of an exchange that ended without a handler throw. */
  private classify(xhr: TracedXhr, method: string, shown: string): DicomWebError | undefined {
    if (xhr.redirect) {
      return new DicomWebError(
        `DICOMweb server answered ${method} ${shown} with a ${xhr.redirect.status} redirect to ${redactUrl(xhr.redirect.location)}; redirects are not followed (configure the final URL)`,
        'redirect',
        shown,
        xhr.redirect.status,
      );
    }
    if (xhr.ended === 'error' && xhr.head === undefined) {
      const cause = xhr.networkError;
      const code = cause?.code ?? cause?.name;
      const detail = !cause
        ? 'connection failed'
        : code && !cause.message.includes(code)
          ? `${code}: ${cause.message}`
          : cause.message;
      return new DicomWebError(
        `DICOMweb server unreachable at ${this.baseUrl} (${detail}) for ${method} ${shown}`,
        'unreachable',
        shown,
      );
    }
    if (xhr.ended === 'error' && xhr.head !== undefined) return truncatedBody(xhr, method, shown);
    if (xhr.ended !== 'load') {
      return new DicomWebError(
        `DICOMweb request ${method} ${shown} ended (${xhr.ended ?? 'unknown'})`,
        'unreachable',
        shown,
      );
    }
    const status = xhr.status;
    if (status < 200 || status >= 300) {
      const reason = http.STATUS_CODES[status];
      return new DicomWebError(
        `DICOMweb server answered ${status}${reason ? ` ${reason}` : ''} to ${method} ${shown}`,
        'http-status',
        shown,
        status,
        method === 'POST' ? parseStowBody(xhr.responseText) : undefined,
      );
    }
    return undefined;
  }

  /** dicomweb-client threw while decoding: a cut-off body or one that is not what it claims. */
  private decodeFailure(xhr: TracedXhr, method: string, shown: string): DicomWebError {
    if (xhr.ended === 'error') return truncatedBody(xhr, method, shown);
    const reason = xhr.handlerError instanceof Error ? xhr.handlerError.message : String(xhr.handlerError);
    return new DicomWebError(
      `malformed multipart answer to ${method} ${shown} (Content-Type: ${xhr.head?.contentType ?? 'none'}, ${xhr.loadedBytes} bytes): dicomweb-client could not decode it: ${reason}`,
      xhr.loadedBytes === 0 ? 'truncated' : 'malformed',
      shown,
      xhr.status,
    );
  }
}

function truncatedBody(xhr: TracedXhr, method: string, shown: string): DicomWebError {
  const expected = xhr.head?.contentLength ? ` of ${xhr.head.contentLength} announced` : '';
  return new DicomWebError(
    `DICOMweb answer truncated: the connection closed after ${xhr.loadedBytes}${expected} bytes of the body (${method} ${shown}, status ${xhr.head?.status ?? '?'})`,
    'truncated',
    shown,
    xhr.head?.status,
  );
}

/**
 * UIDs go into request paths unescaped (dicomweb-client concatenates them), so anything but a
 * well-formed UID is refused before it can change the URL.
 */
function assertUid(value: string | undefined, what: string): asserts value is string {
  if (value === undefined || !isValidUid(value)) {
    throw new DicomError(`${what} ${JSON.stringify(value)} is not a valid DICOM UID`);
  }
}

/** STOW-RS answers in DICOM JSON when asked; dicomweb-client sets no Accept on POST. */
function acceptDicomJsonOnPost(xhr: Xhr2Instance, metadata: { method: string; url: string }): Xhr2Instance {
  if (metadata.method.toLowerCase() === 'post') xhr.setRequestHeader('Accept', 'application/dicom+json');
  return xhr;
}

/** The query string dicomweb-client builds, reproduced for messages. */
function queryString(params: Record<string, string>): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? '' : `?${entries.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ----- multipart/related checks ---------------------------------------------------------------------

/** The `boundary` parameter of a multipart Content-Type (quoted or not). */
export function multipartBoundary(contentType: string | null): string | undefined {
  if (!contentType || !/^\s*multipart\/related\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

export interface MultipartPart {
  headers: Record<string, string>;
  content: Uint8Array;
}

/** Why a multipart body is not whole; `truncated` when it simply stops too early. */
export class MultipartError extends Error {
  override name = 'MultipartError';
  constructor(
    message: string,
    readonly truncated: boolean,
  ) {
    super(message);
  }
}

/**
 * Splits a multipart/related body (RFC 2046 §5.1.1) and insists on its close delimiter, which
 * dicomweb-client does not: without it a body cut in the middle of the last part would lose that
 * part silently. Part Content-Length headers, when present, must match.
 */
export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  let at = buf.subarray(0, dash.length).equals(dash) ? 0 : buf.indexOf(delimiter);
  if (at < 0) throw new MultipartError('no boundary delimiter found', body.length === 0);
  if (at > 0) at += 2; // skip the CRLF before the first dash-boundary (after a preamble)
  const parts: MultipartPart[] = [];
  for (;;) {
    let p = at + dash.length;
    if (p + 2 > buf.length) {
      throw new MultipartError(
        `body ends at a boundary after ${parts.length} parts, without the close delimiter`,
        true,
      );
    }
    if (buf[p] === 0x2d && buf[p + 1] === 0x2d) return parts; // "--": close delimiter
    while (buf[p] === 0x20 || buf[p] === 0x09) p += 1; // transport padding
    if (buf[p] !== 0x0d || buf[p + 1] !== 0x0a) {
      if (p >= buf.length)
        throw new MultipartError(`body ends inside a boundary line after ${parts.length} parts`, true);
      throw new MultipartError(`boundary line of part ${parts.length + 1} is not followed by CRLF`, false);
    }
    const headerStart = p + 2;
    const headerEnd = buf.indexOf('\r\n\r\n', headerStart, 'latin1');
    // A part with no headers starts its content right after the boundary line's CRLF.
    const noHeaders = buf[headerStart] === 0x0d && buf[headerStart + 1] === 0x0a;
    if (!noHeaders && headerEnd < 0) {
      throw new MultipartError(`part ${parts.length + 1} headers are cut off (body ends inside them)`, true);
    }
    const contentStart = noHeaders ? headerStart + 2 : headerEnd + 4;
    const headers = noHeaders ? {} : parsePartHeaders(buf.toString('latin1', headerStart, headerEnd));
    const next = buf.indexOf(delimiter, contentStart);
    if (next < 0) {
      throw new MultipartError(
        `part ${parts.length + 1} is cut off: ${buf.length - contentStart} bytes and no closing boundary`,
        true,
      );
    }
    const content = body.subarray(contentStart, next);
    const declared = headers['content-length'];
    if (declared !== undefined && Number(declared) !== content.length) {
      throw new MultipartError(
        `part ${parts.length + 1} has ${content.length} bytes but its Content-Length says ${declared}`,
        Number(declared) > content.length,
      );
    }
    parts.push({ headers, content });
    at = next + 2;
  }
}

function parsePartHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * The DICOM instances of a WADO-RS answer, after checking that it is a whole multipart/related
 * message, that dicomweb-client decoded the same parts, and that each part is DICOM Part-10.
 */
function checkedParts(
  result: Exchange,
  url: string,
  decodedParts: (value: unknown) => unknown[],
  single: boolean,
): Uint8Array[] {
  const shown = redactUrl(url);
  const boundary = multipartBoundary(result.contentType);
  if (boundary === undefined) {
    throw new DicomWebError(
      `WADO-RS answer to GET ${shown} is not multipart/related DICOM (Content-Type: ${result.contentType ?? 'none'})`,
      'not-dicom',
      shown,
      result.status,
    );
  }
  const body = result.body instanceof ArrayBuffer ? new Uint8Array(result.body) : new Uint8Array(0);
  let parts: MultipartPart[];
  try {
    parts = parseMultipart(body, boundary);
  } catch (err) {
    if (!(err instanceof MultipartError)) throw err;
    throw new DicomWebError(
      `${err.truncated ? 'truncated' : 'malformed'} multipart answer to GET ${shown} (${body.length} bytes): ${err.message}`,
      err.truncated ? 'truncated' : 'malformed',
      shown,
      result.status,
    );
  }
  const decoded = decodedParts(result.value);
  const expectedDecoded = single ? Math.min(parts.length, 1) : parts.length;
  const sameAsClient =
    decoded.length === expectedDecoded &&
    decoded.every((d, n) => d instanceof ArrayBuffer && d.byteLength === parts[n]?.content.length);
  if (!sameAsClient) {
    throw new DicomWebError(
      `malformed multipart answer to GET ${shown}: dicomweb-client decoded ${decoded.length} parts, the message holds ${parts.length}`,
      'malformed',
      shown,
      result.status,
    );
  }
  return parts.map((part, n) => {
    const type = part.headers['content-type'];
    if (type !== undefined && !/^application\/dicom\s*(;|$)/i.test(type)) {
      throw new DicomWebError(
        `part ${n + 1} of the WADO-RS answer to GET ${shown} is ${type}, not application/dicom`,
        'not-dicom',
        shown,
      );
    }
    if (!hasDicmPrefix(part.content)) {
      throw new DicomWebError(
        `part ${n + 1} of the WADO-RS answer to GET ${shown} is not DICOM Part-10 (no DICM prefix, ${part.content.length} bytes)`,
        'not-dicom',
        shown,
      );
    }
    // A copy: the parts are views into one large body, which must not stay alive through them.
    return part.content.slice();
  });
}

// ----- STOW-RS answer ---------------------------------------------------------------------------

function firstString(item: Record<string, unknown>, tag: string): string | undefined {
  const el = item[tag] as { Value?: unknown[] } | undefined;
  const v = el?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
}

function sequenceItems(ds: Record<string, unknown>, tag: string): Record<string, unknown>[] {
  const el = ds[tag] as { Value?: unknown[] } | undefined;
  return (el?.Value ?? []).filter(isPlainObject);
}

/** ReferencedSOPSequence (0008,1199) and FailedSOPSequence (0008,1198) of a STOW-RS answer. */
function parseStowBody(text: string | null | undefined): StowAnswer | undefined {
  if (!text) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const ds = Array.isArray(json) ? json[0] : json;
  if (!isPlainObject(ds)) return undefined;
  const ref = (item: Record<string, unknown>) => ({
    sopClassUid: firstString(item, '00081150'),
    sopInstanceUid: firstString(item, '00081155'),
  });
  return {
    stored: sequenceItems(ds, '00081199').map(ref),
    failed: sequenceItems(ds, '00081198').map((item) => {
      const reason = (item['00081197'] as { Value?: unknown[] } | undefined)?.Value?.[0];
      return { ...ref(item), ...(typeof reason === 'number' ? { failureReason: reason } : {}) };
    }),
  };
}
