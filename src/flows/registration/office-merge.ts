/**
 * The office's own merge (POST /office/merge, `frontdesk convert merge.json`): a merge instruction
 * naming the surviving and the retired MRN is applied exactly as one PID + MRG pair of an ADT^A40
 * (src/flows/registration/merge.ts, mergePair): the stored surviving Patient gets link `replaces`, the
 * stored retired Patient becomes inactive with link `replaced-by` and keeps its own demographics,
 * and the gateway re-points every stored reference when it writes them (src/runtime/persist.ts).
 * An MLLP destination with payload "hl7v2" then gets it as ADT^A40 (src/flows/outbound/).
 *
 * The office knows MRNs, not Frontdesk's Patient ids: completeMergeInstruction fills what the
 * record kept and sent on carries (MRN systems default to the practice's, the Patient ids from
 * src/fhir/ids.ts, the paths and record types to move). A Patient id the office did send must be
 * the one its MRN gives, or the merge would retire the wrong record: an error naming the field.
 */
import type { Bundle, Identifier, Patient } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../../domain/issues.js';
import { patientId } from '../../fhir/ids.js';
import { PRACTICE_MRN_SYSTEM, type MergeInstruction } from '../../adapters/registration-record.js';
import { validateResource } from '../../validation/index.js';
import type { ResourceLookup } from '../types.js';
import { mergePair, PATIENT_OFFICE_RECORDS, PATIENT_REFERENCE_PATHS } from './merge.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const mrn = (system: string, value: string): Identifier => ({ system, value, type: { coding: [{ system: V2_0203, code: 'MR' }] } });
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * The merge instruction as the gateway keeps and sends it: systems, Patient ids and the paths to
 * move filled in. Left as posted where the MRNs are missing (the schema check then names them).
 */
export function completeMergeInstruction(record: Record<string, unknown>): Result<Record<string, unknown>> {
  const issues: Issue[] = [];
  const out: Record<string, unknown> = { ...record };
  for (const side of ['surviving', 'retired'] as const) {
    const system = text(record[`${side}MrnSystem`]) ?? PRACTICE_MRN_SYSTEM;
    out[`${side}MrnSystem`] = system;
    const value = text(record[`${side}Mrn`]);
    if (!value) continue;
    const id = patientId({ system, value });
    const sent = record[`${side}PatientId`];
    if (sent !== undefined && sent !== id) {
      issues.push(issue('MAP_CONFLICT', `${side}PatientId "${String(sent)}" is not the Patient of ${side}Mrn ${value} (${system}), which is "${id}": the merge would move the wrong record. Leave ${side}PatientId out, or send the one the MRN gives.`, `${side}PatientId`));
    }
    out[`${side}PatientId`] = id;
  }
  if (out.moveReferences === undefined) out.moveReferences = PATIENT_REFERENCE_PATHS;
  if (out.moveOfficeRecords === undefined) out.moveOfficeRecords = PATIENT_OFFICE_RECORDS;
  if (out.event === undefined) out.event = 'A40';
  return { value: out, issues };
}

/**
 * The two Patients of an office merge, from the store: the surviving one must be registered here
 * (it is the record that lives on, and A40's PID is built from it); the retired one is written
 * minimal when it is not (MAP_INFO), as for an A40.
 */
export function mergeFromOffice(m: MergeInstruction, lookup: ResourceLookup): Result<Patient[]> {
  const issues: Issue[] = [];
  const survivor = lookup.get('Patient', m.survivingPatientId) as Patient | undefined;
  if (!survivor) {
    return {
      value: undefined,
      issues: [issue('MAP_MISSING', `The surviving patient (survivingMrn ${m.survivingMrn}) is not registered here: a merge keeps the surviving record, so register it first.`, 'survivingMrn')],
    };
  }
  const pair = mergePair(survivor, [mrn(m.retiredMrnSystem, m.retiredMrn)], 'retiredMrn', 'survivingMrn', lookup, issues);
  if (!pair) return { value: undefined, issues };
  const patients = [pair.merged, pair.old];
  patients.forEach((p, i) => {
    const found = validateResource(p, { profile: 'fd-patient' });
    issues.push(...found.map((x) => ({ ...x, expression: (x.expression ?? ['Patient']).map((e) => e.replace(/^Patient/, `Patient[${i}]`)) })));
  });
  return hasErrors(issues) ? { value: undefined, issues } : { value: patients, issues };
}

/** The merge's transaction Bundle: both Patients, PUT to their ids. */
export function mergeBundle(patients: Patient[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: patients.map((p) => ({ fullUrl: `Patient/${p.id}`, resource: p, request: { method: 'PUT', url: `Patient/${p.id}` } })),
  };
}
