import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import type { AxillaConfig } from '../config/config.ts';
import { formatZodIssues } from '../config/config.ts';
import { hasCoding, type ClinicalCodes } from '../config/codes.ts';
import type { ClinicalInputs } from '../fhir/clinical-inputs.ts';
import { readClinicalInputs } from '../fhir/clinical/read-clinical-inputs.ts';
import { createFhirReader, FhirAccessError, type FhirReader } from '../fhir/fhir-reader.ts';
import type { VerifiedEhr } from '../http/ehr-token-verifier.ts';
import type { LoadedBundle } from '../model/bundle-types.ts';
import type { AuditEntry, AuditOutcome, AuditStore } from '../store/audit-store.ts';
import type { CardRegistry } from '../store/service-state.ts';
import type { Logger } from '../util/logger.ts';
import type { ImagingService } from '../jobs/imaging-service.ts';
import type { CardWording } from './card-wording.ts';
import { answerWithModel } from './model-answer.ts';
import type { Card } from './cards.ts';
import { HookError } from './hook-error.ts';
import { hookContextSchemas, hookRequestSchema, type HookContext, type HookRequest } from './hook-request.ts';
import { gatherPatientData, type PatientData } from './prefetch.ts';
import type { CdsServiceDefinition, PrefetchKey, ServiceCatalog } from './service-catalog.ts';

export interface HookDeps {
  config: AxillaConfig;
  catalog: ServiceCatalog;
  wording: CardWording;
  /** The bundle the hooks serve, or undefined when none verified. */
  activeModel: () => LoadedBundle | undefined;
  audit: AuditStore;
  cards: CardRegistry;
  logger: Logger;
  now?: () => Date;
  /** The imaging pipeline with its precompute queue; absent when no PACS is configured. */
  imaging?: ImagingService;
  /** The clinical model shown, labelled, when an imaging model's images cannot be used. */
  fallbackModel?: () => LoadedBundle | undefined;
}

export interface HookResponse {
  status: number;
  body: unknown;
}

/** FHIR data the clinical model cannot do without; imaging studies join for imaging bundles. */
const REQUIRED_KEYS: readonly PrefetchKey[] = [
  'patient',
  'observations',
  'conditions',
  'procedures',
  'medicationAdministrations',
];

/**
 * One hook call, start to end. Every call ends in exactly one outcome (DESIGN §4): a
 * prediction card, a "cannot compute" card, no card when the order is not axillary surgery,
 * or an HTTP error; and every outcome is written to the audit trail.
 */
export async function handleHookCall(
  deps: HookDeps,
  serviceId: string,
  body: unknown,
  ehr: VerifiedEhr,
): Promise<HookResponse> {
  const trail: Trail = { serviceId, ehr: { iss: ehr.issuer, sub: ehr.subject, tenant: ehr.tenant } };
  try {
    const service = deps.catalog.find(serviceId);
    if (!service) throw new HookError(404, `no CDS service with id ${serviceId}`);
    const request = parseRequest(body, service);
    trail.hook = request.hook;
    trail.hookInstance = request.hookInstance;
    const context = parseContext(request, service);
    trail.patientId = context.patientId;
    trail.userId = context.userId;

    const orders = surgicalOrders(service, context, deps.config.fhir.codes);
    if (orders !== 'not-an-order-hook' && orders.length === 0) {
      return finish(
        deps,
        trail,
        'not-applicable',
        { cards: [] },
        { reason: 'no draft order for axillary surgery' },
      );
    }
    if (orders !== 'not-an-order-hook') trail.draftOrders = orders;

    const data = await gather(deps, request, context);
    trail.sources = data.sources;
    const now = (deps.now ?? (() => new Date()))();
    const inputs = readClinicalInputs(data.clinical, deps.config.fhir.codes, { asOf: now.toISOString() });
    if (service.hook === 'patient-view' && !hasOncologyRecord(inputs)) {
      return finish(
        deps,
        trail,
        'not-applicable',
        { cards: [] },
        { reason: 'no receptor status, stage or NAT on record' },
      );
    }

    const bundle = deps.activeModel();
    if (!bundle) throw new HookError(500, 'no verified model bundle is active; see the service log');
    trail.model = { id: bundle.manifest.id, version: bundle.manifest.version, digest: bundle.digest };
    const answer = await answerWithModel(
      {
        wording: deps.wording,
        imaging: deps.imaging,
        fallbackModel: deps.fallbackModel ?? (() => undefined),
        deadlineMs: deps.config.imaging.deadlineMs,
      },
      {
        hook: service.hook,
        patientId: context.patientId,
        imagingStudies: data.imagingStudies,
        inputs,
        bundle,
      },
    );
    return finish(deps, trail, answer.outcome, { cards: answer.cards }, answer.detail, answer.cards);
  } catch (err) {
    if (err instanceof HookError) {
      return finish(deps, trail, outcomeOf(err.status), err.body(), { reason: err.message }, [], err.status);
    }
    deps.logger.error({ err, serviceId, hookInstance: trail.hookInstance }, 'hook call failed');
    const failure = new HookError(500, 'internal error while computing the card; see the service log');
    return finish(deps, trail, 'error', failure.body(), { reason: (err as Error).message }, [], 500);
  }
}

interface Trail {
  serviceId: string;
  ehr: { iss: string; sub: string | undefined; tenant: string | undefined };
  hook?: string;
  hookInstance?: string;
  patientId?: string;
  userId?: string;
  draftOrders?: string[];
  sources?: PatientData['sources'];
  model?: { id: string; version: string; digest: string };
}

function outcomeOf(status: number): AuditOutcome {
  if (status === 400) return 'bad-request';
  if (status === 404) return 'not-found';
  if (status === 412) return 'precondition-failed';
  return 'error';
}

function finish(
  deps: HookDeps,
  trail: Trail,
  outcome: AuditOutcome,
  body: unknown,
  detail: Record<string, unknown>,
  cards: Card[] = [],
  status = 200,
): HookResponse {
  // The cards are registered in the audit record's transaction: one commit per hook call.
  const register = (stored: AuditEntry): void => {
    if (cards.length === 0 || !trail.hookInstance) return;
    deps.cards.registerCards(
      cards.map((c) => ({
        uuid: c.uuid,
        serviceId: trail.serviceId,
        hookInstance: trail.hookInstance!,
        auditSeq: stored.seq,
        issuedAt: stored.recordedAt,
      })),
    );
  };
  const entry = deps.audit.append(
    {
      kind: 'hook-call',
      outcome,
      serviceId: trail.serviceId,
      ...(trail.hook ? { hook: trail.hook } : {}),
      ...(trail.hookInstance ? { hookInstance: trail.hookInstance } : {}),
      ...(trail.patientId ? { patientId: trail.patientId } : {}),
      ...(trail.model ? { model: trail.model } : {}),
      cardUuids: cards.map((c) => c.uuid),
      detail: {
        ehr: trail.ehr,
        ...(trail.userId ? { userId: trail.userId } : {}),
        ...(trail.draftOrders ? { draftOrders: trail.draftOrders } : {}),
        ...(trail.sources ? { dataSources: trail.sources } : {}),
        ...detail,
        ...(cards.length
          ? { cards: cards.map((c) => ({ uuid: c.uuid, summary: c.summary, indicator: c.indicator })) }
          : {}),
      },
    },
    register,
  );
  // The log gets ids and outcome only; patient identifiers stay in the audit store (DESIGN §6.4).
  deps.logger.info(
    { serviceId: trail.serviceId, hookInstance: trail.hookInstance, outcome, status, auditSeq: entry.seq },
    'hook call',
  );
  return { status, body };
}

function parseRequest(body: unknown, service: CdsServiceDefinition): HookRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HookError(400, 'request body must be a JSON object');
  }
  const parsed = hookRequestSchema.safeParse(body);
  if (!parsed.success) throw new HookError(400, `invalid hook request: ${formatZodIssues(parsed.error)}`);
  if (parsed.data.hook !== service.hook) {
    throw new HookError(400, `service ${service.id} answers hook ${service.hook}, not ${parsed.data.hook}`);
  }
  return parsed.data;
}

function parseContext(request: HookRequest, service: CdsServiceDefinition): HookContext {
  const parsed = hookContextSchemas[service.hook].safeParse(request.context);
  if (!parsed.success) {
    throw new HookError(
      400,
      `invalid context for ${service.hook}: ${formatZodIssues(parsed.error).replace(/^/, 'context.')}`,
    );
  }
  return parsed.data as HookContext;
}

/**
 * Draft ServiceRequests for axillary surgery named by the order hooks (for order-select only
 * the newly selected ones); other hooks are not about an order.
 */
function surgicalOrders(
  service: CdsServiceDefinition,
  context: HookContext,
  codes: ClinicalCodes,
): string[] | 'not-an-order-hook' {
  if (service.hook !== 'order-sign' && service.hook !== 'order-select') return 'not-an-order-hook';
  const entries = ((context.draftOrders as Bundle | undefined)?.entry ?? []) as {
    resource?: ServiceRequest;
  }[];
  const selected = context.selections ? new Set(context.selections) : undefined;
  return entries
    .map((e) => e.resource)
    .filter((r): r is ServiceRequest => r?.resourceType === 'ServiceRequest')
    .filter((r) => !selected || selected.has(`ServiceRequest/${r.id}`))
    .filter((r) => hasCoding(r.code, codes.axillarySurgery))
    .map((r) => `ServiceRequest/${r.id ?? '(no id)'}`);
}

async function gather(deps: HookDeps, request: HookRequest, context: HookContext): Promise<PatientData> {
  let reader: FhirReader | undefined;
  if (request.fhirServer) {
    try {
      reader = createFhirReader(
        request.fhirServer,
        request.fhirAuthorization?.access_token,
        deps.config.fhir,
      );
    } catch (err) {
      if (err instanceof FhirAccessError) throw new HookError(412, err.message);
      throw err;
    }
  }
  return gatherPatientData({
    patientId: context.patientId,
    context,
    prefetch: request.prefetch,
    templates: deps.catalog.templates,
    reader,
    required: REQUIRED_KEYS,
  });
}

/** A patient whose chart holds any breast-cancer input, readable or not. */
function hasOncologyRecord(inputs: ClinicalInputs): boolean {
  if (inputs.er || inputs.pr || inputs.her2 || inputs.cT || inputs.ki67Percent || inputs.nat) return true;
  return inputs.missing.some((m) => m.provenance.length > 0);
}
