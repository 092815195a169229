/** 302: as SQLite migration 302: every version of every resource, deletes as tombstones; existing resources get their current version. */
import type { PgMigration } from './index.js';

export const m302ResourceHistory: PgMigration = {
  id: 302,
  name: 'resource-history',
  sql: `
CREATE TABLE resource_history (
  resource_type TEXT COLLATE "C" NOT NULL,
  id            TEXT COLLATE "C" NOT NULL,
  version_id    INTEGER NOT NULL,
  resource      TEXT,
  deleted       INTEGER NOT NULL DEFAULT 0,
  last_updated  TEXT COLLATE "C" NOT NULL,
  message_id    BIGINT,
  PRIMARY KEY (resource_type, id, version_id)
);
CREATE INDEX resource_history_type_time ON resource_history (resource_type, last_updated);
INSERT INTO resource_history (resource_type, id, version_id, resource, deleted, last_updated, message_id)
  SELECT resource_type, id, version_id, resource, 0, last_updated, message_id FROM resources;
`,
};
