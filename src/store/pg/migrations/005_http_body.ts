/**
 * 5: as SQLite migration 5: the JSON body of an HTTP intake answer in its own column `http_body`,
 * `ack` keeping only HL7v2 application ACKs; rows of HTTP intake (content type other than hl7v2)
 * stored before it have their body moved over, in messages and processing attempts.
 */
import type { PgMigration } from './index.js';

export const m005HttpBody: PgMigration = {
  id: 5,
  name: 'http_body',
  sql: `
ALTER TABLE messages ADD COLUMN http_body TEXT;
ALTER TABLE processing_attempts ADD COLUMN http_body TEXT;
UPDATE messages SET http_body = ack, ack = NULL WHERE content_type <> 'hl7v2' AND ack IS NOT NULL;
UPDATE processing_attempts SET http_body = ack, ack = NULL
  WHERE ack IS NOT NULL AND message_id IN (SELECT id FROM messages WHERE content_type <> 'hl7v2');
`,
};
