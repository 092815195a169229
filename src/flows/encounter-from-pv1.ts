/**
 * PV1 (+ PV2) <-> FHIR Encounter through mappings/encounter.json, for every vertical whose
 * message carries the visit. What is glue rather than field mapping lives here:
 * - no Encounter when there is no visit: no PV1, PV1-2 empty or N (not applicable, what
 *   person-level events A28/A31 send), or a PV1 with a class and nothing else (no visit number,
 *   time, location or doctor); an unknown PV1-2 class leaves the visit out with a warning
 *   naming PV1.2 (the patient and the rest of the message keep their meaning);
 * - status from the ADT event (mappings/tables/encounter-status.json), else from PV1-44/45;
 * - the id from the visit number PV1-19 (src/fhir/ids.ts encounterId), typed VN when CX.5 is empty;
 * - subject: the message's Patient.
 */
import type { Encounter, Identifier, Patient } from 'fhir/r4.js';
import { errorCodeOf, issue, type Issue, type Result } from '../domain/issues.js';
import type { FieldValue, Hl7Message, Hl7Segment } from '../hl7/message.js';
import { encounterId } from '../fhir/ids.js';
import { readSegment, writeSegment } from '../mapping/engine.js';
import { loadMapping, segmentMap } from '../mapping/loader.js';
import { readCode } from '../mapping/tables.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const FD_ENCOUNTER_PROFILE = 'http://frontdesk.example.org/fhir/StructureDefinition/fd-encounter';

export interface EncounterContext { timezone: string }

function statusOf(event: string | undefined, e: Partial<Encounter>): Encounter['status'] {
  const byEvent = event ? readCode('encounter-status', event) : undefined;
  if (byEvent?.how === 'exact') return byEvent.entry.fhir as Encounter['status'];
  if (e.period?.end) return 'finished';
  if (e.period?.start) return 'in-progress';
  return 'unknown';
}

/** The PV2 of this visit: after the PV1, before the next PV1 or PID. */
function pv2After(msg: Hl7Message, pv1: Hl7Segment): Hl7Segment | undefined {
  for (const s of msg.segments.slice(msg.segments.indexOf(pv1) + 1)) {
    if (s.name === 'PV1' || s.name === 'PID') return undefined;
    if (s.name === 'PV2') return s;
  }
  return undefined;
}

/**
 * The visit of a message as an Encounter for `patient`, or no value (and no error) when the
 * message carries no visit. `event` is the ADT trigger event when there is one.
 */
export function encounterFromPv1(msg: Hl7Message, patient: Patient, ctx: EncounterContext, pv1: Hl7Segment | undefined = msg.segment('PV1'), event?: string): Result<Encounter> {
  if (!pv1) return { value: undefined, issues: [] };
  const klass = pv1.get(2).trim();
  if (klass === '' || klass === '""' || klass.toUpperCase() === 'N') return { value: undefined, issues: [] };
  const mapping = loadMapping('encounter');
  const read = readSegment(msg, pv1, segmentMap(mapping, 'PV1'), ctx);
  const issues: Issue[] = [];
  const where = msg.location(pv1, 2);
  for (const i of read.issues) {
    // An unknown patient class costs the visit, not the message: said as a warning at PV1.2.
    if (errorCodeOf(i) === 'MAP_UNKNOWN_CODE' && i.expression?.[0] === where) {
      issues.push({ ...i, severity: 'warning', diagnostics: `${i.diagnostics} The visit (Encounter) is left out; the rest of the message is kept.` });
    } else issues.push(i);
  }
  const body = read.value as Partial<Encounter>;
  if (!body.class) return { value: undefined, issues };
  // A PV1 that says only the class (`PV1|1|O`, what registration writers put in the required
  // segment) names no visit: no visit number, time, place or doctor. No Encounter, so the same
  // registration sent twice does not make two visits.
  if (!body.identifier && !body.period && !body.location && !body.participant) return { value: undefined, issues };
  // A discharge before the admit (per-1) contradicts itself: the end is left out, said at PV1.45.
  if (body.period?.start && body.period.end && Date.parse(body.period.end) < Date.parse(body.period.start)) {
    issues.push(issue('MAP_SKIPPED', `${msg.location(pv1, 45)} (discharge ${body.period.end}) is before ${msg.location(pv1, 44)} (admit ${body.period.start}); the discharge time is left out of the Encounter.`, msg.location(pv1, 45), 'warning'));
    delete body.period.end;
  }
  const pv2 = pv2After(msg, pv1);
  if (pv2) issues.push(...readSegment(msg, pv2, segmentMap(mapping, 'PV2'), ctx, body as Record<string, unknown>).issues);
  const visit = body.identifier?.[0];
  if (visit && !visit.type) visit.type = { coding: [{ system: V2_0203, code: 'VN' }] };
  const id = visit?.value
    ? encounterId('visit', visit.system ?? '', visit.value)
    : body.period?.start
      ? encounterId('admit', patient.id ?? '', body.period.start)
      : encounterId('message', msg.controlId, String(msg.segments.indexOf(pv1)));
  if (!visit?.value && !body.period?.start) {
    issues.push(issue('MAP_INFO', `${msg.location(pv1, 19)} (visit number) and ${msg.location(pv1, 44)} (admit time) are empty: the Encounter id comes from this message (MSH-10), so a later message about the same visit makes another Encounter.`, msg.location(pv1, 19)));
  }
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id,
    meta: { profile: [FD_ENCOUNTER_PROFILE] },
    ...(body.identifier ? { identifier: body.identifier as Identifier[] } : {}),
    status: statusOf(event, body),
    class: body.class,
    subject: { reference: `Patient/${patient.id}` },
    ...(body.participant ? { participant: body.participant } : {}),
    ...(body.period ? { period: body.period } : {}),
    ...(body.reasonCode ? { reasonCode: body.reasonCode } : {}),
    ...(body.hospitalization ? { hospitalization: body.hospitalization } : {}),
    ...(body.location ? { location: body.location } : {}),
  };
  return { value: encounter, issues };
}

/** Encounter -> PV1 fields keyed by number (PV1-1 set id 1), for `msg.add('PV1', fields)`. */
export function encounterToPv1(e: Encounter, ctx: EncounterContext): Record<number, FieldValue> {
  return { 1: '1', ...writeSegment(e, segmentMap(loadMapping('encounter'), 'PV1'), ctx) };
}

/** Encounter -> PV2 fields, or undefined when the Encounter carries nothing PV2 maps. */
export function encounterToPv2(e: Encounter, ctx: EncounterContext): Record<number, FieldValue> | undefined {
  const fields = writeSegment(e, segmentMap(loadMapping('encounter'), 'PV2'), ctx);
  return Object.keys(fields).length ? fields : undefined;
}
