/**
 * A40 merge end to end over MLLP with the real flows: two registrations (A04 x2), an appointment
 * (SIU^S12), a lab result (ORU^R01) and a charge (DFT^P03) for the record that will be retired, then the A40, then a
 * later SIU that still carries the retired MRN. The retired Patient keeps its own demographics and
 * becomes inactive with `replaced-by`; everything that referenced it points at the survivor as a
 * new version; the merge instruction lists what moved; the later appointment lands on the survivor.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Patient, Resource } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { patientIdFor } from '../../src/flows/patient-from-pid.js';
import { originalAckMode, startMllpHarness, type MllpHarness } from '../support/gateway.js';

const SYSTEM = 'http://frontdesk.example.org/fhir/sid/mrn';
const RETIRED_MRN = 'MRN-MERGE-OLD';
const SURVIVOR_MRN = 'MRN-MERGE-NEW';

/** An example with MSH-10 set and the listed segments replaced (by segment name). */
function example(path: string, controlId: string, replace: Record<string, string>): string {
  const text = originalAckMode(readFileSync(resolve('examples/hl7v2', path), 'utf8'));
  return text.split('\r').map((line) => {
    const name = line.slice(0, 3);
    if (name === 'MSH') { const f = line.split('|'); f[9] = controlId; return f.join('|'); }
    return replace[name] ?? line;
  }).join('\r');
}

const pid = (mrn: string, rest: string) => `PID|1||${mrn}^^^FRONTDESK^MR||${rest}`;

describe('runtime: A40 merge re-points everything to the survivor', function () {
  this.timeout(60_000);
  let h: MllpHarness;
  let gw: Gateway;
  let retiredId: string;
  let survivorId: string;
  const versionsBefore = new Map<string, number>();

  before(async () => {
    h = await startMllpHarness({ validation: 'lenient' });
    gw = h.gw;
    retiredId = patientIdFor({ system: SYSTEM, value: RETIRED_MRN });
    survivorId = patientIdFor({ system: SYSTEM, value: SURVIVOR_MRN });
  });
  after(() => h.close());

  const send = (text: string) => h.sendExpecting(text, 'AA');
  async function referencing(patientId: string): Promise<Resource[]> {
    const found = await gw.store.resources.referencing(`Patient/${patientId}`);
    return found.map((s) => s.resource);
  }

  it('A04 x2, SIU, ORU and DFT for the record to retire', async () => {
    await send(example('adt-a04.hl7', 'M-A04-OLD', { PID: pid(RETIRED_MRN, 'Oldrecord^Robin^Lee^^^^L||19850412|F|||12 Elm St^^Springfield^IL^62701^USA^H') }));
    await send(example('adt-a04.hl7', 'M-A04-NEW', { PID: pid(SURVIVOR_MRN, 'Newrecord^Robin^Lee^^^^L||19850412|F|||40 Birch Rd^^Springfield^IL^62704^USA^H') }));
    await send(example('scheduling/s12-new.hl7', 'M-S12', { PID: pid(RETIRED_MRN, 'Oldrecord^Robin^Lee^^^^L||19850412|F') }));
    await send(example('labs/oru-r01-cbc-final.hl7', 'M-ORU', { PID: pid(RETIRED_MRN, 'Oldrecord^Robin^Lee^^^^L||19850412|F') }));
    await send(example('billing/dft-p03-office-visit.hl7', 'M-DFT', { PID: pid(RETIRED_MRN, 'Oldrecord^Robin^Lee^^^^L||19850412|F') }));
    const refs = await referencing(retiredId);
    const types = new Set(refs.map((r) => r.resourceType));
    console.log('      referencing the record to retire:', [...types].sort().join(', '));
    for (const t of ['Coverage', 'Appointment', 'DiagnosticReport', 'Observation', 'Specimen', 'Claim']) expect(types, t).to.include(t);
    for (const r of refs) versionsBefore.set(`${r.resourceType}/${r.id}`, (await gw.store.resources.get(r.resourceType, r.id!))!.versionId);
    expect(await referencing(survivorId)).to.not.deep.equal([]);
  });

  it('A40: the retired Patient keeps its own name, birth date and address, inactive with replaced-by', async () => {
    const row = await send(example('registration/adt-a40-merge.hl7', 'M-A40', {
      PID: pid(SURVIVOR_MRN, 'Newrecord^Robin^Lee^^^^L||19850412|F'),
      MRG: `MRG|${RETIRED_MRN}^^^FRONTDESK^MR`,
    }));
    const old = (await gw.store.resources.get('Patient', retiredId))!.resource as Patient;
    expect(old.active).to.equal(false);
    expect(old.name?.[0]?.family).to.equal('Oldrecord');
    expect(old.birthDate).to.equal('1985-04-12');
    expect(old.address?.[0]?.line).to.deep.equal(['12 Elm St']);
    expect(old.link).to.deep.equal([{ other: { reference: `Patient/${survivorId}` }, type: 'replaced-by' }]);
    const survivor = (await gw.store.resources.get('Patient', survivorId))!.resource as Patient;
    expect(survivor.link).to.deep.equal([{ other: { reference: `Patient/${retiredId}` }, type: 'replaces' }]);
    // A sparse A40 PID does not drop what the survivor had.
    expect(survivor.address?.[0]?.line).to.deep.equal(['40 Birch Rd']);

    // Every stored reference moved, each as a new version.
    expect(await referencing(retiredId)).to.deep.equal([]);
    for (const [ref, version] of versionsBefore) {
      const [type, id] = ref.split('/') as [string, string];
      const now = (await gw.store.resources.get(type, id))!;
      expect(JSON.stringify(now.resource), ref).to.contain(`"reference":"Patient/${survivorId}"`);
      expect(now.versionId, ref).to.equal(version + 1);
    }
    // The office merge instruction lists what was re-pointed.
    const [instruction] = (await gw.store.officeRecords.of(row.id)) as Array<{ recordType: string; repointed?: string[] }>;
    expect(instruction!.recordType).to.equal('merge-instruction');
    expect([...instruction!.repointed!].sort()).to.deep.equal([...versionsBefore.keys()].sort());
  });

  it('a later SIU that still carries the retired MRN books the appointment on the survivor; the retired record is not updated', async () => {
    const oldVersion = (await gw.store.resources.get('Patient', retiredId))!.versionId;
    const row = await send(example('scheduling/s12-new.hl7', 'M-S12-LATE', {
      SCH: 'SCH|REF-772^EHR|EHR-9002^EHRSCHED||||Booked|FOLLOWUP^A follow up visit from a previous appointment^HL70276|Normal^Normal^HL70277|20|min^minutes^ANS+||||||^Scheduler^Sam||||^Scheduler^Sam|||||Booked^Booked^HL70278',
      PID: pid(RETIRED_MRN, 'Oldrecord^Robin^Lee^^^^L||19850412|F'),
    }));
    const appts = (await gw.store.resources.listOfType('Appointment')).filter((a) => JSON.stringify(a).includes('EHR-9002'));
    expect(appts).to.have.length(1);
    expect(JSON.stringify(appts[0])).to.contain(`"reference":"Patient/${survivorId}"`);
    expect(JSON.stringify(appts[0])).to.not.contain(`"reference":"Patient/${retiredId}"`);
    expect((await gw.store.resources.get('Patient', retiredId))!.versionId).to.equal(oldVersion);
    expect(row.issues.some((i) => /merged into Patient/.test(i.diagnostics ?? ''))).to.equal(true);
  });
});
