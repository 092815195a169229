/** Test helpers: a fresh store (a SQLite file in a temp dir, a schema on the PostgreSQL leg) per test, opened through openStore. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../support/engine.js';

export interface TempDb {
  store: Store;
  path: string;
  close(): Promise<void>;
}

export function tempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'frontdesk-delivery-'));
  const path = join(dir, 'store.sqlite');
  const store = openTestStore(path);
  return {
    store,
    path,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
