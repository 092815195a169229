/**
 * No overwrite of registration data, end to end over MLLP with the real flows: an A04 registers a
 * patient; an SIU^S12, an ORU^R01 and a DFT^P03 for the same MRN carry other demographics in
 * their PID. The registered name, birth date and address stay; what the registration lacked
 * (phone, marital status) is filled; each differing field is a warning naming it.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Patient } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { errorCodeOf } from '../../src/domain/issues.js';
import { originalAckMode, startMllpHarness, type MllpHarness } from '../support/gateway.js';

const MRN = 'MRN-NOOVER1';

/** An example with its PID line and MSH-10 replaced. */
function example(path: string, controlId: string, pid: string): string {
  const text = originalAckMode(readFileSync(resolve('examples/hl7v2', path), 'utf8'));
  return text.split('\r').map((line) => {
    if (line.startsWith('PID|')) return pid;
    if (line.startsWith('MSH|')) { const f = line.split('|'); f[9] = controlId; return f.join('|'); }
    return line;
  }).join('\r');
}

describe('runtime: SIU, ORU and DFT never overwrite registered demographics', function () {
  this.timeout(60_000);
  let h: MllpHarness;
  let gw: Gateway;
  let patientId: string;

  before(async () => {
    h = await startMllpHarness({ validation: 'lenient' });
    gw = h.gw;
  });
  after(() => h.close());

  const send = (text: string) => h.send(text);
  const patient = async () => (await gw.store.resources.get('Patient', patientId))!;
  const conflicts = (issues: Array<{ expression?: string[] }>) =>
    issues.filter((i) => errorCodeOf(i as never) === 'MAP_CONFLICT').map((i) => i.expression?.[0]).sort();

  it('A04 registers the patient (no phone, no marital status)', async () => {
    const { ack, row } = await send(example('adt-a04.hl7', 'NO-A04', `PID|1||${MRN}^^^FRONTDESK^MR||Registered^Robin^Lee^^^^L||19850412|F|||12 Elm St^^Springfield^IL^62701^USA^H`));
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
    patientId = (await gw.store.resources.findByIdentifier('Patient', undefined, MRN))[0]!;
    const p = (await patient()).resource as Patient;
    expect(p.name?.[0]?.family).to.equal('Registered');
    expect(p.telecom).to.equal(undefined);
  });

  it('SIU^S12 with a full, different PID: registered name, birth date and address kept; phone and marital status filled; warnings name PID.5, PID.7, PID.11', async () => {
    const { ack, row } = await send(example('scheduling/s12-new.hl7', 'NO-S12',
      `PID|1||${MRN}^^^FRONTDESK^MR||Scheduled^Sam^^^^^L||19900101|F|||99 Oak Ave^^Springfield^IL^62702^USA^H||^PRN^PH^^^217^5550111|||M^Married^HL70002`));
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
    expect(conflicts(row.issues)).to.deep.equal(['PID.11', 'PID.5', 'PID.7']);
    const p = (await patient()).resource as Patient;
    expect(p.name?.[0]?.family).to.equal('Registered');
    expect(p.birthDate).to.equal('1985-04-12');
    expect(p.address?.[0]?.line).to.deep.equal(['12 Elm St']);
    expect(p.telecom?.[0]?.value).to.contain('5550111');
    expect(p.maritalStatus?.coding?.[0]?.code).to.equal('M');
    // The appointment the SIU made points at the registered patient.
    const appts = await gw.store.resources.listOfType('Appointment');
    expect(JSON.stringify(appts)).to.contain(`Patient/${patientId}`);
  });

  it('the same SIU PID again changes nothing and still warns (the registered values stay)', async () => {
    const before = await patient();
    const { ack, row } = await send(example('scheduling/s12-new.hl7', 'NO-S12B',
      `PID|1||${MRN}^^^FRONTDESK^MR||Scheduled^Sam^^^^^L||19900101|F|||99 Oak Ave^^Springfield^IL^62702^USA^H||^PRN^PH^^^217^5550111|||M^Married^HL70002`));
    expect(ack).to.equal('AA');
    expect(conflicts(row.issues)).to.deep.equal(['PID.11', 'PID.5', 'PID.7']);
    expect((await patient()).versionId).to.equal(before.versionId);
  });

  it('ORU^R01 with another name: the registered Patient stays, the warning names PID.5', async () => {
    const { ack, row } = await send(example('labs/oru-r01-cbc-final.hl7', 'NO-ORU', `PID|1||${MRN}^^^FRONTDESK^MR||Labname^Robin^Lee^^^^L||19850412|F`));
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
    expect(conflicts(row.issues)).to.deep.equal(['PID.5']);
    expect(((await patient()).resource as Patient).name?.[0]?.family).to.equal('Registered');
  });

  it('DFT^P03 with another name and sex: the registered Patient stays, warnings name PID.5 and PID.8', async () => {
    const { ack, row } = await send(example('billing/dft-p03-office-visit.hl7', 'NO-DFT', `PID|1||${MRN}^^^FRONTDESK^MR||Chargename^Robin||19850412|M`));
    expect(ack).to.equal('AA', JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
    expect(conflicts(row.issues)).to.deep.equal(['PID.5', 'PID.8']);
    const p = (await patient()).resource as Patient;
    expect(p.name?.[0]?.family).to.equal('Registered');
    expect(p.gender).to.equal('female');
  });

  it('a registration message (A08) still updates the demographics', async () => {
    const { ack } = await send(example('registration/adt-a08-update.hl7', 'NO-A08', `PID|1||${MRN}^^^FRONTDESK^MR||Renamed^Robin^Lee^^^^L||19850412|F|||12 Elm St^^Springfield^IL^62701^USA^H`));
    expect(ack).to.equal('AA');
    expect(((await patient()).resource as Patient).name?.[0]?.family).to.equal('Renamed');
  });
});
