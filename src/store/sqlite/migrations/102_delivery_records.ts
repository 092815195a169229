/**
 * 102: what delivery learns and the jobs hand off.
 * - claim_submissions: one row per claim sent to the clearinghouse, with its Idempotency-Key
 *   (fixed at the first submission, reused on every retry) and the partner's answer.
 * - reminders: hand-off records for the office's text or email tool (one per appointment).
 * - job_runs: every job execution (scheduled or from the CLI), and a lease that keeps two
 *   processes from running the same job at once.
 */
import type { Migration } from './index.js';

export const m102DeliveryRecords: Migration = {
  id: 102,
  name: 'delivery-records',
  sql: `
CREATE TABLE claim_submissions (
  claim_key        TEXT PRIMARY KEY,
  claim_id         TEXT,
  outbox_id        INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
  idempotency_key  TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'accepted', 'rejected', 'responded', 'failed')),
  billing_status   TEXT,
  response         TEXT,
  submitted_at     TEXT NOT NULL,
  answered_at      TEXT
);

CREATE TABLE reminders (
  appointment_id   TEXT PRIMARY KEY,
  patient_ref      TEXT,
  patient_name     TEXT,
  contact          TEXT,
  starts_at        TEXT NOT NULL,
  place            TEXT,
  provider         TEXT,
  message          TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'handed-off', 'cancelled')),
  created_at       TEXT NOT NULL
);

CREATE TABLE job_runs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  job              TEXT NOT NULL,
  trigger          TEXT NOT NULL CHECK (trigger IN ('scheduled', 'cli', 'api')),
  started_at       TEXT NOT NULL,
  finished_at      TEXT,
  outcome          TEXT CHECK (outcome IN ('ok', 'failed', 'skipped')),
  summary          TEXT
);
CREATE INDEX job_runs_job ON job_runs (job, started_at);

CREATE TABLE job_locks (
  job              TEXT PRIMARY KEY,
  holder           TEXT NOT NULL,
  lease_until      TEXT NOT NULL
);
`,
};
