/**
 * 15 (#17, as SQLite's migration 15): the (channel, control_id) index is dropped. The unique
 * (channel, control_id, content_hash) index of the baseline and the (control_id) index of migration
 * 12 answer every look-up it served (the exact-resend check at intake, the console's MSH-10
 * search), and each intake insert wrote one more b-tree. test/store/pg-plans.test.ts checks the
 * exact-resend look-up still probes an index on control_id.
 */
import type { PgMigration } from './index.js';

export const m015DropChannelControlIdIndex: PgMigration = {
  id: 15,
  name: 'drop-channel-control-id-index',
  sql: `
DROP INDEX IF EXISTS messages_control_id;
`,
};
