/**
 * 303: the search index (src/fhir/search-index.ts): one row per value of each indexed search
 * parameter of the current version of each resource, written with the resource. Token: system
 * and code (value) and folded display (raw); string: folded (value) and as written (raw); date:
 * [lo, hi); reference: `Type/id` (value). Resources stored before this migration are indexed when
 * next written.
 */
import type { Migration } from './index.js';

export const m303SearchIndex: Migration = {
  id: 303,
  name: 'search-index',
  sql: `
CREATE TABLE search_index (
  resource_type TEXT NOT NULL,
  id            TEXT NOT NULL,
  param         TEXT NOT NULL,
  system        TEXT,
  value         TEXT,
  raw           TEXT,
  lo            TEXT,
  hi            TEXT
);
CREATE INDEX search_index_value ON search_index (resource_type, param, value);
CREATE INDEX search_index_date ON search_index (resource_type, param, lo);
CREATE INDEX search_index_resource ON search_index (resource_type, id);
`,
};
