/**
 * HL7v2 message model: segments keep every field exactly as sent (escaped), and split and
 * unescape on access, so a message serializes back to its own text and the hot path only pays
 * for the fields a mapping reads. Parsing never throws: problems come back as issues.
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { DEFAULT_DELIMITERS, encodingCharacters, type Delimiters } from './delimiters.js';
import { escapeHl7, unescapeHl7 } from './escape.js';
import { splitOn } from './split.js';

export type Leaf = string | number | undefined | null;
/** A component: a leaf, or its subcomponents. */
export type ComponentValue = Leaf | Leaf[];
/** A repetition: a leaf, or its components. */
export type RepetitionValue = Leaf | ComponentValue[];
/** A field to write: one repetition, or several as `{ repeat: [...] }`. */
export type FieldValue = RepetitionValue | { repeat: RepetitionValue[] };

/**
 * A read scans the field forward and stops at the end of the wanted leaf (no split arrays: most
 * fields are short and most reads want an early component). When the answer is not settled
 * within this many characters (a base64 document in OBX-5.5), the field is split with native
 * indexOf/split instead, which is faster per byte.
 */
const SCAN_LIMIT = 2048;

/**
 * The raw text of repetition r, component c, subcomponent s (1-based) of a field; '' when
 * absent; undefined when the scan reached `limit` characters without settling it.
 */
function scanLeaf(f: string, d: Delimiters, c: number, s: number, r: number, limit: number): string | undefined {
  const R = d.repetition.charCodeAt(0);
  const C = d.component.charCodeAt(0);
  const S = d.subcomponent.charCodeAt(0);
  let rep = 1;
  let comp = 1;
  let sub = 1;
  let start = 0;
  const end = f.length < limit ? f.length : limit;
  for (let i = 0; i < end; i++) {
    const ch = f.charCodeAt(i);
    if (ch !== R && ch !== C && ch !== S) continue;
    if (rep === r && comp === c && sub === s) return f.slice(start, i);
    if (ch === R) {
      rep++;
      comp = 1;
      sub = 1;
    } else if (ch === C) {
      comp++;
      sub = 1;
    } else {
      sub++;
    }
    if (rep > r || (rep === r && (comp > c || (comp === c && sub > s)))) return '';
    start = i + 1;
  }
  if (end < f.length) return undefined;
  return rep === r && comp === c && sub === s ? f.slice(start) : '';
}

export class Hl7Segment {
  /** `fields[n]` is field n as sent (escaped); `fields[0]` is the segment name. For MSH, `fields[1]` is MSH-1 and `fields[2]` MSH-2. */
  readonly fields: string[];

  constructor(readonly name: string, fields: string[], readonly delimiters: Delimiters) {
    this.fields = fields;
  }

  /** Number of the last field present (trailing empty fields included, as sent). */
  get fieldCount(): number { return this.fields.length - 1; }

  /** Field n as sent, escape sequences and all ('' when absent). */
  raw(n: number): string { return this.fields[n] ?? ''; }

  /** True when field n holds anything (HL7 '""' explicit null counts as present). */
  has(n: number): boolean { return (this.fields[n] ?? '') !== ''; }

  /** Raw repetitions of field n. MSH-1/MSH-2 never split. */
  repetitionsRaw(n: number): string[] {
    const f = this.fields[n] ?? '';
    if (f === '') return [];
    if (this.isMshHeader(n)) return [f];
    return splitOn(f, this.delimiters.repetition);
  }

  /** Number of repetitions of field n. */
  repetitionCount(n: number): number { return this.repetitionsRaw(n).length; }

  /**
   * One leaf value, unescaped: field n, component c, subcomponent s, repetition r (all 1-based).
   * '' when absent. `get(5, 1)` is PID-5.1 of the first repetition.
   */
  get(n: number, c = 1, s = 1, r = 1): string {
    const f = this.fields[n];
    if (f === undefined || f === '') return '';
    if (this.isMshHeader(n)) return c === 1 && s === 1 && r === 1 ? f : '';
    const d = this.delimiters;
    const scanned = scanLeaf(f, d, c, s, r, SCAN_LIMIT);
    if (scanned !== undefined) return unescapeHl7(scanned, d);
    const rep = r === 1 && f.indexOf(d.repetition) < 0 ? f : splitOn(f, d.repetition)[r - 1];
    if (rep === undefined) return '';
    const comp = c === 1 && rep.indexOf(d.component) < 0 ? rep : splitOn(rep, d.component)[c - 1];
    if (comp === undefined) return '';
    const sub = s === 1 && comp.indexOf(d.subcomponent) < 0 ? comp : splitOn(comp, d.subcomponent)[s - 1];
    if (sub === undefined) return '';
    return unescapeHl7(sub, d);
  }

  /** Components of repetition r of field n, each unescaped (subcomponents kept joined, unescaped one by one). */
  components(n: number, r = 1): string[] {
    const rep = this.repetitionsRaw(n)[r - 1];
    if (rep === undefined) return [];
    if (this.isMshHeader(n)) return [rep];
    const d = this.delimiters;
    return splitOn(rep, d.component).map((c) => splitOn(c, d.subcomponent).map((x) => unescapeHl7(x, d)).join(d.subcomponent));
  }

  /** Every repetition of field n as components x subcomponents, unescaped. */
  tree(n: number): string[][][] {
    const d = this.delimiters;
    return this.repetitionsRaw(n).map((rep) =>
      this.isMshHeader(n) ? [[rep]] : splitOn(rep, d.component).map((c) => splitOn(c, d.subcomponent).map((x) => unescapeHl7(x, d))),
    );
  }

  /** Set field n from structured values, escaping every leaf. */
  set(n: number, value: FieldValue): this {
    if (this.name === 'MSH' && (n === 1 || n === 2)) throw new Error('MSH-1 and MSH-2 are set by the delimiters');
    while (this.fields.length <= n) this.fields.push('');
    this.fields[n] = encodeField(value, this.delimiters);
    return this;
  }

  /** Serialize this segment. Built segments drop trailing empty fields; parsed ones are kept as sent. */
  toString(): string {
    const fs = this.delimiters.field;
    if (this.name === 'MSH') return 'MSH' + fs + this.fields.slice(2).join(fs);
    return this.fields.join(fs);
  }

  private isMshHeader(n: number): boolean {
    return this.name === 'MSH' && (n === 1 || n === 2);
  }
}

export class Hl7Message {
  constructor(readonly segments: Hl7Segment[], readonly delimiters: Delimiters) {}

  get msh(): Hl7Segment { return this.segments[0]!; }

  /** MSH-9.1 message code, MSH-9.2 trigger event, MSH-9.3 message structure. */
  get messageCode(): string { return this.msh.get(9, 1); }
  get triggerEvent(): string { return this.msh.get(9, 2); }
  get messageStructure(): string { return this.msh.get(9, 3); }
  /** e.g. 'ADT^A04' */
  get messageType(): string { return `${this.messageCode}^${this.triggerEvent}`; }
  /** MSH-10 message control id. */
  get controlId(): string { return this.msh.get(10); }
  /** MSH-12.1 version id. */
  get version(): string { return this.msh.get(12, 1); }

  /** The k-th (1-based) segment with this name. */
  segment(name: string, k = 1): Hl7Segment | undefined {
    let seen = 0;
    for (const s of this.segments) if (s.name === name && ++seen === k) return s;
    return undefined;
  }

  all(name: string): Hl7Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  /**
   * Per segment its occurrence, per name its count: built once per message length, so issues at
   * every OBX of a long result cost O(1) each instead of a scan of the message each (quadratic).
   * Only `add` grows `segments`, and any other change of length rebuilds it.
   */
  private index: { length: number; counts: Map<string, number>; occurrence: Map<Hl7Segment, number>; labels: Map<Hl7Segment, string> } | undefined;

  private indexed(): { counts: Map<string, number>; occurrence: Map<Hl7Segment, number>; labels: Map<Hl7Segment, string> } {
    if (this.index?.length !== this.segments.length) {
      const counts = new Map<string, number>();
      const occurrence = new Map<Hl7Segment, number>();
      for (const s of this.segments) {
        const k = (counts.get(s.name) ?? 0) + 1;
        counts.set(s.name, k);
        if (!occurrence.has(s)) occurrence.set(s, k);
      }
      this.index = { length: this.segments.length, counts, occurrence, labels: new Map() };
    }
    return this.index;
  }

  /** Which occurrence of its name a segment is (1-based). */
  occurrence(seg: Hl7Segment): number {
    const known = this.indexed().occurrence.get(seg);
    if (known !== undefined) return known;
    let k = 0;
    for (const s of this.segments) {
      if (s.name === seg.name) k++;
      if (s === seg) return k;
    }
    return 0;
  }

  /**
   * Location of a field for issues and ERR-2: `PID.7`, `PID.5.1`, or `OBX[3].5` when the
   * segment occurs more than once.
   */
  location(seg: Hl7Segment, field?: number, component?: number): string {
    // `PID` or `OBX[3]`, made once per segment of the index (a mapping asks for it per field and per issue).
    const index = this.indexed();
    let out = index.labels.get(seg);
    if (out === undefined) {
      const count = index.counts.get(seg.name) ?? 0;
      out = count > 1 ? `${seg.name}[${this.occurrence(seg)}]` : seg.name;
      if (index.occurrence.has(seg)) index.labels.set(seg, out);
    }
    if (field !== undefined) out += `.${field}`;
    if (component !== undefined) out += `.${component}`;
    return out;
  }

  /** Add a built segment at the end. */
  add(name: string, fields: Record<number, FieldValue> = {}): Hl7Segment {
    const seg = buildSegment(name, fields, this.delimiters);
    this.segments.push(seg);
    return seg;
  }

  /** Serialize with `\r` segment terminators (HL7 standard), or another terminator. */
  toString(terminator = '\r'): string {
    return this.segments.map((s) => s.toString()).join(terminator) + terminator;
  }
}

/** Build a segment from fields keyed by number (HL7 field position), escaping every value. */
export function buildSegment(name: string, fields: Record<number, FieldValue>, d: Delimiters = DEFAULT_DELIMITERS): Hl7Segment {
  const nums = Object.keys(fields).map(Number);
  const max = nums.length ? Math.max(...nums) : 0;
  const arr: string[] = new Array(max + 1).fill('');
  arr[0] = name;
  if (name === 'MSH') {
    arr[1] = d.field;
    arr[2] = encodingCharacters(d);
  }
  for (const n of nums) {
    if (name === 'MSH' && (n === 1 || n === 2)) continue;
    arr[n] = encodeField(fields[n]!, d);
  }
  while (arr.length > (name === 'MSH' ? 3 : 1) && arr[arr.length - 1] === '') arr.pop();
  return new Hl7Segment(name, arr, d);
}

/** Start a new message with an MSH built from fields (MSH-1/MSH-2 come from the delimiters). */
export function createMessage(msh: Record<number, FieldValue>, d: Delimiters = DEFAULT_DELIMITERS): Hl7Message {
  return new Hl7Message([buildSegment('MSH', msh, d)], d);
}

function encodeLeaf(v: Leaf, d: Delimiters): string {
  if (v === undefined || v === null) return '';
  return escapeHl7(String(v), d);
}

function trimTrailing(parts: string[]): string[] {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  return parts.slice(0, end);
}

function encodeRepetition(v: RepetitionValue, d: Delimiters): string {
  if (!Array.isArray(v)) return encodeLeaf(v, d);
  return trimTrailing(
    v.map((c) => (Array.isArray(c) ? trimTrailing(c.map((s) => encodeLeaf(s, d))).join(d.subcomponent) : encodeLeaf(c, d))),
  ).join(d.component);
}

export function encodeField(v: FieldValue, d: Delimiters): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return trimTrailing(v.repeat.map((r) => encodeRepetition(r, d))).join(d.repetition);
  }
  return encodeRepetition(v, d);
}

/**
 * The delimiters last read without an issue, by their MSH-1 + MSH-2 text: a sender declares the
 * same ones in every message, and reading them (three regex tests and a Set) was a fifth of a
 * small message's parse. Delimiters objects are never changed, so one serves every message.
 */
let lastDelimiters: { text: string; value: Delimiters } | undefined;

/** Read MSH-1/MSH-2. */
function readDelimiters(first: string): Result<Delimiters> {
  const fsAt = first[3];
  if (fsAt !== undefined && lastDelimiters !== undefined) {
    const end = first.indexOf(fsAt, 4);
    const text = end < 0 ? first.slice(3) : first.slice(3, end);
    if (text === lastDelimiters.text) return { value: lastDelimiters.value, issues: [] };
  }
  const read = readDelimitersOf(first);
  if (read.value && read.issues.length === 0) {
    const end = first.indexOf(first[3]!, 4);
    lastDelimiters = { text: end < 0 ? first.slice(3) : first.slice(3, end), value: read.value };
  }
  return read;
}

function readDelimitersOf(first: string): Result<Delimiters> {
  const fs = first[3];
  if (fs === undefined || /[A-Za-z0-9\s]/.test(fs)) {
    return { value: undefined, issues: [issue('HL7_DELIMITERS', 'MSH-1 (field separator) is missing or is a letter, digit or space.', 'MSH.1')] };
  }
  const end = first.indexOf(fs, 4);
  let enc = end < 0 ? first.slice(4) : first.slice(4, end);
  const issues: Issue[] = [];
  // `^~\\&`: the escape character written twice, as a source-code string literal leaves it. Nothing
  // else can be meant (the subcomponent separator cannot be the escape); read as `^~\&`, said at MSH.2.
  if (enc.length === 5 && enc[2] === enc[3] && !/[A-Za-z0-9\s]/.test(enc)) {
    issues.push(issue('HL7_DELIMITERS', `MSH-2 "${enc}" repeats the escape character; read as "${enc[0]}${enc[1]}${enc[2]}${enc[4]}".`, 'MSH.2', 'warning'));
    enc = enc[0]! + enc[1]! + enc[2]! + enc[4]!;
  }
  if (enc.length < 4 || enc.length > 5) {
    return {
      value: undefined,
      issues: [issue('HL7_DELIMITERS', `MSH-2 (encoding characters) must be 4 or 5 characters (component, repetition, escape, subcomponent[, truncation]); got "${enc}".`, 'MSH.2')],
    };
  }
  const all = fs + enc;
  if (new Set(all).size !== all.length || /[A-Za-z0-9\s]/.test(enc)) {
    return { value: undefined, issues: [issue('HL7_DELIMITERS', `MSH-1/MSH-2 delimiters must be distinct and not letters, digits or spaces; got "${all}".`, 'MSH.2')] };
  }
  return {
    value: { field: fs, component: enc[0]!, repetition: enc[1]!, escape: enc[2]!, subcomponent: enc[3]!, truncation: enc[4] ?? '' },
    issues,
  };
}

/**
 * Parse an HL7v2 message. Accepts `\r`, `\n` and `\r\n` segment terminators, honours the
 * delimiters declared in MSH-1/MSH-2, keeps Z-segments and every field as sent.
 * Returns no value only when the message cannot be read at all (no MSH, unusable delimiters).
 */
export function parseHl7(text: string): Result<Hl7Message> {
  let t = text;
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  let start = 0;
  while (start < t.length && isSpace(t.charCodeAt(start))) start++;
  if (!t.startsWith('MSH', start)) {
    return { value: undefined, issues: [issue('HL7_NOT_MSH', 'An HL7v2 message must start with an MSH segment.', 'MSH')] };
  }
  // Segment terminators: \r (standard), \n or \r\n. Found with indexOf (memchr-fast) and the next
  // position of each cached, so a long message is scanned once rather than per segment.
  const n = t.length;
  const ends: LineEnds = { text: t, cr: t.indexOf('\r', start), lf: t.indexOf('\n', start) };
  const firstEnd = lineEnd(ends, start);
  const delims = readDelimiters(t.slice(start, firstEnd));
  if (!delims.value) return { value: undefined, issues: delims.issues };
  const d = delims.value;
  const issues: Issue[] = [...delims.issues];
  const segments: Hl7Segment[] = [];
  let lineNo = 0;
  while (start < n) {
    const end = lineEnd(ends, start);
    const line = t.slice(start, end);
    start = t.charCodeAt(end) === 13 && t.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
    lineNo++;
    if (line.length === 0 || (isSpace(line.charCodeAt(0)) && line.trim() === '')) continue;
    const parts = splitOn(line, d.field);
    const name = parts[0]!;
    if (!isSegmentName(name)) {
      issues.push(issue('HL7_SEGMENT_NAME', `Segment ${segments.length + 1} (line ${lineNo}) has name "${name.slice(0, 10)}", not three upper-case letters or digits.`, `segment[${segments.length + 1}]`));
      continue;
    }
    if (name === 'MSH') {
      if (segments.length > 0) {
        issues.push(issue('HL7_SEGMENT_UNEXPECTED', `A second MSH at segment ${segments.length + 1}: one message per parse (batches are split by the caller).`, `MSH[${segments.filter((s) => s.name === 'MSH').length + 1}]`));
        continue;
      }
      // parts[1] is MSH-2; MSH-1 is the separator itself.
      parts.splice(1, 0, d.field);
      segments.push(new Hl7Segment('MSH', parts, d));
    } else {
      segments.push(new Hl7Segment(name, parts, d));
    }
  }
  return { value: new Hl7Message(segments, d), issues };
}

/** parseHl7's scan for segment ends: the next \r and \n at or after the last asked position. */
interface LineEnds { text: string; cr: number; lf: number }

/**
 * Where the line starting at `from` ends (the text's length for the last). A module-level function
 * over a state object rather than a closure per parse: under tsx (the tests, the bench) every named
 * closure also costs a defineProperty of its name, about 1% of an ADT^A04's processing.
 */
function lineEnd(e: LineEnds, from: number): number {
  const t = e.text;
  if (e.cr >= 0 && e.cr < from) e.cr = t.indexOf('\r', from);
  if (e.lf >= 0 && e.lf < from) e.lf = t.indexOf('\n', from);
  if (e.cr < 0) return e.lf < 0 ? t.length : e.lf;
  return e.lf < 0 || e.cr < e.lf ? e.cr : e.lf;
}

/** Whitespace as parseHl7 skips it; intake's header scan (src/runtime/intake-header.ts) uses the same two readers, so both see the same segments. */
export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Three characters, an upper-case letter then upper-case letters or digits (SEGMENT_NAME, without a regex on the hot path). */
export function isSegmentName(s: string): boolean {
  if (s.length !== 3) return false;
  const a = s.charCodeAt(0);
  if (a < 65 || a > 90) return false;
  for (let i = 1; i < 3; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  return true;
}

/** True when the text looks like an HL7v2 message (after whitespace and a BOM). */
export function looksLikeHl7(text: string): boolean {
  return /^\uFEFF?\s*MSH/.test(text);
}
