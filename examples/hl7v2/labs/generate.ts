/**
 * Synthetic large ORU^R01 messages, generated at test/bench time (never committed):
 * - `oruWithManyResults(n)`: one CBC-like order with n OBX (default 500), NM/CWE/SN/TX mixed.
 * - `oruWithPdf(bytes)`: a report whose OBX-5 is an ED with a base64 PDF of about `bytes` bytes.
 * Patients are synthetic. Run directly to write them: `npx tsx examples/hl7v2/labs/generate.ts <dir>`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HEADER = (ctrl: string) => [
  `MSH|^~\\&|ACMELAB|ACME Reference Lab|FRONTDESK|Springfield Family Practice|20240301163000-0500||ORU^R01^ORU_R01|${ctrl}|P|2.5.1|||AL|NE`,
  'PID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin^Lee^^^^L||19850412|F',
  'ORC|RE|ORD3001^FDORDERS|LAB990001^ACMELAB||CM',
];

const obr = (code: string) =>
  `OBR|1|ORD3001^FDORDERS|LAB990001^ACMELAB|${code}|||20240301081500-0500|||||||||1234567893^Carter^Dana^^^Dr^^^NPI^L^^^NPI||||||20240301163000-0500|||F`;

/** One order with `n` results (codes repeat: occurrence keeps their ids distinct). */
export function oruWithManyResults(n = 500): string {
  const segs = [...HEADER('BIG-500'), obr('58410-2^CBC panel^LN')];
  for (let i = 1; i <= n; i++) {
    const k = i % 4;
    if (k === 0) segs.push(`OBX|${i}|NM|718-7^Hemoglobin^LN|${i}|${(10 + (i % 60) / 10).toFixed(1)}|g/dL^g/dL^UCUM|12.0-15.5|${i % 3 ? 'N' : 'L'}|||F|||20240301081500-0500`);
    else if (k === 1) segs.push(`OBX|${i}|CWE|6463-4^Bacteria identified^LN|${i}|260415000^Not detected^SCT|||N|||F|||20240301081500-0500`);
    else if (k === 2) segs.push(`OBX|${i}|SN|5905-5^Monocytes/100 leukocytes^LN|${i}|^${i % 50}^-^${(i % 50) + 5}|%^%^UCUM|2-10||||F|||20240301081500-0500`);
    else segs.push(`OBX|${i}|TX|18314-6^Morphology^LN|${i}|Result line ${i}.||||||F|||20240301081500-0500`, `NTE|1|L|Note for result ${i}.`);
  }
  segs.push('SPM|1|SPBIG-1&ACMELAB||119297000^Blood specimen^SCT|||||||||||||20240301081500-0500');
  return segs.join('\r') + '\r';
}

/** A minimal, valid-looking PDF padded to about `bytes` bytes (synthetic text content). */
export function syntheticPdf(bytes: number): Buffer {
  const head = '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n';
  const tail = 'trailer<</Root 1 0 R>>\n%%EOF\n';
  const pad = Math.max(0, bytes - head.length - tail.length);
  const filler = Buffer.alloc(pad);
  // Deterministic pseudo-random bytes in a comment stream, so base64 is not trivially repetitive.
  let x = 2463534242;
  for (let i = 0; i < pad; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; filler[i] = 32 + ((x >>> 0) % 94); }
  return Buffer.concat([Buffer.from(head), Buffer.from('%'), filler.subarray(1), Buffer.from(tail)]);
}

/** A report with a base64 PDF (OBX-2 ED) of about `bytes` bytes before encoding, plus one NM result. */
export function oruWithPdf(bytes = 5 * 1024 * 1024): string {
  const b64 = syntheticPdf(bytes).toString('base64');
  return [
    ...HEADER(`PDF-${bytes}`),
    obr('11502-2^Laboratory report^LN'),
    'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL^mg/dL^UCUM|70-99|N|||F',
    `OBX|2|ED|11502-2^Laboratory report^LN||ACMELAB^AP^PDF^Base64^${b64}||||||F`,
  ].join('\r') + '\r';
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const dir = process.argv[2] ?? '.';
  writeFileSync(join(dir, 'oru-r01-500-obx.hl7'), oruWithManyResults());
  writeFileSync(join(dir, 'oru-r01-pdf-5mb.hl7'), oruWithPdf());
}
