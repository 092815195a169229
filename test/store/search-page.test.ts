import { expect } from 'chai';
import type { Patient } from 'fhir/r4.js';
import type { SearchCondition } from '../../src/store/index.js';
import { tempStore, type TempStore } from './helpers.js';
import { TEST_ENGINE, itOn } from '../support/engine.js';
import type { PgStore } from '../../src/store/pg/store.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';

/**
 * A search's page and total, on the engine of this test leg (SQLite or PostgreSQL, where a shape of
 * query is a named prepared statement): every page, a page past the end, no match, no total, only
 * the total, the same shape with other values, and which pages are counted by a statement of their own.
 */
describe('store: a search page and its total', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = tempStore();
    for (let i = 0; i < 7; i++) {
      const p: Patient = { resourceType: 'Patient', id: `p${i}`, gender: i < 5 ? 'female' : 'male', birthDate: `1980-01-0${i + 1}` };
      await t.store.resources.upsert(p, null);
    }
  });
  afterEach(async () => { await t.close(); });

  const gender = (g: string): SearchCondition[][] => [[{ kind: 'token', param: 'gender', code: g }]];
  const page = async (where: SearchCondition[][], limit: number, offset: number, total = true) => {
    const r = await t.store.resources.search({ type: 'Patient', where, limit, offset, total, sort: [{ by: '_id', desc: false }] });
    return { total: r.total, ids: r.resources.map((x) => x.resource.id) };
  };

  it('gives the total with every page, including a page past the end and a search with no match', async () => {
    expect(await page(gender('female'), 2, 0)).to.deep.equal({ total: 5, ids: ['p0', 'p1'] });
    expect(await page(gender('female'), 2, 2)).to.deep.equal({ total: 5, ids: ['p2', 'p3'] });
    expect(await page(gender('female'), 2, 4)).to.deep.equal({ total: 5, ids: ['p4'] });
    expect(await page(gender('female'), 2, 6)).to.deep.equal({ total: 5, ids: [] });
    expect(await page(gender('female'), 2, 500)).to.deep.equal({ total: 5, ids: [] });
    expect(await page(gender('other'), 2, 0)).to.deep.equal({ total: 0, ids: [] });
    expect(await page(gender('other'), 2, 4)).to.deep.equal({ total: 0, ids: [] });
  });

  it('gives the total of a page that ends the matches without counting them, and counts when it cannot tell', async () => {
    // Fewer rows than the page holds: the end of the matches (SQLite takes the total from the page).
    expect(await page(gender('female'), 20, 0)).to.deep.equal({ total: 5, ids: ['p0', 'p1', 'p2', 'p3', 'p4'] });
    expect(await page(gender('female'), 3, 3)).to.deep.equal({ total: 5, ids: ['p3', 'p4'] });
    // A full page that happens to end at the last match, and a full page before it: counted.
    expect(await page(gender('female'), 1, 4)).to.deep.equal({ total: 5, ids: ['p4'] });
    expect(await page(gender('female'), 5, 0)).to.deep.equal({ total: 5, ids: ['p0', 'p1', 'p2', 'p3', 'p4'] });
    // A resource with several index rows for the parameter matches once, on the page and in the total.
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'p9', name: [{ family: 'Ng', given: ['Nora', 'Nell'] }] } as Patient, null);
    const given: SearchCondition[][] = [[{ kind: 'string', param: 'given', mode: 'prefix', value: 'n' }]];
    expect(await page(given, 20, 0)).to.deep.equal({ total: 1, ids: ['p9'] });
    // The page and its total after a write between two searches.
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'p8', gender: 'female' } as Patient, null);
    expect(await page(gender('female'), 20, 0)).to.deep.equal({ total: 6, ids: ['p0', 'p1', 'p2', 'p3', 'p4', 'p8'] });
  });

  it('gives no total when none is asked, and only the total for a page of 0 (_summary=count)', async () => {
    expect(await page(gender('male'), 5, 0, false)).to.deep.equal({ total: undefined, ids: ['p5', 'p6'] });
    expect(await page(gender('male'), 0, 0)).to.deep.equal({ total: 2, ids: [] });
    expect(await page(gender('male'), 0, 0, false)).to.deep.equal({ total: undefined, ids: [] });
  });

  it('answers the same shape of search with other values (a prepared statement reused), and any number of shapes', async () => {
    for (const [g, n] of [['female', 5], ['male', 2], ['female', 5], ['other', 0], ['male', 2]] as const) {
      expect((await page(gender(g), 10, 0)).total).to.equal(n);
    }
    // More shapes than a store names (ORs of 1..300 values): each still right.
    for (let k = 1; k <= 300; k += 1) {
      const where: SearchCondition[][] = [Array.from({ length: k }, (_, i) => ({ kind: 'id' as const, value: `p${i % 9}` }))];
      expect((await page(where, 10, 0)).total).to.equal(Math.min(k, 7));
    }
  });

  it('counts the matches only when the page cannot tell the total (a full page, a page past the end), on either engine', async () => {
    // The SQL the store sends (PostgreSQL) or prepares (SQLite: a fresh connection prepares each text once).
    const sent: string[] = [];
    if (TEST_ENGINE === 'postgres') {
      for (const pool of new Set([(t.store as PgStore).pool, (t.store as PgStore).searchPool])) {
        const query = pool.query.bind(pool) as (...a: unknown[]) => unknown;
        (pool as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
          const q = a[0] as string | { text: string };
          sent.push(typeof q === 'string' ? q : q.text);
          return query(...a);
        };
      }
    } else {
      const db = (t.store as SqliteStore).db;
      const prepare = db.prepare.bind(db);
      db.prepare = ((sql: string) => { sent.push(sql); return prepare(sql); }) as typeof db.prepare;
    }
    const counted = () => sent.filter((s) => /count\(\*\)/i.test(s)).length;
    const where: SearchCondition[][] = [[{ kind: 'token', param: 'gender', code: 'male' }]];
    expect(await page(where, 20, 0)).to.deep.equal({ total: 2, ids: ['p5', 'p6'] });
    expect(await page(where, 3, 1)).to.deep.equal({ total: 2, ids: ['p6'] });
    expect(counted(), 'a short page is its own total').to.equal(0);
    expect(sent.length, 'the page was asked for').to.be.greaterThan(0);
    expect(await page(where, 2, 0)).to.deep.equal({ total: 2, ids: ['p5', 'p6'] });
    expect(counted(), 'a full page is counted').to.equal(1);
  });

  itOn('postgres', 'PostgreSQL: a one-lookup search runs on the search pool, whose connections keep one plan per statement; two conditions stay on the store pool', async function () {
    const store = t.store as PgStore;
    expect(store.searchPool, 'a pool of its own beside a store pool of more than one').to.not.equal(store.pool);
    const used: string[] = [];
    for (const [name, pool] of [['store', store.pool], ['search', store.searchPool]] as const) {
      const query = pool.query.bind(pool) as (...a: unknown[]) => unknown;
      (pool as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => { used.push(name); return query(...a); };
    }
    const day: SearchCondition = { kind: 'date', param: 'birthdate', prefix: 'eq', lo: '1980-01-02T00:00:00.000Z', hi: '1980-01-03T00:00:00.000Z' };
    expect(await page([[day]], 20, 0)).to.deep.equal({ total: 1, ids: ['p1'] });
    expect(used.splice(0)).to.deep.equal(['search']);
    expect(await page([[day], ...gender('female')], 20, 0)).to.deep.equal({ total: 1, ids: ['p1'] });
    expect(used.splice(0)).to.deep.equal(['store']);
    expect(await page([[{ kind: 'token', param: 'gender', code: 'male', not: true }]], 20, 0)).to.deep.equal({ total: 5, ids: ['p0', 'p1', 'p2', 'p3', 'p4'] });
    expect(used.splice(0)).to.deep.equal(['store']);
    const c = await store.searchPool.connect();
    try {
      expect((await c.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).to.equal('force_generic_plan');
    } finally {
      c.release();
    }
    const s = await store.pool.connect();
    try {
      expect((await s.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).to.equal('auto');
    } finally {
      s.release();
    }
  });

  itOn('postgres', 'PostgreSQL: a search inside a transaction runs on the transaction\'s connection', async function () {
    const store = t.store as PgStore;
    let searched = 0;
    const query = store.searchPool.query.bind(store.searchPool) as (...a: unknown[]) => unknown;
    (store.searchPool as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => { searched++; return query(...a); };
    const n = await store.transaction(async (tx) => {
      await tx.resources.upsert({ resourceType: 'Patient', id: 'p9', gender: 'male' } as Patient, null);
      return (await tx.resources.search({ type: 'Patient', where: gender('male'), limit: 20, offset: 0, total: true })).total;
    });
    expect(n, 'sees its own uncommitted row').to.equal(3);
    expect(searched).to.equal(0);
  });
});
