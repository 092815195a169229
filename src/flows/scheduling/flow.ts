/**
 * The scheduling flow (SIU^*, the MLLP gateway and POST /hl7v2): the SIU read into an Appointment
 * (and its Patient) through ./read.ts, validated (fd-appointment), and its transaction Bundle
 * (Patient + Appointment, PUT to deterministic ids) with the office appointment record.
 */
import type { Appointment, Bundle, BundleEntry, Encounter, FhirResource, Patient } from 'fhir/r4.js';
import { hasErrors, issue, type Result } from '../../domain/issues.js';
import type { Hl7Message } from '../../hl7/message.js';
import { validateOfficeRecord } from '../../validation/index.js';
import { appointmentFromFhir } from '../../adapters/appointment.js';
import type { FlowContext, FlowOutput, InboundHl7Flow } from '../types.js';
import { readSiu } from './read.js';
import { validateOutput } from './validate.js';
import { keepRegistered } from '../registered-patient.js';
import { visitOfMessage } from '../recorded-visit.js';

/** SIU -> validated Appointment (+ Patient, + the visit of PV1 as an Encounter) and office record. */
export function convertSiu(msg: Hl7Message, ctx: FlowContext): Result<FlowOutput & { appointment: Appointment; patient?: Patient; encounter?: Encounter }> {
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
  // PV1 -> the visit (mappings/encounter.json), the same Encounter an ADT or ORU of that visit
  // number makes, linked to this Appointment (R4: Encounter.appointment); only fills a recorded one.
  let encounter: Encounter | undefined;
  if (r.value.patient && appointment.id) {
    const v = visitOfMessage(msg, r.value.patient, ctx, msg.segment('PV1'), { appointment: [{ reference: `Appointment/${appointment.id}` }] });
    issues.push(...v.issues);
    encounter = v.value;
  }
  const office = appointmentFromFhir(appointment, patient ? { patient } : {});
  issues.push(...office.issues);
  // Office record issues get no prefix (they already name the record field).
  if (office.value) issues.push(...validateOfficeRecord(office.value));
  if (hasErrors(issues)) return { value: undefined, issues };
  const entry: BundleEntry[] = [];
  const resources: Array<FhirResource | undefined> = [patient, appointment, encounter];
  for (const res of resources) {
    if (!res?.id) continue;
    entry.push({ fullUrl: `${res.resourceType}/${res.id}`, resource: res, request: { method: 'PUT', url: `${res.resourceType}/${res.id}` } });
  }
  const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry };
  return { value: { bundle, office: office.value ? [office.value] : [], appointment, ...(patient ? { patient } : {}), ...(encounter ? { encounter } : {}) }, issues };
}

export const siuFlow: InboundHl7Flow = {
  name: 'siu-scheduling',
  messageTypes: ['SIU^*'],
  run(message, ctx): Result<FlowOutput> {
    const r = convertSiu(message, ctx);
    return r.value ? { value: { bundle: r.value.bundle, office: r.value.office }, issues: r.issues } : { value: undefined, issues: r.issues };
  },
};
