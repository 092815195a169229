/**
 * wake(): an operator's replay is delivered now, not at the next poll; a wake-up during a pass
 * makes the next pass start at once, and never a second polling loop.
 */
import { expect } from 'chai';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { startDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.js';
import { enqueue } from '../../src/store/sqlite/outbox.js';
import { adt, startPartner, type Partner } from '../clients/mllp-partner.js';
import { tempDb, type TempDb } from './helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../src/config.js';
import { MllpClient } from '../../src/clients/mllp.js';
import { silentLogger } from '../../src/logging.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { testStoreConfig } from '../support/engine.js';

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
  if (!(await cond())) throw new Error(`never happened: ${what}`);
}

describe('delivery/worker wake()', () => {
  let t: TempDb;
  let partner: Partner;
  let worker: DeliveryWorker | undefined;
  beforeEach(async () => {
    t = tempDb();
    partner = await startPartner(() => 'AA');
  });
  afterEach(async () => {
    await worker?.stop();
    await partner.close();
    await t.close();
  });

  const destinations = () => parseDeliveryConfig({ destinations: { lab: { type: 'mllp', host: '127.0.0.1', port: partner.port, ackTimeoutMs: 2000 } } }).value!.destinations;
  const queue = (mrn: string) => t.store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: adt('A04', mrn), contentType: 'application/hl7-v2', idempotencyKey: mrn });

  it('delivers an item queued after the first pass at once when woken (the poll is 10 minutes away)', async () => {
    let passes = 0;
    worker = startDeliveryWorker({ store: t.store, destinations: destinations(), pollMs: 600_000 });
    const drain = worker.drain.bind(worker);
    await drain(); // let the first pass of the loop happen (passes never overlap: this waits for it)
    const id = await queue('MRN-W1');
    worker.wake();
    await until(async () => (await t.store.outbox.get(id))!.state === 'delivered', 'delivered after wake()');
    expect(partner.received).to.have.length(1);
    passes = partner.received.length;
    // A second wake-up with nothing due: no duplicate send.
    worker.wake();
    await drain();
    expect(partner.received).to.have.length(passes);
  });

  it('a worker driven by drainOnce only (autoStart false) ignores wake()', async () => {
    worker = startDeliveryWorker({ store: t.store, destinations: destinations(), autoStart: false });
    const id = await queue('MRN-W2');
    worker.wake();
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.store.outbox.get(id))!.state).to.equal('pending');
    expect(await worker.drainOnce()).to.equal(1);
    expect((await t.store.outbox.get(id))!.state).to.equal('delivered');
  });
});

describe('gateway: processing wakes the delivery worker', () => {
  let dir: string;
  let gateway: Gateway | undefined;
  let partner: Partner;
  let client: MllpClient | undefined;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontdesk-wake-'));
    partner = await startPartner(() => 'AA');
  });
  afterEach(async () => {
    client?.close();
    await gateway?.close();
    await partner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('what a commit queued goes out at once, not at the next poll (10 minutes away here)', async () => {
    const cfg = checkConfig({
      practice: { name: 'Test practice', timezone: 'America/New_York' },
      store: testStoreConfig(join(dir, 'store.sqlite')),
      log: { level: 'silent' },
      http: { host: '127.0.0.1', port: 0 },
      channels: [{ name: 'adt', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [{ name: 'lab', payload: 'raw' }] }],
      destinations: { lab: { type: 'mllp', host: '127.0.0.1', port: partner.port } },
    }, dir, {});
    expect(cfg.issues).to.deep.equal([]);
    gateway = await startGateway(cfg.value!, { log: silentLogger, noHttp: true, withDelivery: { pollMs: 600_000 } });
    // The worker's first pass (at start, with nothing queued) is over before the message arrives.
    await gateway.delivery!.worker.drain();
    client = new MllpClient({ host: '127.0.0.1', port: gateway.mllp[0]!.address().port, tls: false, connectTimeoutMs: 2000, ackTimeoutMs: 30_000, idleTimeoutMs: 60_000 });
    const a = await client.send(adt('A04', 'MRN-WAKE', 'WAKE-A04'));
    expect(a.ok ? a.partnerStatus : a.error).to.equal('AA');
    await until(() => partner.received.length === 1, 'delivered without waiting for the poll');
    expect(partner.received[0]!.split('\r')[0]!.split('|')[9]).to.equal('WAKE-A04');
  });
});
