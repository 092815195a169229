/**
 * Tests that inject faults into the SQLite engine (a trigger that makes every insert fail, a
 * pragma the bench reads) reach its connection here; code outside src/store/ never does.
 */
import type { Store } from '../../src/store/index.js';
import type { Db } from '../../src/store/sqlite/db.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

export function sqliteDb(store: Store): Db {
  if (!(store instanceof SqliteStore)) throw new Error(`not a SQLite store: ${store.engine}`);
  return store.db;
}
