/**
 * Scheduling vertical: office appointments <-> FHIR Appointment <-> HL7v2 SIU.
 * - `siuFlow` (InboundHl7Flow, SIU^*): transaction Bundle (Patient + Appointment, PUT to
 *   deterministic ids) and the office appointment record.
 * - `schedulingConverter` (Converter): `frontdesk convert` of SIU messages, FHIR Appointments
 *   and office appointment records to fhir | hl7v2 | office (`--event S12|S13|...` for hl7v2).
 * Every output is validated (fd-appointment, the office appointment schema) before it leaves.
 */
import type { Appointment, Bundle, BundleEntry, FhirResource, Patient } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import type { DetectedInput } from '../../domain/input.js';
import type { Hl7Message } from '../../hl7/message.js';
import { validateMessage } from '../../hl7/validate.js';
import { checkOfficeRecord, validateOfficeRecord } from '../../validation/index.js';
import { appointmentFromFhir, appointmentToFhir } from '../../adapters/appointment.js';
import { fhirOutput, hl7v2Output, officeOutput, type Converted, type Converter, type FlowContext, type FlowOutput, type InboundHl7Flow, type Target } from '../types.js';
import { readSiu } from './read.js';
import { validateOutput } from './validate.js';
import { keepRegistered } from '../registered-patient.js';
import { appointmentToSiu } from './write.js';

export { readSiu } from './read.js';
export { appointmentToSiu } from './write.js';

/** SIU -> validated Appointment (+ Patient) and office record. */
export function convertSiu(msg: Hl7Message, ctx: FlowContext): Result<FlowOutput & { appointment: Appointment; patient?: Patient }> {
  const r = readSiu(msg, ctx);
  const issues = [...r.issues];
  if (!r.value || hasErrors(issues)) return { value: undefined, issues };
  const { appointment } = r.value;
  let patient = r.value.patient;
  issues.push(...validateOutput(appointment));
  if (patient) {
    // A PID that only identifies the patient (no name, no sex) is not a registration: upserting
    // it would overwrite the full Patient, so the Appointment just references it by id and MRN.
    const pv = validateOutput(patient);
    if (hasErrors(pv)) {
      issues.push(issue('MAP_INFO', `PID identifies the patient but does not meet the Patient profile (${pv.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]).join(', ')}); the Patient is referenced, not upserted.`, 'PID'));
      patient = undefined;
    } else {
      issues.push(...pv);
      // A registered patient is not overwritten by a scheduling message: only filled.
      const pidSeg = msg.segment('PID');
      const kept = keepRegistered(patient, ctx.lookup, (n) => (pidSeg ? msg.location(pidSeg, n) : `PID.${n}`));
      patient = kept.value!;
      issues.push(...kept.issues);
    }
  }
  const office = appointmentFromFhir(appointment, patient ? { patient } : {});
  issues.push(...office.issues);
  // Office record issues get no prefix (they already name the record field).
  if (office.value) issues.push(...validateOfficeRecord(office.value));
  if (hasErrors(issues)) return { value: undefined, issues };
  const entry: BundleEntry[] = [];
  const resources: Array<FhirResource | undefined> = [patient, appointment];
  for (const res of resources) {
    if (!res?.id) continue;
    entry.push({ fullUrl: `${res.resourceType}/${res.id}`, resource: res, request: { method: 'PUT', url: `${res.resourceType}/${res.id}` } });
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry };
  return { value: { bundle, office: office.value ? [office.value] : [], appointment, ...(patient ? { patient } : {}) }, issues };
}

export const siuFlow: InboundHl7Flow = {
  name: 'siu-scheduling',
  messageTypes: ['SIU^*'],
  run(message, ctx): Result<FlowOutput> {
    const r = convertSiu(message, ctx);
    return r.value ? { value: { bundle: r.value.bundle, office: r.value.office }, issues: r.issues } : { value: undefined, issues: r.issues };
  },
};

/**
 * The Appointment (and Patient) of a FHIR input: an Appointment, or a Bundle of exactly one
 * Appointment with at most its Patient (a Bundle with more belongs to another vertical or to
 * per-resource routing, so it is not taken whole).
 */
function fhirAppointment(res: FhirResource): { appointment?: Appointment; patient?: Patient } {
  if (res.resourceType === 'Appointment') return { appointment: res };
  if (res.resourceType === 'Bundle') {
    const rs = (res.entry ?? []).map((e) => e.resource).filter((x): x is FhirResource => !!x);
    const count = (t: string) => rs.filter((x) => x.resourceType === t).length;
    if (count('Appointment') !== 1 || count('Patient') > 1 || rs.length !== count('Appointment') + count('Patient')) return {};
    const appointment = rs.find((x): x is Appointment => x.resourceType === 'Appointment');
    const patient = rs.find((x): x is Patient => x.resourceType === 'Patient');
    return { ...(appointment ? { appointment } : {}), ...(patient ? { patient } : {}) };
  }
  return {};
}

function toSiuText(a: Appointment, patient: Patient | undefined, ctx: FlowContext, issues: Issue[]): Result<Converted> {
  const m = appointmentToSiu(a, patient, { timezone: ctx.timezone, lookup: ctx.lookup, ...(ctx.event ? { event: ctx.event } : {}) });
  issues.push(...m.issues);
  if (!m.value || hasErrors(issues)) return { value: undefined, issues };
  // The message must meet the v2.5.1 message profile (a PID-5 we cannot fill is already a warning).
  const nameWarned = issues.some((i) => i.expression?.[0] === 'PID.5');
  issues.push(...validateMessage(m.value).filter((i) => !(nameWarned && i.expression?.[0] === 'PID.5')));
  // And it must read back to a valid appointment (the receiver's view).
  const back = readSiu(m.value, ctx);
  const backErrors = back.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  issues.push(...backErrors);
  if (hasErrors(issues)) return { value: undefined, issues };
  return { value: hl7v2Output(m.value.toString()), issues };
}

function fromAppointment(a: Appointment, patient: Patient | undefined, to: Target, ctx: FlowContext, issues: Issue[]): Result<Converted> {
  issues.push(...validateOutput(a));
  if (hasErrors(issues)) return { value: undefined, issues };
  if (to === 'fhir') return { value: fhirOutput(a), issues };
  if (to === 'hl7v2') return toSiuText(a, patient, ctx, issues);
  const office = appointmentFromFhir(a, patient ? { patient } : {});
  issues.push(...office.issues);
  if (office.value) issues.push(...validateOfficeRecord(office.value));
  if (!office.value || hasErrors(issues)) return { value: undefined, issues };
  return { value: officeOutput([office.value]), issues };
}

export const schedulingConverter: Converter = {
  name: 'scheduling',
  accepts(input: DetectedInput): boolean {
    if (input.kind === 'hl7v2') return input.message.messageCode === 'SIU';
    if (input.kind === 'office') return input.recordType === 'appointment';
    return !!fhirAppointment(input.resource).appointment;
  },
  convert(input: DetectedInput, to: Target, ctx: FlowContext): Result<Converted> {
    const issues: Issue[] = [];
    if (input.kind === 'hl7v2') {
      const r = convertSiu(input.message, ctx);
      issues.push(...r.issues);
      if (!r.value) return { value: undefined, issues };
      if (to === 'fhir') return { value: fhirOutput(r.value.bundle), issues };
      if (to === 'office') return { value: officeOutput(r.value.office), issues };
      return toSiuText(r.value.appointment, r.value.patient, ctx, issues);
    }
    if (input.kind === 'office') {
      const checked = checkOfficeRecord(input.record);
      issues.push(...checked.issues);
      const record = checked.value;
      if (record?.recordType !== 'appointment' || hasErrors(issues)) return { value: undefined, issues };
      const a = appointmentToFhir(record, { timezone: ctx.timezone });
      issues.push(...a.issues);
      if (!a.value || hasErrors(issues)) return { value: undefined, issues };
      if (to === 'office') {
        issues.push(...validateOutput(a.value));
        return hasErrors(issues) ? { value: undefined, issues } : { value: officeOutput([record]), issues };
      }
      return fromAppointment(a.value, undefined, to, ctx, issues);
    }
    const { appointment, patient } = fhirAppointment(input.resource);
    if (!appointment) return { value: undefined, issues: [issue('FHIR_RESOURCE_TYPE', 'The scheduling converter needs an Appointment (or a Bundle holding one).', 'resourceType')] };
    return fromAppointment(appointment, patient, to, ctx, issues);
  },
};
