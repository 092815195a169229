/**
 * 310: quantity search (src/fhir/search-quantity.ts): the search index keeps a quantity's number
 * (num) and, for UCUM units, the number in base units (cnum) with its canonical unit (cunit), each
 * with its index. Resources stored before are indexed by `frontdesk reindex` (or when next written).
 */
import type { Migration } from './index.js';

export const m310SearchIndexQuantity: Migration = {
  id: 310,
  name: 'search-index-quantity',
  sql: `
ALTER TABLE search_index ADD COLUMN num REAL;
ALTER TABLE search_index ADD COLUMN cnum REAL;
ALTER TABLE search_index ADD COLUMN cunit TEXT;
CREATE INDEX search_index_num ON search_index (resource_type, param, num);
CREATE INDEX search_index_cnum ON search_index (resource_type, param, cunit, cnum);
`,
};
