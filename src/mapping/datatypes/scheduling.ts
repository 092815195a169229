/**
 * Scheduling types: TQ (SCH-11 timing quantity, kept for older senders), CQ (composite quantity
 * with units: TQ1-6 service duration) and PL (person location: AIL-3, PV1-3).
 */
import type { Identifier, Reference } from 'fhir/r4.js';
import { issue, ok, type Issue, type Result } from '../../domain/issues.js';
import { fhirToHl7DateTime, hl7ToFhirDateTime } from '../datetime.js';
import { comp, compact, type DatatypeTransform } from './types.js';

const none: Result<unknown> = { value: undefined, issues: [] };

export interface Timing { start?: string; end?: string }

/**
 * TQ: 1 quantity, 2 interval, 3 duration, 4 start date/time, 5 end date/time, 6 priority.
 * Only the start and end matter for an appointment slot; they keep the sender's offset.
 */
export const TQ: DatatypeTransform = {
  toFhir(rep, ctx) {
    const issues: Issue[] = [];
    const read = (c: number): string | undefined => {
      const s = comp(rep, c);
      if (!s) return undefined;
      const r = hl7ToFhirDateTime(s, `${ctx.where}.${c}`, ctx.timezone);
      issues.push(...r.issues);
      return r.value;
    };
    const t = compact<Timing>({ start: read(4), end: read(5) });
    return { value: t, issues };
  },
  fromFhir(v) {
    const t = v as Timing;
    if (!t?.start && !t?.end) return undefined;
    return ['', '', '', t.start ? fhirToHl7DateTime(t.start) : '', t.end ? fhirToHl7DateTime(t.end) : ''];
  },
};

export interface Quantity { value: number; unit?: string }

/** CQ: 1 quantity (NM), 2 units (CE: code^text^system). */
export const CQ: DatatypeTransform = {
  toFhir(rep, ctx) {
    const s = comp(rep, 1).trim();
    if (!s) return none;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) {
      return { value: undefined, issues: [issue('HL7_DATATYPE', `"${s}" is not a number (CQ.1 quantity).`, ctx.where)] };
    }
    return ok(compact<Quantity>({ value: Number(s), unit: comp(rep, 2, 1) || undefined }));
  },
  fromFhir(v) {
    const q = v as Quantity;
    if (typeof q?.value !== 'number') return undefined;
    return [String(q.value), q.unit ? [q.unit] : ''];
  },
};

/**
 * PL: 1 point of care, 2 room, 3 bed, 4 facility (HD), 9 description -> a logical Location
 * reference: identifier value PL.1 (or the room), display the readable parts. `params.system`
 * names the identifier system of location codes.
 */
export const PL: DatatypeTransform = {
  toFhir(rep, ctx) {
    const code = comp(rep, 1, 1) || comp(rep, 2);
    const display = comp(rep, 9) || [comp(rep, 1, 2), comp(rep, 2), comp(rep, 3), comp(rep, 4, 1)].filter(Boolean).join(' ');
    if (!code && !display) return none;
    const ref: Reference = { type: 'Location' };
    if (code) {
      const identifier: Identifier = {};
      const system = ctx.params?.system;
      if (system) identifier.system = system;
      identifier.value = code;
      ref.identifier = identifier;
    }
    if (display) ref.display = display;
    return ok(ref);
  },
  fromFhir(v) {
    const r = v as Reference;
    const code = r?.identifier?.value;
    if (!code && !r?.display) return undefined;
    return [code ?? '', '', '', '', '', '', '', '', code ? '' : r.display];
  },
};

export const SCHEDULING_DATATYPES: Record<string, DatatypeTransform> = { TQ, CQ, PL };
