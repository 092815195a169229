import { expect } from 'chai';
import type { Patient } from 'fhir/r4.js';
import { execOnStore } from '../support/store-sql.js';
import pg from 'pg';
import type { AuditEntry } from '../../src/store/index.js';
import { tempStore, type TempStore } from './helpers.js';
import { describeOn } from '../support/engine.js';
import { openDatabase } from '../../src/store/sqlite/db.js';
import { recordAudit } from '../../src/store/sqlite/audit.js';
import { amendAudit as amendPgAudit, recordAudit as recordPgAudit } from '../../src/store/pg/audit.js';
import { tempDir } from '../support/gateway.js';
import { join } from 'node:path';

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: '2026-12-01T10:00:00.000Z', actor: 'ehr', actorKind: 'api-key', clientAddress: '10.0.0.7', action: 'read', entity: 'Patient/p1',
  query: null, method: 'GET', path: '/fhir/Patient/p1', status: 200, outcome: 'success', detail: null, ...over,
});

describe('store: the audit trail through the Store interface', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(async () => { await t.close(); });

  it('records entries durably and lists them newest first, filtered by time, actor, entity, action and outcome', async () => {
    const a = await t.store.audit.record(entry());
    await t.store.audit.record(entry({ at: '2026-12-02T10:00:00.000Z', actor: 'portal', entity: 'Patient/p2' }));
    await t.store.audit.record(entry({ at: '2026-12-03T10:00:00.000Z', action: 'search', entity: null, query: 'name=Quartermain', status: 400, outcome: 'failure' }));
    const s = await t.reopen();
    expect((await s.audit.list()).map((r) => r.at)).to.deep.equal(['2026-12-03T10:00:00.000Z', '2026-12-02T10:00:00.000Z', '2026-12-01T10:00:00.000Z']);
    expect(await s.audit.get(a)).to.deep.include(entry());
    expect((await s.audit.list({ actor: 'portal' })).map((r) => r.entity)).to.deep.equal(['Patient/p2']);
    expect((await s.audit.list({ entity: 'Patient/p1' })).length).to.equal(1);
    expect((await s.audit.list({ entity: 'Patient/' })).length).to.equal(2);
    expect((await s.audit.list({ since: '2026-12-02T00:00:00.000Z', until: '2026-12-03T00:00:00.000Z' })).map((r) => r.actor)).to.deep.equal(['portal']);
    expect((await s.audit.list({ outcome: 'failure' }))[0]!.query).to.equal('name=Quartermain');
    expect(await s.audit.count({ action: 'read' })).to.equal(2);
  });

  it('amends the answer of a row written ahead of it (status, outcome, detail), durably, and nothing else of it', async () => {
    const other = await t.store.audit.record(entry({ entity: 'Patient/p9' }));
    const id = await t.store.audit.record(entry({ action: 'search', entity: 'Patient', query: 'family=Quartermain' }));
    await t.store.audit.amend(id, { status: 500, outcome: 'failure', detail: 'connection closed before the answer was complete' });
    const s = await t.reopen();
    expect(await s.audit.get(id)).to.deep.equal({
      ...entry({ action: 'search', entity: 'Patient', query: 'family=Quartermain' }), id, status: 500, outcome: 'failure', detail: 'connection closed before the answer was complete',
    });
    expect(await s.audit.get(other)).to.deep.include(entry({ entity: 'Patient/p9' }));
    expect(await s.audit.count({ outcome: 'failure' })).to.equal(1);
  });

  it('writes a search\'s audit row with the search when asked (one statement on PostgreSQL): its id comes back, durable, with or without matches', async () => {
    for (let i = 0; i < 3; i++) await t.store.resources.upsert({ resourceType: 'Patient', id: `s${i}`, gender: 'female', birthDate: `1990-01-0${i + 1}`, identifier: [{ system: 'urn:t', value: `M${i}` }] } as Patient, null);
    const row = (query: string) => entry({ action: 'search', entity: 'Patient', query });
    const token = (code: string) => [[{ kind: 'token' as const, param: 'identifier', system: 'urn:t', code }]];
    const one = await t.store.resources.search({ type: 'Patient', where: token('M1'), limit: 20, offset: 0, total: true }, { audit: row('identifier=M1') });
    expect(one.resources.map((r) => r.resource.id)).to.deep.equal(['s1']);
    expect(one.total).to.equal(1);
    const none = await t.store.resources.search({ type: 'Patient', where: token('nobody'), limit: 20, offset: 0, total: true }, { audit: row('identifier=nobody') });
    expect(none).to.deep.include({ total: 0, resources: [] });
    // A full page (its total counted apart), a sort by a parameter's values and a count alone (the row beside the search).
    const full = await t.store.resources.search({ type: 'Patient', where: [], limit: 2, offset: 0, total: true, sort: [{ by: '_id', desc: true }] }, { audit: row('_count=2') });
    expect(full.resources.map((r) => r.resource.id)).to.deep.equal(['s2', 's1']);
    expect(full.total).to.equal(3);
    const sorted = await t.store.resources.search({ type: 'Patient', where: [], limit: 20, offset: 0, total: true, sort: [{ by: 'param', param: 'birthdate', column: 'date', desc: true }] }, { audit: row('_sort=-birthdate') });
    expect(sorted.resources.map((r) => r.resource.id)).to.deep.equal(['s2', 's1', 's0']);
    const count = await t.store.resources.search({ type: 'Patient', where: [], limit: 0, offset: 0, total: true }, { audit: row('_summary=count') });
    expect(count.total).to.equal(3);
    const s = await t.reopen();
    for (const [got, query] of [[one, 'identifier=M1'], [none, 'identifier=nobody'], [full, '_count=2'], [sorted, '_sort=-birthdate'], [count, '_summary=count']] as const) {
      expect(got.auditId, query).to.be.a('number');
      expect(await s.audit.get(got.auditId!), query).to.deep.equal({ ...row(query), id: got.auditId });
    }
    expect(await s.audit.count({ action: 'search' })).to.equal(5);
    // Without `audit`, no row and no id.
    expect((await s.resources.search({ type: 'Patient', where: token('M1'), limit: 20, offset: 0, total: true })).auditId).to.equal(undefined);
    expect(await s.audit.count({ action: 'search' })).to.equal(5);
  });

  it('fails a search whose audit row cannot be written, and writes neither (no id on the error)', async () => {
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'f1', identifier: [{ system: 'urn:t', value: 'F1' }] } as Patient, null);
    await execOnStore(t.store, {
      sqlite: "CREATE TRIGGER audit_fail BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit disk full (test)'); END",
      postgres: "CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit disk full (test)'; END $$; CREATE TRIGGER audit_fail BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_fail()",
    });
    const err = await t.store.resources.search({ type: 'Patient', where: [[{ kind: 'token', param: 'identifier', system: 'urn:t', code: 'F1' }]], limit: 20, offset: 0, total: true }, { audit: entry({ action: 'search' }) })
      .then(() => undefined, (e: unknown) => e as Error & { auditId?: number });
    expect(err?.message).to.contain('audit disk full (test)');
    expect(err!.auditId).to.equal(undefined);
    expect(await t.store.audit.count()).to.equal(0);
  });

  it('escapes LIKE characters in an entity prefix: "%/" matches nothing, not everything', async () => {
    await t.store.audit.record(entry());
    expect(await t.store.audit.list({ entity: '%/' })).to.deep.equal([]);
    expect(await t.store.audit.list({ entity: '_atient/' })).to.deep.equal([]);
  });

  it('bounds a page at 1000 rows whatever the limit asked', async () => {
    await t.store.transaction(async (tx) => {
      for (let i = 0; i < 1005; i++) await tx.audit.record(entry({ entity: `Patient/p${i}` }));
    });
    expect((await t.store.audit.list({ limit: 1e9 })).length).to.equal(1000);
  });

  it('purges entries recorded before a date (retention)', async () => {
    await t.store.audit.record(entry({ at: '2020-01-01T00:00:00.000Z' }));
    await t.store.audit.record(entry());
    expect(await t.store.audit.purgeBefore(new Date('2021-01-01T00:00:00Z'))).to.equal(1);
    expect(await t.store.audit.count()).to.equal(1);
  });
});

describe('store: message filters escape LIKE patterns', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(async () => { await t.close(); });

  it('type=% matches no message type (it used to match every one), type=ADT still matches ADT events', async () => {
    for (const [id, type] of [['1', 'ADT^A04'], ['2', 'SIU^S12']] as const) {
      await t.store.messages.insert({ channel: 'c', source: 'mllp', contentType: 'hl7v2', raw: `MSH|${id}`, contentHash: `h${id}`, controlId: id, messageType: type, ackMode: 'original' });
    }
    expect(await t.store.messages.count({ messageType: '%' })).to.equal(0);
    expect(await t.store.messages.count({ messageType: '_DT' })).to.equal(0);
    expect(await t.store.messages.count({ messageType: 'ADT' })).to.equal(1);
  });
});

describe('store (SQLite): an audit row is committed without its own fsync, and the connection stays synchronous=FULL', () => {
  it('restores synchronous=FULL after the row, and inside a transaction leaves the setting alone', () => {
    const tmp = tempDir();
    const db = openDatabase(join(tmp.dir, 'a.db'));
    try {
      expect(db.pragma('synchronous', { simple: true })).to.equal(2);
      recordAudit(db, entry());
      expect(db.pragma('synchronous', { simple: true })).to.equal(2);
      db.transaction(() => recordAudit(db, entry({ entity: 'Patient/p2' })))();
      expect(db.pragma('synchronous', { simple: true })).to.equal(2);
      expect((db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).to.equal(2);
    } finally {
      db.close();
      tmp.cleanup();
    }
  });
});

describeOn('postgres', 'store (PostgreSQL): an audit row is its own transaction with synchronous_commit off, which does not leak to the pool', () => {
  it('commits the row (another connection sees it at once) and leaves the pooled connections with the setting a fresh connection has', async () => {
    const t = tempStore();
    try {
      const pool = (t.store as unknown as { pool: pg.Pool }).pool;
      const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => t.store.audit.record(entry({ entity: `Patient/p${i}` }))));
      expect(new Set(ids).size).to.equal(8);
      const other = new pg.Client({ connectionString: (pool as unknown as { options: { connectionString: string } }).options.connectionString });
      await other.connect();
      try {
        await other.query(`SET search_path TO ${(await pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s}`);
        expect(Number((await other.query<{ n: string }>("SELECT count(*) AS n FROM audit_events WHERE entity LIKE 'Patient/p%'")).rows[0]!.n)).to.equal(8);
        // What a fresh connection has (the test cluster may run with it off): the pooled ones have the same.
        const fresh = (await other.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
        const settings = await Promise.all(Array.from({ length: 4 }, () => pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')));
        expect(settings.map((r) => r.rows[0]!.synchronous_commit)).to.deep.equal([fresh, fresh, fresh, fresh]);
      } finally {
        await other.end();
      }
    } finally {
      await t.close();
    }
  });

  it('commits a row recorded outside a transaction with synchronous_commit off (one statement), and one inside a transaction with the transaction\'s own setting', async () => {
    const t = tempStore();
    // Connections whose own setting is on (the test cluster may run with it off for speed).
    const store = (t.store as unknown as { pool: pg.Pool }).pool;
    await t.store.audit.count(); // the store is open (its schema made)
    const schema = (await store.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    const pool = new pg.Pool({ connectionString: (store as unknown as { options: { connectionString: string } }).options.connectionString, options: `-c search_path=${schema} -c synchronous_commit=on` });
    try {
      // A trigger writes the setting in force while the row is inserted or amended (what its COMMIT reads) into detail.
      await pool.query(`CREATE FUNCTION audit_sync_seen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.detail := current_setting('synchronous_commit'); RETURN NEW; END $$`);
      await pool.query('CREATE TRIGGER audit_sync_seen BEFORE INSERT OR UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_sync_seen()');
      const alone = await recordPgAudit(pool, entry({ entity: 'Patient/alone' }));
      const c = await pool.connect();
      let inTx: number;
      try {
        await c.query('BEGIN');
        inTx = await recordPgAudit(c, entry({ entity: 'Patient/in-tx' }));
        await c.query('COMMIT');
      } finally {
        c.release();
      }
      expect((await t.store.audit.get(alone))!.detail).to.equal('off');
      expect((await t.store.audit.get(inTx))!.detail).to.equal('on');
      // An amendment (a row written ahead of its answer, corrected) is committed the same way.
      await pool.query("UPDATE audit_events SET detail = NULL WHERE id = $1", [alone]);
      await amendPgAudit(pool, alone, { status: 500, outcome: 'failure', detail: 'amended' });
      expect(await t.store.audit.get(alone)).to.include({ status: 500, outcome: 'failure', detail: 'off' });
      // The connection the row went through keeps its own setting.
      expect((await Promise.all([1, 2, 3].map(() => pool.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")))).map((r) => r.rows[0]!.s)).to.deep.equal(['on', 'on', 'on']);
    } finally {
      await pool.end();
      await t.close();
    }
  });
});
