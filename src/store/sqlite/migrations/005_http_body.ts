/**
 * 5: the body of an HTTP intake answer (POST /fhir, POST /office/{kind}) in its own column,
 * `http_body`, so that `ack` holds only what its name says: an HL7v2 application ACK. Migration 4
 * had left that JSON body in `ack`; existing HTTP rows (content type other than hl7v2) have it moved
 * over, in messages and in their processing attempts; HL7v2 rows are untouched.
 */
import type { Migration } from './index.js';

const HTTP_ROWS = "SELECT id FROM messages WHERE content_type <> 'hl7v2'";

export const m005HttpBody: Migration = {
  id: 5,
  name: 'http_body',
  sql: `
ALTER TABLE messages ADD COLUMN http_body TEXT;
ALTER TABLE processing_attempts ADD COLUMN http_body TEXT;

UPDATE messages SET http_body = ack, ack = NULL WHERE content_type <> 'hl7v2' AND ack IS NOT NULL;
UPDATE processing_attempts SET http_body = ack, ack = NULL WHERE message_id IN (${HTTP_ROWS}) AND ack IS NOT NULL;
`,
};
