import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadCardWording } from '../cds/card-wording.ts';
import { loadServiceCatalog } from '../cds/service-catalog.ts';
import { imagingSourceOf, type AxillaConfig } from '../config/config.ts';
import { loadOrCreateEhrKey, type EhrKey } from '../demo/demo-ehr.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../demo/embedded-fhir-server.ts';
import { demoPatients } from '../demo/demo-cohort.ts';
import { seedDemoPatients } from '../demo/seed.ts';
import { createModelRegistry, type ModelRegistry } from '../model/registry.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import type { Logger } from '../util/logger.ts';
import type { DicomSource } from '../dicom/dicom-types.ts';
import { DicomWebSource } from '../dicom/dicomweb-source.ts';
import { FolderSource } from '../dicom/folder-source.ts';
import { createImagingService, type ImagingService } from '../jobs/imaging-service.ts';
import { createExtractionPool, type ExtractionPool } from '../pipeline/imaging/extraction-pool.ts';
import { startStudyPolling, studyJobHandler } from '../jobs/study-notifications.ts';
import { createApp } from './app.ts';
import { EhrTokenVerifier } from './ehr-token-verifier.ts';

export interface RunningService {
  /** Base URL the service answers on (JWT `aud` prefix). */
  baseUrl: string;
  config: AxillaConfig;
  server: Server;
  store: SqliteStore;
  models: ModelRegistry;
  /** The imaging pipeline and its queue, when an imaging source is configured. */
  imaging?: ImagingService;
  /** Present in the embedded default: the in-process FHIR server and demo EHR. */
  demo?: { fhir: EmbeddedFhirServer; ehrKey: EhrKey };
  close(): Promise<void>;
}

/**
 * Starts the service from a validated configuration: store, service definitions, card wording,
 * verified model bundles, EHR token verification, and (embedded default) the demo FHIR server
 * and EHR; then listens.
 */
export async function startService(config: AxillaConfig, logger: Logger): Promise<RunningService> {
  const store = new SqliteStore(config.store.sqlitePath);
  try {
    const catalog = loadServiceCatalog(config.cards.dir, config.fhir.codes);
    const wording = loadCardWording(config.cards.dir);
    const models = await createModelRegistry(config.models, logger, store);
    const verifier = new EhrTokenVerifier(config.auth, store);

    let demo: RunningService['demo'];
    if (config.demo.enabled) {
      const ehrKey = await loadOrCreateEhrKey(config.demo.ehrKeyDir);
      const fhir = await startEmbeddedFhirServer({
        port: config.demo.fhirPort,
        jwks: { keys: [ehrKey.publicJwk] },
      });
      await seedDemoPatients(
        fhir.repo,
        await demoPatients({
          dir: config.demo.cohortDir,
          patients: config.demo.cohortPatients,
          seed: config.demo.cohortSeed,
        }),
      );
      verifier.trustIssuer({ iss: fhir.origin, jwksUrl: fhir.jwksUrl, jkuAllowList: [] });
      demo = { fhir, ehrKey };
    }

    if (config.demo.enabled && demo) config.imaging.fhirBaseUrl ??= demo.fhir.fhirBaseUrl;
    const imagingSource = await openImagingSource(imagingSourceOf(config));
    let imaging: ImagingService | undefined;
    let polling: { stop(): void } | undefined;
    let pool: ExtractionPool | undefined;
    if (imagingSource) {
      if (config.imaging.extractionWorkers > 0) pool = createExtractionPool(config.imaging.extractionWorkers);
      imaging = createImagingService(config.imaging, {
        ...(pool ? { pool } : {}),
        source: imagingSource,
        store,
        logger,
        models: models.imaging,
        otherJobs: studyJobHandler({
          config,
          catalog,
          imaging: () => imaging!,
          activeModel: () => models.active(),
          audit: store,
          logger,
        }),
      });
      if (config.imaging.pollSeconds > 0)
        polling = startStudyPolling(imaging, {
          seconds: config.imaging.pollSeconds,
          lookbackDays: config.imaging.pollLookbackDays,
          logger,
        });
    }
    const fallbackModel = () => models.clinical(config.imaging.fallbackModel);

    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.service.port, config.service.host, () => resolve());
    });
    // With port 0 the real port is known only now; the token audience must use it.
    const { port } = server.address() as AddressInfo;
    if (config.service.port === 0) config.service.baseUrl = `http://127.0.0.1:${port}`;
    const baseUrl = config.service.baseUrl.replace(/\/+$/, '');

    const app = createApp({
      config,
      catalog,
      wording,
      activeModel: () => models.active(),
      ...(imaging ? { imaging } : {}),
      fallbackModel,
      audit: store,
      cards: store,
      feedback: store,
      verifier,
      logger,
    });
    server.on('request', app);
    store.append({
      kind: 'service-start',
      outcome: 'started',
      detail: {
        baseUrl,
        models: models
          .all()
          .map((b) => ({ id: b.manifest.id, version: b.manifest.version, digest: b.digest })),
        refusedBundles: models.refused,
        demo: demo ? { fhirServer: demo.fhir.fhirBaseUrl } : false,
        imagingSource: imagingSourceOf(config).kind,
        modelsNotServed: models.notServed,
      },
    });
    logger.info({ baseUrl, activeModel: models.active()?.manifest.id ?? null }, 'service listening');

    return {
      baseUrl,
      config,
      server,
      store,
      models,
      ...(imaging ? { imaging } : {}),
      ...(demo ? { demo } : {}),
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        polling?.stop();
        await imaging?.close();
        await pool?.close();
        await imagingSource?.close?.();
        await demo?.fhir.close();
        await models.close();
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}

/** The configured imaging source: a DICOMweb server or a folder of Part-10 files. */
export async function openImagingSource(
  source: AxillaConfig['imaging']['source'],
): Promise<DicomSource | undefined> {
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'folder':
      return FolderSource.open(source.dir);
    case 'dicomweb':
      return new DicomWebSource({
        url: source.url,
        timeoutMs: source.timeoutMs,
        maxConcurrent: source.maxConcurrent,
        allowInsecureHttp: source.allowInsecureHttp,
      });
  }
}
