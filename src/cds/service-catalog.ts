import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ClinicalCodes } from '../config/codes.ts';
import { formatZodIssues } from '../config/config.ts';

/** The hooks this product answers; each service id is bound to exactly one. */
export const SUPPORTED_HOOKS = [
  'patient-view',
  'order-select',
  'order-sign',
  'appointment-book',
  'encounter-start',
] as const;
export type HookName = (typeof SUPPORTED_HOOKS)[number];

export const PREFETCH_KEYS = [
  'patient',
  'observations',
  'conditions',
  'procedures',
  'medicationAdministrations',
  'imagingStudies',
] as const;
export type PrefetchKey = (typeof PREFETCH_KEYS)[number];

const definitionsSchema = z.strictObject({
  specVersion: z.literal('2.0'),
  specUrl: z.url(),
  note: z.string().optional(),
  prefetchTemplates: z.strictObject(
    Object.fromEntries(PREFETCH_KEYS.map((k) => [k, z.string().min(1)])) as Record<PrefetchKey, z.ZodString>,
  ),
  services: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[A-Za-z0-9_-]+$/),
        hook: z.enum(SUPPORTED_HOOKS),
        title: z.string().min(1),
        description: z.string().min(1),
        usageRequirements: z.string().min(1).optional(),
        prefetch: z.array(z.enum(PREFETCH_KEYS)),
      }),
    )
    .min(1),
});

/** One service as discovery describes it (CDS Hooks 2.0 §Discovery). */
export interface CdsServiceDefinition {
  hook: HookName;
  title: string;
  description: string;
  id: string;
  prefetch: Partial<Record<PrefetchKey, string>>;
  usageRequirements?: string;
}

export interface ServiceCatalog {
  specVersion: string;
  services: CdsServiceDefinition[];
  /** Every prefetch template, rendered, whether or not a service asks the EHR for it. */
  templates: Record<PrefetchKey, string>;
  find(id: string): CdsServiceDefinition | undefined;
}

/**
 * Loads `cds-hooks/services.json` and fills the `$CODES(...)` placeholders from the configured
 * FHIR codes, so discovery shows the exact queries this site's codes imply.
 */
export function loadServiceCatalog(dir: string, codes: ClinicalCodes): ServiceCatalog {
  const file = path.join(dir, 'services.json');
  const parsed = definitionsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`invalid service definitions ${file}: ${formatZodIssues(parsed.error)}`);
  const defs = parsed.data;
  const templates = Object.fromEntries(
    PREFETCH_KEYS.map((k) => [k, renderCodes(defs.prefetchTemplates[k], codes)]),
  ) as Record<PrefetchKey, string>;
  const services: CdsServiceDefinition[] = defs.services.map((s) => ({
    hook: s.hook,
    title: s.title,
    description: s.description,
    id: s.id,
    prefetch: Object.fromEntries(s.prefetch.map((k) => [k, templates[k]])),
    ...(s.usageRequirements ? { usageRequirements: s.usageRequirements } : {}),
  }));
  return {
    specVersion: defs.specVersion,
    services,
    templates,
    find: (id) => services.find((s) => s.id === id),
  };
}

type CodeListName = {
  [K in keyof ClinicalCodes]: ClinicalCodes[K] extends readonly { system: string; code: string }[]
    ? K
    : never;
}[keyof ClinicalCodes];

function renderCodes(template: string, codes: ClinicalCodes): string {
  return template.replace(/\$CODES\(([^)]*)\)/g, (_m, names: string) =>
    names
      .split(',')
      .map((n) => n.trim())
      .flatMap((n) => {
        const list = codes[n as CodeListName] as readonly { system: string; code: string }[] | undefined;
        if (!Array.isArray(list)) throw new Error(`prefetch template names unknown code list ${n}`);
        return list.map((c) => encodeURIComponent(`${c.system}|${c.code}`));
      })
      .join(','),
  );
}

/** Fills `{{context.name}}` prefetch tokens; a token naming an absent context field is an error. */
export function fillPrefetchTokens(template: string, context: Record<string, unknown>): string {
  return template.replace(/\{\{\s*context\.([A-Za-z]+)\s*\}\}/g, (_m, name: string) => {
    const v = context[name];
    if (typeof v !== 'string' || v.length === 0)
      throw new Error(`prefetch token context.${name} has no value`);
    return encodeURIComponent(v);
  });
}
