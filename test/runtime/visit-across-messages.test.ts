/**
 * One visit, one Encounter, end to end over MLLP into a SQLite store: an A04 records visit
 * V000123 (location, attending, admit time); an SIU^S12, an ORU^R01 and a DFT^P03 that name the
 * same visit number in PV1-19 land on that Encounter. They link what they make to it (the
 * Appointment in Encounter.appointment, DiagnosticReport/ServiceRequest/Observation.encounter,
 * Claim.item.encounter), fill what it lacked (another doctor, the discharge time) and never
 * overwrite what the ADT recorded (a differing PV1-3 is a warning naming it). A later A08 whose
 * PV1 leaves the location empty keeps it.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Claim, DiagnosticReport, Encounter, Observation, ServiceRequest } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { errorCodeOf } from '../../src/domain/issues.js';
import { originalAckMode, startMllpHarness, type MllpHarness } from '../support/gateway.js';

const MRN = 'MRN-VISIT1';
const PID = `PID|1||${MRN}^^^FRONTDESK^MR||Visit^Vera^^^^^L||19800202|F|||1 Main St^^Springfield^IL^62701^USA^H`;
const VISIT = 'V000123^^^SUNRISE_FP^VN';
/** PV1 with fields placed by number (PV1-1 set id 1, PV1-2 class O). */
function pv1(fields: Record<number, string>): string {
  const f: string[] = ['PV1', '1', 'O'];
  for (const [n, v] of Object.entries(fields)) { while (f.length <= Number(n)) f.push(''); f[Number(n)] = v; }
  return f.join('|');
}

/** An example with its PID and PV1 lines and MSH-10 replaced. */
function example(path: string, controlId: string, visit: string): string {
  const text = originalAckMode(readFileSync(resolve('examples/hl7v2', path), 'utf8'));
  return text.split('\r').map((line) => {
    if (line.startsWith('PID|')) return PID;
    if (line.startsWith('PV1|')) return visit;
    if (line.startsWith('MSH|')) { const f = line.split('|'); f[9] = controlId; return f.join('|'); }
    return line;
  }).join('\r');
}

describe('runtime: ADT, SIU, ORU and DFT of one visit number land on one Encounter', function () {
  this.timeout(60_000);
  let h: MllpHarness;
  let gw: Gateway;
  let encounterRef: string;

  before(async () => {
    h = await startMllpHarness({ validation: 'lenient' });
    gw = h.gw;
  });
  after(() => h.close());

  const send = (text: string) => h.sendExpecting(text, 'AA');
  const encounters = async () => gw.store.resources.listOfType<Encounter>('Encounter');
  const visit = async () => {
    const all = await encounters();
    expect(all, 'one Encounter for the visit').to.have.length(1);
    return all[0]!;
  };
  const conflicts = (issues: Array<{ expression?: string[] }>) =>
    issues.filter((i) => errorCodeOf(i as never) === 'MAP_CONFLICT').map((i) => i.expression?.[0]).sort();

  it('A04 records the visit: location, attending, admit time, visit number', async () => {
    await send(example('adt-a04.hl7', 'VIS-A04', pv1({ 3: 'SUNRISE^EXAM2^^SUNRISE_FP', 7: '1234567893^Careful^Casey^^^Dr^MD^^^^^^NPI', 19: VISIT, 44: '20240301083000-0500' })));
    const e = await visit();
    encounterRef = `Encounter/${e.id}`;
    expect(e.identifier?.[0]?.value).to.equal('V000123');
    expect(e.location?.[0]?.location.display).to.contain('EXAM2');
    expect(e.period?.start).to.equal('2024-03-01T08:30:00-05:00');
    expect(e.period?.end).to.equal(undefined);
  });

  it('SIU^S12 of that visit number: the Appointment is linked to the Encounter; its other room is a warning at PV1.3 and the recorded location stays', async () => {
    const row = await send(example('scheduling/s12-new.hl7', 'VIS-S12', pv1({ 3: 'SUNRISE^ROOM9^^SUNRISE_FP', 19: VISIT })));
    expect(conflicts(row.issues)).to.deep.equal(['PV1.3']);
    const e = await visit();
    expect(JSON.stringify(e.location)).to.contain('EXAM2').and.not.contain('ROOM9');
    const [appt] = await gw.store.resources.listOfType('Appointment');
    expect(e.appointment?.map((r) => r.reference)).to.deep.equal([`Appointment/${appt!.id}`]);
    expect(e.subject?.reference).to.equal(`Patient/${(await gw.store.resources.findByIdentifier('Patient', undefined, MRN))[0]}`);
  });

  it('ORU^R01 of that visit: report, order and results reference the Encounter; its consulting doctor is added', async () => {
    const row = await send(example('labs/oru-r01-cbc-final.hl7', 'VIS-ORU', pv1({ 9: '1234567893^Carter^Dana^^^Dr^^^NPI^L^^^NPI', 19: VISIT })));
    expect(conflicts(row.issues)).to.deep.equal([]);
    const [report] = await gw.store.resources.listOfType<DiagnosticReport>('DiagnosticReport');
    expect(report!.encounter?.reference).to.equal(encounterRef);
    const [order] = await gw.store.resources.listOfType<ServiceRequest>('ServiceRequest');
    expect(order!.encounter?.reference).to.equal(encounterRef);
    const results = await gw.store.resources.listOfType<Observation>('Observation');
    expect(results.length).to.be.greaterThan(0);
    expect(results.every((o) => o.encounter?.reference === encounterRef)).to.equal(true);
    const e = await visit();
    expect(e.participant?.map((p) => p.type?.[0]?.coding?.[0]?.code).sort()).to.deep.equal(['ATND', 'CON']);
  });

  it('DFT^P03 of that visit: Claim lines reference the Encounter; the discharge time it lacked is filled, the admit time stays', async () => {
    await send(example('billing/dft-p03-office-visit.hl7', 'VIS-DFT', pv1({ 7: '1234567893^Example^Jordan^^^^^^^^^^NPI', 19: VISIT, 44: '20240301083000-0500', 45: '20240301100000-0500' })));
    const [claim] = await gw.store.resources.listOfType<Claim>('Claim');
    expect(claim!.item?.every((i) => i.encounter?.[0]?.reference === encounterRef)).to.equal(true);
    const e = await visit();
    expect(e.period).to.deep.equal({ start: '2024-03-01T08:30:00-05:00', end: '2024-03-01T10:00:00-05:00' });
    // Another attending from the charge is added beside the recorded one, not in its place.
    expect(JSON.stringify(e.participant)).to.contain('Careful');
  });

  it('A08 whose PV1 leaves the location empty: the ADT updates the visit and keeps what it did not send', async () => {
    await send(example('registration/adt-a08-update.hl7', 'VIS-A08', pv1({ 19: VISIT, 44: '20240301083000-0500', 45: '20240301103000-0500' })));
    const e = await visit();
    expect(e.period?.end).to.equal('2024-03-01T10:30:00-05:00');
    expect(JSON.stringify(e.location)).to.contain('EXAM2');
    expect(e.appointment).to.have.length(1);
  });

  it('an ORU whose PV1 names no visit (no PV1-19, no PV1-44) records no second Encounter and links nothing', async () => {
    await send(example('labs/oru-r01-cbc-final.hl7', 'VIS-ORU2', pv1({ 3: 'FD^^^FRONTDESK' })));
    await visit();
  });
});
