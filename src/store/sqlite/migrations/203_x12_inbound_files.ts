/** 203: inbound X12 files picked up from a clearinghouse folder, by content hash: a file seen once is never applied again. */
import type { Migration } from './index.js';

export const m203X12InboundFiles: Migration = {
  id: 203,
  name: 'x12-inbound-files',
  sql: `
    CREATE TABLE x12_inbound_files (
      sha256 TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT,
      outcome TEXT NOT NULL,
      picked_up_at TEXT NOT NULL
    );
  `,
};
