/**
 * Coded types CE/CWE/CNE -> CodeableConcept: 1 code, 2 text, 3 coding system (table 0396),
 * 4-6 alternate triplet. With a rule table (e.g. 0002 marital status) the code is also
 * translated into the table's FHIR system.
 */
import type { CodeableConcept, Coding } from 'fhir/r4.js';
import { issue, ok } from '../../domain/issues.js';
import { codeTable, readCode, toFhirCode, toHl7Code } from '../tables.js';
import { codeReadingIssues } from './primitives.js';
import { decodeNamespace, localUrn } from './identifiers.js';
import { comp, type DatatypeTransform, type Rep } from './types.js';

/** Coding systems without a known URI (local names, table 0396 'L'/99zzz) keep their name in this URN. */
const CS_PREFIX = 'urn:frontdesk:cs:';

/** Real HL7 tables (table 0396 "HL7nnnn") live under terminology.hl7.org; 99zzz/L and other local names never do. */
const V2_TABLE_URI = 'http://terminology.hl7.org/CodeSystem/v2-';

function systemUri(name: string): string | undefined {
  if (!name) return undefined;
  return toFhirCode('coding-systems', name)?.fhir ?? (/^HL7\d{4}$/i.test(name) ? `${V2_TABLE_URI}${name.slice(3)}` : undefined);
}

/** Coding.system -> CWE.3 name: the configured name, HL7nnnn for a v2 table, a local name back from its URN, else the URI. */
function systemName(system: string | undefined): string {
  if (!system) return '';
  const configured = toHl7Code('coding-systems', system);
  if (configured) return configured;
  const table = /^http:\/\/terminology\.hl7\.org\/CodeSystem\/v2-(\d{4})$/.exec(system);
  if (table) return `HL7${table[1]}`;
  return system.startsWith(CS_PREFIX) ? decodeNamespace(system.slice(CS_PREFIX.length)) : system;
}

/** CWE.2/CWE.5 are the coding's display; CWE.9 (original text) is CodeableConcept.text. */
function triplet(rep: Rep, start: number): Coding | undefined {
  const code = comp(rep, start), display = comp(rep, start + 1), sys = comp(rep, start + 2);
  if (!code) return undefined;
  const c: Coding = {};
  const system = systemUri(sys) ?? (sys ? localUrn(CS_PREFIX, sys) : undefined);
  if (system) c.system = system;
  c.code = code;
  if (display) c.display = display;
  return c;
}

/** A table entry as a Coding (system, code, display; what is empty left out, as compact did). */
export function tableCoding(system: string | undefined, code: string | undefined, display: string | undefined): Coding | undefined {
  const c: Coding = {};
  if (system) c.system = system;
  if (code) c.code = code;
  if (display) c.display = display;
  return system || code || display ? c : undefined;
}

export const CWE: DatatypeTransform = {
  toFhir(rep, ctx) {
    const code = comp(rep, 1);
    // Without a code, CWE.2 is all the sender has: keep it as text.
    const text = code ? comp(rep, 9) : comp(rep, 2) || comp(rep, 9);
    if (!code && !text) return { value: undefined, issues: [] };
    const codings: Coding[] = [];
    const issues = [];
    if (ctx.table && code) {
      const t = codeTable(ctx.table)!;
      const hit = readCode(ctx.table, code);
      if (!hit) return { value: undefined, issues: [issue('MAP_UNKNOWN_CODE', `"${code}" is not a known code of table ${ctx.table} (${t?.name ?? 'missing table'}).`, ctx.where)] };
      issues.push(...codeReadingIssues(code, hit, ctx.table, ctx.where));
      codings.push(tableCoding(t.fhirSystem, hit.entry.fhir, hit.entry.display)!);
    } else {
      const first = triplet(rep, 1);
      if (first) codings.push(first);
    }
    const alt = triplet(rep, 4);
    if (alt) codings.push(alt);
    const cc: CodeableConcept = {};
    if (codings.length) cc.coding = codings;
    if (text) cc.text = text;
    return ok(codings.length || text ? cc : undefined, issues);
  },
  fromFhir(v, ctx) {
    const cc = v as CodeableConcept;
    if (!cc) return undefined;
    const c = cc.coding?.[0];
    if (!c?.code) return cc.text ? ['', cc.text] : undefined;
    if (ctx.table) return [toHl7Code(ctx.table, c.code) ?? c.code, c.display, /^\d{4}$/.test(ctx.table) ? `HL7${ctx.table}` : '', '', '', '', '', '', cc.text];
    const alt = cc.coding?.[1];
    // The alternate triplet (CWE.4-6) keeps its system the same way, local 99zzz tables included.
    return [c.code, c.display, systemName(c.system), alt?.code, alt?.display, systemName(alt?.system), '', '', cc.text];
  },
};
