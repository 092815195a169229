/** 13: as SQLite migration 13: console sessions keyed by the SHA-256 of the cookie's token, indexed by expiry. */
import type { PgMigration } from './index.js';

export const m013ConsoleSessions: PgMigration = {
  id: 13,
  name: 'console-sessions',
  sql: `
CREATE TABLE console_sessions (
  token_hash    TEXT COLLATE "C" PRIMARY KEY,
  operator      TEXT COLLATE "C" NOT NULL,
  via           TEXT COLLATE "C" NOT NULL,
  created_at    TEXT COLLATE "C" NOT NULL,
  last_seen_at  TEXT COLLATE "C" NOT NULL,
  expires_at    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
`,
};
