import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { FeedbackDeps } from '../cds/feedback.ts';
import { handleFeedback } from '../cds/feedback.ts';
import { HookError } from '../cds/hook-error.ts';
import { handleHookCall, type HookDeps, type HookResponse } from '../cds/hook-handler.ts';
import { notifyStudy } from '../jobs/study-notifications.ts';
import type { EhrTokenVerifier, VerifiedEhr } from './ehr-token-verifier.ts';

export interface AppDeps extends HookDeps, FeedbackDeps {
  verifier: EhrTokenVerifier;
}

/**
 * `POST /pacs/study-stable` — the PACS announces a complete study (e.g. an Orthanc Lua
 * `OnStableStudy` callback posting `{"StudyInstanceUID": "…"}`). Authenticated by the shared
 * secret `imaging.webhookToken` (Bearer); without one configured, only loopback callers are
 * accepted. Answers 202 with the queued job; every call is audited.
 */
function handleStudyWebhook(deps: AppDeps, req: Request): { status: number; body: unknown } {
  const audit = (outcome: 'queued' | 'unauthorized' | 'bad-request', detail: Record<string, unknown>) =>
    deps.audit.append({ kind: 'study-notification', outcome, detail: { via: 'webhook', ...detail } });
  const token = deps.config.imaging.webhookToken;
  const given = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
  const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
  if (token ? !given || !safeEqual(given, token) : !loopback) {
    audit('unauthorized', { remote: req.socket.remoteAddress ?? null });
    return { status: 401, body: { error: 'study webhook: missing or wrong Bearer token' } };
  }
  if (!deps.imaging) {
    audit('bad-request', { why: 'no imaging source configured' });
    return { status: 409, body: { error: 'study webhook: this service has no imaging source configured' } };
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const tags = (body.MainDicomTags ?? {}) as Record<string, unknown>;
  const uid = body.StudyInstanceUID ?? body.studyInstanceUid ?? tags.StudyInstanceUID;
  if (typeof uid !== 'string') {
    audit('bad-request', { why: 'no StudyInstanceUID' });
    return { status: 400, body: { error: 'study webhook: body must be JSON with "StudyInstanceUID"' } };
  }
  try {
    const job = notifyStudy(deps.imaging, uid, 'webhook');
    audit('queued', { studyInstanceUid: uid, jobId: job.id });
    return { status: 202, body: { jobId: job.id, state: job.state } };
  } catch (err) {
    audit('bad-request', { why: (err as Error).message });
    return { status: 400, body: { error: `study webhook: ${(err as Error).message}` } };
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface AuthedLocals {
  ehr: VerifiedEhr;
}

/**
 * The CDS Hooks HTTP surface (CDS Hooks 2.0): discovery, one endpoint per service and its
 * feedback endpoint, all behind EHR JWT authentication, with CORS for browser-based clients.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(cors);

  app.get('/healthz', (_req, res) => {
    const bundle = deps.activeModel();
    res.json({
      status: bundle ? 'ok' : 'degraded',
      model: bundle
        ? { id: bundle.manifest.id, version: bundle.manifest.version, digest: bundle.digest }
        : null,
    });
  });

  const auth = authenticate(deps);
  const json = jsonBody(deps);

  app.get('/cds-services', auth, (_req, res) => {
    res.json({ services: deps.catalog.services });
  });

  app.post(
    '/cds-services/:id',
    auth,
    json,
    async (req: Request<{ id: string }>, res: Response<unknown, AuthedLocals>) => {
      send(res, await handleHookCall(deps, req.params.id, req.body, res.locals.ehr));
    },
  );

  app.post(
    '/cds-services/:id/feedback',
    auth,
    json,
    (req: Request<{ id: string }>, res: Response<unknown, AuthedLocals>) => {
      send(res, handleFeedback(deps, req.params.id, req.body, res.locals.ehr));
    },
  );

  app.post('/pacs/study-stable', json, (req: Request, res: Response) => {
    const answer = handleStudyWebhook(deps, req);
    res.status(answer.status).json(answer.body);
  });

  app.use((req, res) => {
    res.status(404).json(new HookError(404, `no route ${req.method} ${req.path}`).body());
  });

  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err }, 'unhandled request error');
    if (!res.headersSent)
      res.status(500).json(new HookError(500, 'internal error; see the service log').body());
  });
  return app;
}

function send(res: Response, r: HookResponse): void {
  if (r.body === undefined) res.status(r.status).end();
  else res.status(r.status).json(r.body);
}

/**
 * CORS as CDS Hooks 2.0 asks of services: any origin, the methods and headers the protocol
 * uses; preflight requests carry no token and are answered without one.
 */
const cors: RequestHandler = (req, res, next) => {
  res.set('Access-Control-Allow-Origin', '*');
  res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
  res.set('Access-Control-Expose-Headers', 'Origin, Accept, Content-Location, Location, X-Requested-With');
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
};

/**
 * Every CDS Hooks endpoint requires the EHR's JWT, with `aud` the exact URL called (the
 * configured base URL plus the request path). A refusal is a bare 401; its reason goes to the
 * log and the audit trail, the token to neither.
 */
function authenticate(deps: AppDeps): RequestHandler {
  const base = deps.config.service.baseUrl.replace(/\/+$/, '');
  return async (req, res, next) => {
    const audience = `${base}${req.path}`;
    const check = await deps.verifier.verify(req.headers.authorization, audience);
    if (check.ok) {
      res.locals.ehr = check.ehr;
      next();
      return;
    }
    deps.logger.warn({ path: req.path, reason: check.reason }, 'EHR token refused');
    deps.audit.append({
      kind: 'auth-failure',
      outcome: 'unauthorized',
      ...(serviceIdOf(req.path) ? { serviceId: serviceIdOf(req.path)! } : {}),
      detail: { method: req.method, path: req.path, reason: check.reason },
    });
    res.status(401).set('WWW-Authenticate', 'Bearer').end();
  };
}

function serviceIdOf(pathname: string): string | undefined {
  return /^\/cds-services\/([^/]+)/.exec(pathname)?.[1];
}

/**
 * JSON bodies only; a malformed or non-JSON body gets a 400 naming the problem, and is audited
 * like any other call outcome.
 */
function jsonBody(deps: AppDeps): RequestHandler {
  const parse = express.json({ limit: deps.config.service.bodyLimit, strict: true, type: () => true });
  return (req, res, next) => {
    const refuse = (status: 400 | 413 | 415, reason: string): void => {
      deps.audit.append({
        kind: req.path.startsWith('/pacs/')
          ? 'study-notification'
          : req.path.endsWith('/feedback')
            ? 'feedback'
            : 'hook-call',
        outcome: 'bad-request',
        ...(serviceIdOf(req.path) ? { serviceId: serviceIdOf(req.path)! } : {}),
        detail: { reason, ehr: (res.locals as Partial<AuthedLocals>).ehr?.issuer },
      });
      res.status(status).json(new HookError(400, reason).body());
    };
    if (!req.is('application/json')) {
      refuse(415, `Content-Type must be application/json, got ${req.headers['content-type'] ?? 'none'}`);
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string; message?: string };
      if (e.type === 'entity.too.large') refuse(413, `request body exceeds ${deps.config.service.bodyLimit}`);
      else refuse(400, `malformed JSON: ${e.message ?? 'could not parse the body'}`);
    });
  };
}
