/** Test helpers: a fresh SQLite file in a temp dir per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/store/sqlite/db.js';

export interface TempDb {
  db: Db;
  path: string;
  close(): void;
}

export function tempDb(): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'frontdesk-delivery-'));
  const path = join(dir, 'store.sqlite');
  const db = openDatabase(path);
  return {
    db,
    path,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
