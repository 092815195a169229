/**
 * 101: the delivery outbox. One row per (destination, payload) to deliver. `idempotency_key`
 * is unique so enqueuing the same output twice (replay, restart mid-processing) adds nothing.
 * `ordering_key` (usually the patient) keeps per-patient order: the worker never claims a row
 * while an older row with the same destination and ordering key is still undelivered.
 * Times are ISO-8601 UTC strings (`Date.toISOString()`), which sort as text.
 */
import type { Migration } from './index.js';

export const m101Outbox: Migration = {
  id: 101,
  name: 'outbox',
  sql: `
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  destination      TEXT NOT NULL,
  kind             TEXT NOT NULL,
  payload          TEXT NOT NULL,
  content_type     TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL UNIQUE,
  ordering_key     TEXT,
  message_id       INTEGER,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'in-flight', 'delivered', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT NOT NULL,
  lease_until      TEXT,
  last_error_code  TEXT,
  last_error       TEXT,
  partner_status   TEXT,
  partner_response TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  delivered_at     TEXT,
  dead_at          TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_order ON outbox (destination, ordering_key, id);
CREATE INDEX outbox_message ON outbox (message_id);

-- Every attempt, for the operator: when, what came back, how it was classified.
CREATE TABLE outbox_attempts (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox_id        INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
  attempt          INTEGER NOT NULL,
  at               TEXT NOT NULL,
  outcome          TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
  error_code       TEXT,
  error            TEXT,
  partner_status   TEXT,
  partner_response TEXT
);
CREATE INDEX outbox_attempts_item ON outbox_attempts (outbox_id, attempt);
`,
};
