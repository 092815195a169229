/**
 * The one search a conditional create takes here (FHIR R4 RESTful API, conditional create: `If-None-Exist`,
 * a Bundle entry's `request.ifNoneExist`): by identifier. Read by the FHIR transaction flow (which resolves
 * the match) and by persisting (which keeps the matched resource as it is).
 */

/** `identifier=system|value` (or `identifier=value`) from an ifNoneExist query; other criteria are not supported. */
export function parseIdentifierQuery(q: string): { system?: string; value: string } | undefined {
  const m = /^(?:[A-Za-z]+\?)?identifier=([^&]*)$/.exec(q.trim());
  if (!m) return undefined;
  const v = decodeURIComponent(m[1]!);
  const bar = v.indexOf('|');
  if (bar < 0) return { value: v };
  const system = v.slice(0, bar);
  return system ? { system, value: v.slice(bar + 1) } : { value: v.slice(bar + 1) };
}
