/**
 * Billing datatypes (DFT^P03): CP composite price (FT1-11/12), DR date range (FT1-4), and XON
 * read as an organization reference with its identifier (FT1-32 performing facility: billing NPI).
 */
import type { Identifier, Money, Period, Reference } from 'fhir/r4.js';
import { issue, ok, type Issue, type Result } from '../../domain/issues.js';
import { hl7ToFhirDateTime, fhirToHl7DateTime } from '../datetime.js';
import { systemFromAuthority, authorityFromSystem } from './identifiers.js';
import { comp, compact, type DatatypeTransform } from './types.js';

const none: Result<unknown> = { value: undefined, issues: [] };
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

/** CP: 1 price (MO: 1.1 quantity, 1.2 denomination, ISO 4217) -> Money. Other components (price type, range) are not used on claims. */
export const CP: DatatypeTransform = {
  toFhir(rep, ctx) {
    const amount = comp(rep, 1, 1).trim();
    if (!amount) return none;
    if (!NUMBER.test(amount)) return { value: undefined, issues: [issue('HL7_DATATYPE', `"${amount}" is not an amount (CP.1.1 / MO).`, ctx.where)] };
    const currency = comp(rep, 1, 2).trim() || ctx.params?.currency;
    return ok(compact<Money>({ value: Number(amount), currency: (currency || undefined) as Money['currency'] }));
  },
  fromFhir(v) {
    const m = v as Money;
    if (typeof m?.value !== 'number') return undefined;
    return [[String(m.value), m.currency ?? '']];
  },
};

/** DR: 1 range start, 2 range end (DTM each) -> Period. */
export const DR: DatatypeTransform = {
  toFhir(rep, ctx) {
    const issues: Issue[] = [];
    const part = (c: number): string | undefined => {
      const s = comp(rep, c);
      if (!s) return undefined;
      const r = hl7ToFhirDateTime(s, `${ctx.where}.${c}`, ctx.timezone);
      issues.push(...r.issues);
      return r.value;
    };
    const period = compact<Period>({ start: part(1), end: part(2) });
    return { value: period, issues };
  },
  fromFhir(v) {
    const p = v as Period;
    if (!p?.start && !p?.end) return undefined;
    return [p.start ? fhirToHl7DateTime(p.start) : '', p.end ? fhirToHl7DateTime(p.end) : ''];
  },
};

/**
 * XON as an organization Reference: 1 name -> display; 10 organization identifier (3 ID number
 * before v2.5) -> identifier, an NPI when 7 (identifier type) is NPI, else system from 6 (HD).
 */
export const XON_ORG: DatatypeTransform = {
  toFhir(rep) {
    const name = comp(rep, 1);
    const value = comp(rep, 10) || comp(rep, 3);
    if (!name && !value) return none;
    const system = comp(rep, 7) === 'NPI' ? NPI_SYSTEM : systemFromAuthority(comp(rep, 6, 1), comp(rep, 6, 2));
    const identifier = value ? compact<Identifier>({ system, value, type: comp(rep, 7) ? { text: comp(rep, 7) } : undefined }) : undefined;
    return ok(compact<Reference>({ identifier, display: name || undefined }));
  },
  fromFhir(v) {
    const r = v as Reference;
    if (!r?.display && !r?.identifier?.value) return undefined;
    const npi = r.identifier?.system === NPI_SYSTEM;
    return [r.display ?? '', '', '', '', '', npi ? [] : authorityFromSystem(r.identifier?.system), npi ? 'NPI' : (r.identifier?.type?.text ?? ''), '', '', r.identifier?.value ?? ''];
  },
};

export const BILLING_DATATYPES: Record<string, DatatypeTransform> = { CP, MO: CP, DR, XON_ORG };
