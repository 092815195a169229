/**
 * 105: as SQLite migration 105: who holds an in-flight row (`lease_owner`: the instance, stable
 * across restarts; `lease_boot`: the process run). With several instances on one database each
 * takes back only what its own earlier runs left in flight; a dead instance's rows go to whoever
 * claims them once their (short, renewed) lease has run out.
 */
import type { PgMigration } from './index.js';

export const m105OutboxLeaseHolder: PgMigration = {
  id: 105,
  name: 'outbox-lease-holder',
  sql: `
ALTER TABLE outbox ADD COLUMN lease_owner TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN lease_boot TEXT COLLATE "C";
CREATE INDEX outbox_in_flight ON outbox (lease_owner, lease_boot) WHERE state = 'in-flight';
`,
};
