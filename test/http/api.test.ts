import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Bundle, OperationOutcome, Patient, Coverage, CapabilityStatement } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { API_KEY, FHIR_KEY, adt, msa, registerTestFlow, startTest, tempDir } from '../support/gateway.js';
import { sqliteDb } from '../support/sqlite.js';

const example = <T>(p: string): T => JSON.parse(readFileSync(resolve('examples', p), 'utf8')) as T;

function transactionBundle(): Bundle {
  const patient = example<Patient>('fhir/patient.json');
  delete patient.id;
  const coverage = example<Coverage>('fhir/coverage.json');
  delete coverage.id;
  coverage.subscriber = { reference: 'urn:uuid:5e0e7b9a-0000-4000-8000-000000000001' };
  coverage.beneficiary = { reference: 'urn:uuid:5e0e7b9a-0000-4000-8000-000000000001' };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:5e0e7b9a-0000-4000-8000-000000000001', resource: patient, request: { method: 'POST', url: 'Patient' } },
      { fullUrl: 'urn:uuid:5e0e7b9a-0000-4000-8000-000000000002', resource: coverage, request: { method: 'POST', url: 'Coverage' } },
    ],
  };
}

describe('http: the FHIR, office, HL7 and operator API on a real express server', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let base: string;
  let remove: () => void;

  const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? API_KEY}`);
    return fetch(base + path, { ...init, headers });
  };
  const postFhir = (path: string, body: unknown, key?: string) =>
    call(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/fhir+json' }, ...(key ? { key } : {}) });

  before(async () => {
    tmp = tempDir();
    ({ remove } = registerTestFlow());
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      channels: [
        { name: 'test-mllp', source: { mllp: { port: 0 } }, flow: 'test-flow', destinations: [] },
        { name: 'http-test', source: { http: { path: '/hl7v2' } }, flow: 'test-flow', destinations: [] },
      ],
    });
    base = gw.http.url;
  });

  after(async () => {
    await gw.close();
    remove();
    tmp.cleanup();
  });

  describe('security', () => {
    it('serves /health without credentials', async () => {
      const r = await fetch(`${base}/health`);
      expect(r.status).to.equal(200);
      expect(await r.json()).to.deep.equal({ status: 'ok', store: 'ok' });
    });

    it('answers 401 with an OperationOutcome without or with an unknown key', async () => {
      for (const key of [null, 'nope-nope-nope']) {
        const r = await call('/fhir/metadata', { key });
        expect(r.status).to.equal(401);
        expect(r.headers.get('content-type')).to.contain('application/fhir+json');
        expect(r.headers.get('www-authenticate')).to.contain('Bearer');
        const oo = (await r.json()) as OperationOutcome;
        expect(oo.issue[0]!.code).to.equal('login');
      }
    });

    it('accepts X-API-Key too', async () => {
      const r = await fetch(`${base}/fhir/metadata`, { headers: { 'x-api-key': API_KEY } });
      expect(r.status).to.equal(200);
    });

    it('answers 403 when the key lacks the scope', async () => {
      const r = await call('/messages', { key: FHIR_KEY });
      expect(r.status).to.equal(403);
      expect(((await r.json()) as OperationOutcome).issue[0]!.code).to.equal('forbidden');
      expect((await call('/metrics', { key: FHIR_KEY })).status).to.equal(403);
    });

    it('answers 400, not 500, to $validate bodies that are JSON but not a resource or well-formed Parameters', async () => {
      for (const body of ['null', '{"resourceType":"Parameters","parameter":"x"}', '{"resourceType":"Parameters","parameter":[null]}']) {
        const r = await postFhir('/fhir/Patient/$validate', body);
        expect(r.status, body).to.be.oneOf([400, 422]);
        expect(((await r.json()) as OperationOutcome).resourceType).to.equal('OperationOutcome');
      }
    });

    it('answers 404 for office endpoints named after inherited object members (and stores nothing)', async () => {
      const count = () => gw.store.messages.count();
      const before = await count();
      for (const kind of ['__proto__', 'constructor', 'toString']) {
        const r = await call(`/office/${kind}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
        expect(r.status, kind).to.equal(404);
      }
      expect(await gw.metrics.render(gw.store)).to.not.match(/store_failures\{[^}]*\} [1-9]/);
      expect(await count()).to.equal(before);
    });

    it('answers 404 as an OperationOutcome for an unknown route', async () => {
      const r = await call('/nowhere');
      expect(r.status).to.equal(404);
      expect(((await r.json()) as OperationOutcome).resourceType).to.equal('OperationOutcome');
    });

    it('answers 413 for a body above the limit, 415 for a wrong media type, 400 for broken JSON', async () => {
      const big = await postFhir('/fhir/Patient/$validate', JSON.stringify({ resourceType: 'Patient', text: 'x'.repeat(300 * 1024) }));
      expect(big.status).to.equal(413);
      expect(((await big.json()) as OperationOutcome).issue[0]!.code).to.equal('too-long');
      const media = await call('/fhir', { method: 'POST', body: '<Bundle/>', headers: { 'content-type': 'application/xml' } });
      expect(media.status).to.equal(415);
      const broken = await postFhir('/fhir/Patient/$validate', '{"resourceType":');
      expect(broken.status).to.equal(400);
    });
  });

  describe('FHIR', () => {
    it('GET /fhir/metadata: a CapabilityStatement generated from the routes', async () => {
      const r = await call('/fhir/metadata');
      expect(r.status).to.equal(200);
      const cs = (await r.json()) as CapabilityStatement;
      expect(cs.resourceType).to.equal('CapabilityStatement');
      expect(cs.fhirVersion).to.equal('4.0.1');
      const rest = cs.rest![0]!;
      expect(rest.interaction!.map((i) => i.code).sort()).to.deep.equal(['batch', 'transaction']);
      const patient = rest.resource!.find((x) => x.type === 'Patient')!;
      // Every interaction the route table mounts, and nothing else (src/http/fhir.ts FHIR_ROUTES).
      const { FHIR_ROUTES } = await import('../../src/http/fhir.js');
      const mounted = [...new Set(FHIR_ROUTES.flatMap((x) => ('interaction' in x.declares && x.declares.level === 'type' ? [x.declares.interaction] : [])))];
      expect(patient.interaction!.map((i) => i.code).sort()).to.deep.equal(mounted.sort());
      expect(mounted).to.include.members(['read', 'vread', 'create', 'update', 'delete', 'history-instance']);
      expect(patient.operation!.map((o) => o.name)).to.deep.equal(['validate']);
      expect(patient.supportedProfile).to.include('http://frontdesk.example.org/fhir/StructureDefinition/fd-patient');
      // No http.auth.jwt here: API keys only, no SMART service declared.
      expect(rest.security!.service).to.equal(undefined);
      expect(rest.security!.description).to.contain('API key');
    });

    it('POST /fhir/Patient/$validate: 200 with an OperationOutcome, valid or not', async () => {
      const ok = await postFhir('/fhir/Patient/$validate', example('fhir/patient.json'));
      expect(ok.status).to.equal(200);
      const okOutcome = (await ok.json()) as OperationOutcome;
      expect(okOutcome.issue.filter((i) => i.severity === 'error')).to.deep.equal([]);
      const bad = example<Patient>('fhir/patient.json');
      (bad as unknown as Record<string, unknown>).birthDate = '15/04/1980';
      const r = await postFhir('/fhir/Patient/$validate', bad);
      expect(r.status).to.equal(200);
      const oo = (await r.json()) as OperationOutcome;
      expect(oo.issue.some((i) => i.severity === 'error' && i.expression?.[0] === 'Patient.birthDate')).to.equal(true);
    });

    it('$validate takes a profile parameter (query or Parameters); an unknown profile is 404', async () => {
      const q = await postFhir(`/fhir/Patient/$validate?profile=${encodeURIComponent('http://frontdesk.example.org/fhir/StructureDefinition/fd-patient')}`, example('fhir/patient.json'));
      expect(q.status).to.equal(200);
      const params = { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: example('fhir/patient.json') }, { name: 'profile', valueUri: 'http://example.org/unknown' }] };
      const p = await postFhir('/fhir/Patient/$validate', params);
      expect(p.status).to.equal(404);
      expect(((await p.json()) as OperationOutcome).issue[0]!.code).to.equal('not-found');
    });

    it('$validate without a profile judges a resource naming none against its R4 base type', async () => {
      const base = await postFhir('/fhir/Patient/$validate', { resourceType: 'Patient', gender: 'female' });
      expect(((await base.json()) as OperationOutcome).issue.filter((i) => i.severity === 'error')).to.deep.equal([]);
      const ours = await postFhir(`/fhir/Patient/$validate?profile=fd-patient`, { resourceType: 'Patient', gender: 'female' });
      expect(((await ours.json()) as OperationOutcome).issue.filter((i) => i.severity === 'error').map((i) => i.expression?.[0])).to.deep.equal(['Patient.identifier', 'Patient.name']);
    });

    it('$validate with a body of another type is 400', async () => {
      const r = await postFhir('/fhir/Coverage/$validate', example('fhir/patient.json'));
      expect(r.status).to.equal(400);
    });

    it('POST /fhir: a transaction Bundle end to end (stored, ids assigned, references resolved, readable)', async () => {
      const r = await postFhir('/fhir', transactionBundle());
      expect(r.status).to.equal(200, await r.clone().text());
      const resp = (await r.json()) as Bundle;
      expect(resp.type).to.equal('transaction-response');
      expect(resp.entry!.map((e) => e.response!.status)).to.deep.equal(['201 Created', '201 Created']);
      const [pLoc, cLoc] = resp.entry!.map((e) => e.response!.location!);
      expect(pLoc).to.match(/^Patient\/[\w.-]+\/_history\/1$/);
      const patientRef = pLoc!.split('/_history')[0]!;
      const cov = await call(`/fhir/${cLoc!.split('/_history')[0]}`);
      expect(cov.status).to.equal(200);
      const coverage = (await cov.json()) as Coverage;
      expect(coverage.beneficiary.reference).to.equal(patientRef);
      expect(coverage.meta!.versionId).to.equal('1');
      const msgId = Number(r.headers.get('x-frontdesk-message-id'));
      const row = (await gw.store.messages.get(msgId))!;
      expect(row.contentType).to.equal('fhir');
      expect(row.state).to.equal('processed');
      // The same Bundle again: same ids, nothing new (deterministic ids, idempotent upserts).
      const before = await gw.store.resources.count();
      const again = await postFhir('/fhir', transactionBundle());
      const resp2 = (await again.json()) as Bundle;
      expect(resp2.entry!.map((e) => e.response!.location)).to.deep.equal([pLoc, cLoc]);
      expect(resp2.entry!.map((e) => e.response!.status)).to.deep.equal(['200 OK', '200 OK']);
      expect(await gw.store.resources.count()).to.equal(before);
    });

    it('POST /fhir: an invalid entry is 422 naming the element, and nothing is stored', async () => {
      const b = transactionBundle();
      (b.entry![0]!.resource as unknown as Record<string, unknown>).gender = 'robot';
      const before = await gw.store.resources.count();
      const r = await postFhir('/fhir', b);
      expect(r.status).to.equal(422);
      const oo = (await r.json()) as OperationOutcome;
      expect(oo.issue.some((i) => i.severity === 'error' && (i.expression?.[0] ?? '').includes('gender'))).to.equal(true);
      expect(await gw.store.resources.count()).to.equal(before);
    });

    it('POST /fhir: ifNoneExist matching more than one resource is 412', async () => {
      // Two stored Patients share an identifier.
      const shared = { system: 'urn:test:dup', value: 'D-1' };
      for (const id of ['dup-a', 'dup-b']) {
        const p = example<Patient>('fhir/patient.json');
        p.id = id;
        p.identifier = [...(p.identifier ?? []), shared];
        const put: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: `Patient/${id}`, resource: p, request: { method: 'PUT', url: `Patient/${id}` } }] };
        expect((await postFhir('/fhir', put)).status).to.equal(200);
      }
      const p = example<Patient>('fhir/patient.json');
      delete p.id;
      const cond: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:5e0e7b9a-0000-4000-8000-0000000000aa', resource: p, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test:dup|D-1' } }] };
      const r = await postFhir('/fhir', cond);
      expect(r.status).to.equal(412);
      const pre = ((await r.json()) as OperationOutcome).issue.find((i) => i.details?.coding?.[0]?.code === 'PRECONDITION_FAILED');
      expect(pre!.expression).to.deep.equal(['Bundle.entry[0].request.ifNoneExist']);
    });

    it('POST /fhir with something other than a transaction Bundle is 400', async () => {
      expect((await postFhir('/fhir', example('fhir/patient.json'))).status).to.equal(400);
    });

    it('GET /fhir/{type}/{id} of an unknown resource is 404', async () => {
      expect((await call('/fhir/Patient/does-not-exist')).status).to.equal(404);
    });

    it('an Idempotency-Key makes a retried POST return the stored answer', async () => {
      const send = () => call('/fhir', { method: 'POST', body: JSON.stringify(transactionBundle()), headers: { 'content-type': 'application/fhir+json', 'idempotency-key': 'k-123' } });
      const a = await send();
      const b = await send();
      expect(b.status).to.equal(a.status);
      expect(b.headers.get('x-frontdesk-message-id')).to.equal(a.headers.get('x-frontdesk-message-id'));
      expect(await b.json()).to.deep.equal(await a.json());
      // The stored columns say what they hold: an HTTP status, no HL7 ACK code.
      const row = (await gw.store.messages.get(Number(a.headers.get('x-frontdesk-message-id'))))!;
      expect(row).to.include({ httpStatus: a.status, ackCode: null });
    });
  });

  describe('office', () => {
    it('POST /office/registration: validated, converted, 201 with the FHIR resources', async () => {
      const r = await call('/office/registration', { method: 'POST', body: readFileSync(resolve('examples/office/registration-basic.json')), headers: { 'content-type': 'application/json' } });
      const body = (await r.json()) as Bundle;
      expect(r.status).to.equal(201, JSON.stringify(body).slice(0, 500));
      expect(r.headers.get('location')).to.match(/^\/messages\/\d+$/);
      expect(body.entry!.some((e) => e.resource?.resourceType === 'Patient')).to.equal(true);
      const patient = body.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!;
      expect((await call(`/fhir/Patient/${patient.id}`)).status).to.equal(200);
    });

    for (const [endpoint, file] of [['appointment', 'appointment-booked.json'], ['billing', 'billing-encounter-office-visit.json']] as const) {
      it(`POST /office/${endpoint}: ${file} -> 201 with FHIR resources`, async () => {
        const r = await call(`/office/${endpoint}`, { method: 'POST', body: readFileSync(resolve('examples/office', file)), headers: { 'content-type': 'application/json' } });
        const body = (await r.json()) as Bundle;
        expect(r.status).to.equal(201, JSON.stringify(body).slice(0, 800));
        expect(body.entry!.length).to.be.greaterThan(0);
        expect(body.entry!.every((e) => e.resource?.id && e.resource.meta?.versionId)).to.equal(true);
      });
    }

    it('an invalid office record is 422 naming the field', async () => {
      const rec = JSON.parse(readFileSync(resolve('examples/office/registration-basic.json'), 'utf8')) as Record<string, unknown>;
      rec.birthDate = 'yesterday';
      const r = await call('/office/registration', { method: 'POST', body: JSON.stringify(rec), headers: { 'content-type': 'application/json' } });
      expect(r.status).to.equal(422);
      const oo = (await r.json()) as OperationOutcome;
      expect(oo.issue.some((i) => (i.expression ?? []).some((e) => e.includes('birthDate')))).to.equal(true);
    });

    it('a record of the wrong type for the endpoint is 422; an unknown endpoint 404', async () => {
      const r = await call('/office/appointment', { method: 'POST', body: readFileSync(resolve('examples/office/registration-basic.json')), headers: { 'content-type': 'application/json' } });
      expect(r.status).to.equal(422);
      const u = await call('/office/unknown', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(u.status).to.equal(404);
    });
  });

  describe('HL7v2 over HTTP', () => {
    it('POST /hl7v2 answers the ACK; the message is stored on its channel', async () => {
      const r = await call('/hl7v2', { method: 'POST', body: adt('H1'), headers: { 'content-type': 'application/hl7-v2' } });
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.contain('application/hl7-v2');
      expect(msa(await r.text())).to.deep.equal({ code: 'AA', controlId: 'H1' });
      const row = (await gw.store.messages.list({ controlId: 'H1' }))[0]!;
      expect(row.channel).to.equal('http-test');
      expect(row.source).to.equal('http');
    });

    it('a store failure is 503 (transient) with no ACK', async () => {
      sqliteDb(gw.store).exec("CREATE TRIGGER fail_insert BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk full'); END");
      try {
        const r = await call('/hl7v2', { method: 'POST', body: adt('H503'), headers: { 'content-type': 'application/hl7-v2' } });
        expect(r.status).to.equal(503);
        const oo = (await r.json()) as OperationOutcome;
        expect(oo.issue[0]!.code).to.equal('transient');
      } finally {
        sqliteDb(gw.store).exec('DROP TRIGGER fail_insert');
      }
    });

    it('with Accept: application/fhir+json an error comes back as an OperationOutcome with its status', async () => {
      const r = await call('/hl7v2', { method: 'POST', body: 'MSH|^~\\&|A|B|C|D|20240101||ADT^A04^ADT_A01|H2|P|2.5.1\rPID|1\r', headers: { 'content-type': 'application/hl7-v2', accept: 'application/fhir+json' } });
      expect(r.status).to.equal(422);
      expect(((await r.json()) as OperationOutcome).resourceType).to.equal('OperationOutcome');
    });
  });

  describe('operator', () => {
    it('lists and searches messages by state, channel, type, control id and date', async () => {
      await call('/hl7v2', { method: 'POST', body: adt('OP1'), headers: { 'content-type': 'application/hl7-v2' } });
      const all = (await (await call('/messages')).json()) as { total: number; messages: Array<{ controlId: string; raw?: string }> };
      expect(all.total).to.be.greaterThan(0);
      expect(all.messages[0]!.raw).to.equal(undefined); // lists leave the raw text out
      const byId = (await (await call('/messages?controlId=OP1')).json()) as { total: number; messages: Array<{ controlId: string }> };
      expect(byId.messages.map((m) => m.controlId)).to.deep.equal(['OP1']);
      const byType = (await (await call('/messages?type=ADT&state=processed&channel=http-test')).json()) as { messages: Array<{ messageType: string }> };
      expect(byType.messages.every((m) => m.messageType.startsWith('ADT^'))).to.equal(true);
      const future = (await (await call('/messages?since=2999-01-01')).json()) as { total: number };
      expect(future.total).to.equal(0);
      expect((await call('/messages?state=bogus')).status).to.equal(400);
      expect((await call('/messages?since=yesterday')).status).to.equal(400);
    });

    it('shows one message: raw, parsed with field names, outputs, issues, ACK', async () => {
      const r = await call('/hl7v2', { method: 'POST', body: adt('OP2'), headers: { 'content-type': 'application/hl7-v2' } });
      const id = r.headers.get('x-frontdesk-message-id');
      const m = (await (await call(`/messages/${id}`)).json()) as {
        raw: string; ack: string; ackCode: string; outputs: { bundle: Bundle };
        parsed: { segments: Array<{ segment: string; description: string; fields: Array<{ position: string; name: string; value: string }> }> };
        officeRecords: unknown[];
      };
      expect(m.raw).to.equal(adt('OP2'));
      expect(m.ackCode).to.equal('AA');
      expect(msa(m.ack).controlId).to.equal('OP2');
      expect(m.outputs.bundle.entry).to.have.length(1);
      const pid = m.parsed.segments.find((s) => s.segment === 'PID')!;
      expect(pid.description).to.equal('Patient Identification');
      expect(pid.fields.find((f) => f.position === 'PID.5')!.name).to.equal('Patient Name');
      expect(m.officeRecords).to.have.length(1);
      expect((await call('/messages/999999')).status).to.equal(404);
    });

    it('replays one message and a filtered set', async () => {
      const r = await call('/hl7v2', { method: 'POST', body: adt('OP3'), headers: { 'content-type': 'application/hl7-v2' } });
      const id = r.headers.get('x-frontdesk-message-id');
      const one = await call(`/messages/${id}/replay`, { method: 'POST' });
      expect(one.status).to.equal(200);
      expect(((await one.json()) as { state: string }).state).to.equal('processed');
      const set = await call('/messages/replay', { method: 'POST', body: JSON.stringify({ controlId: 'OP3' }), headers: { 'content-type': 'application/json' } });
      expect(((await set.json()) as { matched: number }).matched).to.equal(1);
      const none = await call('/messages/replay', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(none.status).to.equal(400);
    });

    it('GET /metrics: Prometheus text with per-channel counters and stored-state gauges', async () => {
      const r = await call('/metrics');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.contain('text/plain');
      const text = await r.text();
      expect(text).to.match(/frontdesk_received_total\{channel="http-test"\} \d+/);
      expect(text).to.match(/frontdesk_processed_total\{channel="http-test"\} \d+/);
      expect(text).to.contain('# TYPE frontdesk_errored_total counter');
      expect(text).to.contain('# TYPE frontdesk_queued_total counter');
      expect(text).to.match(/frontdesk_messages\{channel="http-test",state="processed"\} \d+/);
    });
  });
});
