/**
 * 4: the HTTP status of an HTTP intake answer (POST /fhir, POST /office/{kind}) in its own column.
 * Before it, that status was kept as text in `ack_code` (which holds HL7 MSA-1 codes) and `ack`
 * held JSON `{ status, body }`. Existing rows are moved over: the status to `http_status`, the
 * body alone to `ack` (the answer as sent), `ack_code` emptied; HL7v2 rows are untouched.
 */
import type { Migration } from './index.js';

const HTTP_ROWS = "SELECT id FROM messages WHERE content_type <> 'hl7v2'";

export const m004HttpStatus: Migration = {
  id: 4,
  name: 'http_status',
  sql: `
ALTER TABLE messages ADD COLUMN http_status INTEGER;
ALTER TABLE processing_attempts ADD COLUMN http_status INTEGER;

UPDATE messages SET http_status = CAST(ack_code AS INTEGER), ack_code = NULL
  WHERE content_type <> 'hl7v2' AND ack_code GLOB '[0-9]*';
UPDATE messages SET ack = json_extract(ack, '$.body')
  WHERE content_type <> 'hl7v2' AND json_valid(ack) AND json_type(ack, '$.body') IN ('object', 'array');

UPDATE processing_attempts SET http_status = CAST(ack_code AS INTEGER), ack_code = NULL
  WHERE message_id IN (${HTTP_ROWS}) AND ack_code GLOB '[0-9]*';
UPDATE processing_attempts SET ack = json_extract(ack, '$.body')
  WHERE message_id IN (${HTTP_ROWS}) AND json_valid(ack) AND json_type(ack, '$.body') IN ('object', 'array');
`,
};
