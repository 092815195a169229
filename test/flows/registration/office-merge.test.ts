/**
 * The office's own merge (recordType merge-instruction, POST /office/merge): MRNs are enough;
 * the record is completed (systems, Patient ids, the paths to move), applied like an A40 PID + MRG
 * pair against the stored Patients, and written back as ADT^A40. End to end over MLLP:
 * test/delivery/outbound-hl7-e2e.test.ts.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Bundle, Patient } from 'fhir/r4.js';
import { errorCodeOf, errorsOnly, type Issue } from '../../../src/domain/issues.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { validateMessage } from '../../../src/hl7/validate.js';
import { registrationConverter } from '../../../src/flows/registration/converter.js';
import { runAdt } from '../../../src/flows/registration/flow.js';
import { emptyLookup, fhirOf, hl7v2Of, officeOf, type ResourceLookup } from '../../../src/flows/types.js';
import { patientId } from '../../../src/fhir/ids.js';
import { PRACTICE_MRN_SYSTEM } from '../../../src/adapters/registration-record.js';
import { validateOfficeRecord } from '../../../src/validation/index.js';

const TZ = 'America/New_York';
const where = (issues: Issue[]) => errorsOnly(issues).map((i) => [errorCodeOf(i), i.expression?.[0]]);
const registration = (mrn: string, given: string) => ({ ...JSON.parse(readFileSync('examples/office/registration-basic.json', 'utf8')) as Record<string, unknown>, mrn, givenName: given });
const office = (record: Record<string, unknown>) => ({ kind: 'office' as const, recordType: String(record.recordType), record });

/** A store holding the Patients two office registrations made. */
function storeOf(...records: Array<Record<string, unknown>>): ResourceLookup {
  const m = new Map<string, Patient>();
  for (const r of records) {
    const b = fhirOf(registrationConverter.convert(office(r), 'fhir', { timezone: TZ, lookup: emptyLookup }).value) as Bundle;
    const p = b.entry!.map((e) => e.resource!).find((x): x is Patient => x.resourceType === 'Patient')!;
    m.set(p.id!, p);
  }
  return { get: (t, id) => (t === 'Patient' ? m.get(id) : undefined) };
}

describe('registration: the office merge instruction', () => {
  const merge = { recordType: 'merge-instruction', survivingMrn: 'MRN100234', retiredMrn: 'MRN100999' };
  const survivorId = patientId({ system: PRACTICE_MRN_SYSTEM, value: 'MRN100234' });
  const retiredId = patientId({ system: PRACTICE_MRN_SYSTEM, value: 'MRN100999' });
  const lookup = storeOf(registration('MRN100234', 'Avery'), registration('MRN100999', 'Avery-Dup'));

  it('MRNs are enough: the record is completed (practice MRN system, Patient ids, paths to move) and passes its schema', () => {
    const r = registrationConverter.convert(office(merge), 'office', { timezone: TZ, lookup: emptyLookup });
    expect(errorsOnly(r.issues)).to.deep.equal([]);
    expect(officeOf(r.value)).to.have.length(1);
    const m = officeOf(r.value)![0]!;
    expect(validateOfficeRecord(m)).to.deep.equal([]);
    if (m.recordType !== 'merge-instruction') throw new Error(m.recordType);
    expect(m).to.deep.include({ survivingMrnSystem: PRACTICE_MRN_SYSTEM, survivingPatientId: survivorId, retiredMrnSystem: PRACTICE_MRN_SYSTEM, retiredPatientId: retiredId, event: 'A40' });
    expect(m.moveReferences).to.include('Appointment.participant.actor');
  });

  it('-> FHIR: the stored survivor linked replaces, the stored retired record inactive and replaced-by with its own demographics, as the A40 does', () => {
    const r = registrationConverter.convert(office(merge), 'fhir', { timezone: TZ, lookup });
    expect(errorsOnly(r.issues)).to.deep.equal([]);
    const [survivor, retired] = (fhirOf(r.value) as Bundle).entry!.map((e) => e.resource as Patient);
    expect([survivor!.id, survivor!.link]).to.deep.equal([survivorId, [{ other: { reference: `Patient/${retiredId}` }, type: 'replaces' }]]);
    expect([retired!.id, retired!.active, retired!.name?.[0]?.given?.[0], retired!.link]).to.deep.equal([retiredId, false, 'Avery-Dup', [{ other: { reference: `Patient/${survivorId}` }, type: 'replaced-by' }]]);
  });

  it('-> HL7v2: an ADT^A40 that meets the v2.5.1 profile and reads back as the same merge', () => {
    const r = registrationConverter.convert(office(merge), 'hl7v2', { timezone: TZ, lookup });
    expect(errorsOnly(r.issues)).to.deep.equal([]);
    const msg = parseHl7(hl7v2Of(r.value)!).value!;
    expect(errorsOnly(validateMessage(msg))).to.deep.equal([]);
    expect([msg.messageType, msg.segment('PID')!.get(3), msg.segment('PID')!.get(5), msg.segment('MRG')!.get(1)]).to.deep.equal(['ADT^A40', 'MRN100234', 'Testperson', 'MRN100999']);
    const back = runAdt(msg, { timezone: TZ, lookup });
    expect(errorsOnly(back.issues)).to.deep.equal([]);
    expect(back.value!.office[0]).to.deep.include({ survivingPatientId: survivorId, retiredPatientId: retiredId });
  });

  it('errors name the field: a survivor not stored here, a Patient id that is not its MRN\'s, a record merged into itself', () => {
    expect(where(registrationConverter.convert(office(merge), 'fhir', { timezone: TZ, lookup: emptyLookup }).issues)).to.deep.equal([['MAP_MISSING', 'survivingMrn']]);
    expect(where(registrationConverter.convert(office({ ...merge, survivingPatientId: 'x' }), 'fhir', { timezone: TZ, lookup }).issues)).to.deep.equal([['MAP_CONFLICT', 'survivingPatientId']]);
    expect(where(registrationConverter.convert(office({ ...merge, retiredMrn: 'MRN100234' }), 'fhir', { timezone: TZ, lookup }).issues)).to.deep.equal([['MAP_CONFLICT', 'retiredMrn']]);
  });
});
