import { expect } from 'chai';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { CapabilityStatement, OperationOutcome } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { API_KEY, startTest, tempDir } from '../support/gateway.js';
import { serveJwks, signToken, testKey, type TestKey } from '../support/jwt-issuer.js';
import { EXAMPLES_DIR } from '../../src/paths.js';

const ISS = 'https://auth.test.example';
const AUD = 'https://frontdesk.test.example/fhir';
const READER_KEY = 'test-reader-key-789';
const SENDER_KEY = 'test-hl7-sender-key-012';
const V1_KEY = 'test-v1-writer-key-345';

const patient = (id: string) => ({ resourceType: 'Patient', id, name: [{ family: 'Authtest', given: ['Synthetic'] }], gender: 'unknown' });

describe('http: SMART authorization of the FHIR API (bearer JWTs and API keys, per interaction and type)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let base: string;
  let key: TestKey;
  let jwks: Awaited<ReturnType<typeof serveJwks>>;

  const call = (path: string, auth: string | null, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (auth !== null) headers.set('authorization', `Bearer ${auth}`);
    if (init.body) headers.set('content-type', 'application/fhir+json');
    return fetch(base + path, { ...init, headers });
  };
  const token = (scope: string, extra: Parameters<typeof signToken>[1] = {}) => signToken(key, { issuer: ISS, audience: AUD, clientId: 'ehr-backend', scope, ...extra });
  const diagnostics = async (r: Response) => ((await r.json()) as OperationOutcome).issue.map((i) => i.diagnostics).join(' | ');
  /** Expect a 403 OperationOutcome naming `scope`, with RFC 6750's insufficient_scope. */
  const expect403 = async (r: Response, scope: string) => {
    expect(r.status).to.equal(403);
    expect(r.headers.get('www-authenticate')).to.contain('error="insufficient_scope"').and.contain(scope);
    const oo = (await r.json()) as OperationOutcome;
    expect(oo.issue[0]!.code).to.equal('forbidden');
    expect(oo.issue[0]!.diagnostics).to.contain(scope);
  };

  before(async () => {
    tmp = tempDir();
    key = await testKey('k1', 'ES384');
    jwks = await serveJwks(key);
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      http: {
        host: '127.0.0.1', port: 0,
        auth: {
          keys: [
            { name: 'admin', key: API_KEY, scopes: ['*'] },
            { name: 'reader', key: READER_KEY, scopes: ['system/Patient.rs', 'system/Observation.read'] },
            { name: 'hl7-sender', key: SENDER_KEY, scopes: ['hl7v2'] },
            { name: 'v1-writer', key: V1_KEY, scopes: ['system/*.write'] },
          ],
          jwt: { issuer: ISS, audience: AUD, jwksUrl: jwks.url, tokenEndpoint: 'https://auth.test.example/token' },
        },
      },
    });
    base = gw.http.url;
    for (const id of ['auth-p1', 'auth-p2']) expect((await call(`/fhir/Patient/${id}`, API_KEY, { method: 'PUT', body: JSON.stringify(patient(id)) })).status).to.equal(201);
  });

  after(async () => {
    await gw.close();
    await jwks.close();
    tmp.cleanup();
  });

  describe('401: no token, or a JWT refused', () => {
    it('answers 401 with WWW-Authenticate: Bearer without a token', async () => {
      const r = await call('/fhir/Patient/auth-p1', null);
      expect(r.status).to.equal(401);
      expect(r.headers.get('www-authenticate')).to.match(/^Bearer realm="frontdesk"$/);
      expect(((await r.json()) as OperationOutcome).issue[0]!.code).to.equal('login');
    });

    const cases: Array<[string, () => Promise<string>, RegExp]> = [
      ['expired', () => signToken(key, { issuer: ISS, audience: AUD, scope: 'system/*.cruds', expiresIn: -600 }), /expired \(exp\)/],
      ['wrong audience', () => signToken(key, { issuer: ISS, audience: 'https://elsewhere.example/fhir', scope: 'system/*.cruds' }), /audience \(aud\)/],
      ['wrong issuer', () => signToken(key, { issuer: 'https://evil.example', audience: AUD, scope: 'system/*.cruds' }), /issuer \(iss\)/],
      ['bad signature', async () => signToken(await testKey('k1', 'ES384'), { issuer: ISS, audience: AUD, scope: 'system/*.cruds' }), /signature does not verify/],
      ['unknown kid', () => signToken(key, { issuer: ISS, audience: AUD, scope: 'system/*.cruds', kid: 'rotated-away' }), /kid "rotated-away"/],
      ['not yet valid', () => signToken(key, { issuer: ISS, audience: AUD, scope: 'system/*.cruds', notBefore: 3600 }), /not valid yet \(nbf\)/],
    ];
    for (const [name, make, says] of cases) {
      it(`answers 401 invalid_token for a JWT with ${name}, saying why`, async () => {
        const r = await call('/fhir/Patient/auth-p1', await make());
        expect(r.status).to.equal(401);
        expect(r.headers.get('www-authenticate')).to.contain('Bearer').and.contain('error="invalid_token"');
        expect(await diagnostics(r)).to.match(says);
      });
    }

    it('audits a refused JWT as a failed authentication', async () => {
      await call('/fhir/Patient/auth-p2', await signToken(key, { issuer: ISS, audience: AUD, scope: 'system/*.cruds', expiresIn: -600 }));
      const rows = await gw.store.audit.list({ action: 'authenticate', outcome: 'failure' });
      const row = rows.find((r) => r.path === '/fhir/Patient/auth-p2');
      expect(row).to.include({ status: 401, actorKind: 'anonymous', detail: 'bearer JWT refused: expired' });
    });
  });

  describe('403: per interaction and resource type (SMART v2 and v1 scopes)', () => {
    it('system/Patient.rs: read, vread, history, search Patient; nothing else', async () => {
      const t = await token('system/Patient.rs');
      expect((await call('/fhir/Patient/auth-p1', t)).status).to.equal(200);
      expect((await call('/fhir/Patient/auth-p1/_history/1', t)).status).to.equal(200);
      expect((await call('/fhir/Patient/auth-p1/_history', t)).status).to.equal(200);
      expect((await call('/fhir/Patient/_history', t)).status).to.equal(200);
      expect((await call('/fhir/Patient?family=Authtest', t)).status).to.equal(200);
      await expect403(await call('/fhir/Patient', t, { method: 'POST', body: JSON.stringify(patient('x')) }), 'system/Patient.c');
      await expect403(await call('/fhir/Patient/auth-p1', t, { method: 'PUT', body: JSON.stringify(patient('auth-p1')) }), 'system/Patient.u');
      await expect403(await call('/fhir/Patient?identifier=x', t, { method: 'PUT', body: JSON.stringify(patient('auth-p1')) }), 'system/Patient.u');
      await expect403(await call('/fhir/Patient/auth-p1', t, { method: 'DELETE' }), 'system/Patient.d');
      await expect403(await call('/fhir/Patient?identifier=x', t, { method: 'DELETE' }), 'system/Patient.d');
      await expect403(await call('/fhir/Observation/o1', t), 'system/Observation.r');
      await expect403(await call('/fhir/Observation?code=x', t), 'system/Observation.s');
      await expect403(await call('/fhir/Observation/_history', t), 'system/Observation.s');
      await expect403(await call('/fhir/Observation/o1/_history', t), 'system/Observation.r');
      await expect403(await call('/fhir/Observation/o1/_history/1', t), 'system/Observation.r');
    });

    it('separates r from s: system/Patient.r reads but does not search; system/Patient.s searches but does not read', async () => {
      const r = await token('system/Patient.r');
      expect((await call('/fhir/Patient/auth-p1', r)).status).to.equal(200);
      await expect403(await call('/fhir/Patient?family=Authtest', r), 'system/Patient.s');
      const s = await token('system/Patient.s');
      expect((await call('/fhir/Patient?family=Authtest', s)).status).to.equal(200);
      await expect403(await call('/fhir/Patient/auth-p1', s), 'system/Patient.r');
    });

    it('system/*.cruds does everything on every type, and the JWT client id is the audited agent', async () => {
      const t = await token('system/*.cruds');
      const c = await call('/fhir/Patient', t, { method: 'POST', body: JSON.stringify(patient('ignored')) });
      expect(c.status).to.equal(201);
      const id = (await c.json() as { id: string }).id;
      expect((await call(`/fhir/Patient/${id}`, t, { method: 'PUT', body: JSON.stringify({ ...patient(id), gender: 'other' }) })).status).to.equal(200);
      expect((await call(`/fhir/Patient/${id}`, t, { method: 'DELETE' })).status).to.equal(200);
      expect((await call('/fhir/Observation?code=x', t)).status).to.equal(200);
      const rows = await gw.store.audit.list({ entity: `Patient/${id}`, actor: 'ehr-backend' });
      expect(rows.map((r) => r.action).sort()).to.include.members(['create', 'update', 'delete']);
      expect(rows.every((r) => r.actorKind === 'jwt')).to.equal(true);
      const ae = await call(`/fhir/AuditEvent?agent=ehr-backend&entity=Patient/${id}`, API_KEY);
      const bundle = (await ae.json()) as { entry?: Array<{ resource: { agent: Array<{ who?: { display?: string; identifier?: { value?: string } }; name?: string }> } }> };
      expect(bundle.entry?.length).to.be.at.least(3);
      expect(bundle.entry![0]!.resource.agent[0]!.who).to.deep.equal({ identifier: { system: 'urn:frontdesk:jwt', value: 'ehr-backend' }, display: 'ehr-backend' });
    });

    it('v1 scopes: system/*.read reads and searches any type; system/*.write creates but does not read', async () => {
      const read = await token('system/*.read');
      expect((await call('/fhir/Patient/auth-p1', read)).status).to.equal(200);
      expect((await call('/fhir/Observation?code=x', read)).status).to.equal(200);
      await expect403(await call('/fhir/Patient', read, { method: 'POST', body: JSON.stringify(patient('x')) }), 'system/Patient.c');
      const write = await token('system/*.write');
      expect((await call('/fhir/Patient', write, { method: 'POST', body: JSON.stringify(patient('x')) })).status).to.equal(201);
      await expect403(await call('/fhir/Patient/auth-p1', write), 'system/Patient.r');
      const v1 = await token('system/Patient.read');
      expect((await call('/fhir/Patient?family=Authtest', v1)).status).to.equal(200);
      await expect403(await call('/fhir/Patient/auth-p1', v1, { method: 'DELETE' }), 'system/Patient.d');
    });

    it('patient/ and user/ scopes grant nothing (no launch context), and the 403 says so', async () => {
      const t = await token('patient/Patient.rs user/*.cruds');
      const r = await call('/fhir/Patient/auth-p1', t);
      expect(r.status).to.equal(403);
      const d = await diagnostics(r);
      expect(d).to.contain('system/Patient.r').and.contain('patient/Patient.rs').and.contain('system/ scopes only');
    });

    it('$validate needs a scope on its type', async () => {
      const t = await token('system/Patient.rs');
      expect((await call('/fhir/Patient/$validate', t, { method: 'POST', body: JSON.stringify(patient('v')) })).status).to.equal(200);
      await expect403(await call('/fhir/Observation/$validate', t, { method: 'POST', body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'x' } }) }), 'system/Observation.c');
    });

    it('a transaction needs the scope of every entry (type and method) and names each one missing', async () => {
      const t = await token('system/Patient.cru');
      const bundle = {
        resourceType: 'Bundle', type: 'transaction',
        entry: [
          { resource: patient('tx-1'), request: { method: 'PUT', url: 'Patient/tx-1' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } },
          { request: { method: 'DELETE', url: 'Coverage/c1' } },
          { request: { method: 'GET', url: 'Organization?name=x' } },
        ],
      };
      const r = await call('/fhir', t, { method: 'POST', body: JSON.stringify(bundle) });
      expect(r.status).to.equal(403);
      const d = await diagnostics(r);
      for (const s of ['system/Observation.c', 'system/Coverage.d', 'system/Organization.s']) expect(d).to.contain(s);
      expect(d).not.to.contain('system/Patient.u');
      expect(await gw.store.messages.count()).to.equal(0);
    });

    it('a batch checks each entry on its own: a refused entry is a 403 beside the others', async () => {
      const t = await token('system/Patient.rs');
      const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/auth-p1' } }, { request: { method: 'GET', url: 'Observation/o1' } }, { request: { method: 'DELETE', url: 'Patient/auth-p1' } }] };
      const r = await call('/fhir', t, { method: 'POST', body: JSON.stringify(bundle) });
      expect(r.status).to.equal(200);
      const out = (await r.json()) as { entry: Array<{ response: { status: string; outcome?: OperationOutcome } }> };
      expect(out.entry.map((e) => e.response.status.split(' ')[0])).to.deep.equal(['200', '403', '403']);
      expect(JSON.stringify(out.entry[1]!.response.outcome)).to.contain('system/Observation.r');
      expect(JSON.stringify(out.entry[2]!.response.outcome)).to.contain('system/Patient.d');
    });

    it('metadata needs credentials but no FHIR scope; a JWT does not reach the operator API', async () => {
      const t = await token('system/Patient.r');
      expect((await call('/fhir/metadata', t)).status).to.equal(200);
      expect((await call('/fhir/metadata', SENDER_KEY)).status).to.equal(200);
      const r = await call('/messages', t);
      expect(r.status).to.equal(403);
      expect(await diagnostics(r)).to.contain('FHIR API only');
    });

    it('a JWT claiming Frontdesk\'s own scopes ("*", "operator", "fhir") gets nothing from them', async () => {
      const t = await token('* operator fhir metrics');
      expect((await call('/messages', t)).status).to.equal(403);
      expect((await call('/metrics', t)).status).to.equal(403);
      await expect403(await call('/fhir/Patient/auth-p1', t), 'system/Patient.r');
    });

    it('records the 403 in the audit trail with the missing scope', async () => {
      await call('/fhir/Observation/o-audited', await token('system/Patient.rs'));
      const [row] = await gw.store.audit.list({ entity: 'Observation/o-audited' });
      expect(row).to.include({ status: 403, outcome: 'failure', actor: 'ehr-backend', actorKind: 'jwt', action: 'read' });
      expect(row!.detail).to.contain('system/Observation.r');
    });
  });

  describe('API keys: the same per-type scopes', () => {
    it('a key with system/Patient.rs and system/Observation.read', async () => {
      expect((await call('/fhir/Patient/auth-p1', READER_KEY)).status).to.equal(200);
      expect((await call('/fhir/Observation?code=x', READER_KEY)).status).to.equal(200);
      await expect403(await call('/fhir/Coverage/c1', READER_KEY), 'system/Coverage.r');
      await expect403(await call('/fhir/Patient/auth-p1', READER_KEY, { method: 'DELETE' }), 'system/Patient.d');
      const r = await call('/fhir/Patient/auth-p1', READER_KEY, { method: 'DELETE' });
      expect(await diagnostics(r)).to.contain('Key "reader"');
    });

    it('an HL7 sender key (hl7v2 only) has no FHIR access at all', async () => {
      await expect403(await call('/fhir/Patient/auth-p1', SENDER_KEY), 'system/Patient.r');
      await expect403(await call('/fhir/Patient?family=Authtest', SENDER_KEY), 'system/Patient.s');
      expect((await call('/fhir/Patient', SENDER_KEY, { method: 'POST', body: JSON.stringify(patient('x')) })).status).to.equal(403);
    });

    it('the legacy v1 scope on a key: system/*.write', async () => {
      expect((await call('/fhir/Patient', V1_KEY, { method: 'POST', body: JSON.stringify(patient('x')) })).status).to.equal(201);
      await expect403(await call('/fhir/Patient?family=Authtest', V1_KEY), 'system/Patient.s');
    });
  });

  describe('discovery', () => {
    it('declares SMART-on-FHIR with the token endpoint in CapabilityStatement.rest.security', async () => {
      const cs = (await (await call('/fhir/metadata', API_KEY)).json()) as CapabilityStatement;
      const sec = cs.rest![0]!.security!;
      expect(sec.service![0]!.coding![0]).to.include({ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' });
      const oauth = sec.extension!.find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris')!;
      expect(oauth.extension).to.deep.equal([{ url: 'token', valueUri: 'https://auth.test.example/token' }]);
    });

    it('serves /fhir/.well-known/smart-configuration without credentials', async () => {
      const r = await fetch(`${base}/fhir/.well-known/smart-configuration`);
      expect(r.status).to.equal(200);
      const doc = (await r.json()) as Record<string, unknown>;
      expect(doc).to.include({ token_endpoint: 'https://auth.test.example/token', jwks_uri: jwks.url });
      expect(doc.grant_types_supported).to.deep.equal(['client_credentials']);
      expect(doc.capabilities).to.include('client-confidential-asymmetric').and.include('permission-v2');
    });
  });
});

describe('http: JWT edge cases (JWKS unreachable, lockout, the audit trail by scope)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let key: TestKey;
  before(async () => {
    tmp = tempDir();
    key = await testKey('k1', 'ES384');
  });
  after(() => tmp.cleanup());

  it('answers 503 AUTH_UNAVAILABLE with Retry-After when the JWKS URL does not answer, and counts nothing against the client', async () => {
    const gone = await serveJwks(key);
    const jwksUrl = gone.url;
    await gone.close();
    const gw = await startTest(join(tmp.dir, 'a.db'), { http: { host: '127.0.0.1', port: 0, auth: { keys: [], maxFailures: 2, jwt: { issuer: ISS, audience: AUD, jwksUrl } } } });
    try {
      const t = await signToken(key, { issuer: ISS, audience: AUD, scope: 'system/*.rs' });
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${gw.http.url}/fhir/Patient/x`, { headers: { authorization: `Bearer ${t}` } });
        expect(r.status).to.equal(503);
        expect(r.headers.get('retry-after')).to.equal('30');
        expect(((await r.json()) as OperationOutcome).issue[0]!.diagnostics).to.contain('could not be');
      }
    } finally {
      await gw.close();
    }
  });

  it('refused JWTs count towards the address lockout (429 after maxFailures)', async () => {
    const jwks = await serveJwks(key);
    const gw = await startTest(join(tmp.dir, 'b.db'), { http: { host: '127.0.0.1', port: 0, auth: { keys: [], maxFailures: 3, lockoutSeconds: 60, jwt: { issuer: ISS, audience: AUD, jwksUrl: jwks.url } } } });
    try {
      const bad = await signToken(key, { issuer: ISS, audience: 'https://elsewhere.example', scope: 'system/*.rs' });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${gw.http.url}/fhir/Patient/x`, { headers: { authorization: `Bearer ${bad}` } })).status);
      expect(statuses).to.deep.equal([401, 401, 429, 429]);
    } finally {
      await gw.close();
      await jwks.close();
    }
  });

  it('reads the audit trail with system/AuditEvent.rs by name, not with system/*.rs', async () => {
    const jwks = await serveJwks(key);
    const gw = await startTest(join(tmp.dir, 'c.db'), { http: { host: '127.0.0.1', port: 0, auth: { keys: [], jwt: { issuer: ISS, audience: AUD, jwksUrl: jwks.url } } } });
    try {
      const get = async (scope: string) => fetch(`${gw.http.url}/fhir/AuditEvent?_count=1`, { headers: { authorization: `Bearer ${await signToken(key, { issuer: ISS, audience: AUD, scope })}` } });
      expect((await get('system/AuditEvent.rs')).status).to.equal(200);
      const r = await get('system/*.cruds');
      expect(r.status).to.equal(403);
      expect(((await r.json()) as OperationOutcome).issue[0]!.diagnostics).to.contain('system/AuditEvent.rs');
    } finally {
      await gw.close();
      await jwks.close();
    }
  });
});

describe('http: the sample configuration gives the HL7 sender key no FHIR read access', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  const sample = JSON.parse(readFileSync(join(EXAMPLES_DIR, 'config/gateway.json'), 'utf8')) as { http: { auth: { keys: Array<{ name: string; key: string; scopes: string[] }> } } };
  const keys = sample.http.auth.keys;

  before(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'), { http: { host: '127.0.0.1', port: 0, auth: { keys } } });
    const admin = keys.find((k) => k.scopes.includes('*'))!;
    const put = await fetch(`${gw.http.url}/fhir/Patient/sample-p1`, { method: 'PUT', headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(patient('sample-p1')) });
    expect(put.status).to.equal(201);
  });
  after(async () => {
    await gw.close();
    tmp.cleanup();
  });

  it('the hl7-sender key posts HL7v2 but reads and searches no FHIR resource (403 naming the scope)', async () => {
    const sender = keys.find((k) => k.name === 'hl7-sender');
    expect(sender, 'examples/config/gateway.json has an "hl7-sender" key').to.not.equal(undefined);
    const get = (path: string) => fetch(`${gw.http.url}${path}`, { headers: { authorization: `Bearer ${sender!.key}` } });
    for (const [path, scope] of [['/fhir/Patient/sample-p1', 'system/Patient.r'], ['/fhir/Patient?family=Authtest', 'system/Patient.s'], ['/fhir/Patient/sample-p1/_history', 'system/Patient.r']] as const) {
      const r = await get(path);
      expect(r.status, path).to.equal(403);
      expect(((await r.json()) as OperationOutcome).issue[0]!.diagnostics).to.contain(scope);
    }
    const hl7 = await fetch(`${gw.http.url}/hl7v2`, { method: 'POST', headers: { authorization: `Bearer ${sender!.key}`, 'content-type': 'application/hl7-v2' }, body: 'MSH|^~\\&|A|B|C|D|20240301||ADT^A04|X1|P|2.5.1\r' });
    expect(hl7.status, 'the sender may still post HL7v2').to.not.be.oneOf([401, 403]);
  });

  it('the ehr key keeps full FHIR access through the legacy "fhir" scope', async () => {
    const ehr = keys.find((k) => k.name === 'ehr')!;
    const r = await fetch(`${gw.http.url}/fhir/Patient/sample-p1`, { headers: { authorization: `Bearer ${ehr.key}` } });
    expect(r.status).to.equal(200);
  });
});
