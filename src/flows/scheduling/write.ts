/**
 * FHIR Appointment (+ Patient) -> SIU^S12..S26 (v2.5.1, structure SIU_S12). Segments are built
 * as objects keyed by field number through mappings/siu.json (writeSegment); the event comes
 * from --event or from the status (mappings/appointment-status.json `outbound`).
 *
 *   MSH SCH TQ1 [NTE] PID PV1 [PV2] RGS [AIS] [AIG] [AIL] [AIP]
 */
import type { Appointment, AppointmentParticipant, CodeableConcept, Encounter, Identifier, Patient, Reference } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import { createMessage, type FieldValue, type Hl7Message } from '../../hl7/message.js';
import { fhirToHl7DateTime } from '../../mapping/datetime.js';
import { writeSegment } from '../../mapping/engine.js';
import { contentControlId } from '../../fhir/ids.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { toFhirCode, toHl7Code } from '../../mapping/tables.js';
import {
  fillerIdentifier, mrnSystem, officeTypeOf, placerIdentifier, splitReasons, V2_0203,
} from '../../adapters/appointment.js';
import { eventRule, outboundEvent, statusTable } from '../../adapters/appointment-status.js';
import { patientToPid } from '../patient-from-pid.js';
import { encounterToPv1 } from '../encounter-from-pv1.js';
import type { ResourceLookup } from '../types.js';

export interface WriteOptions {
  timezone: string;
  /** Trigger event; default from the status. */
  event?: string;
  /** MSH-7; default now (UTC). */
  now?: Date;
  /** Stored resources: the registered Patient fills PID when only an MRN is known. */
  lookup?: ResourceLookup;
  /** The visit (an SIU's PV1 read as an Encounter): written back as PV1 (mappings/encounter.json). */
  encounter?: Encounter;
}

/** SCH-16 filler contact / SCH-20 entered by (required in v2.5.1): the practice front desk. */
const FRONT_DESK: FieldValue = ['', 'FRONTDESK'];

type Obj = Record<string, unknown>;

function fields(segment: string, source: Obj, timezone: string): Record<number, FieldValue> {
  return writeSegment(source, segmentMap(loadMapping('siu'), segment), { timezone });
}

/** A CWE value as a CodeableConcept whose coding system writes as the HL7 name (CWE.3). */
const cwe = (code: string, display: string | undefined, hl7System: string): CodeableConcept =>
  ({ coding: [{ system: `urn:frontdesk:cs:${hl7System}`, code, ...(display ? { display } : {}) }] });

const kindOf = (p: AppointmentParticipant): string | undefined => p.actor?.type ?? p.actor?.reference?.split('/')[0];

function hl7Now(d: Date): string {
  return fhirToHl7DateTime(d.toISOString().replace(/\.\d+Z$/, 'Z'))!;
}

/**
 * The Patient to write in PID: the one given, else the stored one the patient participant
 * references (registered through ADT/registration), else a minimal one from its identifier.
 */
function patientFor(a: Appointment, given: Patient | undefined, lookup: ResourceLookup | undefined): Patient | undefined {
  if (given) return given;
  const actor = a.participant?.find((p) => kindOf(p) === 'Patient')?.actor;
  const ref = actor?.reference?.split('/');
  const stored = ref?.length === 2 && ref[0] === 'Patient' ? lookup?.get('Patient', ref[1]!) as Patient | undefined : undefined;
  if (stored) return stored;
  const id = actor?.identifier;
  if (!id?.value) return undefined;
  const system = id.system ?? mrnSystem();
  const identifier: Identifier = { system, value: id.value, type: { coding: [{ system: V2_0203, code: 'MR' }] } };
  return { resourceType: 'Patient', identifier: [identifier] };
}

/** Build the SIU message for an Appointment. Errors (unknown event, event/status mismatch, no patient) leave no value. */
export function appointmentToSiu(a: Appointment, patient: Patient | undefined, opts: WriteOptions): Result<Hl7Message> {
  const issues: Issue[] = [];
  const event = opts.event ?? outboundEvent(a.status);
  const rule = event ? eventRule(event) : undefined;
  if (!event || !rule) {
    return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `"${event ?? a.status}" is not a supported SIU event (${Object.keys(statusTable().events).join(', ')}).`, opts.event ? 'event' : 'Appointment.status')] };
  }
  if (rule.status && rule.status !== a.status) {
    issues.push(issue('MAP_CONFLICT', `Event ${event} (${rule.name.toLowerCase()}) means status ${rule.status}, but Appointment.status is ${a.status}.`, 'Appointment.status'));
  }
  const pat = patientFor(a, patient, opts.lookup);
  if (!pat) issues.push(issue('MAP_MISSING', 'No patient: the appointment has no patient participant with an identifier (PID-3 needs one).', 'Appointment.participant'));
  const filler = fillerIdentifier(a), placer = placerIdentifier(a);
  if (!filler && !placer) issues.push(issue('MAP_MISSING', 'The appointment has no identifier for SCH-1/SCH-2.', 'Appointment.identifier'));
  if (issues.some((i) => i.severity === 'error')) return { value: undefined, issues };

  const tz = opts.timezone;
  const now = opts.now ?? new Date();
  const msg = createMessage({
    3: 'FRONTDESK', 5: 'EHR',
    7: hl7Now(now),
    9: ['SIU', event, 'SIU_S12'],
    // MSH-10: the same appointment state and event give the same control id (idempotent resend).
    10: contentControlId(event, JSON.stringify(a)),
    11: 'P', 12: '2.5.1',
  });

  // SCH
  const sch: Obj = {};
  if (placer) sch.placer = placer;
  if (filler) sch.filler = filler;
  // SCH-6 event reason (required): the cancellation reason, else the event itself (table 0003).
  if ((a.status === 'cancelled' || a.status === 'noshow') && a.cancelationReason) sch.eventReason = a.cancelationReason;
  else sch.eventReason = cwe(event, rule.name, 'HL70003');
  // v2-to-FHIR IG: reasonCode -> SCH-7 (the office/v2-0276 reason first, else the first reason) and
  // appointmentType -> SCH-8. An appointmentType that is an office/v2-0276 type (R4 binding) is an SCH-7 reason.
  const reasons = splitReasons(a);
  const typeOfAppointmentType = officeTypeOf(a.appointmentType);
  const type = reasons.type ?? typeOfAppointmentType;
  if (type) {
    const hl7 = toHl7Code('office-appointment-type', type)!;
    const std = toFhirCode('0276', hl7);
    sch.appointmentReason = cwe(hl7, std?.display ?? toFhirCode('office-appointment-type', hl7)?.display, std ? 'HL70276' : 'L');
  } else if (reasons.others[0]) {
    sch.appointmentReason = reasons.others[0];
  }
  if (a.appointmentType && !typeOfAppointmentType) sch.requestType = a.appointmentType;
  // PV2-3 reason for visit: the first reason besides the SCH-7 one (the SCH-7 one again when it is the only, non-type reason).
  const visitReason = type ? reasons.others[0] : reasons.others[1] ?? reasons.others[0];
  if (a.minutesDuration !== undefined) {
    sch.duration = a.minutesDuration;
    sch.durationUnits = { coding: [{ code: 'min' }] };
  }
  // SCH-11 is kept for receivers older than v2.5 (TQ1 says the same).
  if (a.start || a.end) sch.timing = { start: a.start, end: a.end };
  const fillerStatus = toHl7Code('0278', a.status);
  if (fillerStatus) sch.fillerStatus = cwe(fillerStatus, undefined, 'HL70278');
  msg.add('SCH', { ...fields('SCH', sch, tz), 16: FRONT_DESK, 20: FRONT_DESK });

  if (a.start || a.end) msg.add('TQ1', { 1: '1', ...fields('TQ1', { start: a.start, end: a.end }, tz) });
  if (a.comment) msg.add('NTE', { 1: '1', ...fields('NTE', { comment: [a.comment] }, tz) });

  const pidFields = patientToPid(pat!, { timezone: tz });
  if (pidFields[5] === undefined) {
    issues.push(issue('MAP_MISSING', 'PID-5 (patient name, required in v2.5.1) stays empty: only the MRN is known and no registered Patient was found for it.', 'PID.5', 'warning'));
  }
  msg.add('PID', pidFields);
  // PV1: the visit the SIU came with (read back to the same Encounter), else an outpatient class only.
  msg.add('PV1', opts.encounter ? encounterToPv1(opts.encounter, { timezone: tz }) : { 1: '1', 2: 'O' });
  if (visitReason) msg.add('PV2', fields('PV2', { reason: visitReason }, tz));
  if (reasons.others.length > (type ? 1 : 2)) {
    issues.push(issue('MAP_INFO', 'SIU has room for two reasons (SCH-7, PV2-3); the further Appointment.reasonCode entries are left out.', 'Appointment.reasonCode'));
  }

  msg.add('RGS', { 1: '1' });
  let n = 0;
  for (const s of a.serviceType ?? []) msg.add('AIS', { 1: String(++n), ...fields('AIS', { service: s, start: a.start }, tz) });
  n = 0;
  for (const p of (a.participant ?? []).filter((x) => kindOf(x) === 'Device')) {
    const r = p.actor as Reference;
    const code = r.identifier?.value;
    const resource: CodeableConcept = code ? { coding: [{ code, ...(r.display ? { display: r.display } : {}) }] } : { text: r.display ?? '' };
    msg.add('AIG', { 1: String(++n), ...fields('AIG', { resource, start: a.start }, tz) });
  }
  n = 0;
  for (const p of (a.participant ?? []).filter((x) => kindOf(x) === 'Location')) {
    msg.add('AIL', { 1: String(++n), ...fields('AIL', { location: p.actor, start: a.start }, tz) });
  }
  n = 0;
  for (const p of (a.participant ?? []).filter((x) => kindOf(x) === 'Practitioner')) {
    const role = p.type?.[0]?.coding?.[0];
    const roleCc = role?.code ? { coding: [{ code: role.code, ...(role.display ? { display: role.display } : {}) }] } : undefined;
    msg.add('AIP', { 1: String(++n), ...fields('AIP', { person: p.actor, role: roleCc, start: a.start }, tz) });
  }
  return { value: msg, issues };
}
