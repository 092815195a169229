/**
 * The two engines keep the same tables and columns: a migration added to one engine and not the
 * other fails here (PostgreSQL leg only: it reads both schemas).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import { sqliteDb } from '../support/sqlite.js';
import { schemaFor, testStoreUrl, describeOn } from '../support/engine.js';

describeOn('postgres', 'store: both engines have the same tables and columns', () => {
  it('lists the same columns per table on SQLite and PostgreSQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frontdesk-parity-'));
    const path = join(dir, 'fd.db');
    const lite = await openStore({ path });
    const pgStore = await openStore({ path, url: testStoreUrl(path)! });
    try {
      await pgStore.ping();
      const db = sqliteDb(lite);
      const liteTables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
      const liteCols: Record<string, string[]> = {};
      for (const t of liteTables) liteCols[t] = (db.pragma(`table_info(${t})`) as Array<{ name: string }>).map((c) => c.name).sort();
      const client = new pg.Client({ connectionString: process.env.FRONTDESK_TEST_PG_URL });
      await client.connect();
      const rows = (await client.query<{ table_name: string; column_name: string }>(
        'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name', [schemaFor(path)])).rows;
      await client.end();
      const pgCols: Record<string, string[]> = {};
      for (const r of rows) (pgCols[r.table_name] ??= []).push(r.column_name);
      for (const t of Object.keys(pgCols)) pgCols[t]!.sort();
      expect(liteTables.length).to.be.greaterThan(10);
      expect(pgCols).to.deep.equal(liteCols);
    } finally {
      await lite.close();
      await pgStore.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
