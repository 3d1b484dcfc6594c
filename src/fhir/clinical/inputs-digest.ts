/**
 * A stable digest of the clinical inputs, for the results cache and the audit trail
 * (DESIGN §6 rule 3): the same values from the same resource versions give the same digest,
 * whatever order the server returned the resources in.
 */
import { createHash } from 'node:crypto';
import type { ClinicalInputs, ResourceProvenance } from '../clinical-inputs.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function provenanceKey(p: ResourceProvenance): string {
  return JSON.stringify([p.reference, p.versionId ?? null, p.date ?? null]);
}

/** Canonical JSON: object keys sorted, undefined dropped, provenance lists sorted. */
function canonical(value: unknown, key?: string): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) {
    const items =
      key === 'provenance'
        ? [...(value as ResourceProvenance[])].sort((a, b) => cmp(provenanceKey(a), provenanceKey(b)))
        : value;
    const mapped = items.map((v) => canonical(v));
    return key === 'missing' ? mapped.sort((a, b) => cmp(JSON.stringify(a), JSON.stringify(b))) : mapped;
  }
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v, k);
    }
    return out;
  }
  return null;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SHA-256 (hex) of the values, derivations, reasons and provenance, with sorted keys. */
export function clinicalInputsDigest(inputs: ClinicalInputs): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(inputs)))
    .digest('hex');
}
