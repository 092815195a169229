/**
 * The one way into the store: `openStore(config)` opens (creating and migrating when needed) the
 * store the configuration names and returns it behind the engine-neutral `Store` interface
 * (./types.ts). Today the engine is SQLite (./sqlite/); callers never learn which.
 */
import { existsSync } from 'node:fs';
import type { Store, StoreConfig } from './types.js';
import { openSqliteStore } from './sqlite/store.js';

export type * from './types.js';
export { MESSAGE_STATES, AUDIT_MAX_PAGE } from './types.js';

export function openStore(config: StoreConfig): Store {
  return openSqliteStore(config.path);
}

/** Whether the store the configuration names already exists (an operator command refuses to create one). */
export function storeExists(config: StoreConfig): boolean {
  return config.path === ':memory:' || existsSync(config.path);
}
