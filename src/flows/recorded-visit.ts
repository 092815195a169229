/**
 * One visit, one Encounter, whichever message tells of it. ADT, SIU, ORU and DFT all read their
 * PV1 through encounterFromPv1, so the same visit number (PV1-19 under its assigning authority)
 * gives the same Encounter id (src/fhir/ids.ts encounterId). What each writes over a stored
 * Encounter differs:
 *
 * - ADT (updateRecordedVisit) is the source of the visit: its values replace the stored ones,
 *   element by element; what its PV1 leaves empty keeps the stored value (an empty HL7 field
 *   means "no change"), so an A08 without PV1-3 does not drop the location an earlier message
 *   gave, nor the Appointment an SIU linked.
 * - SIU, ORU and DFT (keepRecordedVisit) only fill: an element the stored Encounter lacks is
 *   taken from the message; list elements (identifiers, participants, reasons,
 *   appointments) gain the items not stored yet; a period gains a missing start or end; any
 *   other value that differs keeps the stored one and is a MAP_CONFLICT warning naming the PV1
 *   field, without the values (PHI). The ORU's Patient rule (src/flows/registered-patient.ts) is
 *   the model.
 */
import type { Encounter, Patient, Reference } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../hl7/message.js';
import { loadMapping } from '../mapping/loader.js';
import { validateResource } from '../validation/index.js';
import { encounterFromPv1 } from './encounter-from-pv1.js';
import { canonical, contained, isEmpty } from './registered-patient.js';
import type { ResourceLookup } from './types.js';

/** Where an Encounter element comes from: `period.end` -> PV1-45, `reasonCode` -> PV2-3 (mappings/encounter.json). */
export function visitFieldOf(element: string): { segment: string; field: number } | undefined {
  for (const s of loadMapping('encounter').segments) {
    for (const f of (s.fields ?? []) as Array<{ field: number; path: string }>) {
      const path = f.path.replace(/\[\]/g, '');
      if (path === element || path.split('.')[0] === element) return { segment: s.segment, field: f.field };
    }
  }
  return undefined;
}

/**
 * Elements that are lists of independent items: a message adds the ones not stored yet (another
 * doctor, another reason). Encounter.location is not among them: a message that puts the visit in
 * another room contradicts the recorded one.
 */
const LISTS = new Set(['identifier', 'participant', 'reasonCode', 'appointment', 'diagnosis', 'type']);
/** Not compared: bookkeeping, and the status (derived from the event or period, not sent as a field). */
const SKIP = new Set(['resourceType', 'id', 'meta', 'text', 'status']);

/** The Patient a reference points at, following merges (`replaced-by` links) in the store. */
function survivorOf(ref: string | undefined, lookup: ResourceLookup): string | undefined {
  let at = ref;
  for (let hops = 0; at?.startsWith('Patient/') && hops < 10; hops++) {
    const p = lookup.get('Patient', at.slice('Patient/'.length)) as Patient | undefined;
    const next = p?.link?.find((l) => l.type === 'replaced-by')?.other?.reference;
    if (!next) break;
    at = next;
  }
  return at;
}

/**
 * The Encounter a non-registration message (SIU, ORU, DFT) writes: its own when none is stored
 * under its id, else the stored one with what it lacks filled in. `where(segment, field)` names a
 * field of this message's visit (`PV1.3`, `PV1[2].3`).
 */
export function keepRecordedVisit(incoming: Encounter, lookup: ResourceLookup, where: (segment: string, field: number) => string): Result<Encounter> {
  const stored = lookup.get('Encounter', incoming.id!) as Encounter | undefined;
  if (!stored) return { value: incoming, issues: [] };
  const out: Record<string, unknown> = { ...stored };
  const issues: Issue[] = [];
  const filled: string[] = [];
  const at = (element: string) => {
    const f = visitFieldOf(element);
    return f ? where(f.segment, f.field) : where('PV1', 19);
  };
  const differ = (element: string) => {
    const loc = at(element);
    issues.push(issue('MAP_CONFLICT', `${loc} (Encounter.${element}) differs from the visit already recorded under this visit number; the recorded value is kept (registration messages update the visit; scheduling, results and charges only fill what is missing).`, loc, 'warning'));
  };
  for (const [k, v] of Object.entries(incoming)) {
    if (SKIP.has(k) || isEmpty(v)) continue;
    const have = out[k];
    if (isEmpty(have)) { out[k] = v; filled.push(k); continue; }
    if (k === 'subject') {
      // Same visit number, another patient: the recorded visit keeps its patient (a merge that
      // retired this message's patient into the recorded one is no conflict).
      const mine = (v as Reference).reference, theirs = (have as Reference).reference;
      if (mine !== theirs && survivorOf(mine, lookup) !== survivorOf(theirs, lookup)) {
        const loc = where('PV1', 19);
        issues.push(issue('MAP_CONFLICT', `${loc} (visit number) names a visit recorded for another patient; the recorded visit keeps its patient.`, loc, 'warning'));
      }
      continue;
    }
    if (LISTS.has(k) && Array.isArray(v) && Array.isArray(have)) {
      const known = new Set(have.map(canonical));
      const extra = v.filter((x) => !known.has(canonical(x)));
      if (extra.length) { out[k] = [...have, ...extra]; filled.push(k); }
      continue;
    }
    if (k === 'period') {
      const mine = v as NonNullable<Encounter['period']>, theirs = { ...(have as NonNullable<Encounter['period']>) };
      for (const end of ['start', 'end'] as const) {
        if (!mine[end]) continue;
        if (!theirs[end]) { theirs[end] = mine[end]; filled.push(`period.${end}`); } else if (theirs[end] !== mine[end]) differ(`period.${end}`);
      }
      out[k] = theirs;
      continue;
    }
    if (!contained(v, have)) differ(k);
  }
  if (filled.length) {
    issues.push(issue('MAP_INFO', `The recorded visit lacked ${filled.join(', ')}; filled from this message's PV1.`, where('PV1', 19)));
  }
  return { value: out as unknown as Encounter, issues };
}

/**
 * The Encounter an ADT message writes: its own elements replace the stored ones; elements its
 * PV1 leaves empty keep their stored value (HL7: an empty field is no change).
 */
export function updateRecordedVisit(incoming: Encounter, lookup: ResourceLookup): Encounter {
  const stored = lookup.get('Encounter', incoming.id!) as Encounter | undefined;
  if (!stored) return incoming;
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(incoming)) if (!isEmpty(v)) out[k] = v;
  // meta (profile) from this message; versioning is the store's.
  out.meta = incoming.meta;
  return out as unknown as Encounter;
}

/** Errors of a visit that is left out become warnings (a module-level function: see docs/profiling.md on tsx). */
function soften(found: Issue[]): Issue[] {
  return found.map((i) => (i.severity === 'error' || i.severity === 'fatal' ? { ...i, severity: 'warning' as const } : i));
}

/** What visitOfMessage says of a visit nothing names (PV1-19 and PV1-44 empty). */
function unnamedVisit(msg: Hl7Message, pv1: Hl7Segment): Result<Encounter> {
  return { value: undefined, issues: [issue('MAP_INFO', `${msg.location(pv1, 19)} (visit number) and ${msg.location(pv1, 44)} (admit time) are empty: the visit cannot be told from others, so no Encounter is recorded for it.`, msg.location(pv1, 19))] };
}

/**
 * PV1 texts (with the message's delimiters and the timezone: all that reading them depends on,
 * besides the mapping) that made an Encounter with neither visit number nor admit time. Such a
 * PV1 is dropped whatever its issues were, so its text alone decides. Kept per loaded encounter
 * mapping (a reload of the mappings, which reloads the code tables too, starts afresh), at most
 * MAX_UNNAMED texts (then emptied: a bound, not a cache policy).
 */
const MAX_UNNAMED = 256;
let unnamed: { mapping: object; texts: Set<string> } | undefined;
function unnamedVisits(): Set<string> {
  const mapping = loadMapping('encounter');
  if (unnamed?.mapping !== mapping) unnamed = { mapping, texts: new Set() };
  return unnamed.texts;
}
function rememberUnnamed(text: string): void {
  const texts = unnamedVisits();
  if (texts.size >= MAX_UNNAMED) texts.clear();
  texts.add(text);
}
function unnamedKey(pv1: Hl7Segment, timezone: string): string {
  const d = pv1.delimiters;
  // The field separator cannot occur inside a field, so the joined fields are the segment's text.
  return `${timezone}\n${d.field}${d.component}${d.repetition}${d.escape}${d.subcomponent}${d.truncation}\n${pv1.fields.join(d.field)}`;
}

/**
 * The visit of an SIU, ORU or DFT (its PV1, for `patient`) as the Encounter to write, or no value
 * when the message names no visit. The visit is a part of such a message, not its point: a PV1
 * that cannot become a valid Encounter (a date that is no date in PV1-44, a profile error) leaves
 * the visit out with warnings naming its fields, and the appointment, results or charges are kept.
 * `link` adds what the message relates the visit to (an SIU's Appointment) before the stored
 * visit is filled.
 */
export function visitOfMessage(
  msg: Hl7Message, patient: Patient, ctx: { timezone: string; lookup: ResourceLookup },
  pv1: Hl7Segment | undefined = msg.segment('PV1'), link: Partial<Encounter> = {},
): Result<Encounter> {
  // A PV1 whose visit number and admit time are empty as sent (an ORU's PV1 with only the class
  // and the doctor) is read only to be dropped below: when the same PV1 text already made an
  // Encounter with no name, the answer is known without reading it again.
  const unnamedText = pv1 && pv1.raw(19) === '' && pv1.raw(44) === '' ? unnamedKey(pv1, ctx.timezone) : undefined;
  if (unnamedText !== undefined && unnamedVisits().has(unnamedText)) return unnamedVisit(msg, pv1!);
  const r = encounterFromPv1(msg, patient, ctx, pv1);
  if (!r.value || !pv1) return { value: undefined, issues: soften(r.issues) };
  // Without a visit number (PV1-19) or an admit time (PV1-44) nothing names the visit across
  // messages: an Encounter keyed by this message would be a second record of a visit the ADT
  // made. Such a PV1 keeps its old use (an SIU's location and doctor, a charge's place of service).
  if (!r.value.identifier?.[0]?.value && !r.value.period?.start) {
    if (unnamedText !== undefined) rememberUnnamed(unnamedText);
    return unnamedVisit(msg, pv1);
  }
  const issues = [...r.issues];
  const visit: Encounter = { ...r.value, ...link };
  issues.push(...validateResource(visit, { profile: 'fd-encounter' }).filter((i) => i.severity !== 'information'));
  if (hasErrors(issues)) {
    return { value: undefined, issues: [...soften(issues), issue('MAP_SKIPPED', `The visit in ${msg.location(pv1)} cannot be recorded as an Encounter (see the warnings above); it is left out, the rest of the message is kept.`, msg.location(pv1), 'warning')] };
  }
  const kept = keepRecordedVisit(visit, ctx.lookup, (segment, field) => {
    const seg = segment === 'PV1' ? pv1 : msg.segments.slice(msg.segments.indexOf(pv1) + 1).find((s) => s.name === segment);
    return seg ? msg.location(seg, field) : `${segment}.${field}`;
  });
  return { value: kept.value, issues: [...issues, ...kept.issues] };
}
