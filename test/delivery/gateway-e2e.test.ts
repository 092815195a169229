/**
 * End to end on real sockets: an ADT sent to the gateway's own MLLP listener (engineer G's runtime)
 * with our MLLP client, stored and ACKed, queued in the outbox by the pipeline, and delivered by
 * the worker to an MLLP partner (per patient, in order) and to a FHIR EHR (nock).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import type { Bundle } from 'fhir/r4.js';
import { checkConfig } from '../../src/config.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { startDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.js';
import { MllpClient } from '../../src/clients/mllp.js';
import { silentLogger } from '../../src/logging.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { buildDelivery } from '../../src/composition.js';
import { openStore } from '../../src/store/index.js';
import { adt, startPartner, type Partner } from '../clients/mllp-partner.js';
import { testStoreConfig } from '../support/engine.js';

const EHR = 'https://ehr.example.org';

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
  if (!(await cond())) throw new Error(`never happened: ${what}`);
}

describe('delivery end to end: gateway MLLP listener -> outbox -> worker -> partners', () => {
  let dir: string;
  let gateway: Gateway | undefined;
  let partner: Partner;
  let worker: DeliveryWorker | undefined;
  let client: MllpClient | undefined;

  before(() => { nock.disableNetConnect(); nock.enableNetConnect('127.0.0.1'); });
  after(() => nock.enableNetConnect());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontdesk-e2e-'));
    partner = await startPartner(() => 'AA');
  });
  afterEach(async () => {
    client?.close();
    await worker?.stop();
    await gateway?.close();
    await partner.close();
    nock.cleanAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers what the listener acknowledged, raw HL7 in order to MLLP and the Bundle to the EHR', async () => {
    const json = {
      practice: { name: 'Test practice', timezone: 'America/New_York' },
      store: testStoreConfig(join(dir, 'store.sqlite')),
      log: { level: 'silent' },
      http: { host: '127.0.0.1', port: 0 },
      channels: [{ name: 'adt', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [{ name: 'lab', payload: 'raw' }, { name: 'ehr', payload: 'bundle' }] }],
      destinations: {
        lab: { type: 'mllp', host: '127.0.0.1', port: partner.port },
        ehr: { type: 'fhir', baseUrl: `${EHR}/fhir`, auth: { type: 'bearer', token: 'e2e' } },
      },
    };
    const cfg = checkConfig(json, dir, {});
    expect(cfg.issues).to.deep.equal([]);
    gateway = await startGateway(cfg.value!, { log: silentLogger, noHttp: true });
    const bundles: Bundle[] = [];
    nock(EHR).post('/fhir').times(2).reply(200, async (_u, body) => {
      bundles.push((typeof body === 'string' ? JSON.parse(body) : body) as Bundle);
      return { resourceType: 'Bundle', type: 'transaction-response' };
    });

    // Our client against the gateway's own listener: store-then-ACK answers AA.
    client = new MllpClient({ host: '127.0.0.1', port: gateway.mllp[0]!.address().port, tls: false, connectTimeoutMs: 2000, ackTimeoutMs: 5000, idleTimeoutMs: 60_000 });
    const a04 = await client.send(adt('A04', 'MRN-E2E', 'E2E-A04'));
    const a08 = await client.send(adt('A08', 'MRN-E2E', 'E2E-A08'));
    expect([a04, a08].map((o) => (o.ok ? o.partnerStatus : o.error))).to.deep.equal(['AA', 'AA']);
    expect(client.connectionsOpened).to.equal(1);

    await until(async () => (await gateway!.store.outbox.list()).length === 4, 'four outbox items (2 messages x 2 destinations)');
    const delivery = parseDeliveryConfig({ destinations: json.destinations }).value!;
    worker = startDeliveryWorker({ store: gateway.store, destinations: delivery.destinations, autoStart: false });
    await worker.drainOnce();
    await worker.drainOnce();

    expect((await gateway.store.outbox.list()).map((i) => `${i.destination}:${i.state}`).sort()).to.deep.equal(['ehr:delivered', 'ehr:delivered', 'lab:delivered', 'lab:delivered']);
    expect(partner.received.map((m) => m.split('\r')[0]!.split('|')[9])).to.deep.equal(['E2E-A04', 'E2E-A08']);
    expect(bundles).to.have.length(2);
    const patientEntry = bundles[0]!.entry!.find((e) => e.resource?.resourceType === 'Patient')!;
    expect(patientEntry.request!.method).to.equal('PUT');
    expect(patientEntry.request!.url).to.match(/^Patient\?identifier=/);
  });

  it("the gateway's HTTP API serves the dead-letter routes to operators only; a replay wakes the root's worker, a job runs with its context", async () => {
    const json = {
      practice: { name: 'Test practice', timezone: 'America/New_York' },
      store: testStoreConfig(join(dir, 'store.sqlite')),
      log: { level: 'silent' },
      http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'ops', key: 'ops-key-123', scopes: ['operator'] }, { name: 'ehr', key: 'ehr-key-456', scopes: ['fhir'] }] } },
      channels: [],
      destinations: { lab: { type: 'mllp', host: '127.0.0.1', port: partner.port } },
    };
    const cfg = checkConfig(json, dir, {});
    expect(cfg.issues).to.deep.equal([]);
    // Built as the composition root (src/main.ts) builds it; the worker polls only every 10 minutes,
    // so a delivery right after the replay is the replay's wake-up.
    const store = await openStore(cfg.value!.store);
    const delivery = buildDelivery(store, cfg.value!, silentLogger, { pollMs: 600_000 });
    worker = delivery.worker;
    gateway = await startGateway(cfg.value!, { log: silentLogger, store, delivery: { jobs: delivery.jobDeps, onReplay: () => delivery.worker.wake() } });
    const id = await gateway.store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: adt('A04', 'MRN-H'), contentType: 'application/hl7-v2', idempotencyKey: 'http-1' });
    await gateway.store.outbox.claimDue();
    await gateway.store.outbox.markDead(id, { errorCode: 'DELIVERY_REJECTED', partnerStatus: 'AR' });
    const url = gateway.http.url;
    expect((await fetch(`${url}/deliveries?state=dead`)).status).to.equal(401);
    expect((await fetch(`${url}/deliveries?state=dead`, { headers: { authorization: 'Bearer ehr-key-456' } })).status).to.equal(403);
    const list = await fetch(`${url}/deliveries?state=dead`, { headers: { authorization: 'Bearer ops-key-123' } });
    expect(((await list.json()) as { deliveries: Array<{ id: number }> }).deliveries.map((d) => d.id)).to.deep.equal([id]);
    const replay = await fetch(`${url}/deliveries/${id}/replay`, { method: 'POST', headers: { authorization: 'Bearer ops-key-123' } });
    expect(replay.status).to.equal(200);
    await until(async () => (await gateway!.store.outbox.get(id))!.state === 'delivered', 'the replayed item delivered by the woken worker');
    expect(partner.received).to.have.length(1);
    const run = await fetch(`${url}/jobs/retention/run`, { method: 'POST', headers: { authorization: 'Bearer ops-key-123' } });
    expect(((await run.json()) as { outcome: string }).outcome).to.equal('ok');
  });
});
