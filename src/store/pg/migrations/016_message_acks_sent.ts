/**
 * 16 (#17, as SQLite's migration 16): when a message's acknowledgment left is kept in a narrow
 * table of its own instead of the `messages` row (on SQLite, an UPDATE of that row rewrote all of
 * its ~12 KB; here it made a new version of the row, with its indexes when the page had no room).
 * `messages.ack_sent_at` stays for rows marked before; readers take this table's time first.
 */
import type { PgMigration } from './index.js';

export const m016MessageAcksSent: PgMigration = {
  id: 16,
  name: 'message-acks-sent',
  sql: `
CREATE TABLE message_acks_sent (
  message_id BIGINT PRIMARY KEY,
  at TEXT COLLATE "C" NOT NULL
);
`,
};
