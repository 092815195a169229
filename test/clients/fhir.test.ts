import { expect } from 'chai';
import nock from 'nock';
import type { Bundle, Patient } from 'fhir/r4.js';
import { parseDeliveryConfig, type FhirDestination } from '../../src/delivery/config.js';
import { FhirClient } from '../../src/clients/fhir.js';
import { prepareTransaction } from '../../src/clients/fhir-transaction.js';

const EHR = 'https://ehr.example.org';
const MRN = 'urn:oid:2.16.840.1.113883.3.72.5.9.1';

function destination(extra: Record<string, unknown> = {}): FhirDestination {
  const r = parseDeliveryConfig({ destinations: { ehr: { type: 'fhir', baseUrl: `${EHR}/fhir`, auth: { type: 'bearer', token: 'secret-token' }, timeoutMs: 2000, ...extra } } });
  expect(r.issues).to.deep.equal([]);
  return r.value!.destinations.ehr as FhirDestination;
}

const registration = {
  resourceType: 'Bundle', type: 'transaction',
  entry: [
    { fullUrl: 'Patient/pat-1', resource: { resourceType: 'Patient', id: 'pat-1', identifier: [{ system: MRN, value: 'MRN-0001' }], name: [{ family: 'Testperson', given: ['Alex'] }] }, request: { method: 'PUT', url: 'Patient/pat-1' } },
    { resource: { resourceType: 'Coverage', id: 'cov-1', identifier: [{ system: 'urn:example:member', value: 'M-9' }], status: 'active', beneficiary: { reference: 'Patient/pat-1' }, payor: [{ display: 'Example Health Plan' }] }, request: { method: 'PUT', url: 'Coverage/cov-1' } },
    { resource: { resourceType: 'Basic', code: { text: 'no identifier' } } },
  ],
} as unknown as Bundle;

/** A tiny FHIR server's conditional-create behaviour: create once per identifier, then report it exists. */
function fakeEhr() {
  const store = new Map<string, string>();
  const bodies: Bundle[] = [];
  let nextId = 1;
  const scope = nock(EHR).persist().post('/fhir').reply(function (_uri, body) {
    const tx = (typeof body === 'string' ? JSON.parse(body) : body) as Bundle;
    bodies.push(tx);
    const responses = tx.entry!.map((e) => {
      const cond = e.request!.ifNoneExist ?? (e.request!.method === 'PUT' && e.request!.url.includes('?') ? e.request!.url.split('?')[1] : undefined);
      const key = `${e.resource!.resourceType}?${cond}`;
      if (cond && store.has(key)) return { response: { status: '200 OK', location: store.get(key)! } };
      const loc = `${e.resource!.resourceType}/${nextId++}/_history/1`;
      if (cond) store.set(key, loc);
      return { response: { status: '201 Created', location: loc } };
    });
    return [200, { resourceType: 'Bundle', type: 'transaction-response', entry: responses }];
  });
  return { store, bodies, scope };
}

describe('clients/fhir: transaction delivery', () => {
  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it('writes entries conditionally on their business identifier and rewrites references to urn:uuid fullUrls', () => {
    const tx = prepareTransaction(registration, 'conditional-create');
    const [p, c, b] = tx.value!.entry!;
    expect(p!.request).to.deep.equal({ method: 'POST', url: 'Patient', ifNoneExist: `identifier=${encodeURIComponent(MRN)}|MRN-0001` });
    expect(p!.fullUrl).to.match(/^urn:uuid:[0-9a-f-]{36}$/);
    expect((p!.resource as Patient).id).to.equal(undefined);
    expect((c!.resource as unknown as { beneficiary: { reference: string } }).beneficiary.reference).to.equal(p!.fullUrl);
    expect(b!.request).to.deep.equal({ method: 'POST', url: 'Basic' });
    expect(tx.issues.map((i) => i.expression?.[0])).to.deep.equal(['Bundle.entry[2].resource.identifier']);
    const upd = prepareTransaction(registration, 'conditional-update').value!.entry![0]!;
    expect(upd.request).to.deep.equal({ method: 'PUT', url: `Patient?identifier=${encodeURIComponent(MRN)}|MRN-0001` });
    // Deterministic: the same input gives the same Bundle (so a re-delivery is byte-identical).
    expect(JSON.stringify(prepareTransaction(registration, 'conditional-create').value)).to.equal(JSON.stringify(tx.value));
    // The input was not modified.
    expect(registration.entry![0]!.resource!.id).to.equal('pat-1');
  });

  it('a re-delivery changes nothing on a server honouring conditional create', async () => {
    const ehr = fakeEhr();
    const bundle = JSON.stringify({ ...registration, entry: registration.entry!.slice(0, 2) });
    const client = new FhirClient(destination({ writeMode: 'conditional-create' }));
    const first = await client.deliver(bundle);
    const second = await client.deliver(bundle);
    expect([first, second].map((o) => (o.ok ? o.partnerStatus : o.error))).to.deep.equal(["200", "200"]);
    expect(ehr.store.size).to.equal(2);
    expect(JSON.parse(first.partnerResponse!).entry.map((e: { response: { status: string } }) => e.response.status)).to.deep.equal(['201 Created', '201 Created']);
    expect(JSON.parse(second.partnerResponse!).entry.map((e: { response: { status: string } }) => e.response.status)).to.deep.equal(['200 OK', '200 OK']);
    expect(JSON.stringify(ehr.bodies[1])).to.equal(JSON.stringify(ehr.bodies[0]));
  });

  it('sends FHIR JSON with the bearer token and reads a 4xx OperationOutcome as the partner refusal', async () => {
    const oo = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Patient.birthDate bad' }] };
    nock(EHR).post('/fhir').matchHeader('content-type', /application\/fhir\+json/).matchHeader('authorization', 'Bearer secret-token').reply(422, oo);
    const out = await new FhirClient(destination()).deliver(JSON.stringify(registration));
    expect(out.ok).to.equal(false);
    if (!out.ok) {
      expect(out).to.include({ errorCode: 'DELIVERY_REJECTED', partnerStatus: '422', error: 'HTTP 422 with OperationOutcome' });
      expect(JSON.parse(out.partnerResponse!)).to.deep.equal(oo);
    }
  });

  it('never carries Authorization to another host on a redirect, and keeps it on the same origin', async () => {
    const headers: Record<string, unknown> = {};
    nock(EHR).post('/fhir').reply(307, '', { location: `${EHR}/fhir-v2` });
    nock(EHR).post('/fhir-v2').reply(function () {
      headers.sameOrigin = this.req.headers.authorization;
      return [307, '', { location: 'https://elsewhere.example.net/collect' }];
    });
    nock('https://elsewhere.example.net').post('/collect').reply(function () {
      headers.otherHost = this.req.headers.authorization ?? null;
      return [201, {}];
    });
    const out = await new FhirClient(destination()).deliver(JSON.stringify(registration));
    expect(out.ok).to.equal(true);
    expect(headers).to.deep.equal({ sameOrigin: 'Bearer secret-token', otherHost: null });
  });

  it('refuses a redirect from https to http and stops after maxRedirects', async () => {
    nock(EHR).post('/fhir').reply(302, '', { location: 'http://ehr.example.org/fhir' });
    const down = await new FhirClient(destination()).deliver(JSON.stringify(registration));
    expect(down.ok).to.equal(false);
    if (!down.ok) expect(down.error).to.contain('https to http:');
    nock(EHR).post('/fhir').reply(307, '', { location: `${EHR}/a` });
    nock(EHR).post('/a').reply(307, '', { location: `${EHR}/b` });
    const loop = await new FhirClient(destination({ maxRedirects: 1 })).deliver(JSON.stringify(registration));
    expect(loop.ok).to.equal(false);
    if (!loop.ok) expect(loop.error).to.contain('redirect not followed');
  });

  it('a timeout is transient (by error code)', async () => {
    nock(EHR).post('/fhir').delay(500).reply(200, {});
    const out = await new FhirClient(destination({ timeoutMs: 50 })).deliver(JSON.stringify(registration));
    expect(out.ok).to.equal(false);
    if (!out.ok) expect(out.errorCode).to.equal('DELIVERY_TRANSIENT');
  });

  it('does not accept a response above maxResponseBytes', async () => {
    nock(EHR).post('/fhir').reply(200, 'x'.repeat(4096));
    const out = await new FhirClient(destination({ maxResponseBytes: 1024 })).deliver(JSON.stringify(registration));
    expect(out.ok).to.equal(false);
    if (!out.ok) expect(out.errorCode).to.equal('TOO_LARGE');
  });

  it('a payload that is not JSON is refused without a request', async () => {
    const out = await new FhirClient(destination()).deliver('MSH|^~\\&|');
    expect(out.ok).to.equal(false);
    if (!out.ok) expect(out.errorCode).to.equal('JSON_INVALID');
  });
});
