/**
 * ADT^A40 / A47 (merge patient, patient identifier list; change patient identifier list): each
 * PID + MRG pair says the record in MRG.1 is the same person as the record in PID.3 and is retired
 * into it. An A47 changes the identifier of one record: when the record under the new identifier
 * is not stored yet, it starts from the stored old record's demographics. Output: the surviving Patient with link `replaces`, the retired Patient (active false)
 * with link `replaced-by`, and an office merge instruction listing the references downstream must
 * move.
 *
 * The retired Patient keeps its own demographics: when it is stored (ctx.lookup), it is that
 * stored resource with `active: false` and the link added, nothing else changed. Only a retired
 * record never stored here is written minimal (its MRG.1 identifiers, and the survivor's name and
 * sex so it passes fd-patient: the profile requires both), said as MAP_INFO.
 * The survivor is the stored one (if any) updated with what this PID carries: an A40 PID is the
 * survivor's registration data, but a sparse one must not drop what the survivor already had.
 * Re-pointing every stored reference happens when the retired Patient is written
 * (src/runtime/persist.ts: a Patient written with link `replaced-by`).
 */
import type { Identifier, Patient } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import type { MergeInstruction } from '../../adapters/registration-record.js';
import { patientId as patientIdFor } from '../../fhir/ids.js';
import { patientFromPid, withSystems } from '../patient-from-pid.js';
import { readMrg } from './read.js';
import type { ResourceLookup } from '../types.js';

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

export function readMerge(msg: Hl7Message, ctx: { timezone: string; lookup?: ResourceLookup }): Result<MergeResult> {
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
    const pair = mergePair(survivor, retiredIds, where, msg.location(pid, 3), ctx.lookup, issues, { identifierChange: msg.triggerEvent === 'A47' });
    if (!pair) continue;
    const { merged, old } = pair;
    const retiredId = old.id!;
    patients.push(merged, old);
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

/**
 * One merge: `survivor` (the incoming record of the surviving person, or the stored one) absorbs
 * the record named by `retiredIds` (its first identifier gives its id). The survivor is the stored
 * Patient updated with what `survivor` carries (identifiers merged) and linked `replaces`; the
 * retired one is the stored Patient made inactive and linked `replaced-by`, its own demographics
 * kept; a retired record never stored here is written minimal (MAP_INFO at `where`). No value when
 * both name the same record (MAP_CONFLICT at `where`, naming `survivorWhere`).
 */
export function mergePair(survivor: Patient, retiredIds: Identifier[], where: string, survivorWhere: string, lookup: ResourceLookup | undefined, issues: Issue[], opts: { identifierChange?: boolean } = {}): { merged: Patient; old: Patient } | undefined {
  const retired = retiredIds[0]!;
  const retiredId = patientIdFor(retired);
  if (retiredId === survivor.id) {
    issues.push(issue('MAP_CONFLICT', `${where} names the same record as ${survivorWhere}; a record cannot be merged into itself.`, where));
    return undefined;
  }
  const storedSurvivor = lookup?.get('Patient', survivor.id!) as Patient | undefined;
  const storedRetired = lookup?.get('Patient', retiredId) as Patient | undefined;
  let merged: Patient = storedSurvivor ? { ...storedSurvivor, ...survivor, identifier: unionIdentifiers(storedSurvivor.identifier, survivor.identifier) } : survivor;
  if (!storedSurvivor && storedRetired && opts.identifierChange) {
    // A47 (change patient identifier list): the person's record lives on under the new
    // identifier, so the new record starts from the stored one's demographics (what the A47's
    // PID sends wins); the old identifier stays on the retired record only, as MRG-1 replaced it.
    const { id: _id, meta: _meta, identifier: _ids, link: _link, active: _active, text: _text, ...demographics } = storedRetired;
    merged = { ...demographics, ...withoutEmpty(survivor) } as Patient;
    issues.push(issue('MAP_INFO', `The record under the new identifier (${survivorWhere}) is not stored yet: it takes the demographics of the record under the old one (${where}), with what this PID sends.`, survivorWhere));
  }
  const replaces = { other: { reference: `Patient/${retiredId}` }, type: 'replaces' as const };
  merged.link = [...(storedSurvivor?.link ?? []).filter((l) => l.other?.reference !== replaces.other.reference), replaces];
  const replacedBy = { other: { reference: `Patient/${survivor.id}` }, type: 'replaced-by' as const };
  if (storedRetired) {
    // Its own demographics stay; it only becomes inactive and says where the person lives on.
    return { merged, old: { ...storedRetired, active: false, link: [...(storedRetired.link ?? []).filter((l) => l.type !== 'replaced-by'), replacedBy] } };
  }
  issues.push(issue('MAP_INFO', `The retired record (${where}) is not stored here: it is written with its identifiers and, as fd-patient requires a name and sex, the surviving record's.`, where));
  return {
    merged,
    old: {
      resourceType: 'Patient',
      id: retiredId,
      identifier: retiredIds,
      active: false,
      ...(survivor.name ? { name: survivor.name } : {}),
      ...(survivor.gender ? { gender: survivor.gender } : {}),
      link: [replacedBy],
    },
  };
}

/** The elements of a Patient that hold something (a PID field left empty sends nothing). */
function withoutEmpty(p: Patient): Partial<Patient> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && !v.length)));
}

/** The stored identifiers, then the message's ones not among them (system + value). */
function unionIdentifiers(stored: Patient['identifier'], incoming: Patient['identifier']): Patient['identifier'] {
  const out = [...(stored ?? [])];
  const seen = new Set(out.map((i) => `${i.system ?? ''}|${i.value ?? ''}`));
  for (const i of incoming ?? []) if (!seen.has(`${i.system ?? ''}|${i.value ?? ''}`)) out.push(i);
  return out;
}
