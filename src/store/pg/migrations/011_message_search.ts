/** 11: as SQLite migration 11: the console's patient and error-code search on indexed columns. */
import type { PgMigration } from './index.js';

export const m011MessageSearch: PgMigration = {
  id: 11,
  name: 'message-search',
  sql: `
ALTER TABLE messages ADD COLUMN patient_mrn TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN patient_name TEXT COLLATE "C";
CREATE INDEX messages_patient_mrn ON messages (patient_mrn, id) WHERE patient_mrn IS NOT NULL;
CREATE INDEX messages_patient_name ON messages (patient_name, id) WHERE patient_name IS NOT NULL;
CREATE TABLE message_error_codes (
  message_id BIGINT NOT NULL REFERENCES messages(id),
  code       TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (code, message_id)
);
CREATE INDEX message_error_codes_message ON message_error_codes (message_id);
`,
};
