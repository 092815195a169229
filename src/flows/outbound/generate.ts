/**
 * Generated HL7v2 for an EHR: what one processed message (an office post, or an inbound message)
 * becomes for an MLLP destination whose channel payload is "hl7v2". Each office record of the
 * output is converted exactly as `frontdesk convert --to hl7v2` converts it (the vertical's
 * Converter: office -> FHIR -> HL7v2), with the trigger event chosen from what the output changed
 * in the store (./events.ts); then the destination's header is applied (./header.ts). Lab results
 * (results-inbox records) go out as one ORU^R01 written from the output's Bundle (labs/write.ts).
 *
 * Pure apart from reading stored resources through ctx.lookup. Validation against the message
 * profile and the durable control id come after, where the item is queued (src/delivery/outbound-hl7.ts).
 */
import { hasErrors, issue, type Issue } from '../../domain/issues.js';
import type { Hl7Message } from '../../hl7/message.js';
import { parseHl7 } from '../../hl7/message.js';
import { patientId } from '../../fhir/ids.js';
import { mrnSystem } from '../../adapters/appointment.js';
import { PRACTICE_MRN_SYSTEM } from '../../adapters/registration-record.js';
import { converters } from '../registry.js';
import type { FlowContext, OfficeRecord } from '../types.js';
import { appointmentEvent, billingEvent, registrationEvent, type RegistrationEvents, type ResourceChange } from './events.js';
import { buildA40 } from './merge.js';
import type { Bundle } from 'fhir/r4.js';
import { labBundleToOru } from '../labs/write.js';

const RESULT_TYPES = new Set(['DiagnosticReport', 'Observation']);

export interface GenerateOptions {
  registrationEvents: RegistrationEvents;
  /** The output's FHIR Bundle: lab results go out as one ORU^R01 written from it (src/flows/labs/write.ts). */
  bundle?: Bundle | undefined;
}

/** One message to send (or, with errors and no message, one that could not be built). */
export interface GeneratedHl7 {
  /** Which office record of the output it comes from: `office-0`, `office-1` ... */
  part: string;
  recordType: string;
  /** Trigger event, e.g. 'A04', 'S13', 'P03'. */
  event: string;
  /** The built message (header still the converter's) or undefined when it could not be built. */
  message?: Hl7Message | undefined;
  issues: Issue[];
  /** Per-patient order in the outbox: `Patient/<id>` of the record's patient. */
  orderingKey?: string | undefined;
}

const patientKey = (system: string, value: string | undefined) => (value ? `Patient/${patientId({ system, value })}` : undefined);

/** The event and the patient of one office record, or undefined when it sends nothing. */
function plan(record: OfficeRecord, changes: readonly ResourceChange[], opts: GenerateOptions): { event: string; orderingKey?: string | undefined } | undefined {
  switch (record.recordType) {
    case 'registration': {
      const event = registrationEvent(changes, opts.registrationEvents);
      return event ? { event, orderingKey: patientKey(record.mrnSystem ?? PRACTICE_MRN_SYSTEM, record.mrn) } : undefined;
    }
    case 'appointment': {
      const event = appointmentEvent(changes);
      return event ? { event, orderingKey: patientKey(mrnSystem(), record.patientMrn) } : undefined;
    }
    case 'billing-encounter': {
      const event = billingEvent(changes);
      return event ? { event, orderingKey: patientKey(mrnSystem(), record.patientMrn) } : undefined;
    }
    case 'merge-instruction':
      return { event: 'A40', orderingKey: `Patient/${record.survivingPatientId}` };
    case 'results-inbox-item': {
      // A report or result created or changed -> ORU^R01; the same results again send nothing.
      if (!opts.bundle || !changes.some((c) => RESULT_TYPES.has(c.resourceType) && c.change !== 'unchanged')) return undefined;
      const patient = opts.bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
      return { event: 'R01', orderingKey: patient?.id ? `Patient/${patient.id}` : undefined };
    }
    default:
      // Billing statuses, eligibility and payment postings have no outbound HL7v2 here.
      return undefined;
  }
}

/** The messages the office records of one output send to one destination. */
export function generateHl7(office: readonly OfficeRecord[], changes: readonly ResourceChange[], ctx: FlowContext, opts: GenerateOptions): GeneratedHl7[] {
  const out: GeneratedHl7[] = [];
  let resultsSent = false;
  office.forEach((record, i) => {
    const p = plan(record, changes, opts);
    if (!p) return;
    const recordType = record.recordType;
    const base = { part: `office-${i}`, recordType, event: p.event, orderingKey: p.orderingKey };
    if (record.recordType === 'results-inbox-item') {
      // One ORU^R01 carries every report of the output (one inbox record each): written once, from the Bundle.
      if (resultsSent) return;
      resultsSent = true;
      const m = labBundleToOru(opts.bundle!, { timezone: ctx.timezone, lookup: ctx.lookup });
      out.push({ ...base, message: m.value, issues: m.issues });
      return;
    }
    if (record.recordType === 'merge-instruction') {
      const m = buildA40(record, { timezone: ctx.timezone, lookup: ctx.lookup });
      out.push({ ...base, message: m.value, issues: m.issues });
      return;
    }
    // Exactly what `frontdesk convert <record> --to hl7v2 --event <event>` does.
    const input = { kind: 'office' as const, recordType, record };
    const conv = converters.find((c) => c.accepts(input));
    if (!conv) {
      out.push({ ...base, issues: [issue('INPUT_FORMAT_UNKNOWN', `No converter writes HL7v2 for office records of type "${recordType}".`, 'recordType')] });
      return;
    }
    const r = conv.convert(input, 'hl7v2', { ...ctx, event: p.event });
    const issues = [...r.issues];
    if (r.value?.to !== 'hl7v2' || hasErrors(issues)) {
      out.push({ ...base, issues });
      return;
    }
    const parsed = parseHl7(r.value.text);
    issues.push(...parsed.issues);
    out.push({ ...base, message: parsed.value, issues });
  });
  return out;
}
