/**
 * Which store engine this test run uses. `npm test` runs the whole suite on SQLite, then the
 * store, runtime, delivery and jobs tests again on PostgreSQL (scripts/test-pg-leg.ts starts a
 * throwaway cluster and sets FRONTDESK_TEST_PG_URL). Test helpers open their stores through
 * `testStoreConfig(path)`: on the PostgreSQL leg every SQLite path becomes its own schema (named
 * from the path, so reopening the same path reopens the same data).
 */
import { createHash } from 'node:crypto';
import type { Store, StoreConfig } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { openPgStore } from '../../src/store/pg/store.js';

const PG_URL = process.env.FRONTDESK_TEST_PG_URL;

export const TEST_ENGINE: 'sqlite' | 'postgres' = PG_URL ? 'postgres' : 'sqlite';

/** The schema a SQLite path maps to on the PostgreSQL leg. */
export function schemaFor(path: string): string {
  return `t_${createHash('sha256').update(path).digest('hex').slice(0, 20)}`;
}

/** The PostgreSQL URL for a path on this leg (undefined on SQLite). */
export function testStoreUrl(path: string): string | undefined {
  if (!PG_URL) return undefined;
  const u = new URL(PG_URL);
  u.searchParams.set('schema', schemaFor(path === ':memory:' ? `memory-${process.hrtime.bigint()}` : path));
  return u.toString();
}

export function testStoreConfig(path: string): StoreConfig {
  const url = testStoreUrl(path);
  return url ? { path, url } : { path };
}

/**
 * The test store for a path, opened synchronously (so the temp-store helpers stay synchronous):
 * the engine the leg runs, picked as `openStore` picks it (a URL: PostgreSQL; else SQLite), whose
 * own choice is tested in test/store/open.test.ts.
 */
export function openTestStore(path: string): Store {
  const config = testStoreConfig(path);
  return config.url ? openPgStore(config.url) : openSqliteStore(config.path);
}

/** For tests that only make sense on one engine (fault injection through SQLite's connection). */
export function onlyOn(engine: 'sqlite' | 'postgres'): boolean {
  return TEST_ENGINE === engine;
}

/**
 * A suite that exists on one engine only (SIGKILL of a SQLite file, several processes on one
 * PostgreSQL database). On the other leg it is not registered at all rather than reported as
 * skipped: it does not apply there, and CI counts every skipped test as a fault.
 */
export function describeOn(engine: 'sqlite' | 'postgres', title: string, body: (this: Mocha.Suite) => void): void {
  if (TEST_ENGINE === engine) describe(title, body);
}

/** A test of one engine's own behaviour, defined on that engine's leg only (so no leg reports it skipped). */
export function itOn(engine: 'sqlite' | 'postgres', title: string, fn: Mocha.AsyncFunc): void {
  if (TEST_ENGINE === engine) it(title, fn);
}

/**
 * The environment for a CLI child process on this leg: on PostgreSQL, the `--db <path>` of its
 * arguments becomes FRONTDESK_DATABASE_URL for that path's schema (the CLI then opens the same
 * store as the test); on SQLite, nothing.
 */
export function cliEnv(args: readonly string[], dbPath?: string): Record<string, string> {
  const i = args.indexOf('--db');
  const path = dbPath ?? (i >= 0 ? args[i + 1] : undefined);
  const url = path === undefined ? undefined : testStoreUrl(path);
  return url ? { FRONTDESK_DATABASE_URL: url } : {};
}
