/**
 * 310: as SQLite migration 310: a quantity's number (num), and for UCUM units the number in base
 * units (cnum) with its canonical unit (cunit), in the search index, each with its index.
 */
import type { PgMigration } from './index.js';

export const m310SearchIndexQuantity: PgMigration = {
  id: 310,
  name: 'search-index-quantity',
  sql: `
ALTER TABLE search_index ADD COLUMN num DOUBLE PRECISION;
ALTER TABLE search_index ADD COLUMN cnum DOUBLE PRECISION;
ALTER TABLE search_index ADD COLUMN cunit TEXT COLLATE "C";
CREATE INDEX search_index_num ON search_index (resource_type, param, num);
CREATE INDEX search_index_cnum ON search_index (resource_type, param, cunit, cnum);
`,
};
