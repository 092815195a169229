/**
 * OBX-5 (observation value) by OBX-2 (value type, table 0125), with OBX-6 units and OBX-7
 * reference range. The kind each value type maps to is data (mappings/tables/0125-value-type.json);
 * the conversion of each kind is one named datatype transform (src/mapping/datatypes).
 */
import type { Attachment, CodeableConcept, ObservationReferenceRange, Quantity } from 'fhir/r4.js';
import { issue, type Issue } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { DATATYPES } from '../../mapping/datatypes/index.js';
import { fieldTree } from '../../mapping/engine.js';
import type { SnValue } from '../../mapping/datatypes/lab.js';
import { toFhirCode } from '../../mapping/tables.js';
import { ucumCode } from './ucum.js';

export const UCUM = 'http://unitsofmeasure.org';

/** What OBX-5 became: an Observation value[x] member, or an Attachment for the report. */
export interface ObxValue {
  /** e.g. { valueQuantity: {...} }; absent when there is no usable value. */
  member?: Record<string, unknown>;
  /** ED/RP: R4 Observation.value[x] has no Attachment, so these go to DiagnosticReport.presentedForm. */
  attachment?: Attachment;
}

type Rep = string[][];

/** "<0.5", ">= 100": a comparator and a number. */
const COMPARED = /^(<=|>=|<|>)\s*([+-]?(?:\d+\.?\d*|\.\d+))$/;

const isEmptyRep = (rep: Rep): boolean => rep.every((c) => c.every((s) => s === ''));
/** A repetition as the text it was sent as (components and subcomponents re-joined). */
const repText = (rep: Rep, d: Hl7Message['delimiters']): string => rep.map((c) => c.join(d.subcomponent)).join(d.component).replace(new RegExp(`\\${d.component}+$`), '');

type Unit = Pick<Quantity, 'unit' | 'system' | 'code'>;

/**
 * OBX-6 units (CWE: 1 code, 2 text, 3 coding system) -> the unit part of a Quantity. Every caller
 * copies its members into a new Quantity (quantityOf, spreads) and never changes it, so answers
 * are kept by OBX-6 as sent, per delimiters: obxValue and referenceRange both read the units of
 * each result, and the results of a panel take turns among a few units (the one last answer missed
 * on most results of a panel), which recur in the next message.
 */
export function unitOf(obx: Hl7Segment): Unit {
  const raw = obx.fields[6];
  if (raw === undefined) return readUnit(obx);
  if (obx.delimiters !== unitDelimiters || units.size >= MAX_UNITS) {
    units = new Map();
    unitDelimiters = obx.delimiters;
  } else {
    const known = units.get(raw);
    if (known !== undefined) return known;
  }
  const u = readUnit(obx);
  units.set(raw, u);
  return u;
}

/** At most this many OBX-6 texts are kept (then the memory starts afresh: a bound, not a policy). */
const MAX_UNITS = 128;
let units = new Map<string, Unit>();
let unitDelimiters: Hl7Segment['delimiters'] | undefined;

function readUnit(obx: Hl7Segment): Unit {
  const code = obx.get(6, 1).trim(), text = obx.get(6, 2).trim();
  if (!code && !text) return {};
  // The UCUM validator decides, not OBX-6.3: senders label ISO+/ANSI+ units that are valid UCUM,
  // and the odd "UCUM" unit that is not.
  const ucum = code ? ucumCode(code) : undefined;
  if (ucum) return { unit: text || code, system: UCUM, code: ucum };
  return { unit: text || code };
}

/**
 * Helpers of obxValue and referenceRange at module level rather than closures made per call:
 * under tsx (tests, the bench) every named closure also costs a defineProperty of its name.
 */
function asText(reps: Rep[], d: Hl7Message['delimiters']): ObxValue {
  return { member: { valueString: reps.map((r) => repText(r, d)).join('\n') } };
}

/** OBX-5 repeats where one value is taken: say so (a warning naming the field). */
function extra(reps: Rep[], at5: string, what: string, issues: Issue[]): void {
  if (reps.length > 1) issues.push(issue('MAP_INFO', `${at5} repeats ${reps.length} times; a ${what} takes the first repetition only.`, at5, 'warning'));
}

function quantityOf(s: string, u: Unit): Quantity {
  return quantityWith(Number(s), u);
}

/** `{ value, ...u }` member by member (u holds unit, or unit, system and code, in that order): no spread per result. */
function quantityWith(value: number, u: Unit): Quantity {
  const q: Quantity = { value };
  if ('unit' in u) q.unit = u.unit;
  if ('system' in u) q.system = u.system;
  if ('code' in u) q.code = u.code;
  return q;
}

/** Read OBX-5 according to OBX-2. Issues name the field (OBX[n].2, OBX[n].5). */
export function obxValue(msg: Hl7Message, obx: Hl7Segment, timezone: string): { value: ObxValue; issues: Issue[] } {
  const issues: Issue[] = [];
  const at2 = msg.location(obx, 2), at5 = msg.location(obx, 5);
  const reps = fieldTree(obx, 5).filter((r) => !isEmptyRep(r));
  const type = obx.get(2).trim().toUpperCase();
  if (reps.length === 0) return { value: {}, issues };
  const d = msg.delimiters;
  if (!type) {
    issues.push(issue('MAP_MISSING', `${at2} (value type) is empty but ${at5} holds a value: the value cannot be typed; kept as text.`, at2));
    return { value: asText(reps, d), issues };
  }
  const kind = toFhirCode('0125', type)?.fhir;
  if (!kind) {
    issues.push(issue('HL7_TABLE_VALUE', `${at2} value type "${type}" is not in HL7 table 0125; the value was kept as text.`, at2));
    return { value: asText(reps, d), issues };
  }
  const tctx = { where: at5, timezone };
  const first = reps[0]!;
  switch (kind) {
    case 'string':
      // TX/FT send long text as repetitions: each is a line.
      return { value: asText(reps, d), issues };
    case 'text':
      // Composite types with no Observation value type: the components, readable.
      return { value: { member: { valueString: reps.map((r) => r.map((c) => c.filter(Boolean).join(' ')).filter(Boolean).join(' ')).join('\n') } }, issues };
    case 'Quantity': {
      extra(reps, at5, 'number', issues);
      const r = DATATYPES.NM!.toFhir(first, tctx);
      if (r.value === undefined) {
        // Labs often send "<0.5" or ">100" as NM where SN is due: unambiguous, so kept as a
        // Quantity with its comparator, and the sender told (a warning, not an error).
        const cmp = COMPARED.exec(first[0]?.[0]?.trim() ?? '');
        if (cmp) {
          issues.push(issue('HL7_DATATYPE', `${at5} "${first[0]![0]!.trim()}" is a comparison, not a number (NM); read as SN.`, at5, 'warning'));
          return { value: { member: { valueQuantity: { value: Number(cmp[2]), comparator: cmp[1] as Quantity['comparator'], ...unitOf(obx) } } }, issues };
        }
        issues.push(...r.issues);
        return { value: {}, issues };
      }
      issues.push(...r.issues);
      return { value: { member: { valueQuantity: quantityWith(r.value as number, unitOf(obx)) } }, issues };
    }
    case 'SN': {
      extra(reps, at5, 'structured numeric', issues);
      const r = DATATYPES.SN!.toFhir(first, tctx);
      issues.push(...r.issues);
      const sn = r.value as SnValue | undefined;
      if (!sn) return { value: {}, issues };
      if ('valueQuantity' in sn) return { value: { member: { valueQuantity: { ...sn.valueQuantity, ...unitOf(obx) } } }, issues };
      if ('valueRange' in sn) {
        const u = unitOf(obx);
        return { value: { member: { valueRange: { low: { ...sn.valueRange.low, ...u }, high: { ...sn.valueRange.high, ...u } } } }, issues };
      }
      return { value: { member: sn }, issues };
    }
    case 'CodeableConcept': {
      extra(reps, at5, 'coded value', issues);
      const r = DATATYPES.CWE!.toFhir(first, tctx);
      issues.push(...r.issues);
      return { value: r.value ? { member: { valueCodeableConcept: r.value as CodeableConcept } } : {}, issues };
    }
    case 'dateTime': {
      extra(reps, at5, 'date/time', issues);
      const r = DATATYPES.DTM!.toFhir(first, tctx);
      issues.push(...r.issues);
      return { value: r.value ? { member: { valueDateTime: r.value as string } } : {}, issues };
    }
    case 'time': {
      extra(reps, at5, 'time', issues);
      const m = /^(\d{2})(\d{2})?(\d{2})?(\.\d+)?([+-]\d{4})?$/.exec(first[0]?.[0]?.trim() ?? '');
      if (!m || +m[1]! > 23 || +(m[2] ?? 0) > 59 || +(m[3] ?? 0) > 59) {
        issues.push(issue('HL7_DATATYPE', `"${first[0]?.[0] ?? ''}" is not a time (TM: HH[MM[SS[.S]]]).`, at5));
        return { value: {}, issues };
      }
      return { value: { member: { valueTime: `${m[1]}:${m[2] ?? '00'}:${m[3] ?? '00'}${m[4] ?? ''}` } }, issues };
    }
    case 'Attachment': {
      extra(reps, at5, 'document', issues);
      const r = DATATYPES[type === 'RP' ? 'RP' : 'ED']!.toFhir(first, tctx);
      issues.push(...r.issues);
      return { value: r.value ? { attachment: r.value as Attachment } : {}, issues };
    }
    default:
      issues.push(issue('INTERNAL', `Table 0125 maps ${type} to "${kind}", which the labs flow does not know.`, at2));
      return { value: asText(reps, d), issues };
  }
}

const NUM = '[+-]?(?:\\d+\\.?\\d*|\\.\\d+)';
const RANGE = new RegExp(`^(${NUM})\\s*(?:-|–|to|_|\\.\\.)\\s*(${NUM})$`, 'i');
const BOUND = new RegExp(`^(<=?|>=?|≤|≥)\\s*(${NUM})$`);

/**
 * OBX-7 reference range as sent ("3.5-5.0", "70_105", "4.3 to 6.2", "<5", ">=60") -> low/high in
 * the OBX-6 unit; the text is always kept, so a range we cannot parse ("negative") is not lost.
 */
export function referenceRange(obx: Hl7Segment): ObservationReferenceRange | undefined {
  const text = obx.get(7).trim();
  if (!text) return undefined;
  const u = unitOf(obx);
  const range = RANGE.exec(text);
  if (range) return { low: quantityOf(range[1]!, u), high: quantityOf(range[2]!, u), text };
  const bound = BOUND.exec(text);
  if (bound) return bound[1]!.startsWith('<') || bound[1] === '≤' ? { high: quantityOf(bound[2]!, u), text } : { low: quantityOf(bound[2]!, u), text };
  return { text };
}
