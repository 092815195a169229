/**
 * ADT^A40 (merge patient, patient identifier list): each PID + MRG pair says the record in
 * MRG.1 is the same person as the record in PID.3 and is retired into it. Output: the surviving
 * Patient with link `replaces`, the retired Patient (active false) with link `replaced-by`, and
 * an office merge instruction listing the references downstream must move.
 */
import type { Patient } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import type { MergeInstruction } from '../../adapters/registration-record.js';
import { patientFromPid, patientIdFor, withSystems } from '../patient-from-pid.js';
import { readMrg } from './read.js';

/** Every place a Patient is referenced in what Frontdesk stores or sends. */
export const PATIENT_REFERENCE_PATHS = [
  'Coverage.beneficiary',
  'Coverage.subscriber',
  'RelatedPerson.patient',
  'Appointment.participant.actor',
  'Encounter.subject',
  'Claim.patient',
  'DiagnosticReport.subject',
  'Observation.subject',
  'ServiceRequest.subject',
  'Account.subject',
];

/** Office record types that carry a patient MRN. */
export const PATIENT_OFFICE_RECORDS = ['registration', 'appointment', 'billing-encounter', 'results-inbox-item'];

export interface MergeResult {
  patients: Patient[];
  instructions: MergeInstruction[];
}

function mrgAfter(msg: Hl7Message, pid: Hl7Segment): Hl7Segment | undefined {
  const i = msg.segments.indexOf(pid);
  for (const s of msg.segments.slice(i + 1)) {
    if (s.name === 'PID') return undefined;
    if (s.name === 'MRG') return s;
  }
  return undefined;
}

export function readMerge(msg: Hl7Message, ctx: { timezone: string }): Result<MergeResult> {
  const issues: Issue[] = [];
  const patients: Patient[] = [];
  const instructions: MergeInstruction[] = [];
  const pids = msg.all('PID');
  if (!pids.length) return { value: undefined, issues: [issue('HL7_SEGMENT_MISSING', 'A merge message needs a PID segment (the surviving record).', 'PID')] };
  const evn = msg.segment('EVN');
  const recorded = evn ? (readSegment(msg, evn, segmentMap(loadMapping('adt'), 'EVN'), ctx).value as { recorded?: string }).recorded : undefined;
  for (const pid of pids) {
    const p = patientFromPid(msg, ctx, pid);
    issues.push(...p.issues);
    const mrg = mrgAfter(msg, pid);
    if (!mrg) {
      issues.push(issue('HL7_SEGMENT_MISSING', `${msg.location(pid)} has no MRG segment after it: nothing says which record to retire.`, 'MRG'));
      continue;
    }
    const m = readMrg(msg, mrg, ctx);
    issues.push(...m.issues);
    if (!p.value || !m.value) continue;
    const where = msg.location(mrg, 1);
    const retiredIds = withSystems(m.value, where, issues);
    const retired = retiredIds[0];
    if (!retired?.value || !retired.system) continue;
    const survivor = p.value;
    const survivorId = survivor.identifier![0]!;
    const retiredId = patientIdFor(retired);
    if (retiredId === survivor.id) {
      issues.push(issue('MAP_CONFLICT', `${where} names the same record as PID.3; a record cannot be merged into itself.`, where));
      continue;
    }
    survivor.link = [...(survivor.link ?? []), { other: { reference: `Patient/${retiredId}` }, type: 'replaces' }];
    // The retired record is the same person: it keeps the survivor's name and gender so it still passes fd-patient.
    const old: Patient = {
      resourceType: 'Patient',
      id: retiredId,
      identifier: retiredIds,
      active: false,
      ...(survivor.name ? { name: survivor.name } : {}),
      ...(survivor.gender ? { gender: survivor.gender } : {}),
      link: [{ other: { reference: `Patient/${survivor.id}` }, type: 'replaced-by' }],
    };
    patients.push(survivor, old);
    instructions.push({
      recordType: 'merge-instruction',
      survivingMrn: survivorId.value!,
      survivingMrnSystem: survivorId.system!,
      survivingPatientId: survivor.id!,
      retiredMrn: retired.value,
      retiredMrnSystem: retired.system,
      retiredPatientId: retiredId,
      moveReferences: PATIENT_REFERENCE_PATHS,
      moveOfficeRecords: PATIENT_OFFICE_RECORDS,
      event: msg.triggerEvent || 'A40',
      ...(recorded ? { eventDateTime: recorded } : {}),
      ...(msg.controlId ? { messageControlId: msg.controlId } : {}),
    });
  }
  if (!instructions.length) return { value: undefined, issues };
  return { value: { patients, instructions }, issues };
}
