/**
 * 11: what the console's message browser searches, on indexed columns only (a text search over
 * raw messages would read every row: Mirth's users wait minutes for one on a busy channel).
 * - `patient_mrn`: the first PID-3.1 (HL7v2; set at intake), matched exactly.
 * - `patient_name`: PID-5 family and given name, upper case, `FAMILY^GIVEN`, matched by prefix.
 * - `message_error_codes`: the catalogue code of each error of the latest outcome (rewritten
 *   with it), so "every message that failed with HL7_FIELD_REQUIRED" is an index lookup.
 * Rows stored before this migration have no patient columns.
 */
import type { Migration } from './index.js';

export const m011MessageSearch: Migration = {
  id: 11,
  name: 'message-search',
  sql: `
ALTER TABLE messages ADD COLUMN patient_mrn TEXT;
ALTER TABLE messages ADD COLUMN patient_name TEXT;
CREATE INDEX messages_patient_mrn ON messages (patient_mrn, id) WHERE patient_mrn IS NOT NULL;
CREATE INDEX messages_patient_name ON messages (patient_name, id) WHERE patient_name IS NOT NULL;
CREATE TABLE message_error_codes (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  code       TEXT NOT NULL,
  PRIMARY KEY (code, message_id)
) WITHOUT ROWID;
CREATE INDEX message_error_codes_message ON message_error_codes (message_id);
`,
};
