/**
 * PostgreSQL: writing a resource deletes its search index rows through the (resource_type, id)
 * index, also on a new, empty database, with the plan a named prepared statement keeps (a
 * generic plan). On a table the planner has no statistics for yet, every index that starts with
 * resource_type costs the same, and it took search_index_cnum: each write then scanned every index
 * row of its type (migration 390 says why and how it is avoided).
 */
import { expect } from 'chai';
import type pg from 'pg';
import { describeOn } from '../support/engine.js';
import { tempStore, type TempStore } from './helpers.js';

describeOn('postgres', 'store: the search index rows of one resource are found by its own index on PostgreSQL', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('plans the DELETE by (resource_type, id) on search_index_resource on a new, empty schema, as a generic plan', async () => {
    await t.store.ping();
    const pool = (t.store as unknown as { pool: pg.Pool }).pool;
    const c = await pool.connect();
    try {
      await c.query('SET plan_cache_mode = force_generic_plan');
      await c.query('PREPARE fd_test_delete(text, text) AS DELETE FROM search_index WHERE resource_type = $1 AND id = $2');
      const plan = (await c.query<{ 'QUERY PLAN': string }>("EXPLAIN EXECUTE fd_test_delete('Encounter', 'e-1')")).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).to.match(/Index Scan using search_index_resource/);
      expect(plan).to.match(/Index Cond: \(\(resource_type = \$1\) AND \(id = \$2\)\)/);
      await c.query('DEALLOCATE fd_test_delete');
      await c.query('RESET plan_cache_mode');
    } finally {
      c.release(true);
    }
  });
});
