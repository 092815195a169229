/**
 * The flows' writes are versioned and indexed like the API's: a registration over MLLP (ADT^A04,
 * then an ADT^A08 that changes the name) and an office registration record over HTTP are found by
 * FHIR search at once, and the A08 shows as the Patient's next version in `_history`.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bundle, Patient } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { API_KEY, MllpClient, msa, originalAckMode, startTest, tempDir } from '../support/gateway.js';

describe('http: FHIR search finds what the flows wrote (MLLP, office records), at each version', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  const call = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${API_KEY}`);
    return fetch(`${gw.http.url}${path}`, { ...init, headers });
  };
  const search = async (q: string) => {
    const r = await call(`/fhir${q}`);
    expect(r.status, await r.clone().text()).to.equal(200);
    return (await r.json()) as Bundle;
  };

  before(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'registration', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }] });
  });
  after(async () => {
    await gw.close();
    tmp.cleanup();
  });

  it('an ADT^A04 then an ADT^A08 over MLLP: searchable by identifier and the new name; _history has both versions', async () => {
    const a04 = originalAckMode(readFileSync(resolve('examples/hl7v2/adt-a04.hl7'), 'utf8'));
    const a08 = a04.replace('ADT^A04^ADT_A01|ADT0001', 'ADT^A08^ADT_A01|ADT0002').replace('EVN|A04', 'EVN|A08').replace('Testpatient^Alex^Quinn^^^^L', 'Renamedpatient^Alex^Quinn^^^^L').replace('||19800215|F|', '||19800216|F|');
    const c = await MllpClient.connect(gw.mllp[0]!.address().port);
    try {
      expect(msa(await c.roundTrip(a04)).code).to.equal('AA');
      const first = await search('/Patient?identifier=MRN00012345');
      expect(first.total).to.equal(1);
      const id = first.entry![0]!.resource!.id!;
      expect((await search('/Patient?family=testpatient&birthdate=1980-02-15')).total).to.equal(1);
      expect(msa(await c.roundTrip(a08)).code).to.equal('AA');
      const renamed = await search('/Patient?family=renamedpatient');
      expect(renamed.entry!.map((e) => e.resource!.id)).to.deep.equal([id]);
      // The index follows the version: the old birth date is no longer found, the new one is.
      expect((await search('/Patient?identifier=MRN00012345&birthdate=1980-02-15')).total).to.equal(0);
      expect((await search('/Patient?identifier=MRN00012345&birthdate=1980-02-16')).total).to.equal(1);
      const h = await search(`/Patient/${id}/_history`);
      expect(h.entry!.length).to.be.at.least(2);
      expect((h.entry![0]!.resource as Patient).name![0]!.family).to.equal('Renamedpatient');
      expect((h.entry![h.entry!.length - 1]!.resource as Patient).name![0]!.family).to.equal('Testpatient');
    } finally {
      c.close();
    }
  });

  it('an office registration record over HTTP: its Patient and Coverage are searchable, with _revinclude', async () => {
    const r = await call('/office/registration', { method: 'POST', body: readFileSync(resolve('examples/office/registration-basic.json')), headers: { 'content-type': 'application/json' } });
    expect(r.status).to.equal(201);
    const out = (await r.json()) as Bundle;
    const p = out.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as Patient;
    const ident = p.identifier![0]!;
    const found = await search(`/Patient?identifier=${encodeURIComponent(`${ident.system}|${ident.value}`)}&_revinclude=Coverage:beneficiary`);
    expect(found.total).to.equal(1);
    expect(found.entry![0]!.resource!.id).to.equal(p.id);
    const covs = out.entry!.filter((e) => e.resource?.resourceType === 'Coverage').length;
    expect(found.entry!.filter((e) => e.search?.mode === 'include').length).to.equal(covs);
  });
});
