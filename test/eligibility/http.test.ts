import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { API_KEY, startTest, tempDir } from '../support/gateway.js';
import type { Gateway } from '../../src/gateway.js';
import { traceFor } from '../../src/x12/eligibility/build270.js';

const auth = { authorization: `Bearer ${API_KEY}` };

describe('eligibility: the operator HTTP API (GET /eligibility, POST /eligibility/inbound)', function () {
  this.timeout(60_000);
  let gw: Gateway;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    gw = await startTest(join(t.dir, 'fd.db'));
    await gw.store.eligibility.recordInquiries([
      { trace: traceFor('a-1:2026-03-03'), appointmentId: 'a-1', appointmentStart: '2026-03-03T09:30:00-05:00', patientRef: 'Patient/pat-1', serviceDate: '2026-03-03', destination: 'clearinghouse', format: 'x12' },
      { trace: traceFor('a-2:2026-03-03'), appointmentId: 'a-2', appointmentStart: '2026-03-03T14:00:00-05:00', patientRef: 'Patient/pat-2', serviceDate: '2026-03-03', destination: 'clearinghouse', format: 'x12' },
    ], new Date('2026-03-02T22:00:00Z'));
  });
  after(async () => { await gw.close(); cleanup(); });

  it('a 271 posted to /eligibility/inbound shows in the day list before the appointment', async () => {
    const x12 = readFileSync('examples/x12/inbound/271-rejected.x12', 'utf8').replace(/TRN\*2\*[^*]+\*/, `TRN*2*${traceFor('a-2:2026-03-03')}*`);
    const p = await fetch(`${gw.http.url}/eligibility/inbound`, { method: 'POST', headers: { ...auth, 'content-type': 'application/edi-x12' }, body: x12 });
    expect(p.status).to.equal(200);
    expect(((await p.json()) as { recorded: unknown[] }).recorded).to.deep.equal([{ trace: traceFor('a-2:2026-03-03'), status: 'rejected', matched: true, appointmentId: 'a-2' }]);
    const r = await fetch(`${gw.http.url}/eligibility?date=2026-03-03`, { headers: auth });
    expect(r.status).to.equal(200);
    const rows = (await r.json()) as Array<{ appointmentId: string; status: string; summary: string }>;
    expect(rows.map((x) => `${x.appointmentId}:${x.status}`)).to.deep.equal(['a-1:pending', 'a-2:rejected']);
    expect(rows[1]!.summary).to.equal('rejected: Subscriber/Insured not found (AAA 75 2100C); Please correct and resubmit');
    const one = await fetch(`${gw.http.url}/eligibility/a-2`, { headers: auth });
    expect(((await one.json()) as Array<{ response: { resourceType: string; outcome: string } }>)[0]!.response).to.deep.include({ resourceType: 'CoverageEligibilityResponse', outcome: 'error' });
  });

  it('refuses what it cannot read, names the parameter, and needs the operator scope', async () => {
    expect((await fetch(`${gw.http.url}/eligibility?date=tomorrow`, { headers: auth })).status).to.equal(400);
    expect((await fetch(`${gw.http.url}/eligibility/nope`, { headers: auth })).status).to.equal(404);
    expect((await fetch(`${gw.http.url}/eligibility`)).status).to.equal(401);
    const bad = await fetch(`${gw.http.url}/eligibility/inbound`, { method: 'POST', headers: { ...auth, 'content-type': 'application/fhir+json' }, body: '{"resourceType":"Patient"}' });
    expect(bad.status).to.equal(422);
    expect(JSON.stringify(await bad.json())).to.contain('FHIR_RESOURCE_TYPE');
  });
});
