/**
 * 15 (#17): the (channel, control_id) index of migration 1 is dropped. Since migration 12 the
 * (control_id) index answers the same look-ups (the exact-resend check at intake, channel = ? AND
 * control_id = ?: an MSH-10 is nearly unique, so the channel is checked on the row or two it finds;
 * the console's MSH-10 search with or without a channel), and every intake insert paid for one more
 * index b-tree write on the event loop (part of the ~16 us per row the message indexes cost).
 * test/store/messages.test.ts checks the look-up's plan.
 */
import type { Migration } from './index.js';

export const m015DropChannelControlIdIndex: Migration = {
  id: 15,
  name: 'drop-channel-control-id-index',
  sql: `
DROP INDEX IF EXISTS messages_control_id;
`,
};
