/**
 * Appointment time arithmetic that keeps the sender's UTC offset: end = start + duration is
 * written in the offset of start (not converted to UTC), so a 08:30-05:00 visit ends 09:00-05:00.
 */
import { issue, type Issue, type Result } from '../domain/issues.js';
import { zoneOffset } from '../mapping/datetime.js';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An office date-time -> FHIR dateTime with seconds and an offset. Without an offset the time
 * is read in the practice timezone and an information issue says so.
 */
export function officeDateTime(s: string, where: string, timezone: string): Result<string> {
  const m = LOCAL.exec(s);
  if (!m) return { value: undefined, issues: [issue('MAP_INVALID_DATE', `"${s}" is not a date-time (YYYY-MM-DDThh:mm[:ss][+hh:mm]).`, where)] };
  const [, y, mo, d, h, mi, sec, frac, tz] = m;
  if (Number.isNaN(Date.parse(`${y}-${mo}-${d}T${h}:${mi}:00Z`)) || +mo! > 12 || +d! > 31 || +h! > 23 || +mi! > 59) {
    return { value: undefined, issues: [issue('MAP_INVALID_DATE', `"${s}" is not a valid date-time.`, where)] };
  }
  const issues: Issue[] = [];
  let offset = tz;
  if (!offset) {
    const o = zoneOffset(+y!, +mo!, +d!, +h!, +mi!, timezone);
    offset = `${o.slice(0, 3)}:${o.slice(3)}`;
    issues.push(issue('MAP_TIMEZONE_ASSUMED', `"${s}" has no UTC offset; read in the practice timezone ${timezone} (${offset}).`, where));
  }
  return { value: `${y}-${mo}-${d}T${h}:${mi}:${sec ?? '00'}${frac ?? ''}${offset}`, issues };
}

/** Milliseconds since the epoch of a FHIR dateTime with a time and offset; NaN otherwise. */
export function instantOf(s: string | undefined): number {
  if (!s || !/T/.test(s)) return NaN;
  return Date.parse(s);
}

/** start + minutes, written in start's own offset. undefined when start has no time. */
export function addMinutes(start: string, minutes: number): string | undefined {
  const m = LOCAL.exec(start);
  if (!m || !m[8]) return undefined;
  const [, y, mo, d, h, mi, sec, frac, tz] = m;
  const local = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +(sec ?? 0)) + minutes * 60000;
  const t = new Date(local);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${String(t.getUTCFullYear()).padStart(4, '0')}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())}T${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}${frac ?? ''}${tz}`;
}

/** Whole minutes from start to end; undefined unless both are instants and the gap is whole. */
export function minutesBetween(start: string | undefined, end: string | undefined): number | undefined {
  const a = instantOf(start), b = instantOf(end);
  if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
  const diff = (b - a) / 60000;
  return Number.isInteger(diff) ? diff : undefined;
}
