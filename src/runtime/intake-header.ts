/**
 * What intake reads from a message before storing it: a content hash for duplicate detection
 * (a resend) and the MSH header fields that index the row and decide the ACK mode (MSH-15/16).
 * Reading never fails: an unreadable message is still stored (and rejected by processing), so
 * nothing that reached us is lost.
 */
import { createHash } from 'node:crypto';
import { parseHl7, type Hl7Message } from '../hl7/message.js';
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
  return createHash('sha256').update(normalized).digest('hex');
}

export interface Hl7Header {
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

export function readHl7Header(raw: string): Hl7Header {
  const parsed = parseHl7(raw);
  const msg = parsed.value;
  if (!msg) return { message: undefined, ackMode: 'original', acceptAckType: '', appAckType: '', summary: undefined };
  const msh = msg.msh;
  const accept = msh.get(15).toUpperCase();
  const app = msh.get(16).toUpperCase();
  const h: Hl7Header = {
    message: msg,
    ackMode: accept !== '' || app !== '' ? 'enhanced' : 'original',
    acceptAckType: accept,
    appAckType: app,
    summary: { segments: msg.segments.length, segmentNames: distinctInOrder(msg.segments.map((s) => s.name)) },
  };
  const set = (k: 'controlId' | 'messageType' | 'version' | 'sendingApplication' | 'sendingFacility', v: string) => {
    if (v !== '' && v !== '^') h[k] = v;
  };
  set('controlId', msg.controlId);
  set('messageType', msg.messageType);
  set('version', msg.version);
  set('sendingApplication', msh.get(3)); // MSH-3.1 namespace id
  set('sendingFacility', msh.get(4)); // MSH-4.1
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

function distinctInOrder(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) if (out[out.length - 1] !== n) out.push(n);
  return out;
}
