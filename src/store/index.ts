/**
 * The one way into the store: `openStore(config)` opens (creating and migrating when needed) the
 * store the configuration names and returns it behind the engine-neutral `Store` interface
 * (./types.ts): PostgreSQL (./pg/) when `url` is set (store.url, FRONTDESK_DATABASE_URL), else
 * the embedded SQLite file (./sqlite/). Callers never learn which.
 *
 * Each engine is imported only when it is opened: a SQLite gateway never loads the `pg` driver
 * (the largest single module its start-up used to load), and a PostgreSQL one never loads better-sqlite3.
 */
import { existsSync } from 'node:fs';
import type { Store, StoreConfig } from './types.js';

export type * from './types.js';
export { MESSAGE_STATES, MESSAGE_SORTS, AUDIT_MAX_PAGE } from './types.js';

/**
 * Open the store. SQLite opens (and migrates) at once; PostgreSQL connects and migrates on first
 * use, so a caller that must know the store works (the gateway before it listens) awaits `ping()`,
 * which rejects with one line naming what is wrong (unreachable, password, rights).
 */
export async function openStore(config: StoreConfig, opts: { onIdleError?: (e: Error) => void } = {}): Promise<Store> {
  if (isServerStore(config)) {
    const { openPgStore } = await import('./pg/store.js');
    return openPgStore(config.url!, opts.onIdleError);
  }
  const { openSqliteStore } = await import('./sqlite/store.js');
  return openSqliteStore(config.path);
}

function isServerStore(config: StoreConfig): boolean {
  return config.url !== undefined && config.url !== '';
}

/** Whether the store the configuration names already exists (an operator command refuses to create one). A server store is taken to exist. */
export function storeExists(config: StoreConfig): boolean {
  if (isServerStore(config)) return true;
  return config.path === ':memory:' || existsSync(config.path);
}
