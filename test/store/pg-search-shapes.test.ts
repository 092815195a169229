/**
 * PostgreSQL: a store names its own search shapes (src/store/pg/resources.ts SearchShapes). The
 * names are prepared on the store's connections, so the cap on how many it names is the store's: a
 * count kept for the whole process let one store's 256 shapes leave every later store's searches
 * unnamed (planned anew at every call), which made the plan test depend on which tests ran first.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SearchCondition } from '../../src/store/index.js';
import { NAMED_SEARCH_SHAPES } from '../../src/store/pg/resources.js';
import { openPgStore, type PgStore } from '../../src/store/pg/store.js';
import { describeOn, testStoreUrl } from '../support/engine.js';

describeOn('postgres', 'store: search shapes named per PostgreSQL store', () => {
  const dirs: string[] = [];
  const stores: PgStore[] = [];
  const open = async (): Promise<PgStore> => {
    const dir = mkdtempSync(join(tmpdir(), 'frontdesk-shapes-'));
    dirs.push(dir);
    // One connection, which both the searches and the check below use.
    const store = openPgStore(`${testStoreUrl(join(dir, 'fd.db'))!}&pool=1`);
    stores.push(store);
    await store.ping();
    return store;
  };
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A search by `k` ids (an OR of k conditions): a shape of its own for each k. */
  const byIds = (store: PgStore, k: number) => {
    const where: SearchCondition[][] = [Array.from({ length: k }, (_, i) => ({ kind: 'id' as const, value: `p${i}` }))];
    return store.resources.search({ type: 'Patient', where, limit: 10, offset: 0, total: true });
  };
  const named = async (store: PgStore) =>
    (await store.pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'fd\\_search\\_%'")).rows.length;

  it('names its first shapes whatever another store in the process named, and no more than the cap', async () => {
    const first = await open();
    for (let k = 1; k <= NAMED_SEARCH_SHAPES + 10; k++) await byIds(first, k);
    expect(await named(first)).to.equal(NAMED_SEARCH_SHAPES);

    // Two shapes the first store never met (the ones it met stay named on any connection).
    const second = await open();
    expect((await byIds(second, NAMED_SEARCH_SHAPES + 20)).total).to.equal(0);
    expect((await byIds(second, NAMED_SEARCH_SHAPES + 21)).total).to.equal(0);
    expect(await named(second), 'the second store named its own two shapes').to.equal(2);
  });
});
