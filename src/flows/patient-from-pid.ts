/**
 * PID (+ PD1) <-> FHIR Patient through mappings/patient.json. Every vertical that carries a
 * patient in HL7v2 (ADT, SIU, ORU, DFT) reads and writes its PID here, so the same patient
 * always gets the same Patient id (patientId in src/fhir/ids.ts: the first PID.3 identifier).
 */
import type { Identifier, Patient } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import type { FieldValue, Hl7Message, Hl7Segment } from '../hl7/message.js';
import { readSegment, writeSegment } from '../mapping/engine.js';
import { patientId } from '../fhir/ids.js';

/** The Patient id rule (src/fhir/ids.ts patientId), under the name callers of this module know. */
export { patientId as patientIdFor } from '../fhir/ids.js';
import { loadMapping, segmentMap } from '../mapping/loader.js';

export interface PidContext {
  /** IANA timezone of the practice, for PID.29 and other times without offset. */
  timezone: string;
}

/**
 * Read the message's PID (and PD1 when present) into a Patient with a deterministic id.
 * No value when there is no PID or PID.3 holds no identifier; issues name the field (`PID.3`).
 */
export function patientFromPid(msg: Hl7Message, ctx: PidContext, pid: Hl7Segment | undefined = msg.segment('PID')): Result<Patient> {
  if (!pid) return { value: undefined, issues: [issue('HL7_SEGMENT_MISSING', 'The message has no PID segment.', 'PID')] };
  const mapping = loadMapping('patient');
  const issues: Issue[] = [];
  // Read into the Patient itself, its first members already in place (the id is set once PID-3 is
  // read), rather than into an object that is then copied behind them: one object per patient.
  const body: Partial<Patient> = { resourceType: 'Patient', id: undefined };
  const read = readSegment(msg, pid, segmentMap(mapping, 'PID'), ctx, body as Record<string, unknown>);
  issues.push(...read.issues);
  // PD1 belongs to this PID only when it follows it before the next PID (one patient per group).
  const pd1 = nextInGroup(msg, pid, 'PD1');
  if (pd1) {
    const r = readSegment(msg, pd1, segmentMap(mapping, 'PD1'), ctx, body as Record<string, unknown>);
    issues.push(...r.issues);
  }
  if (body.identifier) body.identifier = withSystems(body.identifier, msg.location(pid, 3), issues);
  // deceased[x] is a choice (PID.29 date/time, PID.30 indicator): the date says more; a "N" beside a date is a contradiction, said.
  if (body.deceasedDateTime !== undefined && body.deceasedBoolean !== undefined) {
    if (body.deceasedBoolean === false) issues.push(issue('MAP_INFO', 'PID.30 says not deceased but PID.29 gives a death date; the date is kept.', msg.location(pid, 30), 'warning'));
    delete body.deceasedBoolean;
  }
  if (!body.identifier?.length) delete body.identifier;
  const first = body.identifier?.[0];
  if (!first?.value) {
    if (!issues.some((i) => i.expression?.includes(msg.location(pid, 3)))) {
      issues.push(issue('MAP_MISSING', 'PID.3 holds no patient identifier.', msg.location(pid, 3)));
    }
    return { value: undefined, issues };
  }
  body.id = patientId(first);
  return { value: body as Patient, issues };
}

export const PRACTICE_MRN_SYSTEM = 'http://frontdesk.example.org/fhir/sid/mrn';
const US_SSN = 'http://hl7.org/fhir/sid/us-ssn';

/**
 * Identifiers without an assigning authority (CX.4) have no system, which fd-patient forbids.
 * The first is the sender's MRN: read as the practice MRN (information issue). An SS-typed one
 * is a US SSN. Any other is left out with a warning naming the field.
 */
export function withSystems(ids: Identifier[], where: string, issues: Issue[]): Identifier[] {
  const out: Identifier[] = [];
  ids.forEach((id, i) => {
    if (id.system) { out.push(id); return; }
    const type = id.type?.coding?.[0]?.code;
    if (type === 'SS') { out.push({ ...id, system: US_SSN }); return; }
    if (i === 0) {
      issues.push(issue('MAP_INFO', `${where} repetition 1 has no assigning authority (CX.4); read as the practice MRN (${PRACTICE_MRN_SYSTEM}).`, where));
      out.push({ ...id, system: PRACTICE_MRN_SYSTEM });
      return;
    }
    issues.push(issue('MAP_MISSING', `${where} repetition ${i + 1} ("${id.value}") has no assigning authority (CX.4) and no known type; left out of Patient.identifier.`, where, 'warning'));
  });
  return out;
}

/** The first segment `name` after `from` and before the next segment of `from`'s kind. */
function nextInGroup(msg: Hl7Message, from: Hl7Segment, name: string): Hl7Segment | undefined {
  const i = msg.segments.indexOf(from);
  for (const s of msg.segments.slice(i + 1)) {
    if (s.name === from.name) return undefined;
    if (s.name === name) return s;
  }
  return undefined;
}

/** Patient -> PID fields keyed by number (PID.1 set id = 1), for `msg.add('PID', fields)`. */
export function patientToPid(patient: Patient, ctx: PidContext): Record<number, FieldValue> {
  const fields = writeSegment(patient, segmentMap(loadMapping('patient'), 'PID'), ctx);
  // PID.30 death indicator beside a death date (deceasedDateTime implies deceased).
  if (patient.deceasedDateTime && fields[30] === undefined) fields[30] = 'Y';
  return { 1: '1', ...fields };
}

/** Patient -> PD1 fields, or undefined when the Patient carries nothing PD1 maps. */
export function patientToPd1(patient: Patient, ctx: PidContext): Record<number, FieldValue> | undefined {
  const fields = writeSegment(patient, segmentMap(loadMapping('patient'), 'PD1'), ctx);
  return Object.keys(fields).length ? fields : undefined;
}
