/**
 * FHIR search date values (R4 search 3.1.1.4.3 date, 3.1.1.4.5 prefixes): a prefix (eq, ne, lt,
 * gt, le, ge, sa, eb, ap; eq when absent) and a date of any precision (YYYY, YYYY-MM, YYYY-MM-DD,
 * or a dateTime with seconds and a zone). A partial date stands for its whole range: `2024-05`
 * is [2024-05-01T00:00:00Z, 2024-06-01T00:00:00Z). Dates without a zone are read as UTC.
 */
export const DATE_PREFIXES = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

export interface DateSearch {
  prefix: DatePrefix;
  /** Start of the value's range (inclusive), ISO UTC with milliseconds. */
  lo: string;
  /** End of the value's range (exclusive), ISO UTC with milliseconds. */
  hi: string;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The range [lo, hi) a FHIR date, dateTime or instant stands for; undefined when it is not one. */
export function dateRange(value: string): { lo: string; hi: string } | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo);
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > new Date(Date.UTC(year, month!, 0)).getUTCDate())) return undefined;
  if (h === undefined) {
    const lo = Date.UTC(year, (month ?? 1) - 1, day ?? 1);
    const hi = day !== undefined ? Date.UTC(year, month! - 1, day + 1) : month !== undefined ? Date.UTC(year, month, 1) : Date.UTC(year + 1, 0, 1);
    return { lo: new Date(lo).toISOString(), hi: new Date(hi).toISOString() };
  }
  if (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return undefined;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${zone ?? 'Z'}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  // The precision given is the range: to the minute, the second or the millisecond.
  const step = s === undefined ? 60_000 : frac === undefined ? 1000 : 1;
  return { lo: new Date(t).toISOString(), hi: new Date(t + step).toISOString() };
}

/** Read `ge2024-05-01` and friends; undefined when the value is malformed. */
export function parseDateSearch(raw: string): DateSearch | undefined {
  const p = /^[a-z]{2}/.exec(raw)?.[0];
  const prefix = (p && (DATE_PREFIXES as readonly string[]).includes(p) ? p : 'eq') as DatePrefix;
  const value = p && prefix === p ? raw.slice(2) : raw;
  const r = dateRange(value);
  return r ? { prefix, ...r } : undefined;
}

/**
 * Whether a stored range [lo, hi) matches the search (R4 search 3.1.1.4.3 table): eq the stored
 * range lies within the search range, ne not, gt/ge/lt/le by the range ends, sa starts after,
 * eb ends before, ap overlaps the search range widened by 10% of its distance from now
 * (at least a day).
 */
export function dateMatches(s: DateSearch, lo: string, hi: string, now: Date = new Date()): boolean {
  switch (s.prefix) {
    case 'eq': return lo >= s.lo && hi <= s.hi;
    case 'ne': return !(lo >= s.lo && hi <= s.hi);
    case 'gt': return hi > s.hi;
    case 'ge': return hi > s.lo;
    case 'lt': return lo < s.lo;
    case 'le': return lo < s.hi;
    case 'sa': return lo >= s.hi;
    case 'eb': return hi <= s.lo;
    case 'ap': {
      const { lo: alo, hi: ahi } = approximate(s, now);
      return lo < ahi && hi > alo;
    }
  }
}

/** The widened range of an `ap` search. */
export function approximate(s: DateSearch, now: Date = new Date()): { lo: string; hi: string } {
  const a = Date.parse(s.lo);
  const b = Date.parse(s.hi);
  const gap = Math.max(Math.abs(now.getTime() - a) * 0.1, 86_400_000);
  return { lo: new Date(a - gap).toISOString(), hi: new Date(b + gap).toISOString() };
}
