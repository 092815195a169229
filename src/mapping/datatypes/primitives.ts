/** Primitive HL7 types: ST/TX/FT/SI (string), NM (number), DT (date), DTM/TS (dateTime), ID/IS (coded via table). */
import { issue, ok, type Result } from '../../domain/issues.js';
import { fhirToHl7Date, fhirToHl7DateTime, hl7ToFhirDate, hl7ToFhirDateTime } from '../datetime.js';
import { readCode, toHl7Code, type CodeReading } from '../tables.js';
import { comp, type DatatypeTransform } from './types.js';

const none: Result<unknown> = { value: undefined, issues: [] };

export const ST: DatatypeTransform = {
  toFhir: (rep) => (comp(rep, 1) ? ok(comp(rep, 1)) : none),
  fromFhir: (v) => (typeof v === 'string' ? v : undefined),
};

export const NM: DatatypeTransform = {
  toFhir(rep, ctx) {
    const s = comp(rep, 1).trim();
    if (!s) return none;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return { value: undefined, issues: [issue('HL7_DATATYPE', `"${s}" is not a number (NM).`, ctx.where)] };
    return ok(Number(s));
  },
  fromFhir: (v) => (typeof v === 'number' ? String(v) : undefined),
};

export const DT: DatatypeTransform = {
  toFhir: (rep, ctx) => (comp(rep, 1) ? hl7ToFhirDate(comp(rep, 1), ctx.where) : none),
  fromFhir: (v) => (typeof v === 'string' ? fhirToHl7Date(v.slice(0, 10)) : undefined),
};

/** DTM, and TS whose first component is the time. */
export const DTM: DatatypeTransform = {
  toFhir: (rep, ctx) => (comp(rep, 1) ? hl7ToFhirDateTime(comp(rep, 1), ctx.where, ctx.timezone) : none),
  fromFhir: (v) => (typeof v === 'string' ? fhirToHl7DateTime(v) : undefined),
};

/** The warning for a code read through an alias or as the table's `otherwise` (tolerance policy). */
export function codeReadingIssues(code: string, hit: CodeReading, table: string, where: string) {
  if (hit.how === 'exact') return [];
  const as = `${hit.entry.hl7} (${hit.entry.fhir})`;
  return [issue('MAP_UNKNOWN_CODE', hit.how === 'alias'
    ? `${where} "${code}" is not a code of HL7 table ${table}; read as ${as}.`
    : `${where} "${code}" is not a known code of HL7 table ${table}; read as ${as}.`, where, 'warning')];
}

/** ID/IS: a code from an HL7 table, mapped to the FHIR code through mappings/tables. */
export const ID: DatatypeTransform = {
  toFhir(rep, ctx) {
    const code = comp(rep, 1);
    if (!code) return none;
    if (!ctx.table) return ok(code);
    const hit = readCode(ctx.table, code);
    if (!hit) return { value: undefined, issues: [issue('MAP_UNKNOWN_CODE', `"${code}" is not a known code of HL7 table ${ctx.table}.`, ctx.where)] };
    return { value: hit.entry.fhir, issues: codeReadingIssues(code, hit, ctx.table, ctx.where) };
  },
  fromFhir(v, ctx) {
    if (typeof v !== 'string') return undefined;
    return ctx.table ? toHl7Code(ctx.table, v) : v;
  },
};
