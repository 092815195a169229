/** 10: as SQLite migration 10: the console dashboard's per-channel, per-state counts read this index alone. */
import type { PgMigration } from './index.js';

export const m010ConsoleIndexes: PgMigration = {
  id: 10,
  name: 'console-indexes',
  sql: `CREATE INDEX messages_channel_state ON messages (channel, state, duplicate_of);`,
};
