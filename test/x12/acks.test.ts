import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/index.js';
import { batch837FromStore } from '../../src/x12/837p/build.js';
import { read999 } from '../../src/x12/inbound/ack999.js';
import { read277ca } from '../../src/x12/inbound/ack277ca.js';
import { apply277ca, apply999 } from '../../src/x12/inbound/apply.js';
import { validateResource } from '../../src/validation/index.js';
import { NOW, TODAY, at, claimBundle, errorsOf, identity } from './helpers.js';

const inbound = (name: string) => readFileSync(`examples/x12/inbound/${name}`, 'utf8');
const LATER = new Date('2026-06-02T09:05:00Z');

describe('x12: 999 and 277CA in -> claim states, ClaimResponse and office billing record', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ path: ':memory:' });
    const r = await batch837FromStore(store, [claimBundle('claim-single-line'), claimBundle('claim-several-lines')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
    expect(r.value!.claims).to.have.length(2);
  });
  afterEach(() => store.close());

  it('the batch is recorded as sent with the control numbers the 999 will answer by', async () => {
    const rows = await store.x12.inTransaction('1', '0001');
    expect(rows.map((r) => `${r.claimId} ${r.state} ${r.interchange}`).sort()).to.deep.equal(['ENC-2026-000201 sent 000000001', 'ENC-2026-000202 sent 000000001']);
  });

  it('a 999 accepting the set moves both claims to acknowledged', async () => {
    const ack = read999(inbound('999-accepted.x12'));
    expect(ack.issues).to.deep.equal([]);
    const r = await apply999(ack.value!, store, LATER);
    expect(r.value!.map((a) => `${a.claimId}:${a.state}:${a.recorded}`).sort()).to.deep.equal(['ENC-2026-000201:acknowledged:true', 'ENC-2026-000202:acknowledged:true']);
    expect((await store.x12.get('ENC-2026-000201'))[0]!.history.map((h) => h.source)).to.deep.equal(['837P', '999']);
  });

  it('a 999 rejecting the set names the element (2400.SV1-02) and the claim; every claim of the set is rejected', async () => {
    const ack = read999(inbound('999-rejected.x12'));
    expect(ack.value!.sets[0]!.errors[0]).to.include({ field: '2400.SV1-02', claimId: 'ENC-2026-000202', code: 'IK4-6' });
    const r = await apply999(ack.value!, store, LATER);
    const bad = r.value!.find((a) => a.claimId === 'ENC-2026-000202')!;
    expect(bad.state).to.equal('rejected');
    expect(bad.detail).to.equal('999 Rejected: Invalid character in data element ("35,50") at 2400.SV1-02');
    expect(bad.claimResponse.outcome).to.equal('error');
    expect(errorsOf(validateResource(bad.claimResponse))).to.deep.equal([]);
    expect(bad.billingRecord!.status).to.equal('rejected');
    expect(bad.billingRecord!.reasons[0]!.display).to.contain('Invalid character');
    expect(at(r.issues)).to.include('X12_REJECTED@2400.SV1-02');
    const row = (await store.x12.get('ENC-2026-000202'))[0]!;
    expect(row.state).to.equal('rejected');
    expect((row.billingRecord as { status: string }).status).to.equal('rejected');
  });

  it('a 277CA: A2 accepted into adjudication, A7 rejected with the clearinghouse reason and the field it names', async () => {
    const acks = read277ca(inbound('277ca.x12'));
    expect(acks.issues).to.deep.equal([]);
    const r = await apply277ca(acks.value!, store, LATER);
    const ok = r.value!.find((a) => a.claimId === 'ENC-2026-000201')!;
    const bad = r.value!.find((a) => a.claimId === 'ENC-2026-000202')!;
    expect(ok.state).to.equal('accepted');
    expect(ok.claimResponse.outcome).to.equal('queued');
    expect(ok.claimResponse.identifier![0]!.value).to.equal('PCN-2026-88001');
    expect(ok.billingRecord!.status).to.equal('pending');
    expect(bad.state).to.equal('rejected');
    expect(bad.claimResponse.error![0]!.code.coding![0]).to.include({ code: '562' });
    expect(bad.claimResponse.error![0]!.code.text).to.contain('837P 2010AA.NM1-09');
    expect(bad.billingRecord!.status).to.equal('rejected');
    for (const a of r.value!) expect(errorsOf(validateResource(a.claimResponse)), a.claimId).to.deep.equal([]);
    expect(at(r.issues)).to.deep.equal(['X12_REJECTED@2010AA.NM1-09']);
    expect((await store.x12.get('ENC-2026-000202'))[0]!.detail).to.match(/^277CA A7 .*National Provider Identifier.*Billing provider \(837P 2010AA\.NM1-09\)/);
    // The payer's claim number (REF*1K) is what a replacement or void of the claim names (REF*F8).
    expect((await store.x12.get('ENC-2026-000201'))[0]!.detail).to.match(/^277CA A2 .*, payer claim PCN-2026-88001$/);
  });

  it('an answer for a claim never sent from here is reported, not recorded', async () => {
    const text = inbound('277ca.x12').replace('TRN*2*ENC-2026-000201', 'TRN*2*ENC-1999-000001');
    const r = await apply277ca(read277ca(text).value!, store, LATER);
    expect(r.value!.find((a) => a.claimId === 'ENC-1999-000001')!.recorded).to.equal(false);
    expect(at(r.issues)).to.include('MAP_CONFLICT@CLM01');
  });

  it('a 277CA that breaks its guide names the loop: an STC without its date', () => {
    const text = inbound('277ca.x12').replace('STC*A2:20:PR*20260602*WQ*125', 'STC*A2:20:PR**WQ*125');
    expect(at(read277ca(text).issues)).to.deep.equal(['X12_INVALID@2200D[1].STC-02']);
  });
});
