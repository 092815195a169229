import { expect } from 'chai';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AuditEvent, Bundle, OperationOutcome } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import type { AuditEntry } from '../../src/store/index.js';
import { execOnStore } from '../support/store-sql.js';
import { createLogger } from '../../src/logging.js';
import { API_KEY, FHIR_KEY, MllpClient, adt, registerTestFlow, startTest, tempDir } from '../support/gateway.js';

describe('http: the audit trail (every PHI access recorded; logs carry who and from where, never the query)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let base: string;
  let remove: () => void;
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });

  const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? API_KEY}`);
    return fetch(base + path, { ...init, headers });
  };
  /** Audit rows are written when the answer has been sent: wait until `n` rows match. */
  const rowsFor = async (filter: Parameters<Gateway['store']['audit']['list']>[0], n = 1) => {
    for (let i = 0; i < 100; i++) {
      const rows = await gw.store.audit.list(filter);
      if (rows.length >= n) return rows;
      await new Promise((r) => setTimeout(r, 10));
    }
    return gw.store.audit.list(filter);
  };

  let patientId: string;
  before(async () => {
    tmp = tempDir();
    ({ remove } = registerTestFlow());
    gw = await startTest(join(tmp.dir, 'fd.db'), {}, { log: createLogger('info', sink) });
    base = gw.http.url;
    const mllp = await MllpClient.connect(gw.mllp[0]!.address().port);
    await mllp.roundTrip(adt('AUD-1', { mrn: 'MRN-AUDIT-1', family: 'Quartermain' }));
    mllp.close();
    const [id] = await gw.store.resources.findByIdentifier('Patient', 'urn:test:mrn', 'MRN-AUDIT-1');
    patientId = id!;
  });

  after(async () => {
    await gw.close();
    remove();
    tmp.cleanup();
  });

  it('records a FHIR read with the key name, client address, entity, time and outcome', async () => {
    const r = await call(`/fhir/Patient/${patientId}`, { key: FHIR_KEY });
    expect(r.status).to.equal(200);
    const [row] = await rowsFor({ entity: `Patient/${patientId}`, action: 'read' });
    expect(row).to.include({ actor: 'ehr', actorKind: 'api-key', action: 'read', entity: `Patient/${patientId}`, status: 200, outcome: 'success', method: 'GET' });
    expect(row!.clientAddress).to.match(/127\.0\.0\.1/);
    expect(Date.now() - Date.parse(row!.at)).to.be.lessThan(60_000);
  });

  it('writes the row before the answer leaves: it is in the store when the client has the answer (no waiting)', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await call(`/fhir/Patient/${patientId}?_format=json`, { key: FHIR_KEY });
      expect(r.status).to.equal(200);
      // Read directly, no retry loop: the answer was held until the row was durable.
      const n = await gw.store.audit.count({ entity: `Patient/${patientId}`, action: 'read' });
      expect(n).to.be.at.least(i + 2);
    }
    expect((await call('/metrics', { key: 'another-wrong-key' })).status).to.equal(401);
    const [row] = await gw.store.audit.list({ action: 'authenticate', outcome: 'failure' });
    expect(row).to.include({ path: '/metrics', status: 401 });
  });

  it('does not answer a read it cannot record (503), and still answers a write that was committed', async () => {
    const audit = gw.store.audit;
    const real = audit.record.bind(audit);
    audit.record = () => Promise.reject(new Error('disk full (test)'));
    try {
      const r = await call(`/fhir/Patient/${patientId}`, { key: FHIR_KEY });
      expect(r.status).to.equal(503);
      expect(r.headers.get('etag')).to.equal(null);
      const text = await r.text();
      expect(text).to.contain('audit trail').and.not.contain('Quartermain');
      const put = await call('/fhir/Patient/audit-unrecorded', { key: FHIR_KEY, method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', id: 'audit-unrecorded', gender: 'unknown' }) });
      expect(put.status).to.equal(201);
    } finally {
      audit.record = real;
    }
    expect(lines.some((l) => l.msg === 'audit record failed')).to.equal(true);
  });

  it('records the socket\'s peer as the client address, not an X-Forwarded-For the client sends (no proxy is trusted)', async () => {
    const r = await call('/fhir/Patient?family=Forwarded', { key: FHIR_KEY, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(r.status).to.equal(200);
    const [row] = await rowsFor({ action: 'search', actor: 'ehr', clientAddress: '203.0.113.9' }, 0);
    expect(row, 'a forwarded address taken on trust').to.equal(undefined);
    const rows = await rowsFor({ action: 'search', actor: 'ehr' });
    expect(rows.find((x) => x.query === 'family=Forwarded')?.clientAddress).to.match(/127\.0\.0\.1/);
  });

  it('records a search whose client hangs up before the answer, when the connection closes', async () => {
    const resources = gw.store.resources;
    const real = resources.search.bind(resources);
    let entered!: () => void;
    const reached = new Promise<void>((r) => { entered = r; });
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    resources.search = async (q, o) => { entered(); await held; return real(q, o); };
    const ac = new AbortController();
    try {
      const answer = call('/fhir/Patient?family=Hangup', { key: FHIR_KEY, signal: ac.signal }).then(() => 'answered', () => 'aborted');
      await reached;
      ac.abort();
      expect(await answer).to.equal('aborted');
      // The row is written with the search (auditAhead), here held until after the hang-up: once
      // written, it says the answer never reached the client.
      await new Promise((r) => setTimeout(r, 20));
      release();
      const hangups = async () => (await gw.store.audit.list({ action: 'search', actor: 'ehr', limit: 1000 })).filter((x) => x.query === 'family=Hangup');
      for (let i = 0; i < 200 && !(await hangups()).some((x) => x.detail !== null); i++) await new Promise((r) => setTimeout(r, 10));
      const [row] = await hangups();
      expect(row, 'recorded with the search, after the close').to.include({ action: 'search', entity: 'Patient', actor: 'ehr', detail: 'connection closed before the answer was complete' });
    } finally {
      release();
      resources.search = real;
    }
    // The held search then answers the closed connection: not recorded a second time (the next
    // request is handled after it, on the one event loop).
    expect((await call('/fhir/Patient?family=After', { key: FHIR_KEY })).status).to.equal(200);
    expect((await gw.store.audit.list({ action: 'search', actor: 'ehr', limit: 1000 })).filter((x) => x.query === 'family=Hangup')).to.have.length(1);
  });

  it('writes a search\'s row with the search itself (the store is given it), and answers once it is durable', async () => {
    const resources = gw.store.resources;
    const search = resources.search.bind(resources);
    const given: Array<AuditEntry | undefined> = [];
    resources.search = async (q, o) => { given.push(o?.audit); return search(q, o); };
    try {
      const r = await call('/fhir/Patient?family=Quartermain', { key: FHIR_KEY });
      expect(r.status).to.equal(200);
      expect(((await r.json()) as Bundle).total).to.equal(1);
    } finally {
      resources.search = search;
    }
    expect(given).to.have.length(1);
    expect(given[0]).to.include({ action: 'search', entity: 'Patient', query: 'family=Quartermain', actor: 'ehr', status: 200, outcome: 'success' });
    // Read directly: the answer left only once the row was durable.
    const rows = (await gw.store.audit.list({ action: 'search', actor: 'ehr', limit: 1000 })).filter((x) => x.query === 'family=Quartermain');
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ status: 200, outcome: 'success', detail: null, entity: 'Patient' });
  });

  it('answers a search whose store search fails with an error and no data, and corrects its row to that failure', async () => {
    const resources = gw.store.resources;
    const search = resources.search.bind(resources);
    resources.search = () => Promise.reject(new Error('store lost (test)'));
    let status: number;
    try {
      const r = await call('/fhir/Patient?family=Quartermain&_count=7', { key: FHIR_KEY });
      status = r.status;
      expect(status).to.be.at.least(500);
      expect(await r.text()).not.to.contain('Quartermain');
    } finally {
      resources.search = search;
    }
    const rows = (await gw.store.audit.list({ action: 'search', actor: 'ehr', limit: 1000 })).filter((x) => x.query === 'family=Quartermain&_count=7');
    expect(rows, 'one row, written ahead and corrected').to.have.length(1);
    expect(rows[0]).to.include({ status, outcome: 'failure' });
  });

  it('does not answer a search whose row cannot be written: an error, no data', async () => {
    lines.length = 0;
    await execOnStore(gw.store, {
      sqlite: "CREATE TRIGGER audit_fail BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit disk full (test)'); END",
      postgres: "CREATE FUNCTION audit_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit disk full (test)'; END $$; CREATE TRIGGER audit_fail BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_fail()",
    });
    try {
      const r = await call('/fhir/Patient?family=Quartermain&_count=3', { key: FHIR_KEY });
      expect(r.status).to.be.at.least(500);
      const text = await r.text();
      expect(text).not.to.contain('Quartermain').and.not.contain(patientId);
    } finally {
      await execOnStore(gw.store, { sqlite: 'DROP TRIGGER audit_fail', postgres: 'DROP TRIGGER audit_fail ON audit_events; DROP FUNCTION audit_fail()' });
    }
    expect(lines.some((l) => l.msg === 'audit record failed')).to.equal(true);
  });

  it('does not answer a search whose row was written but whose correction failed with the data', async () => {
    lines.length = 0;
    const audit = gw.store.audit;
    const amend = audit.amend.bind(audit);
    const resources = gw.store.resources;
    const search = resources.search.bind(resources);
    audit.amend = () => Promise.reject(new Error('disk full (test)'));
    // The row written with the search, then the search failed: the error says the row's id.
    resources.search = async (_q, o) => { const auditId = await audit.record(o!.audit!); throw Object.assign(new Error('store lost (test)'), { auditId }); };
    try {
      const r = await call('/fhir/Patient?family=Quartermain&_count=9', { key: FHIR_KEY });
      expect(r.status).to.be.at.least(500);
      expect(await r.text()).not.to.contain('Quartermain');
    } finally {
      audit.amend = amend;
      resources.search = search;
    }
    expect(lines.some((l) => l.msg === 'audit record failed')).to.equal(true);
    const rows = (await gw.store.audit.list({ action: 'search', actor: 'ehr', limit: 1000 })).filter((x) => x.query === 'family=Quartermain&_count=9');
    expect(rows, 'the row written with the search, not a second one').to.have.length(1);
  });

  it('records a read of a missing resource as a failure', async () => {
    expect((await call('/fhir/Patient/no-such-one', { key: FHIR_KEY })).status).to.equal(404);
    const [row] = await rowsFor({ entity: 'Patient/no-such-one' });
    expect(row).to.include({ outcome: 'failure', status: 404, actor: 'ehr' });
  });

  it('records reading a raw message (PHI) and a replay, with the operator key', async () => {
    const [m] = await gw.store.messages.list({ controlId: 'AUD-1' });
    expect((await call(`/messages/${m!.id}`)).status).to.equal(200);
    expect((await call(`/messages/${m!.id}/replay`, { method: 'POST' })).status).to.equal(200);
    const rows = await rowsFor({ entity: `message/${m!.id}` }, 2);
    expect(rows.map((r) => r.action).sort()).to.deep.equal(['message-read', 'message-replay']);
    expect(rows.every((r) => r.actor === 'admin')).to.equal(true);
  });

  it('keeps a search query (which may hold a name) in the audit table and out of the log lines', async () => {
    lines.length = 0;
    expect((await call('/messages?controlId=Quartermain&limit=5')).status).to.equal(200);
    const [row] = await rowsFor({ action: 'message-list', actor: 'admin' });
    expect(row!.query).to.equal('controlId=Quartermain&limit=5');
    // The http line is written on the response's 'finish', which a loaded machine may run after the client has the answer.
    for (let i = 0; i < 200 && !lines.some((l) => l.msg === 'http' && l.path === '/messages'); i++) await new Promise((r) => setTimeout(r, 10));
    const http = lines.filter((l) => l.msg === 'http' && l.path === '/messages');
    expect(http).to.have.length(1);
    expect(http[0]).to.include({ who: 'admin', status: 200 });
    expect(String(http[0]!.client)).to.match(/127\.0\.0\.1/);
    expect(JSON.stringify(lines)).not.to.contain('Quartermain');
  });

  it('records failed authentication anywhere, with the client address and no key', async () => {
    expect((await call('/metrics', { key: 'wrong-key-wrong' })).status).to.equal(401);
    const [row] = await rowsFor({ action: 'authenticate', outcome: 'failure' });
    expect(row).to.include({ actor: '(unauthenticated)', actorKind: 'anonymous', status: 401, path: '/metrics' });
    expect(JSON.stringify(await gw.store.audit.list({ limit: 1000 }))).not.to.contain('wrong-key-wrong');
  });

  it('serves the trail as AuditEvent, searchable by date, agent and entity, with paging links', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await call(`/fhir/AuditEvent?date=ge${today}&agent=ehr&entity=Patient/${patientId}&_count=1`);
    expect(r.status).to.equal(200);
    const b = (await r.json()) as Bundle<AuditEvent>;
    expect(b.type).to.equal('searchset');
    expect(b.total).to.be.at.least(1);
    const ev = b.entry![0]!.resource!;
    expect(ev.resourceType).to.equal('AuditEvent');
    expect(ev.action).to.equal('R');
    expect(ev.outcome).to.equal('0');
    expect(ev.agent[0]!.who!.display).to.equal('ehr');
    expect(ev.agent[0]!.network!.address).to.match(/127\.0\.0\.1/);
    expect(ev.entity![0]!.what!.reference).to.equal(`Patient/${patientId}`);
    expect(b.link!.find((l) => l.relation === 'self')).to.not.equal(undefined);
    // No match for another agent or before today.
    const none = (await (await call(`/fhir/AuditEvent?date=lt${today}&agent=ehr`)).json()) as Bundle;
    expect(none.total).to.equal(0);
    const one = await call(`/fhir/AuditEvent/${ev.id}`);
    expect(((await one.json()) as AuditEvent).id).to.equal(ev.id);
  });

  it('pages with next links', async () => {
    const b = (await (await call('/fhir/AuditEvent?_count=2')).json()) as Bundle;
    expect(b.entry).to.have.length(2);
    const next = b.link!.find((l) => l.relation === 'next')!.url;
    const b2 = (await (await call(next.replace(/^https?:\/\/[^/]+/, ''))).json()) as Bundle;
    expect(b2.entry![0]!.resource!.id).not.to.equal(b.entry![0]!.resource!.id);
    expect(b2.link!.some((l) => l.relation === 'previous')).to.equal(true);
  });

  it('answers 400 naming an unknown parameter or a malformed date, and 403 to a key without the operator scope', async () => {
    const bad = await call('/fhir/AuditEvent?patient=x');
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as OperationOutcome).issue[0]!.diagnostics).to.contain('"patient"');
    const badDate = await call('/fhir/AuditEvent?date=yesterday');
    expect(badDate.status).to.equal(400);
    expect(((await badDate.json()) as OperationOutcome).issue[0]!.diagnostics).to.contain('yesterday');
    expect((await call('/fhir/AuditEvent', { key: FHIR_KEY })).status).to.equal(403);
    // Routing ignores case: another spelling of the path is not a way around the gate.
    for (const path of ['/fhir/auditevent', '/fhir/AUDITEVENT/1', '/fhir/AuditEvent/', '/fhir/auditEvent?_count=1']) {
      const r = await call(path, { key: FHIR_KEY });
      expect(r.status, path).to.be.oneOf([403, 404]);
      expect(await r.text(), path).to.not.contain('"resourceType":"AuditEvent"').and.not.contain('"searchset"');
    }
  });
});

describe('http: operator lists are bounded and filters literal', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  before(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'));
  });
  after(async () => {
    await gw.close();
    tmp.cleanup();
  });

  it('GET /messages?limit=1e9 serves at most 1000 and says so; type=% matches nothing', async () => {
    for (let i = 0; i < 3; i++) {
      await gw.store.messages.insert({ channel: 'c', source: 'mllp', contentType: 'hl7v2', raw: `MSH|${i}`, contentHash: `h${i}`, controlId: `L${i}`, messageType: 'ADT^A04', ackMode: 'original' });
    }
    const r = await fetch(`${gw.http.url}/messages?limit=1e9`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const body = (await r.json()) as { limit: number; messages: unknown[] };
    expect(body.limit).to.equal(1000);
    expect(body.messages).to.have.length(3);
    const pct = (await (await fetch(`${gw.http.url}/messages?type=%25`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as { total: number };
    expect(pct.total).to.equal(0);
  });
});
