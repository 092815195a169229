/**
 * Our own ACK/NAK builder (the `hl7v2` package's createAck leaves MSH-3..6 wrong).
 *
 * An ACK answers the inbound MSH: sending and receiving application/facility swapped, MSA-2 =
 * the inbound MSH-10, version (MSH-12) and processing id (MSH-11) kept. AE/AR/CE/CR carry one ERR
 * segment per issue: ERR-2 error location (ERL), ERR-3 HL7 error code (table 0357), ERR-4
 * severity (table 0516), ERR-5 our catalogue code, ERR-8 the user message. Before v2.5, ERR-2..8
 * do not exist, so the location and the 0357 code go into ERR-1 (ELD) instead.
 */
import type { Hl7Message } from './message.js';
import { buildSegment, createMessage, encodeField, type FieldValue } from './message.js';
import { ERROR_CODES, ERROR_CODE_SYSTEM } from '../domain/errors.js';
import { errorCodeOf, type Issue, type Severity } from '../domain/issues.js';
import { DEFAULT_DELIMITERS, encodingCharacters } from './delimiters.js';
import { sendCommitAck, type AppAckCode } from './ack-policy.js';
import type { AckMode, MessageState } from '../store/index.js';

/** Table 0008 acknowledgment codes: original mode AA/AE/AR, enhanced mode commit CA/CE/CR. */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export interface AckOptions {
  code: AckCode;
  /** Issues to report as ERR segments (all of them are written; pass what the receiver should see). */
  issues?: readonly Issue[];
  /** MSH-10 of the ACK itself; generated when absent. */
  controlId?: string;
  /** MSH-7; now when absent. */
  timestamp?: Date;
  /** MSA-3 text message (free text, deprecated after v2.4 but still read by many engines). */
  text?: string;
  /** At most this many ERR segments (the rest are summarised in the last one). Default 50. */
  maxErrors?: number;
}

/** Table 0516 error severity. */
const SEVERITY_0516: Record<Severity, string> = { fatal: 'F', error: 'E', warning: 'W', information: 'I' };

let counter = 0;
/** A control id unique within this process and across restarts (time + counter), at most 20 characters (MSH-10 ST 20 in v2.5). */
export function newControlId(now = Date.now()): string {
  counter = (counter + 1) % 46656;
  return `FD${now.toString(36).toUpperCase()}${counter.toString(36).toUpperCase().padStart(3, '0')}`;
}

/**
 * The last second hl7Timestamp wrote (ms since the epoch / 1000) and its text: intake writes one
 * per commit ACK, thousands a second, and the local-time getters were about 1 µs each time.
 */
let lastStamp: { second: number; text: string } | undefined;

/** HL7 DTM with seconds and UTC offset, in the process timezone: YYYYMMDDHHMMSS+ZZZZ. */
export function hl7Timestamp(d: Date): string {
  const ms = d.getTime();
  // Within one second the text is the same (the offset too: it changes only on a second's edge).
  const second = Math.floor(ms / 1000);
  if (lastStamp?.second === second) return lastStamp.text;
  const text = stampOf(d);
  if (Number.isFinite(second)) lastStamp = { second, text };
  return text;
}

function stampOf(d: Date): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}${sign}${p(Math.trunc(off / 60))}${p(off % 60)}`;
}

/** Compare an HL7 version string (MSH-12.1) with a major.minor threshold. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return true; // unknown or missing: write the current structure
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

export function buildAck(inbound: Hl7Message, opts: AckOptions): Hl7Message {
  const m = inbound.msh;
  const version = inbound.version;
  const ack = createMessage({}, inbound.delimiters);
  const msh = ack.msh;
  // Copy raw (already escaped) values so they come back exactly as the sender wrote them.
  const raw: Record<number, string> = {
    3: m.raw(5), // MSH-3 sending application  <- inbound MSH-5 receiving application
    4: m.raw(6), // MSH-4 sending facility     <- inbound MSH-6 receiving facility
    5: m.raw(3), // MSH-5 receiving application <- inbound MSH-3
    6: m.raw(4), // MSH-6 receiving facility    <- inbound MSH-4
    11: m.raw(11), // MSH-11 processing id (P/T/D), kept
    12: m.raw(12), // MSH-12 version id, kept
    18: m.raw(18), // MSH-18 character set, kept
  };
  for (const [n, v] of Object.entries(raw)) setRaw(msh.fields, Number(n), v);
  msh.set(7, hl7Timestamp(opts.timestamp ?? new Date()));
  // MSH-9: ACK^<inbound trigger>; the third component (message structure) exists from v2.3.1.
  const trigger = inbound.triggerEvent;
  msh.set(9, versionAtLeast(version, 2, 4) || version.startsWith('2.3.1') ? ['ACK', trigger, 'ACK'] : ['ACK', trigger]);
  msh.set(10, opts.controlId ?? newControlId());
  trimTrailing(msh.fields);

  const msa: Record<number, FieldValue> = { 1: opts.code, 2: inbound.controlId };
  if (opts.text) msa[3] = opts.text;
  ack.add('MSA', msa);

  for (const f of errFieldsOf(opts.issues ?? [], version, opts.maxErrors)) ack.add('ERR', f);
  return ack;
}

/** The fields of the ERR segments an ACK carries for these issues: at most `max` (default 50), the rest summarised in the last. */
function errFieldsOf(issues: readonly Issue[], version: string, max = 50): Array<Record<number, FieldValue>> {
  const shown = issues.length > max ? issues.slice(0, max - 1) : issues;
  const out = shown.map((i) => errFields(i, version));
  if (issues.length > max) {
    out.push(errFields({ severity: 'information', code: 'informational', diagnostics: `${issues.length - shown.length} more issue(s) not listed.` }, version));
  }
  return out;
}

/**
 * An AR for a frame that is not a readable HL7 message (no MSH, unusable delimiters): there is no
 * inbound header to answer, so the header is ours and MSA-2 stays empty.
 */
export function buildRejectForUnreadable(issues: readonly Issue[], opts: { application?: string; controlId?: string; timestamp?: Date } = {}): Hl7Message {
  const ack = createMessage({
    3: opts.application ?? 'FRONTDESK',
    7: hl7Timestamp(opts.timestamp ?? new Date()),
    9: ['ACK', '', 'ACK'],
    10: opts.controlId ?? newControlId(),
    11: 'P',
    12: '2.5.1',
  }, DEFAULT_DELIMITERS);
  ack.add('MSA', { 1: 'AR', 2: '' });
  for (const i of issues) ack.add('ERR', errFields(i, '2.5.1'));
  return ack;
}

/** Issues the sender sees in ERR segments: errors always; warnings too (severity W); information stays in the store. */
export function ackIssues(issues: readonly Issue[]): Issue[] {
  return issues.filter((i) => i.severity !== 'information');
}

/**
 * The application acknowledgment code (table 0008) of a processing outcome: AA processed; AE read
 * but in error (the ERR segments say where); AR not taken: unreadable, a type the channel does
 * not take, or an internal failure (the sender may try again later; the stored message is kept).
 */
export function applicationAckCode(state: MessageState): AppAckCode {
  return state === 'processed' ? 'AA' : state === 'error' ? 'AE' : 'AR';
}

/**
 * The application ACK of a processing outcome: it answers the message's MSH, or, when the message
 * could not be read at all, is a reject with our own header.
 */
export function applicationAck(message: Hl7Message | undefined, state: MessageState, issues: readonly Issue[]): { code: AppAckCode; text: string } {
  const code = applicationAckCode(state);
  const shown = ackIssues(issues);
  return { code, text: message ? ackText(message, { code, issues: shown }) : buildRejectForUnreadable(shown).toString() };
}

/**
 * The commit ACK (CA) of an enhanced-mode message, sent once the raw message is committed, when
 * MSH-15 asks for it; undefined otherwise (original mode, MSH-15 NE or ER, or no readable MSH).
 */
export function commitAck(message: Hl7Message | undefined, mode: AckMode, acceptAckType: string): { code: 'CA'; text: string } | undefined {
  if (!message || !sendCommitAck(mode, acceptAckType)) return undefined;
  return { code: 'CA', text: commitAckText(message) };
}

/**
 * `buildAck(inbound, { code: 'CA' }).toString()`, the same text, written straight from the inbound
 * MSH (#17): intake builds one per enhanced-mode frame, and the general builder's message and
 * segment objects (a field map per segment, Object.keys/entries, array fills and joins) were about
 * 12 µs of a frame's ~100. test/hl7/commit-ack.test.ts checks the two agree.
 */
export function commitAckText(inbound: Hl7Message, opts: { timestamp?: Date; controlId?: string } = {}): string {
  const d = inbound.delimiters;
  const id = encodeField(inbound.controlId, d);
  return `${ackMshText(inbound, opts)}\rMSA${d.field}CA${id === '' ? '' : d.field + id}\r`;
}

/**
 * `buildAck(inbound, opts).toString()`, the same text (#17: the application ACK of every processed
 * message): the MSH written straight from the inbound one as commitAckText does, MSA and ERR built
 * by the builder's own segment code, without the message and MSH objects (a third of its cost).
 * test/hl7/commit-ack.test.ts checks the two agree.
 */
export function ackText(inbound: Hl7Message, opts: AckOptions): string {
  const d = inbound.delimiters;
  const msa: Record<number, FieldValue> = { 1: opts.code, 2: inbound.controlId };
  if (opts.text) msa[3] = opts.text;
  let out = `${ackMshText(inbound, opts)}\r${buildSegment('MSA', msa, d).toString()}\r`;
  for (const f of errFieldsOf(opts.issues ?? [], inbound.version, opts.maxErrors)) out += `${buildSegment('ERR', f, d).toString()}\r`;
  return out;
}

/** The MSH of buildAck's answer to `inbound`, as text (no segment terminator). */
function ackMshText(inbound: Hl7Message, opts: { timestamp?: Date | undefined; controlId?: string | undefined }): string {
  const m = inbound.msh;
  const d = inbound.delimiters;
  const version = inbound.version;
  const trigger = inbound.triggerEvent;
  const type = versionAtLeast(version, 2, 4) || version.startsWith('2.3.1') ? ['ACK', trigger, 'ACK'] : ['ACK', trigger];
  // The fields buildAck sets, at their positions (MSH-8 and MSH-13..17 empty; trailing empty fields dropped).
  const f = [
    'MSH', d.field, encodingCharacters(d),
    m.raw(5), m.raw(6), m.raw(3), m.raw(4),
    encodeField(hl7Timestamp(opts.timestamp ?? new Date()), d), '',
    encodeField(type, d),
    encodeField(opts.controlId ?? newControlId(), d),
    m.raw(11), m.raw(12), '', '', '', '', '', m.raw(18),
  ];
  trimTrailing(f);
  return `MSH${d.field}${f.slice(2).join(d.field)}`;
}

/** Parse an HL7 location (`PID.7`, `PID.5.1`, `OBX[3].5`, `MSH`) into ERL components. */
export function parseLocation(where: string | undefined): { segment: string; sequence: number; field?: number; component?: number; subcomponent?: number } | undefined {
  if (!where) return undefined;
  const m = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:[.-](\d+))?(?:\.(\d+))?(?:\.(\d+))?$/.exec(where.trim());
  if (!m) return undefined;
  const out: { segment: string; sequence: number; field?: number; component?: number; subcomponent?: number } = {
    segment: m[1]!,
    sequence: m[2] ? Number(m[2]) : 1,
  };
  if (m[3]) out.field = Number(m[3]);
  if (m[4]) out.component = Number(m[4]);
  if (m[5]) out.subcomponent = Number(m[5]);
  return out;
}

/** One ERR segment's fields for an issue (buildAck: one per issue). */
function errFields(i: Issue, version: string): Record<number, FieldValue> {
  const code = errorCodeOf(i);
  const hl7Code = code ? ERROR_CODES[code].hl7 : '207'; // 207 application internal error
  const loc = i.expression?.map(parseLocation).find((l) => l !== undefined);
  const text = i.diagnostics ?? code ?? i.code;
  if (!versionAtLeast(version, 2, 5)) {
    // ERR-1 ELD: segment id ^ sequence ^ field position ^ code identifying error (CE: code & text & HL70357)
    return { 1: [loc?.segment ?? '', loc?.sequence ?? '', loc?.field ?? '', [hl7Code, text, 'HL70357']] };
  }
  const fields: Record<number, FieldValue> = {
    // ERR-3 HL7 error code (CWE, table 0357)
    3: [hl7Code, TABLE_0357[hl7Code] ?? '', 'HL70357'],
    // ERR-4 severity (table 0516)
    4: SEVERITY_0516[i.severity],
    // ERR-8 user message
    8: text,
  };
  // ERR-2 error location (ERL): segment ^ sequence ^ field ^ field repetition ^ component ^ subcomponent
  if (loc) fields[2] = [loc.segment, loc.sequence, loc.field ?? '', loc.field !== undefined ? 1 : '', loc.component ?? '', loc.subcomponent ?? ''];
  // ERR-5 application error code: our catalogue code
  if (code) fields[5] = [code, '', ERROR_CODE_SYSTEM];
  return fields;
}

/** Table 0357 message error condition codes (text for ERR-3.2). */
const TABLE_0357: Record<string, string> = {
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '104': 'Value too long',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
};

function setRaw(fields: string[], n: number, v: string): void {
  while (fields.length <= n) fields.push('');
  fields[n] = v;
}

function trimTrailing(fields: string[]): void {
  while (fields.length > 3 && fields[fields.length - 1] === '') fields.pop();
}
