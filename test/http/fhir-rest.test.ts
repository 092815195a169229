import { expect } from 'chai';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from 'fhir/r4.js';
import { useTestGateway } from '../support/gateway.js';

const patient = (mrn: string, family = 'Testperson'): Patient => ({
  resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: mrn }], name: [{ family, given: ['Ada'] }], gender: 'female', birthDate: '1980-04-02',
});

describe('http: FHIR REST versions and writes (create, update, delete, vread, history, conditional, errors)', () => {
  const { call } = useTestGateway();
  const json = async <T>(r: Response) => (await r.json()) as T;

  it('creates with a server id and version 1, updates to version 2 with If-Match, refuses a stale If-Match with 412', async () => {
    const c = await call('/Patient', { method: 'POST', body: JSON.stringify({ ...patient('R-1'), id: 'ignored' }) });
    expect(c.status).to.equal(201);
    const created = await json<Patient>(c);
    expect(created.id).to.not.equal('ignored');
    expect(created.meta!.versionId).to.equal('1');
    expect(c.headers.get('etag')).to.equal('W/"1"');
    expect(c.headers.get('location')).to.match(new RegExp(`/fhir/Patient/${created.id}/_history/1$`));
    const u = await call(`/Patient/${created.id}`, { method: 'PUT', headers: { 'if-match': 'W/"1"' }, body: JSON.stringify({ ...created, gender: 'other' }) });
    expect(u.status).to.equal(200);
    expect((await json<Patient>(u)).meta!.versionId).to.equal('2');
    const stale = await call(`/Patient/${created.id}`, { method: 'PUT', headers: { 'if-match': 'W/"1"' }, body: JSON.stringify({ ...created, gender: 'male' }) });
    expect(stale.status).to.equal(412);
    expect((await json<OperationOutcome>(stale)).issue[0]!.diagnostics).to.contain('current version is 2');
    const r = await call(`/Patient/${created.id}`);
    expect(r.headers.get('etag')).to.equal('W/"2"');
    expect(r.headers.get('last-modified')).to.match(/GMT$/);
    expect((await json<Patient>(r)).gender).to.equal('other');
  });

  it('keeps every version: vread, instance history newest first, type history', async () => {
    const created = await json<Patient>(await call('/Patient', { method: 'POST', body: JSON.stringify(patient('R-2')) }));
    await call(`/Patient/${created.id}`, { method: 'PUT', body: JSON.stringify({ ...created, name: [{ family: 'Renamed' }] }) });
    const v1 = await json<Patient>(await call(`/Patient/${created.id}/_history/1`));
    expect(v1.name![0]!.family).to.equal('Testperson');
    const h = await json<Bundle>(await call(`/Patient/${created.id}/_history`));
    expect(h.type).to.equal('history');
    expect(h.total).to.equal(2);
    expect(h.entry!.map((e) => e.resource!.meta!.versionId)).to.deep.equal(['2', '1']);
    expect(h.entry![0]!.request).to.deep.equal({ method: 'PUT', url: `Patient/${created.id}` });
    const th = await json<Bundle>(await call('/Patient/_history?_count=1'));
    expect(th.total).to.be.at.least(2);
    expect(th.entry).to.have.length(1);
    expect(th.link!.some((l) => l.relation === 'next')).to.equal(true);
    expect((await call(`/Patient/${created.id}/_history/9`)).status).to.equal(404);
  });

  it('deletes with a tombstone version: read 410 Gone, history shows the delete, writing again goes on from it', async () => {
    const created = await json<Patient>(await call('/Patient', { method: 'POST', body: JSON.stringify(patient('R-3')) }));
    const d = await call(`/Patient/${created.id}`, { method: 'DELETE' });
    expect(d.status).to.equal(200);
    expect(d.headers.get('etag')).to.equal('W/"2"');
    const g = await call(`/Patient/${created.id}`);
    expect(g.status).to.equal(410);
    expect((await json<OperationOutcome>(g)).issue[0]!.code).to.equal('deleted');
    const h = await json<Bundle>(await call(`/Patient/${created.id}/_history`));
    expect(h.entry![0]!.request!.method).to.equal('DELETE');
    expect(h.entry![0]!.resource).to.equal(undefined);
    expect((await call(`/Patient/${created.id}/_history/2`)).status).to.equal(410);
    const again = await call(`/Patient/${created.id}`, { method: 'PUT', body: JSON.stringify({ ...created }) });
    expect(again.status).to.equal(201);
    expect((await json<Patient>(again)).meta!.versionId).to.equal('3');
    expect((await call('/Patient/never-there', { method: 'DELETE' })).status).to.equal(200);
  });

  it('conditional create (If-None-Exist), conditional update and conditional delete by identifier', async () => {
    const first = await call('/Patient', { method: 'POST', headers: { 'if-none-exist': 'identifier=urn:test:mrn|R-4' }, body: JSON.stringify(patient('R-4')) });
    expect(first.status).to.equal(201);
    const id = (await json<Patient>(first)).id;
    const second = await call('/Patient', { method: 'POST', headers: { 'if-none-exist': 'identifier=urn:test:mrn|R-4' }, body: JSON.stringify(patient('R-4')) });
    expect(second.status).to.equal(200);
    expect((await json<Patient>(second)).id).to.equal(id);
    const cu = await call('/Patient?identifier=urn:test:mrn|R-4', { method: 'PUT', body: JSON.stringify({ ...patient('R-4'), gender: 'unknown' }) });
    expect(cu.status).to.equal(200);
    expect((await json<Patient>(cu)).id).to.equal(id);
    const cnew = await call('/Patient?identifier=urn:test:mrn|R-5', { method: 'PUT', body: JSON.stringify(patient('R-5')) });
    expect(cnew.status).to.equal(201);
    expect((await call('/Patient?identifier=urn:test:mrn|R-4', { method: 'DELETE' })).status).to.equal(200);
    expect((await call(`/Patient/${id}`)).status).to.equal(410);
    // Two matches: 412.
    await call('/Patient', { method: 'POST', body: JSON.stringify(patient('R-6')) });
    await call('/Patient', { method: 'POST', body: JSON.stringify(patient('R-6')) });
    expect((await call('/Patient', { method: 'POST', headers: { 'if-none-exist': 'identifier=urn:test:mrn|R-6' }, body: JSON.stringify(patient('R-6')) })).status).to.equal(412);
  });

  it('Prefer: return=minimal and return=OperationOutcome', async () => {
    const m = await call('/Patient', { method: 'POST', headers: { prefer: 'return=minimal' }, body: JSON.stringify(patient('R-7')) });
    expect(m.status).to.equal(201);
    expect(await m.text()).to.equal('');
    expect(m.headers.get('location')).to.contain('/_history/1');
    const o = await call('/Patient', { method: 'POST', headers: { prefer: 'return=OperationOutcome' }, body: JSON.stringify(patient('R-8')) });
    expect((await json<OperationOutcome>(o)).resourceType).to.equal('OperationOutcome');
  });

  it('answers each error status with an OperationOutcome: 400, 404, 405, 406, 412, 415, 422 (401, 403: api.test.ts; 409: below; 410: the delete test; 429: safety.test.ts)', async () => {
    const expectOutcome = async (r: Response, status: number) => {
      expect(r.status, await r.clone().text()).to.equal(status);
      expect((await json<OperationOutcome>(r)).resourceType).to.equal('OperationOutcome');
    };
    await expectOutcome(await call('/Patient/p1', { method: 'PUT', body: JSON.stringify({ ...patient('E'), id: 'p2' }) }), 400);
    await expectOutcome(await call('/Patient/nope'), 404);
    await expectOutcome(await call('/Patient/p1', { method: 'PATCH', body: '{}' }), 405);
    await expectOutcome(await call('/Patient/p1', { headers: { accept: 'application/fhir+xml' } }), 406);
    await expectOutcome(await call('/metadata?_format=xml'), 406);
    // _format read however it is written (the negotiation parses the query only when it may hold one).
    await expectOutcome(await call('/Patient?%5Fformat=xml'), 406);
    await expectOutcome(await call('/Patient?gender=female&%5fformat=application%2Fxml'), 406);
    expect((await call('/Patient?_format=json')).status).to.equal(200);
    await expectOutcome(await call('/Patient', { method: 'POST', body: JSON.stringify(patient('E')), headers: { 'content-type': 'application/xml' } }), 415);
    await expectOutcome(await call('/Patient', { method: 'POST', body: JSON.stringify({ ...patient('E'), gender: 'robot' }) }), 422);
    await expectOutcome(await call('/Observation', { method: 'POST', body: JSON.stringify(patient('E')) }), 400);
    const one = await json<Patient>(await call('/Patient', { method: 'POST', body: JSON.stringify(patient('E-412')) }));
    await expectOutcome(await call(`/Patient/${one.id}`, { method: 'DELETE', headers: { 'if-match': 'W/"7"' } }), 412);
  });

  it('409 when deleting a resource others still refer to (naming them), by id or by criteria; allowed once they are gone', async () => {
    const p = await json<Patient>(await call('/Patient', { method: 'POST', body: JSON.stringify(patient('R-409')) }));
    const cov = await call('/Coverage', { method: 'POST', body: JSON.stringify({ resourceType: 'Coverage', status: 'active', beneficiary: { reference: `Patient/${p.id}` }, payor: [{ reference: `Patient/${p.id}` }] }) });
    expect(cov.status).to.equal(201);
    const c = await json<{ id: string }>(cov);
    const d = await call(`/Patient/${p.id}`, { method: 'DELETE' });
    expect(d.status).to.equal(409);
    const oo = await json<OperationOutcome>(d);
    expect(oo.issue[0]!.code).to.equal('conflict');
    expect(oo.issue[0]!.diagnostics).to.contain(`Coverage/${c.id}`);
    expect((await call('/Patient?identifier=urn:test:mrn|R-409', { method: 'DELETE' })).status).to.equal(409);
    expect((await call(`/Patient/${p.id}`)).status).to.equal(200);
    expect((await call(`/Coverage/${c.id}`, { method: 'DELETE' })).status).to.equal(200);
    expect((await call(`/Patient/${p.id}`, { method: 'DELETE' })).status).to.equal(200);
  });

  it('the CapabilityStatement declares the interactions served, versioning and the conditional forms', async () => {
    const cs = await json<CapabilityStatement>(await call('/metadata'));
    const p = cs.rest![0]!.resource!.find((r) => r.type === 'Patient')!;
    expect(p.interaction!.map((i) => i.code).sort()).to.deep.equal(['create', 'delete', 'history-instance', 'history-type', 'read', 'search-type', 'update', 'vread']);
    expect(p.versioning).to.equal('versioned-update');
    expect(p.conditionalCreate).to.equal(true);
    expect(p.conditionalUpdate).to.equal(true);
    expect(p.conditionalDelete).to.equal('single');
  });
});
