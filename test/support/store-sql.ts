/**
 * Tests that inject faults (a trigger that makes every insert fail) or change rows behind the
 * store's back reach the engine's own connection here, on whichever engine the leg runs; code
 * outside src/store/ never does.
 */
import type { Store } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { PgStore } from '../../src/store/pg/store.js';

/** Run SQL on the store's own connection: one text for both engines, or one per engine. */
export async function execOnStore(store: Store, sql: string | { sqlite: string; postgres: string }): Promise<void> {
  if (store instanceof SqliteStore) {
    store.db.exec(typeof sql === 'string' ? sql : sql.sqlite);
    return;
  }
  if (store instanceof PgStore) {
    await store.ping();
    await store.pool.query(typeof sql === 'string' ? sql : sql.postgres);
    return;
  }
  throw new Error(`unknown store engine: ${store.engine}`);
}

/** Read rows with SQL on the store's own connection (one text for both engines: `$1`-style parameters are not used). */
export async function queryOnStore<T = Record<string, unknown>>(store: Store, sql: string): Promise<T[]> {
  if (store instanceof SqliteStore) return store.db.prepare(sql).all() as T[];
  if (store instanceof PgStore) {
    await store.ping();
    return (await store.pool.query(sql)).rows as T[];
  }
  throw new Error(`unknown store engine: ${store.engine}`);
}
