/**
 * The FHIR API driven by a real FHIR client library from npm, as an EHR or an app would: the
 * MedplumClient of @medplum/core (a devDependency) pointed at the running gateway's /fhir, with
 * the API key as its bearer token. Create, read, update, search, history, vread, batch and the
 * conditional interactions, each through the client's own method for it.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { MedplumClient, OperationOutcomeError } from '@medplum/core';
import type { Bundle, Coverage, Observation, Patient } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { FHIR_KEY, startTest, tempDir } from '../support/gateway.js';

const MRN = 'urn:test:client-mrn';

describe('http: the FHIR API through a FHIR client library (@medplum/core MedplumClient)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let client: MedplumClient;

  before(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'));
    client = new MedplumClient({
      baseUrl: `${gw.http.url}/`,
      fhirUrlPath: 'fhir',
      // The API key as the bearer token, on every request the client makes.
      fetch: (url: string | URL | Request, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${FHIR_KEY}`);
        return fetch(url, { ...init, headers });
      },
      // Every read goes to the server (the client's cache would answer some from memory).
      cacheTime: 0,
    });
  });
  after(async () => {
    await gw.close();
    tmp.cleanup();
  });

  const patient = (mrn: string, family: string): Patient => ({
    resourceType: 'Patient', identifier: [{ system: MRN, value: mrn }], name: [{ family, given: ['Clio'] }], gender: 'female', birthDate: '1988-08-08',
  });

  it('create, read, update (versioned), history and vread', async () => {
    const created = await client.createResource(patient('C-1', 'Clientson'));
    expect(created.id).to.be.a('string');
    expect(created.meta!.versionId).to.equal('1');
    const read = await client.readResource('Patient', created.id);
    expect(read.name![0]!.family).to.equal('Clientson');
    const updated = await client.updateResource({ ...read, name: [{ family: 'Clientdottir', given: ['Clio'] }] });
    expect(updated.meta!.versionId).to.equal('2');
    const history = await client.readHistory('Patient', created.id);
    expect(history.type).to.equal('history');
    expect(history.entry!.map((e: { resource?: Patient }) => e.resource!.meta!.versionId)).to.deep.equal(['2', '1']);
    const v1 = await client.readVersion('Patient', created.id, '1');
    expect(v1.name![0]!.family).to.equal('Clientson');
  });

  it('search: searchResources, searchOne, a chain and _revinclude through the client', async () => {
    const p = await client.createResource(patient('C-2', 'Searchable'));
    const obs: Observation = { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] }, subject: { reference: `Patient/${p.id}` }, valueQuantity: { value: 72, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } };
    await client.createResource(obs);
    const found = await client.searchResources('Patient', { identifier: `${MRN}|C-2` });
    expect(found.map((x) => x.id)).to.deep.equal([p.id]);
    expect((await client.searchOne('Patient', 'family=searchab'))!.id).to.equal(p.id);
    const byChain = await client.searchResources('Observation', `patient.identifier=${MRN}|C-2`);
    expect(byChain).to.have.length(1);
    const byValue = await client.search('Observation', 'value-quantity=gt0.6|http://unitsofmeasure.org|g/L');
    expect(byValue.total).to.equal(1);
    const withObs = await client.search('Patient', `_id=${p.id}&_revinclude=Observation:patient`);
    expect(withObs.entry!.map((e: { resource?: { resourceType: string } }) => e.resource!.resourceType).sort()).to.deep.equal(['Observation', 'Patient']);
  });

  it('conditional create (If-None-Exist) and conditional update (upsert by criteria)', async () => {
    const first = await client.createResourceIfNoneExist(patient('C-3', 'Conditional'), `identifier=${MRN}|C-3`);
    const again = await client.createResourceIfNoneExist(patient('C-3', 'Other'), `identifier=${MRN}|C-3`);
    expect(again.id).to.equal(first.id);
    expect(again.name![0]!.family).to.equal('Conditional');
    const up = await client.upsertResource({ ...patient('C-3', 'Upserted') }, { identifier: `${MRN}|C-3` });
    expect(up.id).to.equal(first.id);
    expect(up.meta!.versionId).to.equal('2');
    const made = await client.upsertResource(patient('C-4', 'Fresh'), { identifier: `${MRN}|C-4` });
    expect(made.meta!.versionId).to.equal('1');
  });

  it('batch through executeBatch: each entry its own outcome', async () => {
    const p = await client.createResource(patient('C-5', 'Batched'));
    const cov: Coverage = { resourceType: 'Coverage', status: 'active', beneficiary: { reference: `Patient/${p.id}` }, payor: [{ display: 'Acme Health' }] };
    const answer: Bundle = await client.executeBatch({
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'POST', url: 'Coverage' }, resource: cov },
        { request: { method: 'GET', url: `Patient/${p.id}` } },
        { request: { method: 'GET', url: 'Patient?identifier=nobody-here' } },
        { request: { method: 'DELETE', url: `Patient/${p.id}` } },
        { request: { method: 'PUT', url: 'Patient/batched-bad' }, resource: { resourceType: 'Patient', id: 'batched-bad', gender: 'robot' } as unknown as Patient },
      ],
    });
    expect(answer.type).to.equal('batch-response');
    // The delete is refused (the new Coverage refers to the Patient), the invalid PUT is 422; the rest stand.
    expect(answer.entry!.map((e) => e.response!.status.split(' ')[0])).to.deep.equal(['201', '200', '200', '409', '422']);
    expect((await client.search('Coverage', `beneficiary=Patient/${p.id}`)).total).to.equal(1);
  });

  it('delete, then a read is 410 Gone; errors reach the client as OperationOutcomes', async () => {
    const p = await client.createResource(patient('C-6', 'Deleted'));
    await client.deleteResource('Patient', p.id);
    try {
      await client.readResource('Patient', p.id);
      expect.fail('read of a deleted resource succeeded');
    } catch (e) {
      expect(e).to.be.instanceOf(OperationOutcomeError);
      expect((e as OperationOutcomeError).outcome.issue[0]!.code).to.equal('deleted');
    }
    try {
      await client.searchResources('Patient', 'shoe-size=42');
      expect.fail('search by an unknown parameter succeeded');
    } catch (e) {
      expect((e as OperationOutcomeError).outcome.issue[0]!.diagnostics).to.contain('shoe-size');
    }
  });
});
