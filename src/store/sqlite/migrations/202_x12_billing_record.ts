/** 202: the office billing-status record built from the latest X12 answer (999, 277CA, 835), kept with the claim. */
import type { Migration } from './index.js';

export const m202X12BillingRecord: Migration = {
  id: 202,
  name: 'x12-billing-record',
  sql: `ALTER TABLE x12_claims ADD COLUMN billing_record TEXT;`,
};
