/**
 * What intake reads from a message before storing it: a content hash for duplicate detection
 * (a resend) and the MSH header fields that index the row and decide the ACK mode (MSH-15/16).
 * Reading never fails: an unreadable message is still stored (and rejected by processing), so
 * nothing that reached us is lost.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { isSegmentName, isSpace, parseHl7, type Hl7Message } from '../hl7/message.js';
import type { AckMode } from '../store/index.js';

/**
 * SHA-256 of the message with segment terminators normalised (\r\n and \n read as \r) and
 * trailing terminators and whitespace dropped: a resend through another engine that changed only
 * line ends is still the same content.
 */
export function contentHash(raw: string): string {
  // trimEnd() drops exactly the characters of /[\r\s]+$/ (WhiteSpace and LineTerminator) without
  // a regex trying every position; the \n rewrite is skipped when there is no \n (the MLLP norm).
  const normalized = (raw.indexOf('\n') < 0 ? raw : raw.replace(/\r\n|\n/g, '\r')).trimEnd();
  return sha256Hex(normalized);
}

/**
 * SHA-256 in hex, in one call where Node has `crypto.hash` (20.12+; as src/fhir/ids.ts does): no
 * Hash object per frame (#17: ~2.7 µs of a frame's intake under load; the one-shot about 2.6x less).
 */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (s: string) => string = typeof oneShot === 'function'
  ? (s) => oneShot('sha256', s, 'hex')
  : (s) => createHash('sha256').update(s).digest('hex');

export interface Hl7Header {
  /**
   * The message as far as the ACKs need it: its MSH (and its first PID), not every segment.
   * Intake's ACKs answer the MSH only (src/hl7/ack.ts buildAck); processing parses the whole message.
   */
  message: Hl7Message | undefined;
  controlId?: string;
  messageType?: string;
  version?: string;
  sendingApplication?: string;
  sendingFacility?: string;
  ackMode: AckMode;
  /** MSH-15 accept acknowledgment type and MSH-16 application acknowledgment type (table 0155). */
  acceptAckType: string;
  appAckType: string;
  summary: { segments: number; segmentNames: string[] } | undefined;
  /** The patient, for the console's search: PID-3.1 of the first identifier, PID-5 as FAMILY^GIVEN. */
  patientMrn?: string;
  patientName?: string;
}

/**
 * The header of an HL7v2 message. Only MSH and the first PID are parsed (#17): intake needs
 * nothing else, and parsing every segment into fields was about half of the header's cost for an
 * ADT^A04 (9 segments), more for an ORU (a 10,000-OBX ORU's intake parsed 10,000 OBX for the
 * summary). The summary (segment count and names) comes from a scan of the lines that counts
 * exactly the segments `parseHl7` keeps (test/runtime/intake-header.test.ts checks the two agree).
 */
export function readHl7Header(raw: string): Hl7Header {
  const lines = scanLines(raw);
  const parsed = lines ? parseHl7(lines.pid === undefined ? lines.msh : `${lines.msh}\r${lines.pid}`) : undefined;
  const msg = parsed?.value;
  if (!msg || !lines) return { message: undefined, ackMode: 'original', acceptAckType: '', appAckType: '', summary: undefined };
  const msh = msg.msh;
  const accept = msh.get(15).toUpperCase();
  const app = msh.get(16).toUpperCase();
  const h: Hl7Header = {
    message: msg,
    ackMode: accept !== '' || app !== '' ? 'enhanced' : 'original',
    acceptAckType: accept,
    appAckType: app,
    summary: { segments: lines.segments, segmentNames: lines.names },
  };
  // A field is kept when it says something (not empty, not a lone component separator). Not a
  // closure made per message: under tsx every closure is named at creation (__name), per call.
  const controlId = msg.controlId;
  if (said(controlId)) h.controlId = controlId;
  const messageType = msg.messageType;
  if (said(messageType)) h.messageType = messageType;
  const version = msg.version;
  if (said(version)) h.version = version;
  const sendingApplication = msh.get(3); // MSH-3.1 namespace id
  if (said(sendingApplication)) h.sendingApplication = sendingApplication;
  const sendingFacility = msh.get(4); // MSH-4.1
  if (said(sendingFacility)) h.sendingFacility = sendingFacility;
  const pid = msg.segment('PID');
  if (pid) {
    const mrn = pid.get(3); // PID-3.1 (CX.1 ID number) of the first repetition
    if (mrn) h.patientMrn = mrn;
    const family = pid.get(5, 1); // PID-5.1.1 (XPN.1 FN.1 surname)
    const given = pid.get(5, 2); // PID-5.2 (XPN.2 given name)
    if (family || given) h.patientName = `${family}^${given}`.toUpperCase();
  }
  return h;
}

function said(v: string): boolean {
  return v !== '' && v !== '^';
}

/**
 * The MSH line, the first PID line, and the segments `parseHl7` would keep (count, and their names
 * with consecutive repeats folded), read line by line as it reads them: a BOM and leading
 * whitespace skipped, lines ended by \r, \n or \r\n, blank lines skipped, a line kept when the
 * text before its first field separator is a segment name, a second MSH not kept. Undefined when
 * the text does not start with MSH or has no field separator (parseHl7 fails on it then too).
 */
function scanLines(text: string): { msh: string; pid: string | undefined; segments: number; names: string[] } | undefined {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (start < n && isSpace(text.charCodeAt(start))) start++;
  if (!text.startsWith('MSH', start) || start + 3 >= n) return undefined;
  const sep = text[start + 3]!;
  let msh: string | undefined;
  let pid: string | undefined;
  let segments = 0;
  const names: string[] = [];
  // Line ends found with indexOf, the next of each kept (as parseHl7 does): one pass over a long message.
  let nextCR = text.indexOf('\r', start);
  let nextLF = text.indexOf('\n', start);
  while (start < n) {
    if (nextCR >= 0 && nextCR < start) nextCR = text.indexOf('\r', start);
    if (nextLF >= 0 && nextLF < start) nextLF = text.indexOf('\n', start);
    const end = nextCR < 0 ? (nextLF < 0 ? n : nextLF) : nextLF < 0 || nextCR < nextLF ? nextCR : nextLF;
    const line = text.slice(start, end);
    start = text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
    if (line.length === 0 || (isSpace(line.charCodeAt(0)) && line.trim() === '')) continue;
    const cut = line.indexOf(sep);
    const name = cut < 0 ? line : line.slice(0, cut);
    if (!isSegmentName(name)) continue;
    if (name === 'MSH') {
      if (msh !== undefined) continue;
      msh = line;
    } else if (name === 'PID' && pid === undefined) {
      pid = line;
    }
    segments++;
    if (names[names.length - 1] !== name) names.push(name);
  }
  return msh === undefined ? undefined : { msh, pid, segments, names };
}
