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

/**
 * Make the fsync of the store's WAL file (which every transaction waits for before it resolves:
 * src/store/sqlite/wal-sync.ts) fail, or hold it until released; `restore()` undoes it.
 */
export function faultWalSync(store: Store, fault: { error?: Error; gate?: Promise<void> }): { restore(): void; calls(): number } {
  if (!(store instanceof SqliteStore) || !store.walSync) throw new Error('not a SQLite store with a WAL file');
  // The fsync itself is replaced (not sync()), so the grouping of commits and what readers wait for stay real.
  const ws = store.walSync as unknown as { fsync: () => Promise<void> };
  const original = ws.fsync;
  let calls = 0;
  ws.fsync = async function (this: unknown) {
    calls++;
    if (fault.gate) await fault.gate;
    if (fault.error) throw fault.error;
    return original.call(this);
  };
  return { restore: () => { ws.fsync = original; }, calls: () => calls };
}
