/**
 * 1: the message store. One row per inbound message (MLLP, HTTP HL7v2, FHIR transaction, office
 * record), written BEFORE any positive acknowledgment.
 * - Processing state (`state`) and acknowledgment outcome (`ack_code`, `commit_ack_code`) are
 *   separate columns: a message can be committed and CA-acknowledged yet still unprocessed.
 *   States: received (committed, not yet processed) -> processed | error (content errors, AE)
 *   | rejected (unreadable or unsupported, AR) | failed (internal error after max attempts).
 * - `content_hash` + `control_id` find exact resends (answered from `ack`, not reprocessed);
 *   `duplicate_of` flags the same MSH-10 arriving with different content (kept and processed).
 * Times are ISO-8601 UTC strings, which sort as text.
 */
import type { Migration } from './index.js';

export const m001Messages: Migration = {
  id: 1,
  name: 'messages',
  sql: `
CREATE TABLE messages (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  channel             TEXT NOT NULL,
  source              TEXT NOT NULL CHECK (source IN ('mllp', 'http', 'cli')),
  peer                TEXT,
  content_type        TEXT NOT NULL CHECK (content_type IN ('hl7v2', 'fhir', 'office')),
  received_at         TEXT NOT NULL,
  control_id          TEXT,
  message_type        TEXT,
  hl7_version         TEXT,
  sending_application TEXT,
  sending_facility    TEXT,
  content_hash        TEXT NOT NULL,
  raw                 TEXT NOT NULL,
  summary             TEXT,
  ack_mode            TEXT NOT NULL DEFAULT 'original' CHECK (ack_mode IN ('original', 'enhanced', 'none')),
  state               TEXT NOT NULL DEFAULT 'received' CHECK (state IN ('received', 'processed', 'error', 'rejected', 'failed')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  flow                TEXT,
  issues              TEXT,
  outputs             TEXT,
  duplicate_of        INTEGER REFERENCES messages(id),
  resend_count        INTEGER NOT NULL DEFAULT 0,
  last_resend_at      TEXT,
  commit_ack_code     TEXT,
  commit_ack          TEXT,
  ack_code            TEXT,
  ack                 TEXT,
  ack_sent_at         TEXT,
  last_error          TEXT,
  processed_at        TEXT,
  updated_at          TEXT NOT NULL
);
CREATE INDEX messages_control_id ON messages (channel, control_id);
CREATE INDEX messages_state ON messages (state, id);
CREATE INDEX messages_received_at ON messages (received_at);
CREATE INDEX messages_type ON messages (message_type);

-- FHIR resources produced by the flows, upserted by type + deterministic id (replays are idempotent).
CREATE TABLE resources (
  resource_type TEXT NOT NULL,
  id            TEXT NOT NULL,
  version_id    INTEGER NOT NULL,
  resource      TEXT NOT NULL,
  message_id    INTEGER REFERENCES messages(id),
  last_updated  TEXT NOT NULL,
  PRIMARY KEY (resource_type, id)
);

-- Office-side records produced per message (registration, appointment, results inbox item...).
CREATE TABLE office_records (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id   INTEGER NOT NULL REFERENCES messages(id),
  seq          INTEGER NOT NULL,
  record_type  TEXT,
  record       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  UNIQUE (message_id, seq)
);
`,
};
