/**
 * 10: the console's dashboard counts every channel's rows by state on each refresh. An index on
 * (channel, state, duplicate_of) covers that GROUP BY (and the duplicate count) so it reads the
 * index alone, never the rows and their raw text, however many messages the store holds.
 */
import type { Migration } from './index.js';

export const m010ConsoleIndexes: Migration = {
  id: 10,
  name: 'console-indexes',
  sql: `CREATE INDEX messages_channel_state ON messages (channel, state, duplicate_of);`,
};
