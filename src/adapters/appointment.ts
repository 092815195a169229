/**
 * Codec: office appointment record <-> FHIR Appointment (profile fd-appointment).
 *
 * - Identity: the record id is the filler identifier (v2-0203 FILL), the placer id the PLAC
 *   one; the Appointment id is derived from the filler identifier (placer when there is none),
 *   so a reschedule or cancel of the same appointment lands on the same resource.
 * - Participants: the patient (Reference by MRN, with the deterministic Patient id), the
 *   practitioner (logical reference by NPI) and the location (logical reference by code).
 * - Times keep their UTC offset; end = start + durationMinutes when only a duration is given
 *   (R4 app-2 wants start and end together). Going back, `end` is left out when it is exactly
 *   start + minutesDuration, so both record shapes (end, or duration) come back as they were.
 * - Status goes through mappings/appointment-status.json (check-in = arrived, check-out = fulfilled).
 */
import type { Appointment, AppointmentParticipant, CodeableConcept, Coding, Identifier, Patient, Reference } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { appointmentId, patientId } from '../fhir/ids.js';
import { codeTable, toFhirCode, toHl7Code } from '../mapping/tables.js';
import type { OfficeAppointment, OfficeAppointmentType } from './appointment-record.js';
import { fhirStatusOfOffice, officeStatusOfFhir } from './appointment-status.js';
import { addMinutes, instantOf, minutesBetween, officeDateTime } from './appointment-time.js';

export type { OfficeAppointment } from './appointment-record.js';

export const FD_APPOINTMENT_PROFILE = 'http://frontdesk.example.org/fhir/StructureDefinition/fd-appointment';
/** The office's own appointment ids. */
export const OFFICE_APPOINTMENT_SYSTEM = 'http://frontdesk.example.org/fhir/sid/appointment';
export const LOCATION_SYSTEM = 'http://frontdesk.example.org/fhir/sid/location';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const V2_0276 = 'http://terminology.hl7.org/CodeSystem/v2-0276';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/** The practice MRN system: the FRONTDESK namespace of mappings/tables/assigning-authority.json. */
export function mrnSystem(): string {
  return toFhirCode('assigning-authority', 'FRONTDESK')?.fhir ?? 'http://frontdesk.example.org/fhir/sid/mrn';
}

/** Deterministic Patient id for an MRN (same rule as the registration flow: system + value). */
export function patientIdForMrn(mrn: string, system = mrnSystem()): string {
  return patientId({ system, value: mrn });
}

export function officeTypeSystem(): string {
  return codeTable('office-appointment-type')?.fhirSystem ?? 'https://frontdesk.example.org/CodeSystem/appointment-type';
}

const hasType = (id: Identifier, code: string) => id.type?.coding?.some((c) => c.system === V2_0203 && c.code === code) ?? false;
export const fillerIdentifier = (a: Pick<Appointment, 'identifier'>) => a.identifier?.find((i) => hasType(i, 'FILL') && i.value) ?? a.identifier?.find((i) => !hasType(i, 'PLAC') && i.value);
export const placerIdentifier = (a: Pick<Appointment, 'identifier'>) => a.identifier?.find((i) => hasType(i, 'PLAC') && i.value);

/** The Appointment id: from the filler identifier, else the placer identifier. */
export function appointmentIdFor(identifiers: Identifier[] | undefined): string | undefined {
  const a = { identifier: identifiers };
  const key = fillerIdentifier(a) ?? placerIdentifier(a);
  return key?.value ? appointmentId(key) : undefined;
}

export function identifierOf(kind: 'FILL' | 'PLAC', value: string, system: string | undefined): Identifier {
  const id: Identifier = { type: { coding: [{ system: V2_0203, code: kind }] } };
  if (system) id.system = system;
  id.value = value;
  return id;
}

/**
 * Office type -> the concept of its SCH-7 appointment reason: the v2-0276 coding when the type has
 * one, and always the office coding. It is an Appointment.reasonCode (v2-to-FHIR IG, SCH-7).
 */
export function appointmentTypeOf(type: OfficeAppointmentType): CodeableConcept {
  const hl7 = toHl7Code('office-appointment-type', type);
  const std = hl7 ? toFhirCode('0276', hl7) : undefined;
  const office = toFhirCode('office-appointment-type', hl7 ?? '');
  const coding: Coding[] = [];
  if (std) coding.push({ system: V2_0276, code: std.fhir, display: std.display });
  coding.push({ system: officeTypeSystem(), code: type, ...(office?.display ? { display: office.display } : {}) });
  return { coding };
}

/** A reason (or an R4-style appointmentType) -> office type: the office coding, else a v2-0276 (or local SCH-7) code through the table. */
export function officeTypeOf(cc: CodeableConcept | undefined): OfficeAppointmentType | undefined {
  const own = cc?.coding?.find((c) => c.system === officeTypeSystem())?.code;
  if (own) return own as OfficeAppointmentType;
  for (const c of cc?.coding ?? []) {
    const hit = c.code ? toFhirCode('office-appointment-type', c.code) : undefined;
    if (hit) return hit.fhir as OfficeAppointmentType;
  }
  return undefined;
}

export interface ToFhirOptions {
  timezone: string;
}

/** Office appointment record -> FHIR Appointment. */
export function appointmentToFhir(r: OfficeAppointment, opts: ToFhirOptions): Result<Appointment> {
  const issues: Issue[] = [];
  if (!r.id) issues.push(issue('MAP_MISSING', 'The appointment id is required.', 'id'));
  if (!r.patientMrn) issues.push(issue('MAP_MISSING', 'The patient MRN is required.', 'patientMrn'));
  const status = fhirStatusOfOffice(r.status);
  if (!status) issues.push(issue('MAP_UNKNOWN_CODE', `"${r.status}" is not an office appointment status.`, 'status'));
  if (issues.length) return { value: undefined, issues };

  const identifier: Identifier[] = [identifierOf('FILL', r.id, r.idSystem ?? OFFICE_APPOINTMENT_SYSTEM)];
  if (r.placerId) identifier.push(identifierOf('PLAC', r.placerId, r.placerSystem));

  let start: string | undefined, end: string | undefined;
  if (r.start) {
    const s = officeDateTime(r.start, 'start', opts.timezone);
    issues.push(...s.issues);
    start = s.value;
  }
  if (r.end) {
    const e = officeDateTime(r.end, 'end', opts.timezone);
    issues.push(...e.issues);
    end = e.value;
  }
  if (start && !end && r.durationMinutes !== undefined) end = addMinutes(start, r.durationMinutes);
  if (end && !start) issues.push(issue('MAP_MISSING', 'An end time needs a start time.', 'start'));
  if (start && end && instantOf(start) > instantOf(end)) {
    issues.push(issue('MAP_CONFLICT', `The appointment starts (${start}) after it ends (${end}).`, r.end ? 'end' : 'durationMinutes'));
  }
  if (r.end && r.durationMinutes !== undefined && start && end && minutesBetween(start, end) !== r.durationMinutes) {
    issues.push(issue('MAP_CONFLICT', `durationMinutes ${r.durationMinutes} does not match start..end (${minutesBetween(start, end) ?? '?'} minutes); both kept as sent.`, 'durationMinutes', 'warning'));
  }

  const participant: AppointmentParticipant[] = [{
    actor: { reference: `Patient/${patientIdForMrn(r.patientMrn)}`, type: 'Patient', identifier: { system: mrnSystem(), value: r.patientMrn } },
    required: 'required',
    status: 'accepted',
  }];
  if (r.providerNpi || r.providerName) {
    const actor: Reference = { type: 'Practitioner' };
    if (r.providerNpi) actor.identifier = { system: NPI_SYSTEM, value: r.providerNpi };
    if (r.providerName) actor.display = r.providerName;
    participant.push({
      type: [{ coding: [{ system: PARTICIPATION_TYPE, code: 'PPRF', display: 'primary performer' }] }],
      actor, required: 'required', status: 'accepted',
    });
  }
  if (r.location) {
    participant.push({ actor: { type: 'Location', identifier: { system: LOCATION_SYSTEM, value: r.location } }, required: 'required', status: 'accepted' });
  }

  // Built in the order FHIR lists the elements, so the JSON reads naturally.
  const a = {
    resourceType: 'Appointment',
    id: appointmentIdFor(identifier)!,
    meta: { profile: [FD_APPOINTMENT_PROFILE] },
    identifier,
    status: status!,
  } as Appointment;
  if (r.cancellationReason) a.cancelationReason = { text: r.cancellationReason };
  if (r.serviceCode || r.serviceText) a.serviceType = [conceptOf(r.serviceCode, r.serviceSystem, r.serviceText)];
  // SCH-8 appointment type (table 0277 or local) -> appointmentType; the office type is the SCH-7 reason (v2-to-FHIR IG).
  if (r.appointmentTypeCode || r.appointmentTypeText) a.appointmentType = conceptOf(r.appointmentTypeCode, r.appointmentTypeSystem, r.appointmentTypeText);
  const reasons: CodeableConcept[] = [];
  if (r.type) reasons.push(appointmentTypeOf(r.type));
  if (r.reasonCode || r.reasonText) reasons.push(conceptOf(r.reasonCode, r.reasonCode ? r.reasonSystem ?? ICD10CM_SYSTEM : undefined, r.reasonText));
  if (reasons.length) a.reasonCode = reasons;
  if (start) a.start = start;
  if (end) a.end = end;
  if (r.durationMinutes !== undefined) a.minutesDuration = r.durationMinutes;
  if (r.notes) a.comment = r.notes;
  a.participant = participant;
  return { value: a, issues };
}

function conceptOf(code: string | undefined, system: string | undefined, text: string | undefined): CodeableConcept {
  const cc: CodeableConcept = {};
  if (code) cc.coding = [system ? { system, code } : { code }];
  if (text) cc.text = text;
  return cc;
}

const actorKind = (p: AppointmentParticipant): string | undefined =>
  p.actor?.type ?? p.actor?.reference?.split('/')[0];

export interface FromFhirOptions {
  /** The Patient the appointment belongs to (e.g. from PID), for the MRN when the reference lacks it. */
  patient?: Patient;
}

/** FHIR Appointment -> office appointment record. */
export function appointmentFromFhir(a: Appointment, opts: FromFhirOptions = {}): Result<OfficeAppointment> {
  const issues: Issue[] = [];
  const filler = fillerIdentifier(a);
  const placer = placerIdentifier(a);
  let id = filler?.value;
  if (!id && placer?.value) id = placer.value;
  if (!id && a.id) {
    id = a.id;
    issues.push(issue('MAP_INFO', 'The Appointment has no identifier; its resource id becomes the office id.', 'Appointment.identifier'));
  }
  if (!id) issues.push(issue('MAP_MISSING', 'The Appointment has neither an identifier nor an id.', 'Appointment.identifier'));

  const patientIndex = a.participant?.findIndex((p) => actorKind(p) === 'Patient') ?? -1;
  const patientActor = patientIndex >= 0 ? a.participant![patientIndex]!.actor : undefined;
  const mrn = patientActor?.identifier?.value ?? mrnOf(opts.patient);
  if (!mrn) issues.push(issue('MAP_MISSING', 'No patient MRN: the patient participant has no identifier and no Patient with an MR identifier was given.', patientIndex >= 0 ? `Appointment.participant[${patientIndex}].actor` : 'Appointment.participant'));

  const status = a.status ? officeStatusOfFhir(a.status) : undefined;
  if (!status) issues.push(issue('MAP_UNKNOWN_CODE', `Appointment.status "${a.status}" has no office status.`, 'Appointment.status'));
  else if (a.status === 'checked-in' || a.status === 'proposed') issues.push(issue('MAP_INFO', `Appointment.status ${a.status} is recorded as office status ${status}.`, 'Appointment.status'));
  if (!id || !mrn || !status) return { value: undefined, issues };

  const r = { recordType: 'appointment', id } as OfficeAppointment;
  const idSource = filler ?? (id === placer?.value ? placer : undefined);
  if (idSource?.system && idSource.system !== OFFICE_APPOINTMENT_SYSTEM) r.idSystem = idSource.system;
  if (placer?.value && filler) {
    r.placerId = placer.value;
    if (placer.system) r.placerSystem = placer.system;
  }
  r.patientMrn = mrn;

  const pract = a.participant?.find((p) => actorKind(p) === 'Practitioner' || p.actor?.identifier?.system === NPI_SYSTEM);
  if (pract?.actor?.identifier?.value && pract.actor.identifier.system === NPI_SYSTEM) r.providerNpi = pract.actor.identifier.value;
  if (pract?.actor?.display) r.providerName = pract.actor.display;
  const loc = a.participant?.find((p) => actorKind(p) === 'Location');
  const location = loc?.actor?.identifier?.value ?? loc?.actor?.display;
  if (location) r.location = location;

  if (a.start) r.start = a.start;
  const derivedEnd = a.start && a.minutesDuration !== undefined ? addMinutes(a.start, a.minutesDuration) : undefined;
  if (a.end && !(derivedEnd !== undefined && minutesBetween(a.start, a.end) === a.minutesDuration)) r.end = a.end;
  if (a.minutesDuration !== undefined) r.durationMinutes = a.minutesDuration;

  // The office type is the reason that is an office/v2-0276 type (SCH-7); an R4-style appointmentType bound to v2-0276 also gives it.
  const split = splitReasons(a);
  const type = split.type ?? officeTypeOf(a.appointmentType);
  if (type) r.type = type;
  if (a.appointmentType && !officeTypeOf(a.appointmentType)) {
    // SCH-8 appointment type (table 0277 or local): kept with its own system.
    const c = a.appointmentType.coding?.[0];
    if (c?.code) r.appointmentTypeCode = c.code;
    if (c?.code && c.system) r.appointmentTypeSystem = c.system;
    const text = a.appointmentType.text ?? c?.display;
    if (text) r.appointmentTypeText = text;
  }

  const service = a.serviceType?.[0];
  if (service) {
    const c = service.coding?.[0];
    if (c?.code) r.serviceCode = c.code;
    if (c?.code && c.system) r.serviceSystem = c.system;
    const text = service.text ?? c?.display;
    if (text) r.serviceText = text;
  }
  const reason = split.others[0];
  split.others.slice(1).forEach((_, i) => issues.push(issue('MAP_INFO', 'The office record holds one reason for visit; this further reason is left out.', `Appointment.reasonCode[${split.index[i + 1]}]`)));
  if (reason) {
    const c = reason.coding?.[0];
    if (c?.code) r.reasonCode = c.code;
    if (c?.code && c.system && c.system !== ICD10CM_SYSTEM) r.reasonSystem = c.system;
    const text = reason.text ?? c?.display;
    if (text) r.reasonText = text;
  }
  r.status = status;
  const cancel = a.cancelationReason?.text ?? a.cancelationReason?.coding?.[0]?.display ?? a.cancelationReason?.coding?.[0]?.code;
  if (cancel) r.cancellationReason = cancel;
  if (a.comment) r.notes = a.comment;
  return { value: r, issues };
}

/**
 * Appointment.reasonCode split into the office type (the first reason that is an office/v2-0276
 * appointment reason, SCH-7) and the other reasons (reason for visit, PV2-3), with their indexes.
 */
export function splitReasons(a: Pick<Appointment, 'reasonCode'>): { type?: OfficeAppointmentType; typeReason?: CodeableConcept; others: CodeableConcept[]; index: number[] } {
  const out: { type?: OfficeAppointmentType; typeReason?: CodeableConcept; others: CodeableConcept[]; index: number[] } = { others: [], index: [] };
  (a.reasonCode ?? []).forEach((cc, i) => {
    const t = out.type ? undefined : officeTypeOf(cc);
    if (t) { out.type = t; out.typeReason = cc; return; }
    out.others.push(cc);
    out.index.push(i);
  });
  return out;
}

/** The MRN of a Patient: an identifier typed MR, else one in the practice MRN system. */
export function mrnOf(p: Patient | undefined): string | undefined {
  const ids = p?.identifier ?? [];
  return (ids.find((i) => i.type?.coding?.some((c) => c.code === 'MR')) ?? ids.find((i) => i.system === mrnSystem()))?.value;
}
