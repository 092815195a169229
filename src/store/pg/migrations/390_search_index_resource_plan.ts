/**
 * 390 (PostgreSQL only; no SQLite counterpart, its planner is not concerned): search_index_resource
 * made again, so it is the newest index of the table.
 *
 * Why: writing a resource deletes its index rows by (resource_type, id), in a named prepared
 * statement (./resources.ts upsertResource) whose plan each connection makes once, usually while
 * the table is still small (a new database, the first minute before autovacuum's first ANALYZE).
 * Then every index that starts with resource_type costs the planner the same (one row estimated
 * either way), and it took the newest, search_index_cnum (migration 310): the DELETE scanned every
 * index row of the type and filtered on id (7,000 rows per write after a few thousand messages;
 * most of the server's time per processed message in the #16 benchmark), for as long as the
 * connection kept that plan. On a tie the planner keeps the index made last, so this one is made
 * last; test/store/pg-plans.test.ts checks the plan on a new, empty schema, and fails
 * when a later migration adds another index starting with resource_type (make this one again
 * after it, in that migration).
 */
import type { PgMigration } from './index.js';

export const m390SearchIndexResourcePlan: PgMigration = {
  id: 390,
  name: 'search-index-resource-plan',
  sql: `
DROP INDEX search_index_resource;
CREATE INDEX search_index_resource ON search_index (resource_type, id);
`,
};
