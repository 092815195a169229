/** 103: the office billing status built from the clearinghouse's ClaimResponse, kept with the claim. */
import type { Migration } from './index.js';

export const m103ClaimBillingRecord: Migration = {
  id: 103,
  name: 'claim-billing-record',
  sql: `ALTER TABLE claim_submissions ADD COLUMN billing_record TEXT;`,
};
