/**
 * Lab result types of OBX-5: SN (structured numeric), ED (encapsulated data), RP (reference
 * pointer). SN becomes whichever FHIR type the value needs, so its transform returns the
 * Observation `value[x]` member to merge (`{ valueQuantity }`, `{ valueRange }`, `{ valueRatio }`
 * or `{ valueString }`); ED and RP return an Attachment.
 */
import type { Attachment, Quantity, Range, Ratio } from 'fhir/r4.js';
import { issue, ok, type Result } from '../../domain/issues.js';
import { comp, compact, type DatatypeTransform } from './types.js';

const none: Result<unknown> = { value: undefined, issues: [] };
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** The Observation value member an SN maps to. */
export type SnValue = { valueQuantity: Quantity } | { valueRange: Range } | { valueRatio: Ratio } | { valueString: string };

/** SN.1 comparator -> Quantity.comparator ('=' and empty mean none; '<>' has no FHIR comparator). */
const COMPARATORS: Record<string, Quantity['comparator'] | ''> = { '': '', '=': '', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };

/**
 * SN: 1 comparator, 2 num1, 3 separator/suffix, 4 num2. `^100` and `>^100` are Quantities,
 * `^10^-^20` a Range, `^1^:^128` and `^1^/^2` Ratios, `^2^+` ("2+") a string: it is an ordinal.
 */
export const SN: DatatypeTransform = {
  toFhir(rep, ctx) {
    const cmp = comp(rep, 1).trim(), n1 = comp(rep, 2).trim(), sep = comp(rep, 3).trim(), n2 = comp(rep, 4).trim();
    if (!cmp && !n1 && !sep && !n2) return none;
    const bad = (why: string): Result<unknown> => ({ value: undefined, issues: [issue('HL7_DATATYPE', `Structured numeric "${[cmp, n1, sep, n2].join('^')}": ${why}.`, ctx.where)] });
    if (n1 && !NUMBER.test(n1)) return bad(`SN.2 "${n1}" is not a number`);
    if (n2 && !NUMBER.test(n2)) return bad(`SN.4 "${n2}" is not a number`);
    if (!(cmp in COMPARATORS)) return bad(`SN.1 comparator "${cmp}" is not one of > < >= <= = <>`);
    if (sep === '' && !n2) {
      if (!n1) return bad('SN.2 number is empty');
      const comparator = COMPARATORS[cmp];
      return ok<SnValue>({ valueQuantity: compact<Quantity>({ value: Number(n1), comparator: comparator || undefined })! });
    }
    if (sep === '+' && !n2) return ok<SnValue>({ valueString: `${cmp}${n1}+` });
    if (!n1 || !n2) return bad(`separator "${sep}" needs two numbers`);
    if (cmp) return bad(`a comparator cannot apply to a ${sep === '-' ? 'range' : 'ratio'}`);
    if (sep === '-') return ok<SnValue>({ valueRange: { low: { value: Number(n1) }, high: { value: Number(n2) } } });
    if (sep === ':' || sep === '/') return ok<SnValue>({ valueRatio: { numerator: { value: Number(n1) }, denominator: { value: Number(n2) } } });
    return bad(`SN.3 separator "${sep}" is not one of - : / +`);
  },
  fromFhir(v) {
    const x = v as Partial<{ valueQuantity: Quantity; valueRange: Range; valueRatio: Ratio }>;
    if (x.valueQuantity?.value !== undefined) return [x.valueQuantity.comparator ?? '', String(x.valueQuantity.value)];
    if (x.valueRange) return ['', String(x.valueRange.low?.value ?? ''), '-', String(x.valueRange.high?.value ?? '')];
    if (x.valueRatio) return ['', String(x.valueRatio.numerator?.value ?? ''), ':', String(x.valueRatio.denominator?.value ?? '')];
    return undefined;
  },
};

/** ED.2 type of data (table 0191) + ED.3 subtype -> a MIME type. */
export function mimeType(type: string, subtype: string): string | undefined {
  const t = type.trim().toLowerCase(), s = subtype.trim().toLowerCase();
  if (s.includes('/')) return s; // some senders put the whole MIME type in ED.3
  const known: Record<string, string> = {
    pdf: 'application/pdf', rtf: 'application/rtf', html: 'text/html', xml: 'application/xml', jpeg: 'image/jpeg', jpg: 'image/jpeg',
    png: 'image/png', gif: 'image/gif', tiff: 'image/tiff', plain: 'text/plain', 'octet-stream': 'application/octet-stream',
  };
  if (known[s]) return known[s];
  if (!t && !s) return undefined;
  const top = t === 'ap' || t === 'application' ? 'application' : t === 'im' || t === 'image' ? 'image' : t === 'tx' || t === 'text' ? 'text' : t === 'au' || t === 'audio' ? 'audio' : t;
  return s ? `${top}/${s}` : top === 'text' ? 'text/plain' : top === 'application' ? 'application/octet-stream' : undefined;
}

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/** ED: 1 source application, 2 type of data (0191), 3 subtype, 4 encoding (0299: A, Hex, Base64), 5 data -> Attachment. */
export const ED: DatatypeTransform = {
  toFhir(rep, ctx) {
    const data = comp(rep, 5);
    if (!data) return none;
    const enc = comp(rep, 4).trim().toUpperCase();
    let base64: string;
    if (enc === 'BASE64') {
      // One character class and an anchored tail: linear on a 5 MB report (no nested quantifiers).
      if (!BASE64.test(data)) return { value: undefined, issues: [issue('HL7_DATATYPE', 'ED.5 is not valid Base64 data.', ctx.where)] };
      base64 = data.includes('\n') || data.includes('\r') ? data.replace(/[\r\n]/g, '') : data;
    } else if (enc === 'HEX') {
      if (!/^[0-9A-Fa-f]*$/.test(data) || data.length % 2) return { value: undefined, issues: [issue('HL7_DATATYPE', 'ED.5 is not valid hexadecimal data.', ctx.where)] };
      base64 = Buffer.from(data, 'hex').toString('base64');
    } else if (enc === 'A' || enc === '') {
      base64 = Buffer.from(data, 'utf8').toString('base64');
    } else {
      return { value: undefined, issues: [issue('HL7_TABLE_VALUE', `ED.4 encoding "${comp(rep, 4)}" is not one of A, Hex, Base64 (table 0299).`, ctx.where)] };
    }
    return ok(compact<Attachment>({ contentType: mimeType(comp(rep, 2), comp(rep, 3)), data: base64 }));
  },
  fromFhir(v) {
    const a = v as Attachment;
    if (!a?.data) return undefined;
    const [type, sub] = (a.contentType ?? 'application/octet-stream').split('/');
    return ['', type === 'application' ? 'AP' : type === 'image' ? 'IM' : type === 'text' ? 'TEXT' : (type ?? ''), (sub ?? '').toUpperCase(), 'Base64', a.data];
  },
};

/** RP: 1 pointer (a URL or an id), 2 application id, 3 type of data, 4 subtype -> Attachment with url. */
export const RP: DatatypeTransform = {
  toFhir(rep) {
    const pointer = comp(rep, 1);
    if (!pointer) return none;
    return ok(compact<Attachment>({ url: pointer, contentType: mimeType(comp(rep, 3), comp(rep, 4)) }));
  },
  fromFhir(v) {
    const a = v as Attachment;
    return a?.url ? [a.url] : undefined;
  },
};
