/** 12: as SQLite migration 12: the message browser's channel filter in id order, and MSH-10 without a channel. */
import type { PgMigration } from './index.js';

export const m012MessageBrowserIndexes: PgMigration = {
  id: 12,
  name: 'message-browser-indexes',
  sql: `
CREATE INDEX messages_channel_id ON messages (channel, id);
CREATE INDEX messages_control_id_any_channel ON messages (control_id);
`,
};
