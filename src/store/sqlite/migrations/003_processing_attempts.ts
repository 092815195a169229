/**
 * 3: every processing attempt of a message, kept: the first run, each replay, each recovery run
 * and each internal failure, with its outcome (state, ACK code and ACK or HTTP answer), issues,
 * outputs and the mapping version it ran with (a hash of the mapping files, src/mapping/version.ts).
 * `messages` keeps the latest outcome (what an exact resend is answered with); this table keeps
 * all of them, so a replay never erases the original outcome.
 */
import type { Migration } from './index.js';

export const m003ProcessingAttempts: Migration = {
  id: 3,
  name: 'processing_attempts',
  sql: `
CREATE TABLE processing_attempts (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id      INTEGER NOT NULL REFERENCES messages(id),
  seq             INTEGER NOT NULL,
  reason          TEXT NOT NULL CHECK (reason IN ('received', 'replay', 'recovery', 'before-history')),
  at              TEXT NOT NULL,
  state           TEXT NOT NULL,
  flow            TEXT,
  ack_code        TEXT,
  ack             TEXT,
  issues          TEXT,
  outputs         TEXT,
  error           TEXT,
  mapping_version TEXT,
  UNIQUE (message_id, seq)
);
`,
};
