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
}

interface CompiledField extends FieldDef {
  parts: Part[];
}

const EMPTY: string[] = [];
const CODED = new Set(['CE', 'CWE', 'CNE', 'CF']);
const compiledSegments = new WeakMap<Hl7Profile, Map<string, CompiledField[]>>();

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

function compiledFor(p: Hl7Profile, segName: string): CompiledField[] | undefined {
  let bySeg = compiledSegments.get(p);
  if (!bySeg) compiledSegments.set(p, (bySeg = new Map()));
  const hit = bySeg.get(segName);
  if (hit) return hit;
  const defs = p.segments[segName];
  if (!defs) return undefined;
  const out = defs
    // MSH-1/MSH-2 are read by the parser, which reports bad delimiters itself.
    .filter((d) => !(segName === 'MSH' && d.field <= 2))
    .map((d) => ({ ...d, parts: partsOfType(p, d.type, d.table, 0, 0).sort((a, b) => a.c - b.c || a.s - b.s) }));
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

function checkSegment(msg: Hl7Message, seg: Hl7Segment, fields: CompiledField[], issues: Issue[]): void {
  const d = msg.delimiters;
  for (const f of fields) {
    const raw = seg.fields[f.field];
    if (raw === undefined || raw === '') {
      if (f.required) issues.push(issue('HL7_FIELD_REQUIRED', `${seg.name}-${f.field} (${f.type}) is required and empty.`, msg.location(seg, f.field)));
      continue;
    }
    if (raw === '""') continue; // HL7 explicit null
    const reps = raw.indexOf(d.repetition) < 0 || (seg.name === 'MSH' && f.field <= 2) ? [raw] : splitOn(raw, d.repetition);
    if (f.maxRepetitions > 0 && reps.length > f.maxRepetitions) {
      issues.push(issue('HL7_FIELD_REPEAT', `${seg.name}-${f.field} allows ${f.maxRepetitions} repetition(s); got ${reps.length}.`, msg.location(seg, f.field)));
    }
    for (let r = 0; r < reps.length; r++) {
      const rep = reps[r]!;
      if (rep === '' || rep === '""') continue;
      if (f.maxLength > 0 && rep.length > f.maxLength) {
        issues.push(issue('HL7_FIELD_LENGTH', `${seg.name}-${f.field} is ${rep.length} characters; its maximum is ${f.maxLength}.`, msg.location(seg, f.field), 'warning'));
      }
      // Components split once per repetition (parts are in component order), subcomponents only when asked.
      const comps = f.parts.length === 0 ? EMPTY : rep.indexOf(d.component) < 0 ? [rep] : splitOn(rep, d.component);
      for (const part of f.parts) {
        let v: string;
        if (part.c === 0) v = rep;
        else {
          if (part.c > comps.length) break;
          const comp = comps[part.c - 1]!;
          if (part.s === 0 || comp === '') v = comp;
          else if (comp.indexOf(d.subcomponent) < 0) v = part.s === 1 ? comp : '';
          else v = splitOn(comp, d.subcomponent)[part.s - 1] ?? '';
        }
        if (v === '' || v === '""') continue;
        const inRep = reps.length > 1 ? ` (repetition ${r + 1})` : '';
        if (part.format) {
          const problem = part.format(v);
          if (problem) issues.push(issue('HL7_DATATYPE', `${seg.name}-${f.field}${part.c > 0 ? '.' + part.c : ''}${inRep}: ${problem}.`, partLocation(msg, seg, f, part)));
        } else if (part.table && !part.table.has(v)) {
          if (part.codedWithSystem) {
            const system = leaf(rep, 3, 0, d.component, d.subcomponent);
            if (system !== '' && system !== `HL7${part.tableId}`) continue;
          }
          issues.push(issue('HL7_TABLE_VALUE', `${seg.name}-${f.field}${part.c > 0 ? '.' + part.c : ''}${inRep}: "${v}" is not in HL7 table ${part.tableId}.`, partLocation(msg, seg, f, part)));
        }
      }
      if (d.escape && rep.indexOf(d.escape) >= 0) {
        let n = 0;
        for (let i = 0; i < rep.length; i++) if (rep[i] === d.escape) n++;
        if (n % 2 === 1) issues.push(issue('HL7_ESCAPE', `${seg.name}-${f.field}${inRepText(reps.length, r)}: unterminated escape sequence.`, msg.location(seg, f.field), 'warning'));
      }
    }
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
  const reps = splitOn(raw, d.repetition);
  for (let r = 0; r < reps.length; r++) {
    const v = type === 'TS' ? leaf(reps[r]!, 1, 0, d.component, d.subcomponent) : reps[r]!;
    if (v === '' || v === '""') continue;
    const problem = check(v);
    if (problem) issues.push(issue('HL7_DATATYPE', `OBX-5${inRepText(reps.length, r)} (OBX-2 value type ${type}): ${problem}.`, msg.location(seg, 5)));
  }
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
  for (const seg of msg.segments) {
    const fields = compiledFor(p, seg.name);
    if (fields) checkSegment(msg, seg, fields, issues);
    if (seg.name === 'OBX') checkObservationValue(msg, seg, issues);
  }
  return issues;
}
