/**
 * 16 (#17): when a message's acknowledgment left is kept in a narrow table of its own, not in its
 * `messages` row. The row is large (the raw message, the outputs' JSON, the issues, the ACK: ~12 KB
 * for an ADT^A04, most of it in overflow pages), and SQLite writes an updated row whole: setting
 * `ack_sent_at` on it after every ACK wrote its 3-4 pages to the WAL once more, about a fifth of
 * all the bytes the gateway wrote per original-mode message (measured: 165 KB -> 131 KB per message
 * written with the mark left out, bench/profile/orig-trace.ts). A row here is ~30 bytes: a batch of
 * marks shares a page or two. `messages.ack_sent_at` stays for rows marked before this migration;
 * readers take this table's time first (./messages.ts).
 */
import type { Migration } from './index.js';

export const m016MessageAcksSent: Migration = {
  id: 16,
  name: 'message-acks-sent',
  sql: `
CREATE TABLE message_acks_sent (
  message_id INTEGER PRIMARY KEY,
  at TEXT NOT NULL
);
`,
};
