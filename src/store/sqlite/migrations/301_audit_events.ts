/**
 * 301: the audit trail (src/store/audit.ts): one row per access to PHI or operator action, append
 * only (retention deletes old rows). Indexed by time, actor and entity, the three ways an auditor
 * asks (`AuditEvent?date=`, `agent=`, `entity=`).
 */
import type { Migration } from './index.js';

export const m301AuditEvents: Migration = {
  id: 301,
  name: 'audit-events',
  sql: `
CREATE TABLE audit_events (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  at              TEXT NOT NULL,
  actor           TEXT NOT NULL,
  actor_kind      TEXT NOT NULL,
  client_address  TEXT,
  action          TEXT NOT NULL,
  entity          TEXT,
  query           TEXT,
  method          TEXT,
  path            TEXT,
  status          INTEGER NOT NULL,
  outcome         TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
  detail          TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor, at);
CREATE INDEX audit_events_entity ON audit_events (entity, at);
`,
};
