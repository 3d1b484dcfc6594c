import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { clinicalCodesSchema } from './codes.ts';

/**
 * Plain http is refused for FHIR servers and JWKS by default. `loopback` allows it only for
 * 127.0.0.0/8, ::1 and localhost (the demo and tests); `true` allows it anywhere (never in
 * production).
 */
const insecureHttpSchema = z.union([z.boolean(), z.literal('loopback')]).default(false);

const issuerSchema = z
  .strictObject({
    /** Exact `iss` claim value the EHR puts in its tokens. */
    iss: z.string().min(1),
    /** JWKS the issuer publishes; used when a token carries no `jku`. */
    jwksUrl: z.url().optional(),
    /** `jku` header values accepted for this issuer, matched exactly. */
    jkuAllowList: z.array(z.url()).default([]),
  })
  .refine((i) => i.jwksUrl !== undefined || i.jkuAllowList.length > 0, {
    message: 'an issuer needs jwksUrl or a non-empty jkuAllowList',
  });

export const configSchema = z.strictObject({
  service: z
    .strictObject({
      /** Public base URL of this service as the EHR calls it; JWT `aud` is checked against it. */
      baseUrl: z.url().default('http://127.0.0.1:8730'),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8730),
      /** Largest accepted request body. */
      bodyLimit: z.string().default('2mb'),
    })
    .prefault({}),
  auth: z
    .strictObject({
      issuers: z.array(issuerSchema).default([]),
      /** Longest accepted exp − iat; the CDS Hooks spec recommends 5 minutes, EHRs use up to 15. */
      maxTokenLifetimeSeconds: z.number().int().positive().max(3600).default(900),
      clockSkewSeconds: z.number().int().min(0).max(300).default(30),
      /** Minimum interval between two JWKS refetches triggered by an unknown `kid`. */
      jwksCooldownSeconds: z.number().min(0).default(30),
      /** How long a fetched JWKS is trusted before it is fetched again. */
      jwksMaxAgeSeconds: z.number().positive().default(600),
      allowInsecureHttp: insecureHttpSchema,
    })
    .prefault({}),
  fhir: z
    .strictObject({
      allowInsecureHttp: insecureHttpSchema,
      timeoutMs: z.number().int().positive().default(10_000),
      /** Upper bound on followed `next` links per search, so a runaway server cannot hold a call. */
      maxPages: z.number().int().positive().default(20),
      codes: clinicalCodesSchema.prefault({}),
    })
    .prefault({}),
  store: z
    .strictObject({
      sqlitePath: z.string().default('var/axilla.sqlite'),
    })
    .prefault({}),
  models: z
    .strictObject({
      dir: z.string().default('models'),
      trustedKeys: z.string().default('models/trusted-publishers.jwks.json'),
      /** Bundle id served by the hooks; its highest verified version is used. */
      active: z.string().default('clinical-synthetic'),
    })
    .prefault({}),
  imaging: z
    .strictObject({
      /**
       * Where the images come from: a DICOMweb server (QIDO-RS / WADO-RS), a folder of Part-10
       * files, or none (imaging models then answer "not computed", with the clinical fallback).
       */
      source: z
        .discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('none') }),
          z.strictObject({ kind: z.literal('folder'), dir: z.string().min(1) }),
          z.strictObject({
            kind: z.literal('dicomweb'),
            url: z.url(),
            timeoutMs: z.number().int().positive().default(30_000),
            /** Parallel WADO-RS requests. */
            maxConcurrent: z.number().int().min(1).max(32).default(6),
            allowInsecureHttp: insecureHttpSchema,
          }),
        ])
        .default({ kind: 'none' }),
      /** How long order-select / order-sign wait for a prediction before "analysis in progress". */
      deadlineMs: z.number().int().min(0).max(60_000).default(5_000),
      /** Memory for retrieved instances, kept by SOP Instance UID. */
      instanceCacheMb: z.number().int().min(0).default(1024),
      /** Folder of ONNX backbones found by SHA-256 (the demo backbone is generated there). */
      backboneDir: z.string().default('var/backbones'),
      /** Clinical bundle id shown, labelled, when an imaging model cannot use the images; null for none. */
      fallbackModel: z.string().nullable().default('clinical-synthetic'),
      /** Prediction jobs run at once. */
      concurrency: z.number().int().min(1).max(8).default(1),
      /** Worker threads extracting a prediction's ROIs in parallel (0: on the service thread). */
      extractionWorkers: z.number().int().min(0).max(16).default(2),
      maxAttempts: z.number().int().min(1).max(20).default(3),
      /**
       * FHIR server the background jobs read clinical inputs from when the PACS, not a hook,
       * announces a study (webhook, polling); without it those notifications are recorded only.
       */
      fhirBaseUrl: z.url().optional(),
      /** Shared secret the PACS sends as `Authorization: Bearer …` to the study webhook. */
      webhookToken: z.string().min(16).optional(),
      /** QIDO-RS polling for new studies (seconds between polls; 0 = off) and how far back it looks. */
      pollSeconds: z.number().min(0).default(0),
      pollLookbackDays: z.number().int().min(1).max(365).default(3),
    })
    .prefault({}),
  cards: z
    .strictObject({
      /** Folder with service definitions and card wording. */
      dir: z.string().default('cds-hooks'),
    })
    .prefault({}),
  demo: z
    .strictObject({
      /** Start the in-process FHIR server and demo EHR beside the service. */
      enabled: z.boolean().default(false),
      fhirPort: z.number().int().min(0).max(65535).default(8731),
      /** Where the demo EHR keeps its generated key pair (never committed). */
      ehrKeyDir: z.string().default('var/demo-ehr'),
      /** The demo's synthetic cohort, generated on first run when absent. */
      cohortDir: z.string().default('var/demo-cohort'),
      cohortPatients: z.number().int().min(1).max(50).default(4),
      cohortSeed: z.string().default('axilla-demo'),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});

export type AxillaConfig = z.infer<typeof configSchema>;

/**
 * The imaging source in effect: the configured one, or with the demo on and none configured, the
 * demo cohort's DICOM folder (so the demo's imaging cards need no PACS).
 */
export function imagingSourceOf(config: AxillaConfig): AxillaConfig['imaging']['source'] {
  if (config.imaging.source.kind !== 'none' || !config.demo.enabled) return config.imaging.source;
  return { kind: 'folder', dir: path.join(config.demo.cohortDir, 'dicom') };
}
export type InsecureHttpPolicy = AxillaConfig['auth']['allowInsecureHttp'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The embedded defaults: demo on (in-process FHIR server and demo EHR, which the service then
 * trusts as an issuer), SQLite, the shipped radiomics–clinical bundle over the demo cohort's
 * DICOM folder (clinical-synthetic as the labelled fallback), plain http allowed on loopback only.
 */
export function embeddedDefaults(): Record<string, unknown> {
  return {
    demo: { enabled: true },
    auth: { allowInsecureHttp: 'loopback' },
    fhir: { allowInsecureHttp: 'loopback' },
    // The hooks serve the imaging model with the best validation AUC of the shipped bundles
    // (docs/shipped-models.md); the demo cohort's DICOM folder stands in for the PACS
    // (imagingSourceOf).
    models: { active: 'radiomics-clinical-synthetic' },
  };
}

/**
 * Environment overrides: `AXILLA_<SECTION>__<KEY>=value` (double underscore between levels,
 * case-insensitive, camelCase keys written with single underscores or as is), e.g.
 * `AXILLA_SERVICE__PORT=9000`, `AXILLA_STORE__SQLITE_PATH=/data/a.sqlite`. Values are parsed as
 * JSON when they parse, else kept as strings.
 */
export function environmentOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('AXILLA_') || !name.includes('__') || raw === undefined) continue;
    const keys = name
      .slice('AXILLA_'.length)
      .split('__')
      .map((k) => k.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()));
    let node = out;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = parseScalar(raw);
  }
  return out;
}

function parseScalar(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where later layers win; arrays, and objects of another `kind`, are replaced. */
export function mergeLayers(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      const prev = out[k];
      // An object of another `kind` (e.g. imaging.source folder → dicomweb) replaces the
      // earlier one: merging would keep keys the new kind does not have.
      const sameKind = !isPlainObject(v) || !('kind' in v) || !isPlainObject(prev) || prev.kind === v.kind;
      out[k] = isPlainObject(prev) && isPlainObject(v) && sameKind ? mergeLayers(prev, v) : v;
    }
  }
  return out;
}

export interface LoadConfigOptions {
  /** YAML or JSON file; without it the embedded defaults apply. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest-priority overrides, e.g. from command-line flags. */
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadConfigOptions = {}): AxillaConfig {
  const fileLayer = options.file ? readConfigFile(options.file) : embeddedDefaults();
  const merged = mergeLayers(
    fileLayer,
    environmentOverrides(options.env ?? process.env),
    options.overrides ?? {},
  );
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const where = options.file ? options.file : 'embedded defaults with environment overrides';
    throw new ConfigError(`invalid configuration (${where}): ${formatZodIssues(parsed.error)}`);
  }
  return parsed.data;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = path.extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `configuration file ${file} is not valid ${path.extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc))
    throw new ConfigError(`configuration file ${file} must hold a mapping at the top level`);
  return doc;
}

/** One line per issue: `path.to.key: message`. */
export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** True when plain http to this URL is allowed by the policy. */
export function httpAllowed(url: string, policy: InsecureHttpPolicy): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return true;
  if (u.protocol !== 'http:') return false;
  if (policy === true) return true;
  if (policy === 'loopback') return isLoopbackHost(u.hostname);
  return false;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
