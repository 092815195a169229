import { expect } from 'chai';
import nock from 'nock';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { startDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.js';
import { adt, startPartner, type Partner } from '../clients/mllp-partner.js';
import { tempDb, type TempDb } from './helpers.js';

const EHR = 'https://ehr.example.org';
const CH = 'https://claims.example.com';
const retry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0 };
const patient = JSON.stringify({ resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:example:mrn', value: 'MRN-1' }] });

function destinations(mllpPort = 1) {
  const r = parseDeliveryConfig({
    destinations: {
      ehr: { type: 'fhir', baseUrl: `${EHR}/fhir`, auth: { type: 'bearer', token: 't' }, timeoutMs: 2000, retry },
      clearinghouse: { type: 'clearinghouse', url: `${CH}/v1/claims`, auth: { type: 'api-key', header: 'X-API-Key', key: 'k' }, timeoutMs: 2000, retry },
      lab: { type: 'mllp', host: '127.0.0.1', port: mllpPort, ackTimeoutMs: 200, retry: { ...retry, maxAttempts: 5 } },
      office: { type: 'http', url: 'https://office-tool.example.net/inbox', auth: { type: 'api-key', header: 'X-Office-Key', key: 'ok' }, retry },
    },
  });
  expect(r.issues).to.deep.equal([]);
  return r.value!.destinations;
}

describe('delivery/worker', () => {
  let t: TempDb;
  let clock: Date;
  let worker: DeliveryWorker;
  const advance = (ms: number) => { clock = new Date(clock.getTime() + ms); };
  const start = (mllpPort?: number) => {
    worker = startDeliveryWorker({ store: t.store, destinations: destinations(mllpPort), now: () => clock, random: () => 0.5, autoStart: false });
  };

  before(() => { nock.disableNetConnect(); nock.enableNetConnect('127.0.0.1'); });
  after(() => nock.enableNetConnect());
  beforeEach(() => {
    t = tempDb();
    clock = new Date('2026-03-02T10:00:00.000Z');
  });
  afterEach(async () => {
    await worker.stop();
    nock.cleanAll();
    await t.close();
  });

  it('429 with Retry-After waits as asked, then delivers', async () => {
    start();
    nock(EHR).post('/fhir').reply(429, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] }, { 'retry-after': '120' });
    nock(EHR).post('/fhir').reply(201, { resourceType: 'Bundle', type: 'transaction-response' });
    const id = await t.store.outbox.enqueue({ destination: 'ehr', kind: 'fhir-bundle', payload: patient, contentType: 'application/fhir+json', idempotencyKey: 'm1:ehr' }, clock);
    expect(await worker.drainOnce()).to.equal(1);
    const waiting = (await t.store.outbox.get(id))!;
    expect(waiting).to.include({ state: 'pending', lastErrorCode: 'DELIVERY_TRANSIENT', partnerStatus: '429', nextAttemptAt: '2026-03-02T10:02:00.000Z' });
    advance(60_000);
    expect(await worker.drainOnce()).to.equal(0);
    advance(60_000);
    expect(await worker.drainOnce()).to.equal(1);
    expect(await t.store.outbox.get(id)).to.include({ state: 'delivered', partnerStatus: '201', attempts: 2 });
  });

  it('500 on every attempt: exponential backoff, then dead letter with the last answer kept', async () => {
    start();
    const scope = nock(EHR).post('/fhir').times(3).reply(500, 'upstream down');
    const id = await t.store.outbox.enqueue({ destination: 'ehr', kind: 'fhir-bundle', payload: patient, contentType: 'application/fhir+json', idempotencyKey: 'm2:ehr' }, clock);
    const due: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect(await worker.drainOnce()).to.equal(1);
      const row = (await t.store.outbox.get(id))!;
      due.push(row.state === 'pending' ? row.nextAttemptAt : row.state);
      clock = new Date(row.nextAttemptAt);
    }
    // jitter 0: 1 s after the first failure, 2 s after the second; the third is the last (maxAttempts 3).
    expect(due).to.deep.equal(['2026-03-02T10:00:01.000Z', '2026-03-02T10:00:03.000Z', 'dead']);
    expect(scope.isDone()).to.equal(true);
    const dead = (await t.store.outbox.get(id))!;
    expect(dead).to.include({ state: 'dead', attempts: 3, lastErrorCode: 'DELIVERY_TRANSIENT', partnerStatus: '500', partnerResponse: 'upstream down' });
    expect(dead.lastError).to.contain('gave up after 3 attempt(s)');
    expect((await t.store.outbox.attemptsOf(id)).map((a) => a.outcome)).to.deep.equal(['retry', 'retry', 'dead']);
    advance(3_600_000);
    expect(await worker.drainOnce()).to.equal(0);
  });

  it('a 4xx OperationOutcome is dead-lettered at once; replay from dead letter delivers it', async () => {
    start();
    nock(EHR).post('/fhir').reply(400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad' }] });
    const id = await t.store.outbox.enqueue({ destination: 'ehr', kind: 'fhir-bundle', payload: patient, contentType: 'application/fhir+json', idempotencyKey: 'm3:ehr' }, clock);
    await worker.drainOnce();
    const dead = (await t.store.outbox.get(id))!;
    expect(dead).to.include({ state: 'dead', attempts: 1, lastErrorCode: 'DELIVERY_REJECTED', partnerStatus: '400' });
    expect(JSON.parse(dead.partnerResponse!).resourceType).to.equal('OperationOutcome');
    nock(EHR).post('/fhir').reply(200, {});
    expect(await t.store.outbox.replayDead(id, clock)).to.equal(true);
    await worker.drainOnce();
    expect(await t.store.outbox.get(id)).to.include({ state: 'delivered', attempts: 1 });
  });

  it('clearinghouse: claims wait for their batch, carry the same Idempotency-Key on every retry, and the answer is recorded against the claim', async () => {
    start();
    const keys: string[] = [];
    nock(CH).post('/v1/claims').times(2).reply(function () {
      keys.push(String(this.req.headers['idempotency-key']));
      return keys.length === 1 ? [503, 'maintenance', { 'retry-after': '30' }] : [200, {
        resourceType: 'ClaimResponse', id: 'cr-1', status: 'active', use: 'claim', outcome: 'complete', type: { text: 'professional' },
        request: { identifier: { system: 'urn:oid:2.16.840.1.113883.3.9999.4', value: 'CLM-1' } },
        patient: { reference: 'Patient/p1' }, created: '2026-03-02', insurer: { display: 'Plan' },
      }];
    });
    const claim = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Claim', id: 'clm-1' } }] });
    const id = await t.store.outbox.enqueue({ destination: 'clearinghouse', kind: 'claim', payload: claim, contentType: 'application/fhir+json', idempotencyKey: 'claim:CLM-1' }, clock);
    await t.store.claims.recordQueued('CLM-1', 'clm-1', id, 'claim:CLM-1', clock);
    expect(await worker.drainOnce()).to.equal(0); // batch destination: first attempt waits for the claim-batch job
    expect(await worker.drainOnce({ includeBatch: true })).to.equal(1);
    expect((await t.store.claims.get('CLM-1'))!.status).to.equal('queued');
    advance(30_000);
    expect(await worker.drainOnce()).to.equal(1); // the retry goes with the ordinary worker
    expect(keys).to.deep.equal(['claim:CLM-1', 'claim:CLM-1']);
    const sub = (await t.store.claims.get('CLM-1'))!;
    expect(sub).to.include({ status: 'responded', outboxId: id, idempotencyKey: 'claim:CLM-1' });
    expect(JSON.parse(sub.response!).id).to.equal('cr-1');
    // Fed to billing: the office billing-status record built from the ClaimResponse is kept with the claim.
    expect(sub.billingRecord).to.include({ recordType: 'billing-status', outcome: 'complete' });
    expect(sub.billingStatus).to.equal(sub.billingRecord!.status);
  });

  it('clearinghouse rejection (4xx) is recorded against the claim and dead-lettered', async () => {
    start();
    nock(CH).post('/v1/claims').reply(422, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'business-rule', diagnostics: 'NPI invalid' }] });
    const id = await t.store.outbox.enqueue({ destination: 'clearinghouse', kind: 'claim', payload: '{"resourceType":"Bundle"}', contentType: 'application/fhir+json', idempotencyKey: 'claim:CLM-2' }, clock);
    await worker.drainOnce({ includeBatch: true });
    expect((await t.store.outbox.get(id))!.state).to.equal('dead');
    expect(await t.store.claims.get('CLM-2')).to.include({ status: 'rejected', billingStatus: 'rejected' });
  });

  it('a claim that used up its retries on 5xx is recorded as a failed submission, not a clearinghouse rejection', async () => {
    start();
    nock(CH).post('/v1/claims').times(3).reply(503, 'maintenance');
    const id = await t.store.outbox.enqueue({ destination: 'clearinghouse', kind: 'claim', payload: '{"resourceType":"Bundle"}', contentType: 'application/fhir+json', idempotencyKey: 'claim:CLM-3' }, clock);
    await t.store.claims.recordQueued('CLM-3', 'clm-3', id, 'claim:CLM-3', clock);
    for (let i = 0; i < 3; i++) {
      await worker.drainOnce({ includeBatch: true });
      const row = (await t.store.outbox.get(id))!;
      if (row.state === 'pending') clock = new Date(row.nextAttemptAt);
    }
    expect(await t.store.outbox.get(id)).to.include({ state: 'dead', partnerStatus: '503' });
    expect(await t.store.claims.get('CLM-3')).to.include({ status: 'failed', billingStatus: 'submission-failed' });
  });

  describe('MLLP destination', () => {
    let partner: Partner;
    afterEach(() => partner.close());

    it('keeps per-patient order: the A08 is not sent before its A04 is acknowledged', async () => {
      partner = await startPartner((_m, i) => (i === 0 ? 'silent' : 'AA'));
      start(partner.port);
      const a04 = await t.store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: adt('A04', 'MRN-1', 'A04-1'), contentType: 'application/hl7-v2', idempotencyKey: 'a04', orderingKey: 'Patient/p1' }, clock);
      const a08 = await t.store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: adt('A08', 'MRN-1', 'A08-1'), contentType: 'application/hl7-v2', idempotencyKey: 'a08', orderingKey: 'Patient/p1' }, clock);
      const other = await t.store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: adt('A04', 'MRN-2', 'A04-2'), contentType: 'application/hl7-v2', idempotencyKey: 'other', orderingKey: 'Patient/p2' }, clock);
      await worker.drainOnce();
      expect(await t.store.outbox.get(a04)).to.include({ state: 'pending', lastErrorCode: 'DELIVERY_TRANSIENT' });
      expect((await t.store.outbox.get(a08))!.state).to.equal('pending');
      expect((await t.store.outbox.get(other))!.state).to.equal('delivered');
      advance(1000);
      await worker.drainOnce();
      expect(partner.received.map((m) => m.split('\r')[0]!.split('|')[9])).to.deep.equal(['A04-1', 'A04-2', 'A04-1', 'A08-1']);
      expect(await Promise.all([a04, a08].map(async (id) => (await t.store.outbox.get(id))!.state))).to.deep.equal(['delivered', 'delivered']);
    });

    it('an AR goes to dead letter with the ACK kept, and holds the patient\'s later messages', async () => {
      partner = await startPartner((_m, i) => (i === 0 ? 'AR' : 'AA'));
      start(partner.port);
      const a04 = await t.store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: adt('A04', 'MRN-3', 'X1'), contentType: 'application/hl7-v2', idempotencyKey: 'x1', orderingKey: 'Patient/p3' }, clock);
      const a08 = await t.store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: adt('A08', 'MRN-3', 'X2'), contentType: 'application/hl7-v2', idempotencyKey: 'x2', orderingKey: 'Patient/p3' }, clock);
      await worker.drainOnce();
      expect(await t.store.outbox.get(a04)).to.include({ state: 'dead', partnerStatus: 'AR', lastErrorCode: 'DELIVERY_REJECTED' });
      expect((await t.store.outbox.get(a04))!.partnerResponse).to.contain('MSA|AR|X1');
      expect((await t.store.outbox.get(a08))!.state).to.equal('pending');
      await t.store.outbox.replayDead(a04, clock);
      await worker.drainOnce();
      expect(await Promise.all([a04, a08].map(async (id) => (await t.store.outbox.get(id))!.state))).to.deep.equal(['delivered', 'delivered']);
    });
  });

  it('http destination: posts the payload as queued, with its content type and the idempotency key', async () => {
    start();
    const record = JSON.stringify({ recordType: 'registration', mrn: 'MRN-1' });
    nock('https://office-tool.example.net').post('/inbox', record)
      .matchHeader('content-type', 'application/json').matchHeader('idempotency-key', 'm9:office').matchHeader('x-office-key', 'ok')
      .reply(204);
    const id = await t.store.outbox.enqueue({ destination: 'office', kind: 'office-record', payload: record, contentType: 'application/json', idempotencyKey: 'm9:office' }, clock);
    await worker.drainOnce();
    expect(await t.store.outbox.get(id)).to.include({ state: 'delivered', partnerStatus: '204' });
  });

  it('an item for a destination missing from the configuration goes to dead letter, saying so', async () => {
    start();
    const id = await t.store.outbox.enqueue({ destination: 'nowhere', kind: 'hl7v2', payload: 'MSH|', contentType: 'application/hl7-v2', idempotencyKey: 'n1' }, clock);
    await worker.drainOnce();
    expect(await t.store.outbox.get(id)).to.include({ state: 'dead', lastErrorCode: 'CONFIG_INVALID' });
  });
});
