/**
 * 201: X12 (ids 200-299). Control numbers allocated durably (ISA-13, GS-06 per sender/receiver
 * pair: never reused, they survive a restart) and every claim sent in an 837P with the envelope
 * that carried it and its acknowledgement states (999, 277CA, 835).
 */
import type { Migration } from './index.js';

export const m201X12: Migration = {
  id: 201,
  name: 'x12',
  sql: `
    CREATE TABLE x12_control_numbers (
      counter TEXT PRIMARY KEY,
      last_value INTEGER NOT NULL
    );
    CREATE TABLE x12_claims (
      claim_id TEXT NOT NULL,
      interchange TEXT NOT NULL,
      group_control TEXT NOT NULL,
      transaction_control TEXT NOT NULL,
      destination TEXT NOT NULL,
      total TEXT NOT NULL,
      state TEXT NOT NULL,
      detail TEXT,
      submitted_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      history TEXT NOT NULL DEFAULT '[]',
      PRIMARY KEY (claim_id, interchange)
    );
    CREATE INDEX x12_claims_by_claim ON x12_claims (claim_id, submitted_at);
  `,
};
