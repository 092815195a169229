/**
 * R4 primitive datatypes: the JSON type each is carried in and the regex from the FHIR R4
 * datatypes page (http://hl7.org/fhir/R4/datatypes.html), anchored. Checked by hand rather than
 * with ajv: one regex test per value is all a primitive needs, and it lets the diagnostic say
 * which rule failed.
 */

export type JsonKind = 'string' | 'number' | 'boolean';

export interface PrimitiveRule {
  type: string;
  json: JsonKind;
  regex?: RegExp;
  /** Extra check after the regex (ranges, calendar), returns a reason or undefined. */
  check?: (v: string | number | boolean) => string | undefined;
  hint: string;
}

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const MONTH = '(0[1-9]|1[0-2])';
const DAY = '(0[1-9]|[1-2][0-9]|3[0-1])';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';

const re = (s: string): RegExp => new RegExp(`^(?:${s})$`);

const DATE_RE = re(`${YEAR}(-${MONTH}(-${DAY})?)?`);
const DATETIME_RE = re(`${YEAR}(-${MONTH}(-${DAY}(T${TIME}${ZONE})?)?)?`);
const INSTANT_RE = re(`${YEAR}-${MONTH}-${DAY}T${TIME}${ZONE}`);
/** A dateTime/instant with a time but no offset: the most common mistake, worth its own message. */
const NO_ZONE_RE = re(`${YEAR}-${MONTH}-${DAY}T${TIME}`);

/** Rejects 2023-02-30 and 2023-04-31, which the regexes let through. */
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function calendarCheck(v: string | number | boolean): string | undefined {
  // Runs after the format regex: a day is at [8..9]. Only days 29-31 can be impossible.
  const s = v as string;
  if (s.length < 10 || s.charCodeAt(8) < 50 /* '2' */) return undefined;
  const d = Number(s.slice(8, 10));
  if (d <= 28) return undefined;
  const y = Number(s.slice(0, 4)), mo = Number(s.slice(5, 7));
  const days = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : (DAYS[mo - 1] ?? 31);
  return d > days ? `day ${d} does not exist in ${s.slice(0, 7)}` : undefined;
}

/** Base64 (RFC 4648 alphabet, whitespace allowed between characters): whole groups of four, '=' only as padding at the end. */
function base64Check(v: string | number | boolean): string | undefined {
  const s = v as string;
  let n = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    const alnum = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (c === 61) pad++;
    else if (!alnum || pad > 0) return pad > 0 ? "'=' may only pad the end" : `character ${JSON.stringify(s[i])} at ${i} is not base64`;
    n++;
  }
  if (pad > 2) return "more than two '=' of padding";
  return n % 4 === 0 ? undefined : `${n} base64 characters is not a whole number of 4-character groups`;
}

function int32(v: string | number | boolean): string | undefined {
  return typeof v === 'number' && (v > 2147483647 || v < -2147483648) ? 'outside the 32-bit integer range' : undefined;
}

/**
 * Every rule with all its fields (regex and check undefined where absent), so that the rules
 * share one hidden class and checkPrimitive's reads of them stay monomorphic.
 */
const rule = (r: { type: string; json: JsonKind; regex?: RegExp; check?: PrimitiveRule['check']; hint: string }): PrimitiveRule =>
  ({ type: r.type, json: r.json, regex: r.regex, check: r.check, hint: r.hint });

const RULES: Record<string, PrimitiveRule> = {
  boolean: rule({ type: 'boolean', json: 'boolean', hint: 'true or false (a JSON boolean)' }),
  integer: rule({ type: 'integer', json: 'number', check: (v) => (Number.isInteger(v) ? int32(v) : 'not a whole number'), hint: 'a JSON whole number' }),
  unsignedInt: rule({ type: 'unsignedInt', json: 'number', check: (v) => (Number.isInteger(v) && (v as number) >= 0 ? int32(v) : 'not a whole number >= 0'), hint: 'a JSON whole number >= 0' }),
  positiveInt: rule({ type: 'positiveInt', json: 'number', check: (v) => (Number.isInteger(v) && (v as number) >= 1 ? int32(v) : 'not a whole number >= 1'), hint: 'a JSON whole number >= 1' }),
  decimal: rule({ type: 'decimal', json: 'number', check: (v) => (Number.isFinite(v) ? undefined : 'not a finite number'), hint: 'a JSON number' }),
  // R4's string regex `[ \r\n\t\S]+` accepts any non-empty string: the empty check suffices.
  string: rule({ type: 'string', json: 'string', hint: 'a non-empty string' }),
  markdown: rule({ type: 'markdown', json: 'string', hint: 'a non-empty string' }),
  xhtml: rule({ type: 'xhtml', json: 'string', regex: /^\s*<div[\s>]/, hint: 'XHTML starting with <div>' }),
  code: rule({ type: 'code', json: 'string', regex: /^[^\s]+( [^\s]+)*$/, hint: 'a code: no leading, trailing or double whitespace' }),
  id: rule({ type: 'id', json: 'string', regex: /^[A-Za-z0-9\-.]{1,64}$/, hint: '1-64 letters, digits, "-" or "."' }),
  uri: rule({ type: 'uri', json: 'string', regex: /^\S+$/, hint: 'a URI without whitespace' }),
  url: rule({ type: 'url', json: 'string', regex: /^\S+$/, hint: 'a URL without whitespace' }),
  canonical: rule({ type: 'canonical', json: 'string', regex: /^\S+$/, hint: 'a canonical URL without whitespace' }),
  oid: rule({ type: 'oid', json: 'string', regex: /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/, hint: 'urn:oid:1.2.3...' }),
  uuid: rule({ type: 'uuid', json: 'string', regex: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, hint: 'urn:uuid: with a lower-case UUID' }),
  // Checked by a linear scan, not the spec's regex: attachments can be megabytes, and a
  // backtracking regex over them costs time and stack for nothing.
  base64Binary: rule({ type: 'base64Binary', json: 'string', check: base64Check, hint: 'base64 text' }),
  date: rule({ type: 'date', json: 'string', regex: DATE_RE, check: calendarCheck, hint: 'YYYY, YYYY-MM or YYYY-MM-DD' }),
  dateTime: rule({ type: 'dateTime', json: 'string', regex: DATETIME_RE, check: calendarCheck, hint: 'YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a UTC offset (Z or +hh:mm)' }),
  instant: rule({ type: 'instant', json: 'string', regex: INSTANT_RE, check: calendarCheck, hint: 'YYYY-MM-DDThh:mm:ss[.sss] with a UTC offset (Z or +hh:mm)' }),
  time: rule({ type: 'time', json: 'string', regex: re(TIME), hint: 'hh:mm:ss' }),
};
// The `id` and `url` of Element/Extension are typed System.String in the R4 snapshots.
RULES['http://hl7.org/fhirpath/System.String'] = rule({ ...RULES.string!, type: 'string' });

// Own keys only: a type code such as "constructor" or "toString" (a dropped-in profile) is not a primitive.
export function primitiveRule(type: string): PrimitiveRule | undefined {
  return Object.hasOwn(RULES, type) ? RULES[type] : undefined;
}

export function isPrimitiveType(type: string): boolean {
  return Object.hasOwn(RULES, type);
}

/**
 * Check one primitive JSON value. Returns undefined when fine, else a readable reason.
 * `kind` distinguishes a wrong JSON type (structure) from a bad format (value).
 */
export function checkPrimitive(rule: PrimitiveRule, v: unknown): { kind: 'structure' | 'value'; reason: string } | undefined {
  if (typeof v !== rule.json) {
    return { kind: 'structure', reason: `must be ${rule.hint}, not a JSON ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}` };
  }
  if (rule.json === 'string' && v === '') return { kind: 'value', reason: 'must not be an empty string (omit the element instead)' };
  if (rule.regex && !rule.regex.test(v as string)) {
    if ((rule.type === 'dateTime' || rule.type === 'instant') && NO_ZONE_RE.test(v as string)) {
      return { kind: 'value', reason: `"${v}" has a time but no UTC offset; a ${rule.type} with a time needs Z or +hh:mm/-hh:mm` };
    }
    return { kind: 'value', reason: `"${clip(String(v))}" is not a valid ${rule.type}: expected ${rule.hint}` };
  }
  const bad = rule.check?.(v as string | number | boolean);
  if (bad) return { kind: 'value', reason: `${typeof v === 'string' ? `"${clip(v)}"` : String(v)} is not a valid ${rule.type}: ${bad}` };
  return undefined;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
