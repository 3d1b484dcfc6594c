import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.ts';

describe('SQLite audit store', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-store-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function filled(name: string, n = 5): { store: SqliteStore; file: string } {
    const file = path.join(dir, `${name}.sqlite`);
    const store = new SqliteStore(file);
    for (let i = 0; i < n; i += 1) {
      store.append({
        kind: 'hook-call',
        outcome: 'prediction',
        patientId: `p${i}`,
        detail: { output: { probability: i / 10 } },
      });
    }
    return { store, file };
  }

  it('chains records and verifies an untouched trail', () => {
    const { store } = filled('intact');
    const all = store.query({});
    assert.equal(all.length, 5);
    assert.equal(all[4]!.prevHash, '0'.repeat(64), 'first record chains to the genesis hash');
    assert.equal(all[0]!.prevHash, all[1]!.hash, 'each record carries the previous hash');
    assert.deepEqual(store.verifyChain(), { ok: true, records: 5, lastHash: all[0]!.hash });
    store.close();
  });

  it('refuses UPDATE and DELETE through SQL (append-only)', () => {
    const { store, file } = filled('append-only');
    store.close();
    const db = new Database(file);
    assert.throws(() => db.prepare("UPDATE audit_log SET body = '{}' WHERE seq = 2").run(), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 2').run(), /append-only/);
    db.close();
  });

  it('detects an edited record even when the triggers were dropped', () => {
    const { store, file } = filled('edited');
    store.close();
    const db = new Database(file);
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare("UPDATE audit_log SET body = replace(body, '0.3', '0.9') WHERE seq = 4").run();
    db.close();
    const reopened = new SqliteStore(file);
    assert.deepEqual(reopened.verifyChain(), {
      ok: false,
      records: 3,
      brokenAtSeq: 4,
      reason: 'record content does not match its hash',
    });
    reopened.close();
  });

  it('detects a deleted record', () => {
    const { store, file } = filled('deleted');
    store.close();
    const db = new Database(file);
    db.exec('DROP TRIGGER audit_no_delete');
    db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    db.close();
    const reopened = new SqliteStore(file);
    const v = reopened.verifyChain();
    assert.equal(v.ok, false);
    assert.equal(v.ok ? 0 : v.brokenAtSeq, 4);
    reopened.close();
  });

  it('keeps a token id until it expires (replay cache)', () => {
    const store = new SqliteStore(':memory:');
    assert.equal(store.rememberToken('iss', 'jti-1', 1000, 900), true);
    assert.equal(store.rememberToken('iss', 'jti-1', 1000, 950), false, 'replay within lifetime');
    assert.equal(store.rememberToken('other-iss', 'jti-1', 1000, 950), true, 'ids are per issuer');
    assert.equal(store.rememberToken('iss', 'jti-1', 2000, 1001), true, 'forgotten after expiry');
    store.close();
  });

  it('survives a reopen: records, cards and the chain persist', () => {
    const { store, file } = filled('reopen', 2);
    store.registerCards([{ uuid: 'c-1', serviceId: 's', hookInstance: 'h', auditSeq: 2, issuedAt: 'now' }]);
    store.close();
    const reopened = new SqliteStore(file);
    reopened.append({ kind: 'feedback', outcome: 'recorded', detail: {} });
    assert.equal(reopened.verifyChain().ok, true);
    assert.equal(reopened.findCard('c-1')?.auditSeq, 2);
    reopened.close();
  });
});
