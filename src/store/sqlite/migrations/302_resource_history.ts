/**
 * 302: every version of every resource (FHIR vread and _history). `resources` keeps the current
 * version of each live resource; `resource_history` keeps each version as written, and a delete
 * as a tombstone version (resource NULL, deleted 1) while the row leaves `resources`, so reads
 * answer 410 Gone and history shows what was there. A resource written again after a delete goes
 * on from the tombstone's version. Existing resources get their current version as history.
 */
import type { Migration } from './index.js';

export const m302ResourceHistory: Migration = {
  id: 302,
  name: 'resource-history',
  sql: `
CREATE TABLE resource_history (
  resource_type TEXT NOT NULL,
  id            TEXT NOT NULL,
  version_id    INTEGER NOT NULL,
  resource      TEXT,
  deleted       INTEGER NOT NULL DEFAULT 0,
  last_updated  TEXT NOT NULL,
  message_id    INTEGER,
  PRIMARY KEY (resource_type, id, version_id)
);
CREATE INDEX resource_history_type_time ON resource_history (resource_type, last_updated);
INSERT INTO resource_history (resource_type, id, version_id, resource, deleted, last_updated, message_id)
  SELECT resource_type, id, version_id, resource, 0, last_updated, message_id FROM resources;
`,
};
