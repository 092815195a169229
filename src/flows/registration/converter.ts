/**
 * The registration Converter (`frontdesk convert`, the gateway's office and FHIR endpoints):
 * ADT messages, FHIR Patient / Coverage / Bundle of registration resources, and office
 * registration records, each to fhir | hl7v2 | office. FHIR is the hub: office -> HL7 goes
 * office -> FHIR -> HL7, and HL7 -> office goes HL7 -> FHIR -> office. The office's merge
 * instruction (recordType merge-instruction) becomes the two linked Patients, or ADT^A40
 * (./office-merge.ts).
 */
import type { FhirResource } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import type { DetectedInput } from '../../domain/input.js';
import {
  registrationBundle, registrationFromFhir, registrationToFhir, resourcesFromFhir, validateRegistrationResources,
  type RegistrationResources,
} from '../../adapters/registration.js';
import { checkOfficeRecord } from '../../validation/index.js';
import { fhirOutput, hl7v2Output, officeOutput, type Converted, type Converter, type FlowContext, type OfficeRecord, type Target } from '../types.js';
import { runAdt } from './flow.js';
import { readAdt } from './read.js';
import { buildAdt, OUTBOUND_EVENTS } from './write.js';
import { completeMergeInstruction, mergeBundle, mergeFromOffice } from './office-merge.js';
import { buildA40 } from '../outbound/merge.js';
import { validateMessage } from '../../hl7/validate.js';

const REGISTRATION_TYPES = new Set(['Patient', 'Coverage', 'RelatedPerson', 'Organization', 'Encounter']);

type Out = Result<Converted>;

function toHl7(r: RegistrationResources, ctx: FlowContext, fallback: string, issues: Issue[]): Out {
  const event = ctx.event ?? (OUTBOUND_EVENTS[fallback] ? fallback : 'A08');
  const built = buildAdt(r, { timezone: ctx.timezone, event });
  issues.push(...built.issues);
  return built.value && !hasErrors(issues) ? { value: hl7v2Output(built.value.toString()), issues } : { value: undefined, issues };
}

function fromResources(input: RegistrationResources | undefined, to: Target, ctx: FlowContext, issues: Issue[], fallbackEvent: string): Out {
  if (!input || hasErrors(issues)) return { value: undefined, issues };
  if (to === 'fhir') return { value: fhirOutput(registrationBundle(input)), issues };
  if (to === 'hl7v2') return toHl7(input, ctx, fallbackEvent, issues);
  const office = registrationFromFhir(input);
  issues.push(...office.issues);
  return office.value ? { value: officeOutput([office.value]), issues } : { value: undefined, issues };
}

function convertHl7(input: Extract<DetectedInput, { kind: 'hl7v2' }>, to: Target, ctx: FlowContext): Out {
  const msg = input.message;
  if (to === 'hl7v2') {
    // Re-emit through FHIR (normalized); merges are not re-emitted.
    if (msg.triggerEvent === 'A40') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', 'ADT^A40 converts to fhir or office (merge instruction), not back to HL7v2.', 'MSH.9.2')] };
    const read = readAdt(msg, ctx);
    const issues = [...read.issues];
    if (read.value) issues.push(...validateRegistrationResources(read.value));
    return fromResources(read.value, 'hl7v2', ctx, issues, msg.triggerEvent);
  }
  const run = runAdt(msg, ctx);
  if (!run.value) return { value: undefined, issues: run.issues };
  if (to === 'fhir') return { value: fhirOutput(run.value.bundle), issues: run.issues };
  // One record, or (A40 with several PID/MRG pairs) the merge instructions.
  return { value: officeOutput(run.value.office), issues: run.issues };
}

function convertFhir(res: FhirResource, to: Target, ctx: FlowContext): Out {
  const picked = resourcesFromFhir(res);
  if (!picked.value) return { value: undefined, issues: picked.issues };
  const input: RegistrationResources = {
    patient: picked.value.patient,
    coverages: picked.value.coverages ?? [],
    relatedPersons: picked.value.relatedPersons ?? [],
    organizations: picked.value.organizations ?? [],
    ...(picked.value.encounters?.length ? { encounters: picked.value.encounters } : {}),
  };
  const issues = validateRegistrationResources(input);
  return fromResources(input, to, ctx, issues, 'A08');
}

/** An office merge (recordType merge-instruction): both Patients from the store, or the A40 that carries it. */
function convertMerge(record: Record<string, unknown>, to: Target, ctx: FlowContext): Out {
  const done = completeMergeInstruction(record);
  const checked = checkOfficeRecord(done.value);
  const issues = [...done.issues, ...checked.issues];
  const m = checked.value;
  if (hasErrors(issues) || m?.recordType !== 'merge-instruction') return { value: undefined, issues };
  if (to === 'office') return { value: officeOutput([m]), issues };
  if (to === 'hl7v2') {
    const a40 = buildA40(m, { timezone: ctx.timezone, lookup: ctx.lookup });
    issues.push(...a40.issues);
    if (a40.value) issues.push(...validateMessage(a40.value));
    return a40.value && !hasErrors(issues) ? { value: hl7v2Output(a40.value.toString()), issues } : { value: undefined, issues };
  }
  const patients = mergeFromOffice(m, ctx.lookup);
  issues.push(...patients.issues);
  return patients.value && !hasErrors(issues) ? { value: fhirOutput(mergeBundle(patients.value)), issues } : { value: undefined, issues };
}

function convertOffice(posted: Record<string, unknown> | OfficeRecord, to: Target, ctx: FlowContext): Out {
  // Read as the JSON it is (a typed record reads the same).
  const record: Record<string, unknown> = { ...posted };
  if (record.recordType === 'merge-instruction') return convertMerge(record, to, ctx);
  const checked = checkOfficeRecord(record);
  if (to === 'office') return checked.value ? { value: officeOutput([checked.value]), issues: checked.issues } : { value: undefined, issues: checked.issues };
  if (checked.value?.recordType !== 'registration') return { value: undefined, issues: checked.issues };
  const fhir = registrationToFhir(checked.value);
  if (!fhir.value) return { value: undefined, issues: fhir.issues };
  return fromResources(fhir.value, to, ctx, [...fhir.issues], 'A04');
}

export const registrationConverter: Converter = {
  name: 'registration',
  accepts(input) {
    if (input.kind === 'hl7v2') return input.message.messageCode === 'ADT';
    if (input.kind === 'office') return input.recordType === 'registration' || input.recordType === 'merge-instruction';
    const res = input.resource;
    if (res.resourceType === 'Patient' || res.resourceType === 'Coverage') return true;
    if (res.resourceType !== 'Bundle') return false;
    const types = (res.entry ?? []).map((e) => e.resource?.resourceType);
    return types.includes('Patient') && types.every((t) => t !== undefined && REGISTRATION_TYPES.has(t));
  },
  completeOffice: (record) => (record.recordType === 'merge-instruction' ? completeMergeInstruction(record) : { value: record, issues: [] }),
  convert(input, to, ctx) {
    if (input.kind === 'hl7v2') return convertHl7(input, to, ctx);
    if (input.kind === 'fhir') return convertFhir(input.resource, to, ctx);
    return convertOffice(input.record, to, ctx);
  },
};
