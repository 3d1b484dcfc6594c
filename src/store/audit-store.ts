/**
 * The audit trail (DESIGN §6 rules 3 and 4): the only place patient identifiers are kept, and
 * the link from every number shown to the model bundle digest and the FHIR resource versions it
 * came from. Records are append-only; each carries the hash of the one before it, so an edit or
 * deletion anywhere breaks the chain and `axilla audit verify` finds it.
 */

export type AuditKind =
  | 'hook-call'
  | 'feedback'
  | 'discovery'
  | 'auth-failure'
  | 'bundle-refused'
  | 'service-start'
  | 'imaging-job'
  | 'study-notification';

export type AuditOutcome =
  | 'prediction'
  | 'cannot-compute'
  | 'in-progress'
  | 'queued'
  | 'not-applicable'
  | 'bad-request'
  | 'unauthorized'
  | 'not-found'
  | 'precondition-failed'
  | 'error'
  | 'recorded'
  | 'duplicate'
  | 'served'
  | 'refused'
  | 'started';

export interface AuditModelRef {
  id: string;
  version: string;
  digest: string;
}

export interface AuditEntryInput {
  kind: AuditKind;
  outcome: AuditOutcome;
  serviceId?: string;
  hook?: string;
  hookInstance?: string;
  patientId?: string;
  cardUuids?: string[];
  model?: AuditModelRef;
  /** Free structure: inputs with provenance, output, threshold, reason, … */
  detail: Record<string, unknown>;
}

export interface AuditEntry extends AuditEntryInput {
  seq: number;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  patientId?: string;
  hookInstance?: string;
  cardUuid?: string;
  kind?: AuditKind;
  limit?: number;
}

export type ChainVerification =
  | { ok: true; records: number; lastHash: string }
  | { ok: false; records: number; brokenAtSeq: number; reason: string };

/** Hash of the record before the first one. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditStore {
  /**
   * Appends a record. `alongside` runs in the same transaction with the stored entry (e.g. the
   * issued cards that point at it): both are stored, or neither, with one commit.
   */
  append(entry: AuditEntryInput, alongside?: (stored: AuditEntry) => void): AuditEntry;
  query(q: AuditQuery): AuditEntry[];
  verifyChain(): ChainVerification;
}
