/** 14: as SQLite migration 14: the unprocessed rows of a patient, for the per-patient processing order. */
import type { PgMigration } from './index.js';

export const m014ProcessingOrder: PgMigration = {
  id: 14,
  name: 'processing-order',
  sql: `
CREATE INDEX messages_unprocessed_patient ON messages (patient_mrn, id) WHERE state = 'received' AND patient_mrn IS NOT NULL;
`,
};
