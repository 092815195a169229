/**
 * ADT^A47 (change patient identifier list) end to end over MLLP into a SQLite store: a patient
 * registered under MRN-A47-OLD (A04, with an appointment, a visit and a charge) gets the new
 * identifier MRN-A47-NEW from an A47 whose PID is sparse (name and sex). The record under the new
 * identifier starts from the old record's demographics; the old record stays with its own, inactive
 * and `replaced-by`; everything that referenced it moves; a later message with the old MRN lands on
 * the new record. Before this, A47 was rejected at MSH.9.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Patient } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { patientIdFor } from '../../src/flows/patient-from-pid.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { originalAckMode, startMllpHarness, type MllpHarness } from '../support/gateway.js';

const SYSTEM = 'http://frontdesk.example.org/fhir/sid/mrn';
const OLD = 'MRN-A47-OLD';
const NEW = 'MRN-A47-NEW';

function example(path: string, controlId: string, replace: Record<string, string>): string {
  const text = originalAckMode(readFileSync(resolve('examples/hl7v2', path), 'utf8').replace(/\r?\n/g, '\r'));
  return text.split('\r').map((line) => {
    const name = line.slice(0, 3);
    if (name === 'MSH') { const f = line.split('|'); f[9] = controlId; return f.join('|'); }
    return replace[name] ?? line;
  }).join('\r');
}
const pid = (mrn: string, rest: string) => `PID|1||${mrn}^^^FRONTDESK^MR||${rest}`;

describe('runtime: ADT^A47 moves a record to its new identifier', function () {
  this.timeout(60_000);
  let h: MllpHarness;
  let gw: Gateway;
  const oldId = patientIdFor({ system: SYSTEM, value: OLD });
  const newId = patientIdFor({ system: SYSTEM, value: NEW });

  before(async () => {
    h = await startMllpHarness();
    gw = h.gw;
  });
  after(() => h.close());

  const send = (text: string, expected = 'AA') => h.sendExpecting(text, expected);
  const patient = async (id: string) => (await gw.store.resources.get('Patient', id))?.resource as Patient | undefined;

  it('the A47 example meets its message profile (ADT_A30) in every version it is sent in', () => {
    const text = readFileSync('examples/hl7v2/registration/adt-a47-identifier-change.hl7', 'utf8').replace(/\r?\n/g, '\r');
    for (const v of ['2.3', '2.4', '2.5.1', '2.6', '2.8']) {
      const msg = parseHl7(text.replace('|P|2.5.1', `|P|${v}`)).value!;
      expect(validateMessage(msg).filter((i) => i.severity === 'error'), v).to.deep.equal([]);
    }
  });

  it('A04, SIU and DFT under the old MRN', async () => {
    await send(example('adt-a04.hl7', 'A47-A04', { PID: pid(OLD, 'Oldid^Morgan^^^^^L||19770707|M|||5 Pine St^^Springfield^IL^62701^USA^H') }));
    await send(example('scheduling/s12-new.hl7', 'A47-S12', { PID: pid(OLD, 'Oldid^Morgan^^^^^L||19770707|M') }));
    await send(example('billing/dft-p03-office-visit.hl7', 'A47-DFT', { PID: pid(OLD, 'Oldid^Morgan^^^^^L||19770707|M') }));
    expect((await gw.store.resources.referencing(`Patient/${oldId}`)).length).to.be.greaterThan(2);
    expect(await patient(newId)).to.equal(undefined);
  });

  it('A47 with a sparse PID: the new record carries the demographics over; the old one keeps its own, inactive, replaced-by', async () => {
    const row = await send(example('registration/adt-a47-identifier-change.hl7', 'A47-A47', {
      PID: pid(NEW, 'Oldid^Morgan^^^^^L|||M'),
      MRG: `MRG|${OLD}^^^FRONTDESK^MR`,
    }));
    const now = (await patient(newId))!;
    expect(now.birthDate).to.equal('1977-07-07');
    expect(now.address?.[0]?.line).to.deep.equal(['5 Pine St']);
    expect(now.identifier?.map((i) => i.value)).to.deep.equal([NEW]);
    expect(now.link).to.deep.equal([{ other: { reference: `Patient/${oldId}` }, type: 'replaces' }]);
    const old = (await patient(oldId))!;
    expect(old.active).to.equal(false);
    expect(old.identifier?.map((i) => i.value)).to.deep.equal([OLD]);
    expect(old.birthDate).to.equal('1977-07-07');
    expect(old.link).to.deep.equal([{ other: { reference: `Patient/${newId}` }, type: 'replaced-by' }]);
    // Everything moved: appointment, coverage, claim, the visit.
    expect(await gw.store.resources.referencing(`Patient/${oldId}`)).to.deep.equal([]);
    const moved = (await gw.store.resources.referencing(`Patient/${newId}`)).map((s) => s.resource.resourceType);
    for (const t of ['Appointment', 'Coverage', 'Claim', 'Encounter']) expect(moved, t).to.include(t);
    const [instruction] = (await gw.store.officeRecords.of(row.id)) as Array<{ recordType: string; event?: string; retiredMrn?: string; survivingMrn?: string }>;
    expect(instruction).to.include({ recordType: 'merge-instruction', event: 'A47', retiredMrn: OLD, survivingMrn: NEW });
  });

  it('a later SIU with the old MRN lands on the new record', async () => {
    const row = await send(example('scheduling/s12-new.hl7', 'A47-S12-LATE', {
      SCH: 'SCH|REF-4747^EHR|EHR-4747^EHRSCHED||||Booked|FOLLOWUP^A follow up visit from a previous appointment^HL70276|Normal^Normal^HL70277|20|min^minutes^ANS+||||||^Scheduler^Sam||||^Scheduler^Sam|||||Booked^Booked^HL70278',
      PID: pid(OLD, 'Oldid^Morgan^^^^^L||19770707|M'),
    }));
    const appt = (await gw.store.resources.listOfType('Appointment')).find((a) => JSON.stringify(a).includes('EHR-4747'));
    expect(JSON.stringify(appt)).to.contain(`"reference":"Patient/${newId}"`);
    expect(row.issues.some((i) => /merged into Patient/.test(i.diagnostics ?? ''))).to.equal(true);
  });

  it('A41-A46, A48 and A49 are still rejected naming MSH.9', async () => {
    const row = await send(example('registration/adt-a47-identifier-change.hl7', 'A47-A49', {}).replace('ADT^A47^ADT_A30', 'ADT^A49^ADT_A30'), 'AR');
    expect(row.issues.some((i) => i.expression?.[0]?.startsWith('MSH.9'))).to.equal(true);
  });
});
