/**
 * The scheduling Converter (`frontdesk convert`, the gateway's office and FHIR endpoints): SIU
 * messages, FHIR Appointments and office appointment records to fhir | hl7v2 | office
 * (`--event S12|S13|...` for hl7v2). Every output is validated (fd-appointment, the office
 * appointment schema, the SIU message profile) before it leaves.
 */
import type { Appointment, Encounter, FhirResource, Patient } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import type { DetectedInput } from '../../domain/input.js';
import { validateMessage } from '../../hl7/validate.js';
import { checkOfficeRecord, validateOfficeRecord } from '../../validation/index.js';
import { appointmentFromFhir, appointmentToFhir } from '../../adapters/appointment.js';
import { fhirOutput, hl7v2Output, officeOutput, type Converted, type Converter, type FlowContext, type Target } from '../types.js';
import { readSiu } from './read.js';
import { validateOutput } from './validate.js';
import { appointmentToSiu } from './write.js';
import { convertSiu } from './flow.js';

/**
 * The Appointment (and Patient) of a FHIR input: an Appointment, or a Bundle of exactly one
 * Appointment with at most its Patient (a Bundle with more belongs to another vertical or to
 * per-resource routing, so it is not taken whole).
 */
function fhirAppointment(res: FhirResource): { appointment?: Appointment; patient?: Patient; encounter?: Encounter } {
  if (res.resourceType === 'Appointment') return { appointment: res };
  if (res.resourceType === 'Bundle') {
    const rs = (res.entry ?? []).map((e) => e.resource).filter((x): x is FhirResource => !!x);
    const count = (t: string) => rs.filter((x) => x.resourceType === t).length;
    // At most its visit beside it (what `convert <siu> --to fhir` gives when PV1 names a visit).
    if (count('Appointment') !== 1 || count('Patient') > 1 || count('Encounter') > 1 || rs.length !== count('Appointment') + count('Patient') + count('Encounter')) return {};
    const appointment = rs.find((x): x is Appointment => x.resourceType === 'Appointment');
    const patient = rs.find((x): x is Patient => x.resourceType === 'Patient');
    const encounter = rs.find((x): x is Encounter => x.resourceType === 'Encounter');
    return { ...(appointment ? { appointment } : {}), ...(patient ? { patient } : {}), ...(encounter ? { encounter } : {}) };
  }
  return {};
}

function toSiuText(a: Appointment, patient: Patient | undefined, ctx: FlowContext, issues: Issue[], encounter?: Encounter): Result<Converted> {
  const m = appointmentToSiu(a, patient, { timezone: ctx.timezone, lookup: ctx.lookup, ...(ctx.event ? { event: ctx.event } : {}), ...(encounter ? { encounter } : {}) });
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

function fromAppointment(a: Appointment, patient: Patient | undefined, to: Target, ctx: FlowContext, issues: Issue[], encounter?: Encounter): Result<Converted> {
  issues.push(...validateOutput(a));
  if (hasErrors(issues)) return { value: undefined, issues };
  if (to === 'fhir') return { value: fhirOutput(a), issues };
  if (to === 'hl7v2') return toSiuText(a, patient, ctx, issues, encounter);
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
      return toSiuText(r.value.appointment, r.value.patient, ctx, issues, r.value.encounter);
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
    const { appointment, patient, encounter } = fhirAppointment(input.resource);
    if (!appointment) return { value: undefined, issues: [issue('FHIR_RESOURCE_TYPE', 'The scheduling converter needs an Appointment (or a Bundle holding one).', 'resourceType')] };
    return fromAppointment(appointment, patient, to, ctx, issues, encounter);
  },
};
