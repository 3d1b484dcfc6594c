import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  GENESIS_HASH,
  type AuditEntry,
  type AuditEntryInput,
  type AuditQuery,
  type AuditStore,
  type ChainVerification,
} from './audit-store.ts';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import type {
  CardRegistry,
  FeedbackRecord,
  FeedbackStore,
  IssuedCard,
  ReplayCache,
} from './service-state.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (
  seq          INTEGER PRIMARY KEY,
  recorded_at  TEXT NOT NULL,
  body         TEXT NOT NULL,
  patient_id   TEXT,
  hook_instance TEXT,
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS audit_patient ON audit_log(patient_id);
CREATE INDEX IF NOT EXISTS audit_hook_instance ON audit_log(hook_instance);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE IF NOT EXISTS issued_card (
  uuid          TEXT PRIMARY KEY,
  service_id    TEXT NOT NULL,
  hook_instance TEXT NOT NULL,
  audit_seq     INTEGER NOT NULL,
  issued_at     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS card_feedback (
  card_uuid     TEXT NOT NULL,
  fingerprint   TEXT NOT NULL,
  outcome       TEXT NOT NULL,
  body          TEXT NOT NULL,
  received_at   TEXT NOT NULL,
  PRIMARY KEY (card_uuid, fingerprint)
);

CREATE TABLE IF NOT EXISTS seen_token (
  issuer     TEXT NOT NULL,
  jti        TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (issuer, jti)
);
-- Expired tokens are purged on every verification; without this index that is a table scan.
CREATE INDEX IF NOT EXISTS seen_token_expiry ON seen_token(expires_at);
`;

interface AuditRow {
  seq: number;
  recorded_at: string;
  body: string;
  prev_hash: string;
  hash: string;
}

/**
 * What a record's hash covers: its sequence number, time and body, chained to the previous
 * hash. Sequence and time are inside the hash so that moving or re-dating a record shows too.
 */
function recordHash(prevHash: string, seq: number, recordedAt: string, body: string): string {
  return sha256Hex(`${prevHash}\n${seq}\n${recordedAt}\n${body}`);
}

/**
 * The embedded store: one SQLite file holding the audit trail, issued cards, feedback and the
 * JWT replay cache. Writes are synchronous and each in its own transaction, so a record that
 * was acknowledged is on disk (WAL mode, synchronous=FULL).
 */
export class SqliteStore implements AuditStore, ReplayCache, CardRegistry, FeedbackStore {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  /** The open connection, so the job queue and result cache can share this file and its settings. */
  get database(): Database.Database {
    return this.db;
  }

  close(): void {
    this.db.close();
  }

  // ----- audit trail -------------------------------------------------------------------------

  append(entry: AuditEntryInput, alongside?: (stored: AuditEntry) => void): AuditEntry {
    const body = canonicalJson(entry);
    const insert = this.db.transaction((): AuditEntry => {
      const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
        { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const recordedAt = new Date().toISOString();
      const hash = recordHash(prevHash, seq, recordedAt, body);
      this.db
        .prepare(
          'INSERT INTO audit_log (seq, recorded_at, body, patient_id, hook_instance, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(seq, recordedAt, body, entry.patientId ?? null, entry.hookInstance ?? null, prevHash, hash);
      const stored = { ...entry, seq, recordedAt, prevHash, hash };
      alongside?.(stored);
      return stored;
    });
    // IMMEDIATE: take the write lock before reading the chain head, so two processes sharing the
    // file cannot both append after the same record.
    return insert.immediate();
  }

  query(q: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.patientId) {
      where.push('patient_id = ?');
      args.push(q.patientId);
    }
    if (q.hookInstance) {
      where.push('hook_instance = ?');
      args.push(q.hookInstance);
    }
    const sql = `SELECT seq, recorded_at, body, prev_hash, hash FROM audit_log ${
      where.length ? `WHERE ${where.join(' AND ')}` : ''
    } ORDER BY seq DESC`;
    const rows = this.db.prepare(sql).all(...args) as AuditRow[];
    const entries = rows.map(toEntry).filter((e) => {
      if (q.kind && e.kind !== q.kind) return false;
      if (q.cardUuid && !(e.cardUuids ?? []).includes(q.cardUuid)) return false;
      return true;
    });
    return q.limit ? entries.slice(0, q.limit) : entries;
  }

  verifyChain(): ChainVerification {
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let records = 0;
    for (const row of this.db
      .prepare('SELECT seq, recorded_at, body, prev_hash, hash FROM audit_log ORDER BY seq')
      .iterate() as IterableIterator<AuditRow>) {
      if (row.seq !== expectedSeq) {
        return { ok: false, records, brokenAtSeq: row.seq, reason: `record ${expectedSeq} is missing` };
      }
      if (row.prev_hash !== prev) {
        return { ok: false, records, brokenAtSeq: row.seq, reason: 'previous-hash link does not match' };
      }
      if (recordHash(prev, row.seq, row.recorded_at, row.body) !== row.hash) {
        return { ok: false, records, brokenAtSeq: row.seq, reason: 'record content does not match its hash' };
      }
      prev = row.hash;
      expectedSeq += 1;
      records += 1;
    }
    return { ok: true, records, lastHash: prev };
  }

  // ----- JWT replay cache --------------------------------------------------------------------

  /** Records the token id; false when it was already seen and has not yet expired. */
  rememberToken(issuer: string, jti: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    const tx = this.db.transaction((): boolean => {
      this.db.prepare('DELETE FROM seen_token WHERE expires_at < ?').run(nowSeconds);
      const result = this.db
        .prepare('INSERT OR IGNORE INTO seen_token (issuer, jti, expires_at) VALUES (?, ?, ?)')
        .run(issuer, jti, expiresAtSeconds);
      return result.changes === 1;
    });
    return tx.immediate();
  }

  // ----- issued cards and feedback -----------------------------------------------------------

  registerCards(cards: IssuedCard[]): void {
    const stmt = this.db.prepare(
      'INSERT INTO issued_card (uuid, service_id, hook_instance, audit_seq, issued_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const c of cards) stmt.run(c.uuid, c.serviceId, c.hookInstance, c.auditSeq, c.issuedAt);
    })();
  }

  findCard(uuid: string): IssuedCard | undefined {
    const row = this.db
      .prepare('SELECT uuid, service_id, hook_instance, audit_seq, issued_at FROM issued_card WHERE uuid = ?')
      .get(uuid) as
      | { uuid: string; service_id: string; hook_instance: string; audit_seq: number; issued_at: string }
      | undefined;
    return row
      ? {
          uuid: row.uuid,
          serviceId: row.service_id,
          hookInstance: row.hook_instance,
          auditSeq: row.audit_seq,
          issuedAt: row.issued_at,
        }
      : undefined;
  }

  /** Stores one feedback item; false when the identical item was stored before (idempotency). */
  recordFeedback(item: FeedbackRecord): boolean {
    const body = canonicalJson(item.body);
    const result = this.db
      .prepare(
        'INSERT OR IGNORE INTO card_feedback (card_uuid, fingerprint, outcome, body, received_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(item.cardUuid, sha256Hex(body), item.outcome, body, new Date().toISOString());
    return result.changes === 1;
  }

  feedbackFor(cardUuid: string): FeedbackRecord[] {
    const rows = this.db
      .prepare('SELECT card_uuid, outcome, body FROM card_feedback WHERE card_uuid = ? ORDER BY received_at')
      .all(cardUuid) as { card_uuid: string; outcome: string; body: string }[];
    return rows.map((r) => ({
      cardUuid: r.card_uuid,
      outcome: r.outcome,
      body: JSON.parse(r.body) as Record<string, unknown>,
    }));
  }
}

function toEntry(row: AuditRow): AuditEntry {
  const body = JSON.parse(row.body) as AuditEntryInput;
  return { ...body, seq: row.seq, recordedAt: row.recorded_at, prevHash: row.prev_hash, hash: row.hash };
}
