/**
 * Date/time transforms between HL7v2 (DT, DTM/TS: YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]) and
 * FHIR (date, dateTime, instant). The sender's UTC offset is always kept; a time without one is
 * read in the practice timezone and an information issue says so.
 */
import { issue, type Issue, type Result } from '../domain/issues.js';

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

export interface DtmParts {
  year: string; month?: string; day?: string; hour?: string; minute?: string; second?: string; fraction?: string;
  /** '+hhmm' / '-hhmm' as sent, when present. */
  offset?: string;
}

/** Split an HL7 DTM/TS/DT value; undefined when it is not one (or the calendar date is impossible). */
export function parseDtm(s: string): DtmParts | undefined {
  const plain = plainDtmParts(s);
  if (plain) return validParts(plain) ? plain : undefined;
  return parseDtmByRegex(s);
}

/**
 * The parts of the common form, read by character codes: 4 to 14 digits in pairs after the year
 * and an optional `+hhmm`/`-hhmm`, nothing around them (no spaces, no fraction). The regex gives
 * the same parts for every such value; anything else (undefined) goes through the regex. It runs
 * for every date and time a mapping reads (OBX-14 and OBX-19 of every result), where the regex's
 * match array and the destructuring cost more than the reading. test/mapping/datetime-plain.test.ts.
 */
function plainDtmParts(s: string): DtmParts | undefined {
  let end = s.length;
  let offset: string | undefined;
  if (end >= 9) {
    const sign = s.charCodeAt(end - 5);
    if (sign === 43 || sign === 45) {
      for (let i = end - 4; i < end; i++) { const c = s.charCodeAt(i); if (c < 48 || c > 57) return undefined; }
      offset = s.slice(end - 5);
      end -= 5;
    }
  }
  if (end < 4 || end > 14 || end % 2 !== 0) return undefined;
  for (let i = 0; i < end; i++) { const c = s.charCodeAt(i); if (c < 48 || c > 57) return undefined; }
  const p: DtmParts = { year: s.slice(0, 4) };
  if (end >= 6) p.month = s.slice(4, 6);
  if (end >= 8) p.day = s.slice(6, 8);
  if (end >= 10) p.hour = s.slice(8, 10);
  if (end >= 12) p.minute = s.slice(10, 12);
  if (end >= 14) p.second = s.slice(12, 14);
  if (offset !== undefined) p.offset = offset;
  return p;
}

/** parseDtm by its regex (what the reading by character codes must agree with). */
export function parseDtmByRegex(s: string): DtmParts | undefined {
  const m = DTM.exec(s.trim());
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction, offset] = m;
  const p: DtmParts = { year: year! };
  if (month) p.month = month;
  if (day) p.day = day;
  if (hour) p.hour = hour;
  if (minute) p.minute = minute;
  if (second) p.second = second;
  if (fraction) p.fraction = fraction;
  if (offset) p.offset = offset;
  if (!validParts(p)) return undefined;
  return p;
}

function validParts(p: DtmParts): boolean {
  const mo = p.month ? +p.month : 1, d = p.day ? +p.day : 1;
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(+p.year, mo)) return false;
  if (p.hour && +p.hour > 23) return false;
  if (p.minute && +p.minute > 59) return false;
  if (p.second && +p.second > 59) return false;
  if (p.offset) {
    const h = +p.offset.slice(1, 3), mi = +p.offset.slice(3, 5);
    if (h > 14 || mi > 59) return false;
  }
  return true;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days in month m (1-12) of year y, by the Gregorian rule rather than a Date per call (it runs for
 * every date a mapping reads). Years 0-99 keep the Date reading, which takes them as 1900-1999
 * (year 0000 differs: 1900 is no leap year), so no value is read differently than before.
 */
function daysIn(y: number, m: number): number {
  if (y < 100) return new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (m !== 2) return DAYS_IN_MONTH[m - 1]!;
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
}

/** An ISO 8601 date (`2018-01-01`, optionally `T10:30[:00]`): not HL7, but nothing else can be meant. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * parseDtm, and under the tolerance policy (docs/hl7v2.md) an ISO 8601 date read as the HL7
 * date it spells, with a warning naming the field. A value that is no date at all stays undefined.
 */
function parseTolerant(s: string, where: string, issues: Issue[]): DtmParts | undefined {
  const p = parseDtm(s);
  if (p) return p;
  const iso = ISO_DATE.exec(s.trim());
  if (!iso) return undefined;
  const q = parseDtm(iso.slice(1).filter(Boolean).join(''));
  if (q) issues.push(issue('MAP_INVALID_DATE', `"${s}" is an ISO 8601 date, not an HL7 one (YYYYMMDD[HHMM[SS]]); read as ${iso.slice(1).filter(Boolean).join('')}.`, where, 'warning'));
  return q;
}

/**
 * `YYYY[-MM[-DD]]` of parsed parts (`[year, month, day].filter(Boolean).join('-')`, which was most
 * of hl7ToFhirDateTime's time for every OBX-14 and OBX-19: an array, a filter and a join per value).
 */
function fhirDateOf(p: DtmParts): string {
  let date = p.year;
  if (p.month) date += '-' + p.month;
  if (p.day) date += '-' + p.day;
  return date;
}

/** HL7 DT/DTM -> FHIR date (time and offset dropped). */
export function hl7ToFhirDate(s: string, where: string): Result<string> {
  const issues: Issue[] = [];
  const p = parseTolerant(s, where, issues);
  if (!p) return { value: undefined, issues: [issue('MAP_INVALID_DATE', `"${s}" is not an HL7 date (YYYY[MM[DD]]).`, where)] };
  return { value: fhirDateOf(p), issues };
}

/**
 * HL7 DTM -> FHIR dateTime. Dates without a time stay dates (valid dateTime). A time without
 * offset takes `timezone` (IANA name, the practice's) and yields an information issue.
 */
export function hl7ToFhirDateTime(s: string, where: string, timezone = 'UTC'): Result<string> {
  const last = lastDateTime;
  if (last !== undefined && last.s === s && last.timezone === timezone) return { value: last.value, issues: [] };
  const issues: Issue[] = [];
  const p = parseTolerant(s, where, issues);
  if (!p) return { value: undefined, issues: [issue('MAP_INVALID_DATE', `"${s}" is not an HL7 date/time (YYYYMMDDHHMM[SS[.S]][+/-ZZZZ]).`, where)] };
  const date = fhirDateOf(p);
  if (!p.hour) {
    if (issues.length === 0) lastDateTime = { s, timezone, value: date };
    return { value: date, issues };
  }
  if (!p.day) return { value: undefined, issues: [issue('MAP_INVALID_DATE', `"${s}" has a time but no day.`, where)] };
  let offset = p.offset;
  if (!offset) {
    offset = zoneOffset(+p.year, +p.month!, +p.day, +p.hour, +(p.minute ?? 0), timezone);
    issues.push(issue('MAP_TIMEZONE_ASSUMED', `"${s}" has no UTC offset; read in the practice timezone ${timezone} (${offset}).`, where));
  }
  const time = `${p.hour}:${p.minute ?? '00'}:${p.second ?? '00'}${p.fraction ? '.' + p.fraction : ''}`;
  const value = `${date}T${time}${offset.slice(0, 3)}:${offset.slice(3)}`;
  if (issues.length === 0) lastDateTime = { s, timezone, value };
  return { value, issues };
}

/**
 * The last value hl7ToFhirDateTime read without an issue, by its exact input: the results of one
 * order carry the same observation time (OBX-14 of every OBX, OBR-7), so the next call usually
 * asks for the same one again. Only issue-free readings are kept, so `where` (which only issues
 * name) plays no part in a hit; the value is a string, so a hit shares nothing mutable.
 */
let lastDateTime: { s: string; timezone: string; value: string } | undefined;

const FHIR_DATETIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** FHIR date/dateTime/instant -> HL7 DTM, keeping the offset as sent ('Z' becomes +0000). */
export function fhirToHl7DateTime(s: string): string | undefined {
  const m = FHIR_DATETIME.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, tz] = m;
  let out = y! + (mo ?? '') + (d ?? '') + (h ?? '') + (mi ?? '') + (sec ?? '');
  if (frac) out += '.' + frac.slice(0, 4);
  if (tz) out += tz === 'Z' ? '+0000' : tz.replace(':', '');
  return out;
}

/** FHIR date -> HL7 DT. */
export function fhirToHl7Date(s: string): string | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(s);
  return m ? m[1]! + (m[2] ?? '') + (m[3] ?? '') : undefined;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offsets already worked out, by timezone and local wall-clock minute (see zoneOffset). */
const zoneOffsets = new Map<string, string>();
const ZONE_OFFSETS_AT_MOST = 10_000;

/** UTC offset in minutes of the formatter's timezone at an instant. */
function offsetAt(fmt: Intl.DateTimeFormat, ms: number): number {
  const name = fmt.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (+m[2]! * 60 + +m[3]!) : 0;
}

/**
 * UTC offset ('+hhmm') of an IANA timezone at a local wall-clock time. Each answer costs two
 * Intl formatToParts calls, and a message without offsets (older senders) asks for the same
 * few times again and again (every OBX-14 of one collection): answers are remembered by their
 * exact inputs, up to a bound, so a hit is the same answer.
 */
export function zoneOffset(y: number, mo: number, d: number, h: number, mi: number, timezone: string): string {
  const key = `${timezone}|${y}|${mo}|${d}|${h}|${mi}`;
  const hit = zoneOffsets.get(key);
  if (hit !== undefined) return hit;
  let fmt = offsetFormatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timezone, fmt);
  }
  const local = Date.UTC(y, mo - 1, d, h, mi);
  let off = offsetAt(fmt, local);
  off = offsetAt(fmt, local - off * 60000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const out = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  if (zoneOffsets.size >= ZONE_OFFSETS_AT_MOST) zoneOffsets.clear();
  zoneOffsets.set(key, out);
  return out;
}
