import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { loadCardWording } from '../../src/cds/card-wording.ts';
import { loadServiceCatalog } from '../../src/cds/service-catalog.ts';
import { loadConfig, mergeLayers, type AxillaConfig } from '../../src/config/config.ts';
import {
  generateEhrKey,
  signHookToken,
  type EhrKey,
  type HookTokenOptions,
} from '../../src/demo/demo-ehr.ts';
import { DEMO_PATIENTS } from '../../src/demo/demo-patients.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/demo/embedded-fhir-server.ts';
import { seedDemoPatients } from '../../src/demo/seed.ts';
import { createApp } from '../../src/http/app.ts';
import { EhrTokenVerifier } from '../../src/http/ehr-token-verifier.ts';
import { createModelRegistry, type ModelRegistry } from '../../src/model/registry.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { createLogger, type Logger } from '../../src/util/logger.ts';
import { pino } from 'pino';

export const BASE_URL = 'http://127.0.0.1:8730';

/** Log lines a test can search, e.g. to prove a token never reaches the log. */
export class CapturedLog {
  readonly lines: string[] = [];
  readonly logger: Logger = pino({ level: 'debug' }, { write: (s: string) => void this.lines.push(s) });
  text(): string {
    return this.lines.join('');
  }
}

export interface Rig {
  config: AxillaConfig;
  app: Express;
  store: SqliteStore;
  fhir: EmbeddedFhirServer;
  ehrKey: EhrKey;
  models: ModelRegistry;
  log: CapturedLog;
  /** A token for the exact URL of `urlPath`, signed by the trusted test EHR. */
  token(urlPath: string, o?: Partial<HookTokenOptions>, key?: EhrKey): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real parts wired as in production: SQLite store, shipped model bundle, JWT verification
 * against the EHR's JWKS over HTTP, and the embedded FHIR server with the demo patients.
 */
export async function startRig(
  overrides: Record<string, unknown> = {},
  fhirOptions: { accessToken?: string } = {},
): Promise<Rig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'axilla-test-'));
  const ehrKey = await generateEhrKey('test-ehr-key-1');
  const fhir = await startEmbeddedFhirServer({ jwks: { keys: [ehrKey.publicJwk] }, ...fhirOptions });
  await seedDemoPatients(fhir.repo);
  const config = loadConfig({
    env: {},
    overrides: mergeLayers(
      {
        demo: { enabled: false },
        service: { baseUrl: BASE_URL },
        store: { sqlitePath: path.join(dir, 'axilla.sqlite') },
        auth: {
          issuers: [{ iss: fhir.origin, jwksUrl: fhir.jwksUrl }],
          allowInsecureHttp: 'loopback',
          jwksCooldownSeconds: 0,
        },
        fhir: { allowInsecureHttp: 'loopback', timeoutMs: 3000 },
        // The literature-derived clinical bundle: its probabilities can be computed in the tests
        // from the published odds ratios alone, independently of the model file.
        models: { active: 'clinical-literature' },
      },
      overrides,
    ),
  });
  const log = new CapturedLog();
  const store = new SqliteStore(config.store.sqlitePath);
  const models = await createModelRegistry(config.models, log.logger, store);
  const verifier = new EhrTokenVerifier(config.auth, store);
  const app = createApp({
    config,
    catalog: loadServiceCatalog(config.cards.dir, config.fhir.codes),
    wording: loadCardWording(config.cards.dir),
    activeModel: () => models.active(),
    audit: store,
    cards: store,
    feedback: store,
    verifier,
    logger: log.logger,
  });
  return {
    config,
    app,
    store,
    fhir,
    ehrKey,
    models,
    log,
    token: (urlPath, o = {}, key = ehrKey) =>
      signHookToken(key, { issuer: fhir.origin, audience: `${BASE_URL}${urlPath}`, ...o }),
    async close() {
      await fhir.close();
      await models.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const ORDER_SIGN = '/cds-services/axilla-apcr-order-sign';
export const ORDER_SELECT = '/cds-services/axilla-apcr-order-select';
export const PATIENT_VIEW = '/cds-services/axilla-apcr-patient-view';

export function demoPatient(id: string) {
  const p = DEMO_PATIENTS.find((d) => d.id === id);
  if (!p) throw new Error(`no demo patient ${id}`);
  return p;
}

/** An order-sign request for a demo patient, leaving the data for the service to fetch. */
export function orderSignBody(
  rig: Rig,
  patientId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    hook: 'order-sign',
    hookInstance: randomUUID(),
    fhirServer: rig.fhir.fhirBaseUrl,
    context: {
      userId: 'Practitioner/test-surgeon',
      patientId,
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: demoPatient(patientId).draftOrder }],
      },
    },
    ...extra,
  };
}

export { createLogger };
