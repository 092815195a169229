import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Coverage, Organization, Patient, RelatedPerson } from 'fhir/r4.js';
import { X12Parser, type X12Interchange } from 'node-x12';
import { build270, traceFor } from '../../src/x12/eligibility/build270.js';
import { read271 } from '../../src/x12/eligibility/read271.js';
import { readWithMap } from '../../src/x12/read.js';
import { validateOfficeRecord, validateResource } from '../../src/validation/index.js';
import { PAYER_ID_SYSTEM } from '../../src/adapters/claim.js';
import { NOW, at, counters, errorsOf, identity } from './helpers.js';

const patient: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Testperson', given: ['Alex'] }], birthDate: '1980-04-12', gender: 'female' };
const child: Patient = { resourceType: 'Patient', id: 'p2', name: [{ family: 'Testchild', given: ['Sam'] }], birthDate: '2015-07-21', gender: 'male' };
const parent: RelatedPerson = { resourceType: 'RelatedPerson', id: 'rp1', patient: { reference: 'Patient/p2' }, name: [{ family: 'Testparent', given: ['Morgan'] }], birthDate: '1984-02-03', gender: 'female' };
const payer: Organization = { resourceType: 'Organization', id: 'o1', name: 'Synthetic Health Plan', identifier: [{ system: PAYER_ID_SYSTEM, value: '60054' }] };
const coverage = (id: string, member: string, rel: string): Coverage => ({
  resourceType: 'Coverage', id, status: 'active', subscriberId: member, beneficiary: { reference: 'Patient/x' }, payor: [{ reference: 'Organization/o1' }],
  relationship: { coding: [{ code: rel }] },
});
const inbound = (n: string) => readFileSync(`examples/x12/inbound/${n}`, 'utf8');

describe('x12: 270 out, 271 in', () => {
  it('builds one 270 per clearinghouse: 2000A per payer, 2000C per appointment, 2000D for a dependent; it passes the guide and node-x12 reads it', async () => {
    const r = await build270([
      { key: 'appt-1:2026-06-02', patient, coverage: coverage('c1', 'W123456789', 'self'), payer, date: '2026-06-02' },
      { key: 'appt-2:2026-06-02', patient: child, coverage: coverage('c2', 'W555000111', 'child'), payer, subscriber: parent, date: '2026-06-02' },
    ], { identity: identity(), destination: 'clearinghouse', allocate: counters(), now: NOW });
    expect(errorsOf(r.issues)).to.deep.equal([]);
    const text = r.value!.x12;
    expect(text).to.contain(`HL*3*2*22*0~\nTRN*1*${traceFor('appt-1:2026-06-02')}*1990000001~\nNM1*IL*1*Testperson*Alex****MI*W123456789~\nDMG*D8*19800412*F~\nDTP*291*D8*20260602~\nEQ*30~`);
    expect(text).to.contain('HL*4*2*22*1~');
    expect(text).to.contain('HL*5*4*23*0~');
    expect(text).to.contain('NM1*03*1*Testchild*Sam~\nDMG*D8*20150721*M~\nDTP*291*D8*20260602~\nEQ*30~');
    expect(r.value!.traces[traceFor('appt-2:2026-06-02')]).to.equal('appt-2:2026-06-02');
    expect(readWithMap(text, '270').issues).to.deep.equal([]);
    const ic = new X12Parser(true).parse(text) as X12Interchange;
    expect(ic.functionalGroups[0]!.transactions[0]!.segments.filter((s) => s.tag === 'EQ')).to.have.length(2);
  });

  it('a coverage without a member id gets no inquiry and says why', async () => {
    const c = coverage('c1', '', 'self');
    delete c.subscriberId;
    const r = await build270([{ key: 'k', patient, coverage: c, payer, date: '2026-06-02' }], { identity: identity(), destination: 'clearinghouse', allocate: counters(), now: NOW });
    expect(r.value).to.equal(undefined);
    expect(at(r.issues)).to.deep.equal(['MAP_MISSING@Coverage.subscriberId']);
  });

  it('reads an active 271: plan, copay, coinsurance, deductible and what is left of it', () => {
    const r = read271(inbound('271-active.x12'), { FDTRACEACTIVE001: 'appt-1:2026-06-02' });
    expect(r.issues).to.deep.equal([]);
    const { record, response } = r.value![0]!;
    expect(record).to.deep.include({ status: 'active', plan: 'Synthetic PPO Gold', copay: 25, coinsurancePercent: 20, deductible: 1500, deductibleRemaining: 650, memberId: 'W123456789', inquiryKey: 'appt-1:2026-06-02', serviceDate: '2026-06-02' });
    expect(validateOfficeRecord(record)).to.deep.equal([]);
    expect(errorsOf(validateResource(response))).to.deep.equal([]);
    expect(response.outcome).to.equal('complete');
    expect(response.insurance![0]!.inforce).to.equal(true);
    const office = response.insurance![0]!.item!.find((i) => i.category!.coding![0]!.code === '98')!;
    expect(office.benefit!.map((b) => `${b.type.coding![0]!.code}:${b.allowedMoney?.value ?? b.allowedUnsignedInt ?? b.allowedString}`)).to.deep.equal(['copay:25', 'copay-percent:20']);
    // The deductible and what is left of it are one benefit: allowed the total, used what is spent.
    const plan = response.insurance![0]!.item!.find((i) => i.category!.coding![0]!.code === '30')!;
    expect(plan.benefit!.map((b) => [b.type.coding![0]!.code, b.allowedMoney?.value, b.usedMoney?.value])).to.deep.equal([['deductible', 1500, 850]]);
    expect(plan.network!.coding![0]!.code).to.equal('in');
    expect(plan.unit!.coding![0]!.code).to.equal('individual');
  });

  it('an AAA rejection is reported with its reason and follow-up, and the response is an error', () => {
    const r = read271(inbound('271-rejected.x12'));
    const { record, response } = r.value![0]!;
    expect(record.status).to.equal('rejected');
    expect(record.rejections).to.deep.equal([{ loop: '2100C', code: '75', reason: 'Subscriber/Insured not found', followUp: 'Please correct and resubmit' }]);
    expect(at(r.issues)).to.deep.equal(['X12_REJECTED@2100C.AAA-03']);
    expect(response.outcome).to.equal('error');
    expect(response.error![0]!.code.coding![0]!.code).to.equal('75');
    expect(errorsOf(validateResource(response))).to.deep.equal([]);
    expect(validateOfficeRecord(record)).to.deep.equal([]);
  });
});
