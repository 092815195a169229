/**
 * 202: the office billing-status record built from the latest X12 answer (999, 277CA, 835) and the
 * payment-posting record of the 835, kept with the claim; remittances posted, keyed by their
 * TRN-02 trace and TRN-03 originator, so the same 835 is never posted twice.
 */
import type { Migration } from './index.js';

export const m202X12BillingRecord: Migration = {
  id: 202,
  name: 'x12-billing-record',
  sql: `
    ALTER TABLE x12_claims ADD COLUMN billing_record TEXT;
    ALTER TABLE x12_claims ADD COLUMN posting_record TEXT;
    CREATE TABLE x12_remittances (
      originator TEXT NOT NULL,
      trace TEXT NOT NULL,
      amount TEXT NOT NULL,
      claims INTEGER NOT NULL,
      posted_at TEXT NOT NULL,
      PRIMARY KEY (originator, trace)
    );
  `,
};
