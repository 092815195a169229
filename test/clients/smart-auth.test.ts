import { expect } from 'chai';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import nock from 'nock';
import { parseDeliveryConfig, type FhirDestination } from '../../src/delivery/config.js';
import { FhirClient } from '../../src/clients/fhir.js';
import { testKey, type TestKey } from './keys.js';

const EHR = 'https://ehr.example.org';
const TOKEN_URL = 'https://auth.example.org/oauth/token';
const bundle = JSON.stringify({ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:oid:2.16.840.1.113883.3.72.5.9.1', value: 'MRN-0001' }] });

function destination(auth: Record<string, unknown>): FhirDestination {
  const r = parseDeliveryConfig({ destinations: { ehr: { type: 'fhir', baseUrl: `${EHR}/fhir`, auth, timeoutMs: 2000 } } });
  expect(r.issues).to.deep.equal([]);
  return r.value!.destinations.ehr as FhirDestination;
}

describe('clients/smart-auth: SMART Backend Services', () => {
  before(() => nock.disableNetConnect());
  after(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  for (const alg of ['ES384', 'RS384'] as const) {
    it(`fetches a token with a ${alg} client assertion and reuses it until shortly before expiry`, async () => {
      const key: TestKey = await testKey(alg);
      let clock = new Date('2026-03-02T10:00:00Z');
      const client = new FhirClient(destination({ type: 'smart-backend', tokenUrl: TOKEN_URL, clientId: 'frontdesk-test', alg, kid: 'k1', privateKeyPem: key.pem, scope: 'system/Patient.write' }), () => clock);
      const assertions: string[] = [];
      const token = nock('https://auth.example.org')
        .post('/oauth/token', (body: Record<string, string>) => {
          assertions.push(body.client_assertion!);
          return body.grant_type === 'client_credentials' && body.scope === 'system/Patient.write'
            && body.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
        })
        .times(2)
        .reply(200, () => ({ access_token: `tok-${assertions.length}`, token_type: 'bearer', expires_in: 300 }));
      const seen: string[] = [];
      const ehr = nock(EHR).post('/fhir').times(3).reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [200, { resourceType: 'Bundle', type: 'transaction-response' }];
      });

      expect((await client.deliver(bundle)).ok).to.equal(true);
      clock = new Date(clock.getTime() + 200_000); // still well inside the 300 s lifetime
      expect((await client.deliver(bundle)).ok).to.equal(true);
      clock = new Date(clock.getTime() + 60_000); // 260 s: inside the renewal margin
      expect((await client.deliver(bundle)).ok).to.equal(true);

      expect(seen).to.deep.equal(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
      expect(token.isDone() && ehr.isDone()).to.equal(true);
      // The assertion is a JWT signed with our key: iss = sub = client id, aud = token URL, short-lived, unique jti.
      const { payload } = await jwtVerify(assertions[0]!, key.publicKey, { audience: TOKEN_URL, issuer: 'frontdesk-test', subject: 'frontdesk-test', currentDate: new Date('2026-03-02T10:00:00Z') });
      expect(payload.exp! - payload.iat!).to.be.at.most(300);
      expect(payload.jti).to.be.a('string');
      expect(decodeProtectedHeader(assertions[0]!)).to.include({ alg, kid: 'k1', typ: 'JWT' });
      const second = decodeProtectedHeader(assertions[1]!);
      expect(second.alg).to.equal(alg);
    });
  }

  it('shares one token fetch between concurrent deliveries and accepts a JWK key', async () => {
    const key = await testKey('ES384');
    const client = new FhirClient(destination({ type: 'smart-backend', tokenUrl: TOKEN_URL, clientId: 'c', alg: 'ES384', privateJwk: key.privateJwk }));
    const token = nock('https://auth.example.org').post('/oauth/token').once().reply(200, { access_token: 'only-one', expires_in: 3600 });
    nock(EHR).post('/fhir').times(3).matchHeader('authorization', 'Bearer only-one').reply(200, {});
    const out = await Promise.all([client.deliver(bundle), client.deliver(bundle), client.deliver(bundle)]);
    expect(out.every((o) => o.ok)).to.equal(true);
    expect(token.isDone()).to.equal(true);
  });

  it('renews the token once when the EHR answers 401, then sends again', async () => {
    const key = await testKey('ES384');
    const client = new FhirClient(destination({ type: 'smart-backend', tokenUrl: TOKEN_URL, clientId: 'c', alg: 'ES384', privateKeyPem: key.pem }));
    let n = 0;
    nock('https://auth.example.org').post('/oauth/token').twice().reply(200, () => ({ access_token: `t${++n}`, expires_in: 3600 }));
    nock(EHR).post('/fhir').matchHeader('authorization', 'Bearer t1').reply(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    nock(EHR).post('/fhir').matchHeader('authorization', 'Bearer t2').reply(201, {});
    const out = await client.deliver(bundle);
    expect(out).to.include({ ok: true, partnerStatus: '201' });
  });

  it('a refused token request is transient (the message is fine; the credentials need fixing)', async () => {
    const key = await testKey('RS384');
    const client = new FhirClient(destination({ type: 'smart-backend', tokenUrl: TOKEN_URL, clientId: 'c', alg: 'RS384', privateKeyPem: key.pem }));
    nock('https://auth.example.org').post('/oauth/token').reply(401, { error: 'invalid_client' });
    const out = await client.deliver(bundle);
    expect(out.ok).to.equal(false);
    if (!out.ok) {
      expect(out.errorCode).to.equal('DELIVERY_TRANSIENT');
      expect(out.error).to.contain('invalid_client');
    }
  });

  it('a token endpoint that redirects is transient too, not a dead letter for the message', async () => {
    const key = await testKey('RS384');
    const client = new FhirClient(destination({ type: 'smart-backend', tokenUrl: TOKEN_URL, clientId: 'c', alg: 'RS384', privateKeyPem: key.pem }));
    nock('https://auth.example.org').post('/oauth/token').reply(302, '', { location: 'https://login.example.org/oauth/token' });
    const out = await client.deliver(bundle);
    expect(out.ok).to.equal(false);
    if (!out.ok) expect(out.errorCode).to.equal('DELIVERY_TRANSIENT');
  });
});
