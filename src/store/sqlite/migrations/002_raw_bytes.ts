/**
 * 2: the bytes of an HL7v2 message exactly as received (MLLP frame payload, HTTP body) beside its
 * decoded text, and the MSH-18 character set the text was read with (HL7 table 0211). `raw`
 * stays the text every reader uses; `raw_bytes` is the evidence (`messages show --original`)
 * and what a replay decodes again with the channel's encoding of that moment.
 * Rows stored before this migration, and FHIR/office rows, have NULL here.
 */
import type { Migration } from './index.js';

export const m002RawBytes: Migration = {
  id: 2,
  name: 'raw_bytes',
  sql: `
ALTER TABLE messages ADD COLUMN raw_bytes BLOB;
ALTER TABLE messages ADD COLUMN charset TEXT;
`,
};
