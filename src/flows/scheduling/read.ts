/**
 * SIU^S12..S26 -> FHIR Appointment (+ the Patient of PID). Field positions come from
 * mappings/siu.json; this file holds the appointment semantics:
 * - status from the event table (mappings/appointment-status.json), SCH-25 when the event does not decide;
 * - timing: TQ1 (v2.5+) first, SCH-11 for older senders, then the resource segments' start;
 * - conflicts with stored state (unknown appointment, update after delete, start after end)
 *   become error issues, never silent updates.
 */
import type { Appointment, AppointmentParticipant, CodeableConcept, Identifier, Patient, Reference } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { toFhirCode } from '../../mapping/tables.js';
import {
  appointmentIdFor, appointmentTypeOf, FD_APPOINTMENT_PROFILE, identifierOf, mrnOf,
} from '../../adapters/appointment.js';
import type { OfficeAppointmentType } from '../../adapters/appointment-record.js';
import { eventRule, statusTable, type FhirAppointmentStatus } from '../../adapters/appointment-status.js';
import { addMinutes, instantOf, minutesBetween } from '../../adapters/appointment-time.js';
import { patientFromPid } from '../patient-from-pid.js';
import { emptyLookup, type FlowContext } from '../types.js';
import { minutesOf } from './duration.js';

const CANCEL_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason';
const NS_PREFIX = 'urn:frontdesk:ns:';

type Obj = Record<string, unknown>;

export interface SiuRead {
  event: string;
  appointment: Appointment;
  patient?: Patient;
}

function read(msg: Hl7Message, seg: Hl7Segment, ctx: FlowContext, issues: Issue[]): Obj {
  const r = readSegment(msg, seg, segmentMap(loadMapping('siu'), seg.name), ctx);
  issues.push(...r.issues);
  return r.value ?? {};
}

const codeOf = (cc: CodeableConcept | undefined): string | undefined => cc?.coding?.[0]?.code ?? cc?.text;

/** Read an SIU message. The value is there whenever an Appointment could be built; errors in issues reject it. */
export function readSiu(msg: Hl7Message, ctx: FlowContext): Result<SiuRead> {
  const issues: Issue[] = [];
  const event = msg.triggerEvent;
  // MSH-9: message code SIU, trigger event from the status table.
  if (msg.messageCode !== 'SIU') {
    return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `MSH-9 is ${msg.messageType || '(empty)'}; the scheduling flow reads SIU messages only.`, 'MSH.9')] };
  }
  const rule = eventRule(event);
  if (!rule) {
    const known = Object.keys(statusTable().events).join(', ');
    return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `Trigger event "${event}" is not a supported SIU event (${known}).`, 'MSH.9.2')] };
  }
  const schSeg = msg.segment('SCH');
  if (!schSeg) return { value: undefined, issues: [issue('HL7_SEGMENT_MISSING', 'An SIU message needs an SCH segment.', 'SCH')] };
  const sch = read(msg, schSeg, ctx, issues);

  // --- identifiers: SCH-1 placer, SCH-2 filler. A filler id without namespace is scoped by the sending application (MSH-3).
  const identifier: Identifier[] = [];
  const filler = sch.filler as Identifier | undefined;
  const placer = sch.placer as Identifier | undefined;
  if (filler?.value) {
    const ns = msg.msh.get(3, 1) || msg.msh.get(4, 1);
    identifier.push(identifierOf('FILL', filler.value, filler.system ?? (ns ? NS_PREFIX + ns : undefined)));
  }
  if (placer?.value) identifier.push(identifierOf('PLAC', placer.value, placer.system));
  if (!identifier.length) {
    issues.push(issue('MAP_MISSING', 'SCH has neither a placer (SCH-1) nor a filler (SCH-2) appointment id; the appointment cannot be identified.', [msg.location(schSeg, 1), msg.location(schSeg, 2)]));
  }
  const idWhere = msg.location(schSeg, filler?.value ? 2 : 1);
  const id = appointmentIdFor(identifier);

  // --- timing
  const tq1Seg = msg.segment('TQ1');
  const tq1 = tq1Seg ? read(msg, tq1Seg, ctx, issues) : {};
  const schTiming = (sch.timing ?? {}) as { start?: string; end?: string };
  let start: string | undefined, end: string | undefined, startWhere: string, endWhere: string;
  if (tq1Seg && (tq1.start || tq1.end || tq1Seg.has(7))) {
    start = tq1.start as string | undefined; end = tq1.end as string | undefined;
    startWhere = msg.location(tq1Seg, 7); endWhere = msg.location(tq1Seg, 8);
    if ((schTiming.start && schTiming.start !== start) || (schTiming.end && schTiming.end !== end)) {
      issues.push(issue('MAP_INFO', 'SCH-11 (timing quantity, pre-v2.5) differs from TQ1; TQ1 is used.', msg.location(schSeg, 11)));
    }
  } else if (schTiming.start || schSeg.get(11, 4)) {
    start = schTiming.start; end = schTiming.end;
    startWhere = `${msg.location(schSeg, 11)}.4`; endWhere = `${msg.location(schSeg, 11)}.5`;
  } else {
    startWhere = tq1Seg ? msg.location(tq1Seg, 7) : msg.location(schSeg, 11);
    endWhere = tq1Seg ? msg.location(tq1Seg, 8) : msg.location(schSeg, 11);
    for (const name of ['AIS', 'AIG', 'AIL', 'AIP']) {
      const seg = msg.segment(name);
      if (!seg) continue;
      const s = read(msg, seg, { ...ctx }, []).start as string | undefined;
      if (s) { start = s; issues.push(issue('MAP_INFO', `No TQ1 or SCH-11 timing; the start comes from ${name}.`, msg.location(seg))); break; }
    }
  }

  // Duration: SCH-9/SCH-10, else TQ1-6.
  let minutes: number | undefined;
  let durWhere = msg.location(schSeg, 9);
  if (sch.duration !== undefined) {
    minutes = minutesOf(sch.duration as number, codeOf(sch.durationUnits as CodeableConcept), msg.location(schSeg, 10), issues);
  } else if (tq1.serviceDuration) {
    const q = tq1.serviceDuration as { value: number; unit?: string };
    durWhere = msg.location(tq1Seg!, 6);
    minutes = minutesOf(q.value, q.unit, durWhere, issues);
  }
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1)) {
    issues.push(issue('MAP_INFO', `The duration is ${minutes} minutes, not a whole positive number; minutesDuration left out.`, durWhere));
    minutes = undefined;
  }
  if (start && !end && minutes !== undefined) end = addMinutes(start, minutes);
  if (end && !start) issues.push(issue('MAP_MISSING', 'The appointment has an end but no usable start time.', startWhere));
  if (start && end) {
    if (instantOf(start) > instantOf(end)) {
      issues.push(issue('MAP_CONFLICT', `The appointment starts (${start}) after it ends (${end}).`, endWhere));
    } else if (minutes !== undefined && minutesBetween(start, end) !== minutes) {
      issues.push(issue('MAP_CONFLICT', `The duration (${minutes} min) disagrees with start..end (${minutesBetween(start, end) ?? '?'} min); start and end are kept, the duration is left out.`, durWhere, 'warning'));
      minutes = undefined;
    }
  }

  // --- status and conflicts with stored state
  const fillerCode = codeOf(sch.fillerStatus as CodeableConcept);
  const fromFiller = fillerCode ? toFhirCode('0278', fillerCode)?.fhir as FhirAppointmentStatus | undefined : undefined;
  if (fillerCode && !fromFiller) issues.push(issue('MAP_UNKNOWN_CODE', `"${fillerCode}" is not a filler status code of table 0278.`, msg.location(schSeg, 25), 'warning'));
  const checking = ctx.lookup !== emptyLookup;
  const stored = checking && id ? ctx.lookup.get('Appointment', id) as Appointment | undefined : undefined;
  if (checking && id) {
    if (rule.requiresExisting && !stored) {
      issues.push(issue('MAP_CONFLICT', `${event} (${rule.name.toLowerCase()}) refers to an appointment that is not known here; nothing was booked for it. Send S12 first.`, idWhere));
    }
    if (stored?.status === 'entered-in-error' && event !== 'S17') {
      issues.push(issue('MAP_CONFLICT', `${event} refers to an appointment that was deleted (S17, entered-in-error); it is not revived.`, idWhere));
    }
  } else if (rule.requiresExisting) {
    issues.push(issue('MAP_INFO', `No stored appointments to check against: not verified that the appointment of this ${event} exists.`, idWhere));
  }
  const tentative = codeOf(sch.requestType as CodeableConcept)?.toLowerCase() === 'tentative' ? 'pending' : undefined;
  const status: FhirAppointmentStatus = rule.status ?? fromFiller ?? (rule.requiresExisting ? stored?.status : undefined) ?? tentative ?? statusTable().default;
  if (rule.status && fromFiller && fromFiller !== rule.status) {
    issues.push(issue('MAP_INFO', `SCH-25 says ${fillerCode}; event ${event} sets the status ${rule.status}.`, msg.location(schSeg, 25)));
  }

  // --- the Appointment
  const a = { resourceType: 'Appointment', ...(id ? { id } : {}), meta: { profile: [FD_APPOINTMENT_PROFILE] } } as Appointment;
  if (identifier.length) a.identifier = identifier;
  a.status = status;
  if (status === 'cancelled' || status === 'noshow') {
    // SCH-6 holding the event code itself (table 0003, as Frontdesk writes when there is no reason) is no reason.
    const reason = sch.eventReason as CodeableConcept | undefined;
    const isEventCode = reason?.coding?.[0]?.code === event && /v2-0003$/.test(reason.coding[0]!.system ?? '');
    if (reason && !isEventCode) a.cancelationReason = reason;
    else if (status === 'cancelled') {
      a.cancelationReason = { coding: [{ system: CANCEL_REASON_SYSTEM, code: 'other', display: 'Other' }], text: 'No reason sent (SCH-6 empty)' };
      issues.push(issue('MAP_MISSING', 'The cancellation carries no reason in SCH-6; recorded as "other".', msg.location(schSeg, 6), 'warning'));
    }
  }

  const services: CodeableConcept[] = [];
  const participants: AppointmentParticipant[] = [];
  const seen = new Set<string>();
  const addParticipant = (p: AppointmentParticipant) => {
    const key = JSON.stringify([p.actor?.type, p.actor?.identifier?.value, p.actor?.display]);
    if (seen.has(key)) return;
    seen.add(key);
    participants.push(p);
  };

  // PID: the patient (Registration's mapping).
  let patient: Patient | undefined;
  const pid = patientFromPid(msg, ctx);
  issues.push(...pid.issues);
  if (pid.value) {
    patient = pid.value;
    const mr = patient.identifier?.find((i) => i.value === mrnOf(patient)) ?? patient.identifier?.[0];
    const actor: Reference = { reference: `Patient/${patient.id}`, type: 'Patient' };
    if (mr?.value) actor.identifier = { ...(mr.system ? { system: mr.system } : {}), value: mr.value };
    addParticipant({ actor, required: 'required', status: 'accepted' });
  }

  for (const seg of msg.segments) {
    switch (seg.name) {
      case 'AIS': {
        const r = read(msg, seg, ctx, issues);
        const s = r.service as CodeableConcept | undefined;
        if (s && !services.some((x) => JSON.stringify(x) === JSON.stringify(s))) services.push(s);
        break;
      }
      case 'AIG': {
        const r = read(msg, seg, ctx, issues);
        const res = r.resource as CodeableConcept | undefined;
        const code = res?.coding?.[0]?.code, display = res?.coding?.[0]?.display ?? res?.text;
        if (!code && !display) break;
        const actor: Reference = { type: 'Device' };
        if (code) actor.identifier = { value: code };
        if (display) actor.display = display;
        addParticipant({ actor, required: 'required', status: 'accepted' });
        break;
      }
      case 'AIL': {
        const r = read(msg, seg, ctx, issues);
        if (r.location) addParticipant({ actor: r.location as Reference, required: 'required', status: 'accepted' });
        break;
      }
      case 'AIP': {
        const r = read(msg, seg, ctx, issues);
        if (!r.person) break;
        const p: AppointmentParticipant = { actor: { type: 'Practitioner', ...(r.person as Reference) }, required: 'required', status: 'accepted' };
        if (r.role) p.type = [r.role as CodeableConcept];
        addParticipant(p);
        break;
      }
    }
  }
  // PV1-3 / PV1-7 stand in for AIL / AIP when those are not sent.
  const pv1Seg = msg.segment('PV1');
  if (pv1Seg) {
    const pv1 = read(msg, pv1Seg, ctx, issues);
    if (!participants.some((p) => p.actor?.type === 'Location') && pv1.location) addParticipant({ actor: pv1.location as Reference, required: 'required', status: 'accepted' });
    if (!participants.some((p) => p.actor?.type === 'Practitioner') && pv1.attending) addParticipant({ actor: { type: 'Practitioner', ...(pv1.attending as Reference) }, required: 'required', status: 'accepted' });
  }
  const pv2Seg = msg.segment('PV2');
  const pv2 = pv2Seg ? read(msg, pv2Seg, ctx, issues) : {};

  if (services.length) a.serviceType = services;
  // v2-to-FHIR IG (SCH): SCH-7 appointment reason -> reasonCode, SCH-8 appointment type -> appointmentType.
  // PV2-3 (reason for visit) follows SCH-7 in reasonCode when it says something else.
  const reasons: CodeableConcept[] = [];
  const schReason = sch.appointmentReason as CodeableConcept | undefined;
  if (schReason) {
    const code = codeOf(schReason);
    const officeType = code ? toFhirCode('office-appointment-type', code)?.fhir as OfficeAppointmentType | undefined : undefined;
    // A table 0276 (or office) reason gets the v2-0276 and office codings; any other code is kept as sent, under its own system.
    reasons.push(officeType ? appointmentTypeOf(officeType) : schReason);
    if (!officeType) issues.push(issue('MAP_INFO', `SCH-7 "${code}" is neither a table 0276 code nor an office appointment type; kept as sent.`, msg.location(schSeg, 7)));
  }
  const visitReason = pv2.reason as CodeableConcept | undefined;
  if (visitReason && !reasons.some((r) => JSON.stringify(r) === JSON.stringify(visitReason))) reasons.push(visitReason);
  if (reasons.length) a.reasonCode = reasons;
  if (sch.requestType) a.appointmentType = sch.requestType as CodeableConcept;
  if (start) a.start = start;
  if (end) a.end = end;
  if (minutes !== undefined && start && end) a.minutesDuration = minutes;
  const comment = leadingNotes(msg, schSeg, ctx, issues);
  if (comment) a.comment = comment;
  a.participant = participants;
  if (!participants.length) issues.push(issue('MAP_MISSING', 'The appointment has no participant (no PID, AIP, AIL or AIG).', 'PID'));
  return { value: { event, appointment: a, ...(patient ? { patient } : {}) }, issues };
}

/** The NTEs right after SCH (and its TQ1) are notes on the appointment itself. */
function leadingNotes(msg: Hl7Message, sch: Hl7Segment, ctx: FlowContext, issues: Issue[]): string | undefined {
  const out: string[] = [];
  for (const seg of msg.segments.slice(msg.segments.indexOf(sch) + 1)) {
    if (seg.name === 'TQ1') continue;
    if (seg.name !== 'NTE') break;
    const r = read(msg, seg, ctx, issues);
    out.push(...((r.comment as string[] | undefined) ?? []));
  }
  return out.length ? out.join('\n') : undefined;
}
