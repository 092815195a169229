/**
 * 303: as SQLite migration 303: the search index.
 * parameter of the current version of each resource, written with the resource. Token: system
 * and code (value) and folded display (raw); string: folded (value) and as written (raw); date:
 * [lo, hi); reference: `Type/id` (value). Resources stored before this migration are indexed when
 * next written.
 */
import type { PgMigration } from './index.js';

export const m303SearchIndex: PgMigration = {
  id: 303,
  name: 'search-index',
  sql: `
CREATE TABLE search_index (
  resource_type TEXT COLLATE "C" NOT NULL,
  id            TEXT COLLATE "C" NOT NULL,
  param         TEXT COLLATE "C" NOT NULL,
  system        TEXT COLLATE "C",
  value         TEXT COLLATE "C",
  raw           TEXT COLLATE "C",
  lo            TEXT COLLATE "C",
  hi            TEXT COLLATE "C"
);
CREATE INDEX search_index_value ON search_index (resource_type, param, value);
CREATE INDEX search_index_date ON search_index (resource_type, param, lo);
CREATE INDEX search_index_resource ON search_index (resource_type, id);
`,
};
