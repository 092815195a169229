/**
 * 105: who holds an in-flight row. `lease_owner` is the instance (a gateway's stable name) and
 * `lease_boot` the process run that leased it (a fresh id at every start). A gateway that starts
 * again takes back the rows its earlier runs left in flight at once, instead of waiting for their
 * lease to run out; rows of other instances are left to their (short, renewed) leases.
 */
import type { Migration } from './index.js';

export const m105OutboxLeaseHolder: Migration = {
  id: 105,
  name: 'outbox-lease-holder',
  sql: `
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_boot TEXT;
CREATE INDEX outbox_in_flight ON outbox (lease_owner, lease_boot) WHERE state = 'in-flight';
`,
};
