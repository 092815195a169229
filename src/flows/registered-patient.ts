/**
 * No overwrite of registration data: an SIU, ORU or DFT carries a PID too, but the office's
 * registration (ADT A04/A08/A28/A31, or a Patient already stored) is the source of demographics.
 * Such a message only fills what the stored Patient lacks; a value that differs is kept as
 * registered and reported as a warning naming the PID field (no values in the text: they are PHI).
 *
 * Rules, per top-level Patient element:
 * - absent (or empty) in the stored Patient -> taken from the message (filled);
 * - `identifier`: identifiers the stored Patient lacks (by system + value) are added;
 * - `extension` (PID.10 race, PID.22 ethnicity): compared and filled per extension url;
 * - anything else present in both: the stored value stays; when the message's value is not
 *   already part of it (every repetition the message sends is among the stored ones), a
 *   MAP_CONFLICT warning names the field (PID.5, PID.7, ...).
 * The ORU conditional create (POST with ifNoneExist, src/flows/labs/convert.ts) was the model: it
 * kept the registered Patient; this adds the filling and says what differed.
 */
import type { Patient } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { loadMapping } from '../mapping/loader.js';
import type { ResourceLookup } from './types.js';

/** Where an element of the Patient comes from in PID: `Patient.birthDate` -> `PID.7` (from mappings/patient.json). */
function pidFieldOf(element: string, extensionUrl?: string): number | undefined {
  const pid = loadMapping('patient').segments.find((s) => s.segment === 'PID');
  for (const f of (pid?.fields ?? []) as Array<{ field: number; path: string; match?: { url?: string } }>) {
    const top = f.path.replace(/\[\]$/, '').split('.')[0];
    if (top !== element) continue;
    if (extensionUrl && f.match?.url && f.match.url !== extensionUrl) continue;
    return f.field;
  }
  return undefined;
}

/** JSON with object keys sorted, so equal content compares equal whatever the key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** Every item the message sends is already among the stored ones (or the values are equal). */
export function contained(incoming: unknown, stored: unknown): boolean {
  if (Array.isArray(incoming) && Array.isArray(stored)) {
    const have = new Set(stored.map(canonical));
    return incoming.every((x) => have.has(canonical(x)));
  }
  return canonical(incoming) === canonical(stored);
}

const SKIP = new Set(['resourceType', 'id', 'meta', 'text']);

/**
 * The Patient to write for a non-registration message: the message's own when none is stored under
 * its id, else the stored one with what it lacks filled in. `where(n)` names PID field n in this
 * message (`PID.7`, `PID[2].7`).
 */
export function keepRegistered(incoming: Patient, lookup: ResourceLookup, where: (field: number) => string): Result<Patient> {
  const stored = lookup.get('Patient', incoming.id!) as Patient | undefined;
  if (!stored) return { value: incoming, issues: [] };
  // Elements taken from the message, by name; the stored Patient with them laid over is the result.
  const out: Record<string, unknown> = {};
  const registered: Record<string, unknown> = { ...stored };
  const issues: Issue[] = [];
  const filled: string[] = [];
  const differ = (element: string, url?: string) => {
    const n = pidFieldOf(element, url);
    const loc = n ? where(n) : 'PID';
    issues.push(issue('MAP_CONFLICT', `${loc} (Patient.${element}) differs from the registered patient; the registered value is kept (registration messages update demographics; scheduling, results and charges only fill what is missing).`, loc, 'warning'));
  };
  for (const [k, v] of Object.entries(incoming)) {
    if (SKIP.has(k) || isEmpty(v)) continue;
    const have = registered[k];
    if (isEmpty(have)) { out[k] = v; filled.push(k); continue; }
    if (k === 'identifier') {
      const ids = have as NonNullable<Patient['identifier']>;
      const known = new Set(ids.map((i) => `${i.system ?? ''}|${i.value ?? ''}`));
      const extra = (v as NonNullable<Patient['identifier']>).filter((i) => !known.has(`${i.system ?? ''}|${i.value ?? ''}`));
      if (extra.length) { out[k] = [...ids, ...extra]; filled.push(k); }
      continue;
    }
    if (k === 'extension') {
      const exts = [...(have as NonNullable<Patient['extension']>)];
      for (const e of v as NonNullable<Patient['extension']>) {
        const same = exts.find((x) => x.url === e.url);
        if (!same) { exts.push(e); filled.push(`extension(${e.url})`); } else if (canonical(same) !== canonical(e)) differ(k, e.url);
      }
      out[k] = exts;
      continue;
    }
    if (!contained(v, have)) differ(k);
  }
  if (filled.length) {
    issues.push(issue('MAP_INFO', `The registered patient lacked ${filled.join(', ')}; filled from this message's PID.`, where(3)));
  }
  return { value: { ...stored, ...out }, issues };
}
