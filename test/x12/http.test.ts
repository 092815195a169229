import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { API_KEY, startTest, tempDir } from '../support/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { batch837FromStore } from '../../src/x12/837p/build.js';
import { parse837 } from '../../src/x12/837p/parse.js';
import { NOW, TODAY, claimBundle, identity } from './helpers.js';

const auth = { authorization: `Bearer ${API_KEY}` };
const x12 = (body: string) => ({ method: 'POST', headers: { ...auth, 'content-type': 'application/edi-x12' }, body });

describe('x12: the operator HTTP API (claims, validate, convert, inbound)', function () {
  this.timeout(60_000);
  let gw: Gateway;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    gw = await startTest(join(t.dir, 'fd.db'));
    await batch837FromStore(gw.store, [claimBundle('claim-single-line'), claimBundle('claim-several-lines')], { identity: identity(), destination: 'clearinghouse', now: NOW, today: TODAY });
  });
  after(async () => { await gw.close(); cleanup(); });

  it('GET /claims lists what was sent; an API key without the operator scope is refused', async () => {
    const r = await fetch(`${gw.http.url}/claims`, { headers: auth });
    expect(r.status).to.equal(200);
    expect(((await r.json()) as Array<{ claimId: string; state: string }>).map((c) => `${c.claimId}:${c.state}`).sort()).to.deep.equal(['ENC-2026-000201:sent', 'ENC-2026-000202:sent']);
    expect((await fetch(`${gw.http.url}/claims`)).status).to.equal(401);
  });

  it('POST /x12/inbound records a 277CA; GET /claims/:id shows the rejection and the field it names', async () => {
    const r = await fetch(`${gw.http.url}/x12/inbound`, x12(readFileSync('examples/x12/inbound/277ca.x12', 'utf8')));
    expect(r.status).to.equal(200);
    const body = (await r.json()) as { kind: string; claims: Array<{ claimId: string; state: string }> };
    expect(body.kind).to.equal('277');
    const one = await fetch(`${gw.http.url}/claims/ENC-2026-000202`, { headers: auth });
    const rows = (await one.json()) as Array<{ state: string; detail: string; billingRecord: { status: string } }>;
    expect(rows[0]!.state).to.equal('rejected');
    expect(rows[0]!.detail).to.contain('2010AA.NM1-09');
    expect(rows[0]!.billingRecord.status).to.equal('rejected');
    expect((await fetch(`${gw.http.url}/claims/ENC-NONE`, { headers: auth })).status).to.equal(404);
  });

  it('POST /x12/inbound with an unbalanced 835 answers 422 with the element and posts nothing', async () => {
    const bad = readFileSync('examples/x12/inbound/835-paid.x12', 'utf8').replace('BPR*I*300*', 'BPR*I*301*');
    const r = await fetch(`${gw.http.url}/x12/inbound`, x12(bad));
    expect(r.status).to.equal(422);
    const oo = (await r.json()) as { issue: Array<{ expression?: string[] }> };
    expect(oo.issue.map((i) => i.expression?.[0])).to.include('BPR-02');
    const rows = (await (await fetch(`${gw.http.url}/claims/ENC-2026-000201`, { headers: auth })).json()) as Array<{ state: string }>;
    expect(rows[0]!.state).to.not.be.oneOf(['paid', 'partial']);
  });

  it('POST /x12/837p without a billing identity in the configuration is refused naming the key', async () => {
    const r = await fetch(`${gw.http.url}/x12/837p`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8') });
    expect(r.status).to.equal(409);
    expect(((await r.json()) as { issue: Array<{ expression: string[] }> }).issue[0]!.expression).to.deep.equal(['billing']);
  });

  it('POST /x12/validate names the element; POST /x12/convert?to=fhir gives ClaimResponses', async () => {
    const bad = readFileSync('examples/x12/claim-several-lines.837', 'utf8').replace('SV1*HC:87880*35.5', 'SV1*HC:87880*35,5');
    const v = await fetch(`${gw.http.url}/x12/validate`, x12(bad));
    expect(v.status).to.equal(422);
    expect(((await v.json()) as { issue: Array<{ expression: string[] }> }).issue[0]!.expression).to.deep.equal(['2400[2].SV1-02']);
    const c = await fetch(`${gw.http.url}/x12/convert?to=fhir`, x12(readFileSync('examples/x12/inbound/835-paid.x12', 'utf8')));
    expect(c.status).to.equal(200);
    expect(((await c.json()) as { entry: unknown[] }).entry).to.have.length(2);
  });
});

describe('x12: POST /x12/837p, a claim to 837P through the operator API (convert --to x12)', function () {
  this.timeout(60_000);
  let gw: Gateway;
  let cleanup: () => void;
  const post = (body: string, type = 'application/json') => fetch(`${gw.http.url}/x12/837p?destination=clearinghouse`, { method: 'POST', headers: { ...auth, 'content-type': type }, body });
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const ex = JSON.parse(readFileSync('examples/config/gateway.json', 'utf8')) as { billing: unknown; destinations: { clearinghouse: unknown } };
    gw = await startTest(join(t.dir, 'fd.db'), { billing: ex.billing, destinations: { clearinghouse: ex.destinations.clearinghouse } });
  });
  after(async () => { await gw.close(); cleanup(); });

  it('a claim Bundle (a replacement) comes back as an 837P with CLM05-3 7 and REF*F8; control numbers from the store, never reused', async () => {
    const rec = readFileSync('examples/x12/claim-replacement.json', 'utf8');
    const r = await post(rec, 'application/fhir+json');
    expect(r.status, await r.clone().text()).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^application\/edi-x12/);
    const text = await r.text();
    expect(parse837(text).issues.filter((i) => i.severity === 'error')).to.deep.equal([]);
    expect(text).to.contain('*11:B:7*').and.contain('REF*F8*2026153000123~');
    expect(text).to.match(/\*000000001\*0\*T\*:~/);
    expect(await (await post(rec, 'application/fhir+json')).text()).to.match(/\*000000002\*0\*T\*:~/);
  });

  it('an office billing record without the patient\'s address (2010BA N3/N4) or failing its edits is 422 naming the field', async () => {
    const noAddress = await post(readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8'));
    expect(noAddress.status).to.equal(422);
    expect(((await noAddress.json()) as { issue: Array<{ expression: string[] }> }).issue.map((i) => i.expression[0])).to.deep.equal(['Bundle.entry[1].resource.address']);
    // With the patient's address the office record is an 837P (2010BA N3/N4 from it).
    const withAddress = { ...JSON.parse(readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8')) as object,
      patientAddressLine1: '12 Synthetic Lane', patientCity: 'Springfield', patientState: 'IL', patientPostalCode: '62704' };
    const ok = await post(JSON.stringify(withAddress));
    expect(ok.status).to.equal(200);
    const back = parse837(await ok.text());
    expect(back.issues.filter((i) => i.severity === 'error')).to.deep.equal([]);
    expect(back.value!.encounters[0]).to.deep.include({ patientAddressLine1: '12 Synthetic Lane', patientCity: 'Springfield', patientState: 'IL', patientPostalCode: '62704' });
    const rec = JSON.parse(readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8')) as { lines: Array<{ charge: number }> };
    rec.lines[0]!.charge = -1;
    const r = await post(JSON.stringify(rec));
    expect(r.status).to.equal(422);
    expect(((await r.json()) as { issue: Array<{ expression: string[] }> }).issue.map((i) => i.expression[0])).to.include('lines[0].charge');
  });
});
