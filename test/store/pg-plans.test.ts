/**
 * PostgreSQL: the plans the hot statements keep. Each is a named prepared statement, which a
 * connection plans once, usually while the tables are new and small (a new database, the first
 * minute before autovacuum's first ANALYZE): there every index that starts with the right column
 * costs the planner the same, and a wrong pick (an index on the first column only, the rest
 * filtered) is then kept for the life of the connection and reads a whole channel or resource type
 * per call (#16: most of the server's time per message in the benchmark). Checked here on a new,
 * empty schema, with the plan the connection keeps (a generic plan).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4.js';
import { describeOn, testStoreUrl } from '../support/engine.js';
import { openPgStore, type PgStore } from '../../src/store/pg/store.js';

describeOn('postgres', 'store: the plans of the hot statements on a new PostgreSQL database', () => {
  let dir: string;
  let store: PgStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontdesk-plans-'));
    // One connection: the statements the calls below prepare are on it, for EXPLAIN EXECUTE.
    store = openPgStore(`${testStoreUrl(join(dir, 'fd.db'))!}&pool=1`);
    await store.ping();
    await store.pool.query('SET plan_cache_mode = force_generic_plan');
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = async (statement: string, args: string): Promise<string> =>
    (await store.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${statement}(${args})`)).rows.map((r) => r['QUERY PLAN']).join('\n');

  it('a resource write deletes its old search index rows through search_index_resource', async () => {
    const patient: Patient = { resourceType: 'Patient', id: 'p-1', name: [{ family: 'Example' }] };
    await store.resources.upsert(patient, null);
    const p = await plan('fd_upsert_resource', "'Patient', 'p-1', '{}', NULL, '2026-01-01T00:00:00Z', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'");
    const del = p.slice(p.indexOf('Delete on search_index'), p.indexOf('CTE new_index'));
    expect(del).to.match(/Index Scan using search_index_resource on search_index/);
    expect(del).to.match(/Index Cond: \(\(resource_type = \$1\) AND \(id = \$2\)\)/);
  });

  it('the duplicate check finds a control id through an index on channel and control id', async () => {
    await store.messages.findByControlId('registration', 'MSG-1');
    const p = await plan('fd_find_by_control_id', "'registration', 'MSG-1'");
    expect(p).to.match(/Index Cond: [^\n]*control_id = \$2/);
    expect(p).to.not.match(/Seq Scan/);
  });

  it('a frame stored with its duplicate check counts the control id through an index on channel and control id', async () => {
    await store.transaction(async (tx) => {
      await tx.messages.findByControlId('registration', 'MSG-1');
      await tx.messages.insert({ channel: 'registration', source: 'mllp', contentType: 'hl7v2', raw: 'MSH|^~\\&|', contentHash: 'h1', controlId: 'MSG-1', ackMode: 'enhanced' });
    });
    const p = await plan('fd_insert_message_if_rows', `${Array.from({ length: 22 }, () => 'NULL').join(', ')}, 0`);
    expect(p).to.match(/Index Cond: [^\n]*control_id = \$6/);
    expect(p).to.not.match(/Seq Scan/);
  });

  it('the claim of a message looks up its row and the earliest earlier unprocessed row of its patient, and reads no other', async () => {
    const id = await store.messages.insert({ channel: 'registration', source: 'mllp', contentType: 'hl7v2', raw: 'MSH|^~\\&|', contentHash: 'h1', controlId: 'MSG-1', ackMode: 'enhanced', patientMrn: 'MRN1' });
    await store.transaction((tx) => tx.processing.claimForProcessing(id));
    const p = await plan('fd_claim_for_processing', '1');
    expect(p).to.not.match(/Seq Scan/);
    expect(p).to.match(/Index Scan using messages_pkey on messages m/);
    expect(p).to.match(/using messages_unprocessed_patient on messages e/);
  });

  it('a search by birth date on the search pool (one plan kept per statement) reads its range through search_index_date once the table has statistics, and takes the new plan when they come', async () => {
    const big = openPgStore(`${testStoreUrl(join(dir, 'fd.db'))!}&pool=2`);
    try {
      const day = { kind: 'date' as const, param: 'birthdate', prefix: 'eq', lo: '1980-01-02T00:00:00.000Z', hi: '1980-01-03T00:00:00.000Z' };
      const search = async () => (await big.resources.search({ type: 'Patient', where: [[day]], limit: 20, offset: 0, total: true })).total;
      await big.resources.upsert({ resourceType: 'Patient', id: 'p-1', birthDate: '1980-01-02' } as Patient, null);
      // Planned first on a new, empty table (any index costs the same there), as a new database does.
      expect(await search()).to.equal(1);
      await big.transaction(async (tx) => {
        for (let i = 2; i < 400; i++) await tx.resources.upsert({ resourceType: 'Patient', id: `p-${i}`, birthDate: `19${String(10 + (i % 90))}-0${1 + (i % 9)}-1${i % 10}`, gender: i % 2 ? 'male' : 'female' } as Patient, null);
      });
      // What autovacuum does once a table has grown by a tenth: its statistics change, and every plan kept on it is made again.
      await big.pool.query('ANALYZE search_index; ANALYZE resources');
      expect(await search()).to.equal(1);
      const c = await big.searchPool.connect();
      try {
        const name = (await c.query<{ name: string }>('SELECT name FROM pg_prepared_statements')).rows.map((r) => r.name).find((n) => n.startsWith('fd_search_'));
        expect(name, 'the search was a named statement on the search pool').to.be.a('string');
        const p = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}('Patient', 'Patient', 'birthdate', '1980-01-02T00:00:00.000Z', '1980-01-03T00:00:00.000Z', '1980-01-03T00:00:00.000Z', 20, 0)`)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(p).to.match(/(Index Scan using|Bitmap Index Scan on) search_index_date\b/);
        expect(p).to.match(/Index Cond: [^\n]*\(lo >= \$4\) AND \(lo < \$5\)/);
        expect(p).to.not.match(/Seq Scan/);
      } finally {
        c.release();
      }
    } finally {
      await big.close();
    }
  });
});
