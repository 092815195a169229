/**
 * 14: per-patient processing order (src/store/processing.ts claimForProcessing): before a message is
 * processed, the store looks for an earlier unprocessed message of the same patient. This index
 * holds only unprocessed rows with a patient, so that look-up stays one short index probe however
 * long a patient's history grows (the (patient_mrn, id) index of migration 11 would walk it all).
 */
import type { Migration } from './index.js';

export const m014ProcessingOrder: Migration = {
  id: 14,
  name: 'processing-order',
  sql: `
CREATE INDEX messages_unprocessed_patient ON messages (patient_mrn, id) WHERE state = 'received' AND patient_mrn IS NOT NULL;
`,
};
