/**
 * 12: measured on 1,000,000 messages (docs/console.md): the browser's channel filter, newest
 * first, walked the (channel, control_id) index and sorted (2.8 s); an MSH-10 search without a
 * channel read every row (1.5 s). (channel, id) serves the first in index order, (control_id) the second.
 */
import type { Migration } from './index.js';

export const m012MessageBrowserIndexes: Migration = {
  id: 12,
  name: 'message-browser-indexes',
  sql: `
CREATE INDEX messages_channel_id ON messages (channel, id);
CREATE INDEX messages_control_id_any_channel ON messages (control_id);
`,
};
