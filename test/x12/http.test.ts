import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { API_KEY, startTest, tempDir } from '../support/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { batch837FromStore } from '../../src/x12/837p/build.js';
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
