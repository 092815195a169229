/**
 * The inbound ADT flow: parse (done by the caller) -> map (read.ts / merge.ts) -> validate
 * (profiles and the office schema) -> FlowOutput (transaction Bundle of PUTs to deterministic ids
 * plus the office registration record, or the merge instruction for A40).
 */
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message } from '../../hl7/message.js';
import { isSupportedEvent, supportedEventsOf } from '../../hl7/dictionary.js';
import { registrationBundle, registrationFromFhir, validateRegistrationResources } from '../../adapters/registration.js';
import { validateOfficeRecord, validateResource } from '../../validation/index.js';
import type { FlowContext, FlowOutput, InboundHl7Flow } from '../types.js';
import { readMerge } from './merge.js';
import { mergeBundle } from './office-merge.js';
import { readAdt } from './read.js';
import { updateRecordedVisit } from '../recorded-visit.js';

/** Events that register or update a patient (A01/A03/A05 are read as registration updates). */
export const REGISTRATION_EVENTS = ['A01', 'A03', 'A04', 'A05', 'A08', 'A28', 'A31'];
export const MERGE_EVENTS = ['A40', 'A47'];

export function runAdt(msg: Hl7Message, ctx: Pick<FlowContext, 'timezone'> & { lookup?: FlowContext['lookup'] }): Result<FlowOutput> {
  const event = msg.triggerEvent;
  if (msg.messageCode !== 'ADT') {
    return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `Message type ${msg.messageType} is not ADT.`, 'MSH.9')] };
  }
  // One list of handled events (profiles/hl7v2/events.json) for validate, convert and the gateway.
  if (!isSupportedEvent('ADT', event)) {
    return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `ADT^${event || '(empty)'} (MSH-9) is not handled by this gateway; handled: ADT^${supportedEventsOf('ADT').join(', ^')}.`, 'MSH.9')] };
  }
  if (MERGE_EVENTS.includes(event)) return runMerge(msg, ctx);
  const issues: Issue[] = [];
  if (!REGISTRATION_EVENTS.includes(event)) {
    issues.push(issue('MAP_INFO', `ADT^${event || '?'} is read as a registration update: patient demographics and insurance only.`, 'MSH.9.2'));
  }
  const read = readAdt(msg, ctx);
  issues.push(...read.issues);
  if (!read.value || hasErrors(issues)) return { value: undefined, issues };
  // The visit as recorded, updated by this ADT (what its PV1 leaves empty stays as recorded).
  const lookup = ctx.lookup;
  if (lookup && read.value.encounters) read.value.encounters = read.value.encounters.map((e) => updateRecordedVisit(e, lookup));
  issues.push(...validateRegistrationResources(read.value));
  const office = registrationFromFhir(read.value);
  issues.push(...office.issues);
  if (!office.value || hasErrors(issues)) return { value: undefined, issues };
  return { value: { bundle: registrationBundle(read.value), office: [office.value] }, issues };
}

function runMerge(msg: Hl7Message, ctx: Pick<FlowContext, 'timezone'> & { lookup?: FlowContext['lookup'] }): Result<FlowOutput> {
  const m = readMerge(msg, ctx);
  const issues = [...m.issues];
  if (!m.value || hasErrors(issues)) return { value: undefined, issues };
  m.value.patients.forEach((p, i) => {
    const found = validateResource(p, { profile: 'fd-patient' });
    issues.push(...found.map((x) => ({ ...x, expression: (x.expression ?? ['Patient']).map((e) => e.replace(/^Patient/, `Patient[${i}]`)) })));
  });
  for (const ins of m.value.instructions) issues.push(...validateOfficeRecord(ins));
  if (hasErrors(issues)) return { value: undefined, issues };
  const bundle = mergeBundle(m.value.patients);
  return { value: { bundle, office: m.value.instructions }, issues };
}

const UPDATE_EVENTS = ['A08', 'A31'];

/**
 * Checks against stored state (the gateway's store; empty in the CLI). Registration upserts, so
 * an update for an unknown patient is not an error: it is said (a merge of an unknown record is
 * said by readMerge).
 */
function stateNotes(msg: Hl7Message, out: FlowOutput, ctx: FlowContext): Issue[] {
  const notes: Issue[] = [];
  const first = out.bundle.entry?.[0]?.resource;
  if (UPDATE_EVENTS.includes(msg.triggerEvent) && first && !ctx.lookup.get('Patient', first.id ?? '')) {
    notes.push(issue('MAP_INFO', `ADT^${msg.triggerEvent} updates a patient not stored here yet; it is registered as new.`, 'PID.3'));
  }
  return notes;
}

export const adtRegistrationFlow: InboundHl7Flow = {
  name: 'adt-registration',
  messageTypes: supportedEventsOf('ADT').map((e) => `ADT^${e}`),
  run(msg, ctx) {
    const r = runAdt(msg, ctx);
    return r.value ? { value: r.value, issues: [...r.issues, ...stateNotes(msg, r.value, ctx)] } : r;
  },
};
