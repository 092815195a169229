/**
 * An office merge instruction -> ADT^A40 (merge patient, patient identifier list; v2.5.1 structure
 * ADT_A39): MSH EVN PID MRG. PID is the surviving Patient as stored (registered through ADT or the
 * office), MRG-1 the retired record's identifier (CX with its assigning authority). Objects keyed
 * by field number, written through mappings/patient.json and mappings/adt.json.
 */
import type { Identifier, Patient } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import { createMessage, type Hl7Message } from '../../hl7/message.js';
import { fhirToHl7DateTime } from '../../mapping/datetime.js';
import { writeSegment } from '../../mapping/engine.js';
import { contentControlId } from '../../fhir/ids.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import type { MergeInstruction } from '../../adapters/registration-record.js';
import { patientToPid } from '../patient-from-pid.js';
import type { ResourceLookup } from '../types.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const mrn = (system: string, value: string): Identifier => ({ system, value, type: { coding: [{ system: V2_0203, code: 'MR' }] } });

export function buildA40(m: MergeInstruction, opts: { timezone: string; lookup: ResourceLookup; now?: Date }): Result<Hl7Message> {
  const issues: Issue[] = [];
  const stored = opts.lookup.get('Patient', m.survivingPatientId) as Patient | undefined;
  if (!stored) {
    issues.push(issue('MAP_MISSING', `The surviving patient ${m.survivingMrn} is not registered here: PID-5 (name) cannot be filled.`, 'survivingPatientId', 'warning'));
  }
  const survivor: Patient = stored ?? { resourceType: 'Patient', identifier: [mrn(m.survivingMrnSystem, m.survivingMrn)] };
  const ctx = { timezone: opts.timezone };
  const nowFhir = (opts.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  const msg = createMessage({
    3: 'FRONTDESK', 4: 'FRONTDESK', 7: fhirToHl7DateTime(nowFhir)!,
    9: ['ADT', 'A40', 'ADT_A39'],
    // Replaced by the destination's durable control id when queued (src/delivery/outbound-hl7.ts).
    10: contentControlId('A40', JSON.stringify(m)),
    11: 'P', 12: '2.5.1',
  });
  // EVN-1 event type, EVN-2 recorded (the instruction's time when it has one).
  msg.add('EVN', { 1: 'A40', ...writeSegment({ recorded: m.eventDateTime ?? nowFhir }, segmentMap(loadMapping('adt'), 'EVN'), ctx) });
  msg.add('PID', patientToPid(survivor, ctx));
  // MRG-1 prior patient identifier list: the retired record's MRN.
  msg.add('MRG', writeSegment({ identifier: [mrn(m.retiredMrnSystem, m.retiredMrn)] }, segmentMap(loadMapping('adt'), 'MRG'), ctx));
  return { value: msg, issues };
}
