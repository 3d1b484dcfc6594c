import type { ResourceProvenance } from '../clinical-inputs.ts';

/** The parts of any FHIR resource the audit trail needs. */
export interface IdentifiedResource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string };
}

/** `ResourceType/id`, the form every reason and audit entry uses to name a resource. */
export function referenceOf(resource: IdentifiedResource): string {
  return `${resource.resourceType}/${resource.id ?? '(no id)'}`;
}

/**
 * The audit entry for one resource: its reference, the version that was read (DESIGN §6 rule 3:
 * every number is traceable to the FHIR resource versions it came from) and its clinical date.
 */
export function provenanceOf(resource: IdentifiedResource, date?: string): ResourceProvenance {
  const entry: ResourceProvenance = { reference: referenceOf(resource) };
  if (resource.meta?.versionId !== undefined) entry.versionId = resource.meta.versionId;
  if (date !== undefined) entry.date = date;
  return entry;
}

function provenanceKey(p: ResourceProvenance): string {
  return `${p.reference}\u0000${p.versionId ?? ''}\u0000${p.date ?? ''}`;
}

/** Merges provenance lists, dropping duplicates and sorting by reference so output order never
 *  depends on the order the server returned resources in. */
export function mergeProvenance(...lists: readonly (readonly ResourceProvenance[])[]): ResourceProvenance[] {
  const byKey = new Map<string, ResourceProvenance>();
  for (const p of lists.flat()) byKey.set(provenanceKey(p), p);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
}
