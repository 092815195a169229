/**
 * HL7v2 message validation against our message profiles (profiles/hl7v2/, built from the
 * `hl7v2-dictionary` data): version (MSH-12), message type and trigger event (MSH-9), segment
 * structure, and per field: required, repetitions, length (warning), data type format (DTM/TS,
 * DT, TM, NM, SI) and coded values (ID/IS, and CE/CWE with an HL7 coding system) against the
 * HL7 tables we check. Issues carry locations like `PID.7` or `OBX[3].5` (ERR-2 in a NAK).
 * Never throws on bad data.
 */
import { issue, type Issue } from '../domain/issues.js';
import type { Hl7Message, Hl7Segment } from './message.js';
import {
  hl7Tables, isSupportedEvent, nearestVersion, profileFor, structureFor, supportedVersions,
  tableId, type FieldDef, type Hl7Profile,
} from './dictionary.js';
import { checkDTM, primitiveCheck } from './datatypes.js';
import { checkStructure } from './structure.js';
import { splitOn } from './split.js';

/** One checked part of a field repetition: component c (0 = the whole repetition), subcomponent s (0 = whole component). */
interface Part {
  c: number;
  s: number;
  label: string;
  format?: (v: string) => string | undefined;
  table?: Set<string>;
  tableId?: string;
  /** For CE/CWE/CNE: only check the code when component 3 (coding system) is empty or HL7nnnn. */
  codedWithSystem?: boolean;
  /**
   * The last value found in `table` (a one-entry memory, as checkDTM keeps): the codes of a field
   * repeat from message to message (sex, value type, result status), and an equal string is
   * cheaper to compare than to hash for the Set.
   */
  known?: string;
}

interface CompiledField extends FieldDef {
  parts: Part[];
  /**
   * The last value of this field that was checked without an issue, and the delimiters it was
   * read with: a one-entry memory, as `known` and checkDTM keep. Many fields carry the same text
   * message after message (MSH-9, MSH-12, EVN-1, PV1-2, a result's OBX-2, OBX-11, OBX-14), and
   * comparing the string again costs less than splitting and checking its parts. The check is a
   * function of the field's definition, its text and the delimiters only (the location appears in
   * issues alone), so an equal text with the same delimiters has no issue either.
   */
  lastGood: string | undefined;
  lastDelimiters: Hl7Message['delimiters'] | undefined;
  /**
   * More texts of this field checked without an issue, with the delimiters they were read with
   * (up to GOOD_TEXTS of up to GOOD_TEXT_LENGTH characters; emptied when full or when the
   * delimiters change). The one-entry memory misses wherever a field's texts alternate within a
   * message: the 25 results of an ORU each have their own OBX-3 code, OBX-6 units and OBX-7 range,
   * and the next ORU of that panel sends the same ones again. Same reasoning as `lastGood`.
   */
  good: Set<string> | undefined;
  goodDelimiters: Hl7Message['delimiters'] | undefined;
}

const GOOD_TEXTS = 128;
const GOOD_TEXT_LENGTH = 128;

/**
 * A segment's field definitions, compiled once per profile: `byField[n]` is field n's definition,
 * so checkSegment walks the fields the segment has (most definitions are of fields a message
 * leaves out) and then the required ones past its end. Undefined `byField` when the definitions
 * are not in strictly ascending field order (then the issues' order needs the walk by definition).
 */
interface CompiledSegment {
  fields: CompiledField[];
  byField: Array<CompiledField | undefined> | undefined;
  required: CompiledField[];
}

const EMPTY: string[] = [];
const CODED = new Set(['CE', 'CWE', 'CNE', 'CF']);
const compiledSegments = new WeakMap<Hl7Profile, Map<string, CompiledSegment>>();

function tableSet(table: number | string | undefined): [Set<string>, string] | undefined {
  if (!table) return undefined;
  const id = typeof table === 'number' ? tableId(table) : table;
  const t = hl7Tables().get(id);
  return t ? [t, id] : undefined;
}

/** Parts to check for a value of `type` found at component c (0 = field level). */
function partsOfType(p: Hl7Profile, type: string, table: string | undefined, c: number, depth: number): Part[] {
  const fmt = primitiveCheck(type);
  if (fmt) return [{ c, s: 0, label: type, format: fmt }];
  if (type === 'ID' || type === 'IS') {
    const t = tableSet(table);
    return t ? [{ c, s: 0, label: `${type} table ${t[1]}`, table: t[0], tableId: t[1] }] : [];
  }
  if (type === 'TS') return depth === 0 ? [{ c: 1, s: 0, label: 'TS', format: checkDTM }] : [{ c, s: 1, label: 'TS', format: checkDTM }];
  const comps = p.types[type];
  if (!comps) return [];
  const out: Part[] = [];
  if (depth === 0 && CODED.has(type)) {
    const t = tableSet(table);
    if (t) out.push({ c: 1, s: 0, label: `${type} table ${t[1]}`, table: t[0], tableId: t[1], codedWithSystem: true });
  }
  for (const [k, ctype, ctable] of comps) {
    if (depth === 0) {
      // A table on a composite field applies to its first component when that has none (PT/MSH-11 table 0103, VID/MSH-12 table 0104).
      const tab = ctable ? tableId(ctable) : k === 1 && !CODED.has(type) ? table : undefined;
      for (const part of partsOfType(p, ctype, tab, k, 1)) out.push(part);
    } else {
      const sf = primitiveCheck(ctype);
      if (sf) out.push({ c, s: k, label: ctype, format: sf });
      else if (ctype === 'TS') out.push({ c, s: k, label: 'TS', format: checkDTM });
      else if ((ctype === 'ID' || ctype === 'IS') && ctable) {
        const t = tableSet(ctable);
        if (t) out.push({ c, s: k, label: `${ctype} table ${t[1]}`, table: t[0], tableId: t[1] });
      }
    }
  }
  return out;
}

function segmentsOf(p: Hl7Profile): Map<string, CompiledSegment> {
  let bySeg = compiledSegments.get(p);
  if (!bySeg) compiledSegments.set(p, (bySeg = new Map()));
  return bySeg;
}

function compiledFor(bySeg: Map<string, CompiledSegment>, p: Hl7Profile, segName: string): CompiledSegment | undefined {
  const hit = bySeg.get(segName);
  if (hit) return hit;
  const defs = p.segments[segName];
  if (!defs) return undefined;
  const fields = defs
    // MSH-1/MSH-2 are read by the parser, which reports bad delimiters itself.
    .filter((d) => !(segName === 'MSH' && d.field <= 2))
    .map((d) => ({ ...d, parts: partsOfType(p, d.type, d.table, 0, 0).sort((a, b) => a.c - b.c || a.s - b.s), lastGood: undefined, lastDelimiters: undefined, good: undefined, goodDelimiters: undefined }));
  let byField: Array<CompiledField | undefined> | undefined = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (!(Number.isInteger(f.field) && f.field > 0 && (i === 0 || f.field > fields[i - 1]!.field))) { byField = undefined; break; }
    while (byField.length < f.field) byField.push(undefined);
    byField.push(f);
  }
  const out: CompiledSegment = { fields, byField, required: fields.filter((f) => f.required) };
  bySeg.set(segName, out);
  return out;
}

function leaf(rep: string, c: number, s: number, compSep: string, subSep: string): string {
  if (c === 0) return rep;
  let comp: string;
  if (c === 1) {
    const i = rep.indexOf(compSep);
    comp = i < 0 ? rep : rep.slice(0, i);
  } else {
    comp = splitOn(rep, compSep)[c - 1] ?? '';
  }
  if (s === 0) return comp;
  if (s === 1) {
    const i = comp.indexOf(subSep);
    return i < 0 ? comp : comp.slice(0, i);
  }
  return splitOn(comp, subSep)[s - 1] ?? '';
}

/**
 * Where an issue about a part points: the field itself for a primitive field and for TS.1, the
 * component otherwise. Built only when there is an issue; a plain function, not a closure per
 * part, to keep the hot loop allocation-free.
 */
function partLocation(msg: Hl7Message, seg: Hl7Segment, f: CompiledField, part: Part): string {
  return part.c === 0 || (part.c === 1 && f.type === 'TS') ? msg.location(seg, f.field) : msg.location(seg, f.field, part.c);
}

function checkSegment(msg: Hl7Message, seg: Hl7Segment, compiled: CompiledSegment, issues: Issue[]): void {
  const fields = seg.fields;
  const byField = compiled.byField;
  if (byField === undefined) {
    for (const f of compiled.fields) checkField(msg, seg, f, fields[f.field], issues);
    return;
  }
  // The fields the segment has, in field order (the definitions' order), then the required ones past its end.
  const end = fields.length < byField.length ? fields.length : byField.length;
  for (let n = 1; n < end; n++) {
    const f = byField[n];
    if (f !== undefined) checkField(msg, seg, f, fields[n], issues);
  }
  const required = compiled.required;
  for (let i = 0; i < required.length; i++) {
    const f = required[i]!;
    if (f.field >= end) checkField(msg, seg, f, fields[f.field], issues);
  }
}

function checkField(msg: Hl7Message, seg: Hl7Segment, f: CompiledField, raw: string | undefined, issues: Issue[]): void {
  if (raw === undefined || raw === '') {
    if (f.required) issues.push(issue('HL7_FIELD_REQUIRED', `${seg.name}-${f.field} (${f.type}) is required and empty.`, msg.location(seg, f.field)));
    return;
  }
  if (raw === '""') return; // HL7 explicit null
  const d = msg.delimiters;
  if (raw === f.lastGood && d === f.lastDelimiters) return;
  if (d === f.goodDelimiters && f.good!.has(raw)) {
    f.lastGood = raw;
    f.lastDelimiters = d;
    return;
  }
  const n0 = issues.length;
  // One repetition (most fields): no array.
  if (raw.indexOf(d.repetition) < 0 || (seg.name === 'MSH' && f.field <= 2)) {
    if (f.maxRepetitions > 0 && 1 > f.maxRepetitions) {
      issues.push(issue('HL7_FIELD_REPEAT', `${seg.name}-${f.field} allows ${f.maxRepetitions} repetition(s); got 1.`, msg.location(seg, f.field)));
    }
    checkRepetition(msg, seg, f, raw, 0, 1, issues);
  } else {
    const reps = splitOn(raw, d.repetition);
    if (f.maxRepetitions > 0 && reps.length > f.maxRepetitions) {
      issues.push(issue('HL7_FIELD_REPEAT', `${seg.name}-${f.field} allows ${f.maxRepetitions} repetition(s); got ${reps.length}.`, msg.location(seg, f.field)));
    }
    for (let r = 0; r < reps.length; r++) checkRepetition(msg, seg, f, reps[r]!, r, reps.length, issues);
  }
  if (issues.length === n0) {
    f.lastGood = raw;
    f.lastDelimiters = d;
    if (raw.length <= GOOD_TEXT_LENGTH) {
      if (f.goodDelimiters !== d || f.good!.size >= GOOD_TEXTS) {
        f.good = new Set();
        f.goodDelimiters = d;
      }
      f.good!.add(raw);
    }
  }
}

/** Repetition r (0-based) of `count`: its length, the parts of its type, its escapes. */
function checkRepetition(msg: Hl7Message, seg: Hl7Segment, f: CompiledField, rep: string, r: number, count: number, issues: Issue[]): void {
  if (rep === '' || rep === '""') return;
  const d = msg.delimiters;
  if (f.maxLength > 0 && rep.length > f.maxLength) {
    issues.push(issue('HL7_FIELD_LENGTH', `${seg.name}-${f.field} is ${rep.length} characters; its maximum is ${f.maxLength}.`, msg.location(seg, f.field), 'warning'));
  }
  // Parts come in component order: a cursor moves over the components (no split array); a
  // component is cut only when a part reads it, subcomponents only when asked.
  const parts = f.parts;
  const compSep = d.component;
  let compNo = 1;
  let compStart = 0;
  let compEnd = parts.length === 0 ? 0 : rep.indexOf(compSep);
  if (compEnd < 0) compEnd = rep.length;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    let v: string;
    if (part.c === 0) v = rep;
    else {
      let past = false;
      while (compNo < part.c) {
        if (compEnd >= rep.length) { past = true; break; }
        compStart = compEnd + 1;
        compEnd = rep.indexOf(compSep, compStart);
        if (compEnd < 0) compEnd = rep.length;
        compNo++;
      }
      if (past) break;
      const comp = rep.slice(compStart, compEnd);
      if (part.s === 0 || comp === '') v = comp;
      else if (comp.indexOf(d.subcomponent) < 0) v = part.s === 1 ? comp : '';
      else v = splitOn(comp, d.subcomponent)[part.s - 1] ?? '';
    }
    if (v === '' || v === '""') continue;
    if (part.format) {
      const problem = part.format(v);
      if (problem) issues.push(issue('HL7_DATATYPE', `${seg.name}-${f.field}${part.c > 0 ? '.' + part.c : ''}${inRepText(count, r)}: ${problem}.`, partLocation(msg, seg, f, part)));
    } else if (part.table && v !== part.known) {
      if (part.table.has(v)) { part.known = v; continue; }
      if (part.codedWithSystem) {
        const system = leaf(rep, 3, 0, d.component, d.subcomponent);
        if (system !== '' && system !== `HL7${part.tableId}`) continue;
      }
      issues.push(issue('HL7_TABLE_VALUE', `${seg.name}-${f.field}${part.c > 0 ? '.' + part.c : ''}${inRepText(count, r)}: "${v}" is not in HL7 table ${part.tableId}.`, partLocation(msg, seg, f, part)));
    }
  }
  if (d.escape && rep.indexOf(d.escape) >= 0) {
    let n = 0;
    for (let i = 0; i < rep.length; i++) if (rep[i] === d.escape) n++;
    if (n % 2 === 1) issues.push(issue('HL7_ESCAPE', `${seg.name}-${f.field}${inRepText(count, r)}: unterminated escape sequence.`, msg.location(seg, f.field), 'warning'));
  }
}

/**
 * OBX-5 (observation value) has the data type named in OBX-2 (value type, table 0125): check
 * the formats we know (NM, DT, DTM/TS, TM) on every repetition.
 */
function checkObservationValue(msg: Hl7Message, seg: Hl7Segment, issues: Issue[]): void {
  const raw = seg.fields[5];
  if (raw === undefined || raw === '' || raw === '""') return;
  const type = seg.get(2);
  const check = type === 'TS' ? checkDTM : primitiveCheck(type);
  if (!check || type === 'SI') return;
  const d = msg.delimiters;
  // One repetition (nearly every result): no split array.
  if (raw.indexOf(d.repetition) < 0) {
    checkObservationRep(msg, seg, type, check, raw, 0, 1, issues);
    return;
  }
  const reps = splitOn(raw, d.repetition);
  for (let r = 0; r < reps.length; r++) checkObservationRep(msg, seg, type, check, reps[r]!, r, reps.length, issues);
}

/** Repetition r (0-based) of `count` of OBX-5 against OBX-2's format. */
function checkObservationRep(msg: Hl7Message, seg: Hl7Segment, type: string, check: (v: string) => string | undefined, rep: string, r: number, count: number, issues: Issue[]): void {
  const d = msg.delimiters;
  const v = type === 'TS' ? leaf(rep, 1, 0, d.component, d.subcomponent) : rep;
  if (v === '' || v === '""') return;
  const problem = check(v);
  if (problem) issues.push(issue('HL7_DATATYPE', `OBX-5${inRepText(count, r)} (OBX-2 value type ${type}): ${problem}.`, msg.location(seg, 5)));
}

function inRepText(n: number, r: number): string {
  return n > 1 ? ` (repetition ${r + 1})` : '';
}

/**
 * Validate a parsed message against the profile of its version and message type.
 * Returns every issue found (empty when the message conforms).
 */
export function validateMessage(msg: Hl7Message): Issue[] {
  const issues: Issue[] = [];
  const version = msg.version;
  let p = profileFor(version);
  if (!p) {
    issues.push(issue('HL7_VERSION', version
      ? `HL7 version "${version}" (MSH-12) is not supported; supported: ${supportedVersions().join(', ')}. Checked as ${nearestVersion(version)}.`
      : `MSH-12 (version id) is empty; supported: ${supportedVersions().join(', ')}.`, 'MSH.12'));
    p = profileFor(nearestVersion(version))!;
  }
  const code = msg.messageCode;
  const event = msg.triggerEvent;
  if (!isSupportedEvent(code, event)) {
    issues.push(issue('HL7_MESSAGE_TYPE', `Message type ${code || '(empty)'}^${event || '(empty)'} (MSH-9) is not handled by this gateway.`, 'MSH.9'));
  } else {
    const root = structureFor(p, code, event, msg.messageStructure);
    if (root) for (const i of checkStructure(msg, root)) issues.push(i);
    else issues.push(issue('HL7_MESSAGE_TYPE', `No message structure for ${code}^${event} in HL7 ${p.version}.`, 'MSH.9'));
  }
  const bySeg = segmentsOf(p);
  for (const seg of msg.segments) {
    const compiled = compiledFor(bySeg, p, seg.name);
    if (compiled) checkSegment(msg, seg, compiled, issues);
    if (seg.name === 'OBX') checkObservationValue(msg, seg, issues);
  }
  return issues;
}
