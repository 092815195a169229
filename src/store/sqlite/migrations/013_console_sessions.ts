/**
 * 13: console sessions (src/store/console-sessions.ts): a login survives a restart and is seen by
 * every instance on the store. Keyed by the SHA-256 of the cookie's token (never the token);
 * indexed by expiry for the purge.
 */
import type { Migration } from './index.js';

export const m013ConsoleSessions: Migration = {
  id: 13,
  name: 'console-sessions',
  sql: `
CREATE TABLE console_sessions (
  token_hash    TEXT PRIMARY KEY,
  operator      TEXT NOT NULL,
  via           TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  expires_at    TEXT NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
`,
};
