import { expect } from 'chai';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient } from 'fhir/r4.js';
import { useTestGateway } from '../support/gateway.js';

const patient = (mrn: string, family = 'Batchperson'): Patient => ({
  resourceType: 'Patient', identifier: [{ system: 'urn:test:mrn', value: mrn }], name: [{ family, given: ['Bea'] }], gender: 'female', birthDate: '1975-06-01',
});

describe('http: FHIR batch Bundles (each entry its own interaction and outcome)', () => {
  const { gw, call } = useTestGateway();
  const batch = async (entry: unknown[], headers: Record<string, string> = {}) => {
    const r = await call('', { method: 'POST', headers, body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }) });
    expect(r.status, await r.clone().text()).to.equal(200);
    const b = (await r.json()) as Bundle;
    expect(b.type).to.equal('batch-response');
    return b;
  };

  it('POST, PUT, GET, DELETE entries, each answered in order with its own status; a failing entry does not undo the others', async () => {
    const b = await batch([
      { request: { method: 'POST', url: 'Patient' }, resource: patient('B-1') },
      { request: { method: 'PUT', url: 'Patient/batch-put-1' }, resource: { ...patient('B-2'), id: 'batch-put-1' } },
      { request: { method: 'POST', url: 'Patient' }, resource: { ...patient('B-3'), gender: 'robot' } },
      { request: { method: 'GET', url: 'Patient/batch-put-1' } },
      { request: { method: 'GET', url: 'Patient?identifier=urn:test:mrn|B-1' } },
      { request: { method: 'GET', url: 'Patient/no-such' } },
      { request: { method: 'DELETE', url: 'Patient/batch-put-1' } },
      { request: { method: 'GET', url: 'Patient/batch-put-1' } },
    ]);
    const e = b.entry!;
    expect(e.map((x) => x.response!.status.split(' ')[0])).to.deep.equal(['201', '201', '422', '200', '200', '404', '200', '410']);
    expect(e[0]!.response!.location).to.match(/\/fhir\/Patient\/[^/]+\/_history\/1$/);
    expect(e[0]!.response!.etag).to.equal('W/"1"');
    expect((e[0]!.resource as Patient).meta!.versionId).to.equal('1');
    expect(e[2]!.response!.outcome!.resourceType).to.equal('OperationOutcome');
    expect(JSON.stringify(e[2]!.response!.outcome)).to.contain('gender');
    expect((e[3]!.resource as Patient).id).to.equal('batch-put-1');
    const found = e[4]!.resource as Bundle;
    expect(found.type).to.equal('searchset');
    expect(found.total).to.equal(1);
    // The failed entry created nothing, the others stayed.
    const all = (await (await call('/Patient?identifier=urn:test:mrn|B-1,urn:test:mrn|B-2,urn:test:mrn|B-3')).json()) as Bundle;
    expect(all.total).to.equal(1); // B-1 stays; B-2 was deleted by the batch; B-3 was refused
    expect((await call('/Patient/batch-put-1/_history')).status).to.equal(200);
  });

  it('conditional entries (ifNoneExist, ifMatch) and Prefer: return=minimal apply per entry', async () => {
    const first = await batch([{ request: { method: 'PUT', url: 'Patient/batch-c-1' }, resource: { ...patient('C-1'), id: 'batch-c-1' } }]);
    expect(first.entry![0]!.response!.status).to.equal('201 Created');
    const b = await batch([
      { request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test:mrn|C-1' }, resource: patient('C-1') },
      { request: { method: 'PUT', url: 'Patient/batch-c-1', ifMatch: 'W/"9"' }, resource: { ...patient('C-1', 'Stale'), id: 'batch-c-1' } },
      { request: { method: 'PUT', url: 'Patient/batch-c-1', ifMatch: 'W/"1"' }, resource: { ...patient('C-1', 'Fresh'), id: 'batch-c-1' } },
      { request: { method: 'DELETE', url: 'Patient?identifier=urn:test:mrn|no-such' } },
    ], { prefer: 'return=minimal' });
    const e = b.entry!;
    expect(e.map((x) => x.response!.status)).to.deep.equal(['200 OK', '412 Precondition Failed', '200 OK', '200 OK']);
    expect(e[0]!.response!.location).to.contain('/Patient/batch-c-1/_history/1');
    expect(e[0]!.resource).to.equal(undefined);
    expect(e[2]!.response!.etag).to.equal('W/"2"');
    const now = (await (await call('/Patient/batch-c-1')).json()) as Patient;
    expect(now.name![0]!.family).to.equal('Fresh');
  });

  it('a malformed entry is its own 400; nested bundles, foreign paths and too many entries are refused', async () => {
    const b = await batch([
      { request: { method: 'FETCH', url: 'Patient' } },
      { request: { method: 'POST', url: '' }, resource: { resourceType: 'Bundle', type: 'batch' } },
      { request: { method: 'GET', url: '../messages' } },
      { resource: patient('X') },
      { request: { method: 'GET', url: 'Patient?bogus=1' } },
    ]);
    const e = b.entry!;
    expect(e.map((x) => x.response!.status.split(' ')[0])).to.deep.equal(['400', '400', '400', '400', '400']);
    expect(JSON.stringify(e[4]!.response!.outcome)).to.contain('bogus');
    const big = await call('', { method: 'POST', body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: 1001 }, () => ({ request: { method: 'GET', url: 'metadata' } })) }) });
    expect(big.status).to.equal(413);
    expect(((await big.json()) as OperationOutcome).resourceType).to.equal('OperationOutcome');
  });

  it('a transaction Bundle still goes through the flows; the CapabilityStatement declares batch and transaction', async () => {
    const r = await call('', { method: 'POST', body: JSON.stringify({ resourceType: 'Bundle', type: 'searchset' }) });
    expect(r.status).to.equal(400);
    const cs = (await (await call('/metadata')).json()) as CapabilityStatement;
    expect(cs.rest![0]!.interaction!.map((i) => i.code).sort()).to.deep.equal(['batch', 'transaction']);
  });

  it('each entry is audited as its own interaction, with the caller and its address', async () => {
    await batch([{ request: { method: 'GET', url: 'Patient/batch-c-1' } }]);
    await new Promise((r) => setTimeout(r, 50));
    const rows = await gw().store.audit.list({ limit: 20 });
    const read = rows.find((a) => a.action === 'read' && a.entity === 'Patient/batch-c-1');
    expect(read, JSON.stringify(rows.slice(0, 5))).to.not.equal(undefined);
    expect(read!.actor).to.equal('ehr');
    expect(read!.clientAddress).to.match(/127\.0\.0\.1/);
    expect(rows.some((a) => a.action === 'batch')).to.equal(true);
  });
});
