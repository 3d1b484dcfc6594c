import { Client } from 'fhir-kit-client';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { httpAllowed, type InsecureHttpPolicy } from '../config/config.ts';

/** Why FHIR data could not be obtained; becomes a 412 OperationOutcome when the data is required. */
export class FhirAccessError extends Error {
  override name = 'FhirAccessError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface FhirReaderOptions {
  timeoutMs: number;
  maxPages: number;
  allowInsecureHttp: InsecureHttpPolicy;
}

/** Read access to the EHR's FHIR server with the access token the hook call handed over. */
export interface FhirReader {
  readonly baseUrl: string;
  /** GET a relative query (`Patient/1`, `Observation?…`); a searchset is followed through all pages. */
  get(query: string): Promise<Resource[]>;
  /** Resources of a searchset bundle, following its `next` links on this server. */
  collectPages(bundle: Bundle): Promise<Resource[]>;
}

export function createFhirReader(
  fhirServer: string,
  accessToken: string | undefined,
  options: FhirReaderOptions,
): FhirReader {
  if (!httpAllowed(fhirServer, options.allowInsecureHttp)) {
    throw new FhirAccessError(`fhirServer ${fhirServer} is not https and plain http is not allowed`);
  }
  const baseUrl = fhirServer.replace(/\/+$/, '');
  const client = new Client({
    baseUrl,
    ...(accessToken ? { bearerToken: accessToken } : {}),
  });

  async function request(url: string): Promise<unknown> {
    try {
      return await client.request(url, { options: { signal: AbortSignal.timeout(options.timeoutMs) } });
    } catch (err) {
      throw toAccessError(err, url, options.timeoutMs);
    }
  }

  async function collectPages(first: Bundle): Promise<Resource[]> {
    const out: Resource[] = [];
    let page: Bundle | undefined = first;
    for (let n = 1; page; n += 1) {
      for (const e of page.entry ?? []) {
        // A searchset may carry OperationOutcome entries (search.mode = outcome): not data.
        if (e.resource && e.search?.mode !== 'outcome') out.push(e.resource);
      }
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      if (n >= options.maxPages) {
        throw new FhirAccessError(
          `search result has more than ${options.maxPages} pages; refusing to follow further`,
        );
      }
      // The access token is only ever sent to the server the EHR named.
      if (new URL(next, `${baseUrl}/`).origin !== new URL(baseUrl).origin) {
        throw new FhirAccessError(`next-page link ${next} points away from fhirServer ${baseUrl}`);
      }
      page = asBundle(await request(next), next);
    }
    return out;
  }

  return {
    baseUrl,
    collectPages,
    async get(query: string): Promise<Resource[]> {
      const body = await request(query);
      if (isResource(body) && body.resourceType === 'Bundle') return collectPages(body as Bundle);
      if (isResource(body)) return [body];
      throw new FhirAccessError(`FHIR server answered ${query} with something that is not a FHIR resource`);
    },
  };
}

function isResource(v: unknown): v is Resource {
  return (
    typeof v === 'object' && v !== null && typeof (v as { resourceType?: unknown }).resourceType === 'string'
  );
}

function asBundle(v: unknown, url: string): Bundle {
  if (isResource(v) && v.resourceType === 'Bundle') return v as Bundle;
  throw new FhirAccessError(`next page ${url} is not a Bundle`);
}

interface HttpishError {
  response?: { status?: number; data?: unknown };
  name?: string;
  message?: string;
  cause?: { code?: string };
}

function toAccessError(err: unknown, url: string, timeoutMs: number): FhirAccessError {
  const e = err as HttpishError;
  const status = e.response?.status;
  if (status !== undefined) {
    const outcome = e.response?.data as OperationOutcome | undefined;
    const text = outcome?.issue?.[0]?.details?.text ?? outcome?.issue?.[0]?.diagnostics;
    return new FhirAccessError(
      `FHIR server answered ${status} for ${url}${text ? ` (${text})` : ''}`,
      status,
    );
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new FhirAccessError(`FHIR server did not answer ${url} within ${timeoutMs} ms`);
  }
  const code = e.cause?.code ? ` (${e.cause.code})` : '';
  return new FhirAccessError(`FHIR server unreachable for ${url}${code}: ${e.message ?? String(err)}`);
}
