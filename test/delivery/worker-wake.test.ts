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
