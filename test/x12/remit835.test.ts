import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/index.js';
import { batch837FromStore } from '../../src/x12/837p/build.js';
import { read835 } from '../../src/x12/inbound/remit835.js';
import { post835 } from '../../src/x12/inbound/post835.js';
import { validateOfficeRecord, validateResource } from '../../src/validation/index.js';
import { NOW, TODAY, at, claimBundle, errorsOf, identity } from './helpers.js';

const PAID = () => readFileSync('examples/x12/inbound/835-paid.x12', 'utf8');
const LATER = new Date('2026-06-10T12:00:00Z');

describe('x12: 835 in -> ClaimResponse per CLP, payment posting, balancing', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ path: ':memory:' });
    await batch837FromStore(store, [claimBundle('claim-single-line'), claimBundle('claim-several-lines')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
  });
  afterEach(() => store.close());

  it('reads BPR/TRN, one ClaimResponse per CLP with SVC lines, CAS (group + CARC), RARC and PLB', () => {
    const r = read835(PAID());
    expect(r.issues).to.deep.equal([]);
    const rem = r.value!;
    expect(rem.balanced).to.equal(true);
    expect(rem.payment).to.include({ method: 'CHK', amount: 300, date: '2026-06-10', trace: 'CHK-0048812', originator: '1990000001' });
    expect(rem.providerAdjustments).to.deep.equal([{ provider: '1040000014', reason: 'WO', reference: 'PCN-2025-1', amount: 14 }]);
    expect(rem.claims.map((c) => c.posting.claimId)).to.deep.equal(['ENC-2026-000201', 'ENC-2026-000202']);
    const cr = rem.claims[1]!.claimResponse;
    expect(errorsOf(validateResource(cr))).to.deep.equal([]);
    expect(cr.request!.identifier!.value).to.equal('ENC-2026-000202');
    expect(cr.identifier![0]!.value).to.equal('PCN-2026-88002');
    expect(cr.item).to.have.length(4);
    const denied = cr.item![1]!;
    expect(denied.adjudication.map((a) => `${a.category.coding![0]!.code}:${a.reason?.coding?.[0]?.code ?? ''}:${a.amount!.value}`)).to.deep.equal(['submitted::35.5', 'CO:97:35.5', 'benefit::0']);
    expect(cr.processNote![denied.noteNumber![0]! - 1]!.text).to.equal('RARC M15');
    expect(cr.payment).to.deep.include({ date: '2026-06-10', amount: { value: 250, currency: 'USD' } });
    const posting = rem.claims[0]!.posting;
    expect(validateOfficeRecord(posting)).to.deep.equal([]);
    expect(posting).to.deep.include({ charged: 125, paid: 64, patientResponsibility: 16 });
    expect(posting.adjustments).to.deep.equal([{ group: 'CO', reason: '45', amount: 45, line: 1 }, { group: 'PR', reason: '2', amount: 16, line: 1 }]);
  });

  it('posts a balanced 835 once: states, billing-status and payment-posting records kept with each claim', async () => {
    const r = read835(PAID());
    const p = await post835(r.value!, r.issues, store, LATER);
    expect(p.value!.posted).to.equal(true);
    expect(p.value!.claims.map((c) => `${c.claimId}:${c.state}:${c.recorded}`)).to.deep.equal(['ENC-2026-000201:paid:true', 'ENC-2026-000202:partial:true']);
    const row = (await store.x12.get('ENC-2026-000202'))[0]!;
    expect(row.state).to.equal('partial');
    expect((row.postingRecord as { paid: number }).paid).to.equal(250);
    expect((row.billingRecord as { status: string; paidAmount: number })).to.include({ status: 'partially-rejected', paidAmount: 250 });
    expect(row.detail).to.equal('835 Processed as primary: paid 250 of 401, payer claim PCN-2026-88002 (CHK CHK-0048812 2026-06-10)');

    const again = await post835(read835(PAID()).value!, [], store, new Date('2026-06-11T12:00:00Z'));
    expect(again.value!.posted).to.equal(false);
    expect(at(again.issues)).to.deep.equal(['DUPLICATE_CONFLICT@TRN-02']);
    expect((await store.x12.get('ENC-2026-000202'))[0]!.history.filter((h) => h.source === '835')).to.have.length(1);
  });

  it('an 835 whose line does not balance is reported naming SVC-03 and nothing is posted', async () => {
    const bad = PAID().replace('SVC*HC:20610:RT:59*210*150**1', 'SVC*HC:20610:RT:59*210*160**1');
    const r = read835(bad);
    expect(r.value!.balanced).to.equal(false);
    expect(at(r.issues)).to.deep.equal(['X12_UNBALANCED@2100[2].2110[3].SVC-03', 'X12_UNBALANCED@2100[2].CLP-04']);
    const p = await post835(r.value!, r.issues, store, LATER);
    expect(p.value!.posted).to.equal(false);
    expect(at(p.issues)).to.deep.equal(['X12_UNBALANCED@BPR-02']);
    expect((await store.x12.get('ENC-2026-000202'))[0]!.state).to.equal('sent');
    // Not marked as posted either: the corrected 835 with the same trace still posts.
    const good = read835(PAID());
    expect((await post835(good.value!, good.issues, store, LATER)).value!.posted).to.equal(true);
  });

  it('a BPR total that is not the claims less the PLB is reported naming BPR-02', () => {
    const r = read835(PAID().replace('BPR*I*300*', 'BPR*I*314*'));
    expect(at(r.issues)).to.deep.equal(['X12_UNBALANCED@BPR-02']);
    expect(r.issues[0]!.diagnostics).to.equal('BPR-02 pays 314; the claims pay 314.00 less provider adjustments 14.00 = 300.00.');
  });

  it('an 835 missing its CLP charge names 2100[1].CLP-03 and is not posted', async () => {
    const r = read835(PAID().replace('CLP*ENC-2026-000201*1*125*', 'CLP*ENC-2026-000201*1**'));
    expect(at(r.issues)).to.include('X12_INVALID@2100[1].CLP-03');
    expect((await post835(r.value!, r.issues, store, LATER)).value!.posted).to.equal(false);
  });
});
