/**
 * 120: MSH-10 control ids of the HL7v2 messages Frontdesk generates (src/flows/outbound/).
 * `seq` is AUTOINCREMENT, so SQLite never hands out a number twice, even after rows are deleted;
 * `item_key` (the outbox idempotency key) makes allocation idempotent: the same generated item,
 * processed again after a crash or a replay, keeps its control id.
 */
import type { Migration } from './index.js';

export const m120Hl7ControlIds: Migration = {
  id: 120,
  name: 'hl7-control-ids',
  sql: `
CREATE TABLE hl7_control_ids (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  item_key         TEXT NOT NULL UNIQUE,
  destination      TEXT NOT NULL,
  control_id       TEXT NOT NULL UNIQUE,
  message_type     TEXT NOT NULL,
  created_at       TEXT NOT NULL
);
`,
};
