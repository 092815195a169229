/**
 * 104: the per-patient order check ("is an older row for this destination and patient still
 * undelivered?") reads only undelivered rows; a partial index keeps it cheap however much
 * delivered history a busy patient has before the retention job purges it.
 */
import type { Migration } from './index.js';

export const m104OutboxUndeliveredIndex: Migration = {
  id: 104,
  name: 'outbox-undelivered-index',
  sql: `CREATE INDEX outbox_undelivered ON outbox (destination, ordering_key, id) WHERE state <> 'delivered';`,
};
