/**
 * Whether a name is an IANA time zone the runtime knows (the configuration's practice.timezone and
 * jobs.timezone). The list of canonical zones answers most names at once; anything else (an alias
 * such as US/Eastern, another case) is asked of Intl.DateTimeFormat, which accepts exactly what the
 * code that uses the zone will accept. The list comes first because the first DateTimeFormat of a
 * process loads time zone data: tens of milliseconds the gateway need not spend before it listens.
 */
let canonical: Set<string> | undefined;

export function isIanaTimezone(tz: string): boolean {
  canonical ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonical.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
