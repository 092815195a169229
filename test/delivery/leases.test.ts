/**
 * Delivery leases that fit (#17): a lease names its holder (instance and boot), is renewed while
 * its delivery is alive, and a restarted instance takes back what its earlier run left in flight
 * at once, so a row whose process died waits for nothing.
 */
import { expect } from 'chai';
import net from 'node:net';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { startDeliveryWorker, type DeliveryWorker } from '../../src/delivery/worker.js';
import { buildAck } from '../../src/hl7/ack.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';
import { adt } from '../clients/mllp-partner.js';
import { tempDb, type TempDb } from './helpers.js';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const row = (key: string, orderingKey?: string) => ({
  destination: 'lab', kind: 'hl7v2', payload: adt('A04', 'MRN-1', key), contentType: 'application/hl7-v2', idempotencyKey: key,
  ...(orderingKey ? { orderingKey } : {}),
});

/** An MLLP partner that keeps every frame and answers AA only once `release()` is called. */
async function holdingPartner() {
  const received: string[] = [];
  const waiting: Array<() => void> = [];
  let held = true;
  let arrived: () => void = () => undefined;
  const firstArrived = new Promise<void>((r) => { arrived = r; });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk).frames) {
        received.push(frame);
        const answer = () => socket.write(encodeFrame(buildAck(parseHl7(frame).value!, { code: 'AA', controlId: `ACK${received.length}` }).toString()));
        if (held) waiting.push(answer); else answer();
        arrived();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    firstArrived,
    release() { held = false; for (const w of waiting.splice(0)) w(); },
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

function destinations(port: number) {
  const r = parseDeliveryConfig({
    destinations: { lab: { type: 'mllp', host: '127.0.0.1', port, ackTimeoutMs: 60_000, retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0 } } },
  });
  expect(r.issues).to.deep.equal([]);
  return r.value!.destinations;
}

describe('delivery/leases', () => {
  let t: TempDb;
  beforeEach(() => { t = tempDb(); });
  afterEach(() => t.close());

  describe('store', () => {
    it('records the holder on a lease and renews only the holder\'s own in-flight rows', async () => {
      const a = await t.store.outbox.enqueue(row('a'), T0);
      const b = await t.store.outbox.enqueue(row('b'), T0);
      const gw = { instance: 'gw', boot: 'boot-1' };
      await t.store.outbox.claimDue({ now: T0, leaseMs: 10_000, holder: gw, limit: 1 });
      await t.store.outbox.claimDue({ now: T0, leaseMs: 10_000, holder: { instance: 'cli', boot: 'x' }, limit: 1 });
      expect((await t.store.outbox.get(a))!.leaseHolder).to.deep.equal(gw);
      expect(await t.store.outbox.renewLeases([a, b], gw, at(40), at(5))).to.equal(1);
      expect((await t.store.outbox.get(a))!.leaseUntil).to.equal(at(40).toISOString());
      expect((await t.store.outbox.get(b))!.leaseUntil).to.equal(at(10).toISOString());
      // An expired lease renewed by someone else's boot does not come back to life.
      expect(await t.store.outbox.renewLeases([a], { instance: 'gw', boot: 'boot-2' }, at(90), at(6))).to.equal(0);
      await t.store.outbox.markDelivered(a, { partnerStatus: 'AA' }, at(7));
      expect(await t.store.outbox.renewLeases([a], gw, at(90), at(8))).to.equal(0);
      expect((await t.store.outbox.get(a))!.leaseHolder).to.equal(null);
    });

    it('a restarted instance takes back its earlier boots\' in-flight rows at once, and nothing else', async () => {
      const mine = await t.store.outbox.enqueue(row('mine', 'Patient/1'), T0);
      const next = await t.store.outbox.enqueue(row('next', 'Patient/1'), T0);
      const theirs = await t.store.outbox.enqueue(row('theirs'), T0);
      const current = await t.store.outbox.enqueue(row('current'), T0);
      await t.store.outbox.claimDue({ now: T0, leaseMs: 600_000, holder: { instance: 'gw', boot: 'dead' }, limit: 1 });
      await t.store.outbox.claimDue({ now: T0, leaseMs: 600_000, holder: { instance: 'other', boot: 'alive' }, limit: 1 });
      await t.store.outbox.claimDue({ now: T0, leaseMs: 600_000, holder: { instance: 'gw', boot: 'now' }, limit: 1 });
      expect((await t.store.outbox.get(current))!.state).to.equal('in-flight');

      expect(await t.store.outbox.reclaimAbandoned({ instance: 'gw', boot: 'now' }, at(2))).to.equal(1);
      expect(await t.store.outbox.get(mine)).to.include({ state: 'pending', attempts: 1, leaseUntil: null, leaseHolder: null, lastErrorCode: 'DELIVERY_TRANSIENT' });
      // Due (not after now): it keeps its place at the head of the queue.
      expect((await t.store.outbox.get(mine))!.nextAttemptAt <= at(2).toISOString()).to.equal(true);
      expect((await t.store.outbox.get(theirs))!.state).to.equal('in-flight');
      expect((await t.store.outbox.get(current))!.state).to.equal('in-flight');
      // Due at once (not 10 minutes later), and still ahead of the patient's next row.
      const claimed = await t.store.outbox.claimDue({ now: at(2), holder: { instance: 'gw', boot: 'now' } });
      expect(claimed.map((i) => i.id)).to.deep.equal([mine]);
      expect(claimed.map((i) => i.id)).not.to.include(next);
    });
  });

  describe('worker', () => {
    let worker: DeliveryWorker | undefined;
    let partner: Awaited<ReturnType<typeof holdingPartner>>;
    beforeEach(async () => { partner = await holdingPartner(); });
    afterEach(async () => {
      partner.release();
      await worker?.stop();
      worker = undefined;
      await partner.close();
    });

    it('after a restart, the row the dead run left in flight is delivered on the first pass, once', async () => {
      const id = await t.store.outbox.enqueue(row('left-behind'), new Date());
      // The earlier run of this gateway leased it (10 minutes, as before #17) and died.
      await t.store.outbox.claimDue({ leaseMs: 600_000, holder: { instance: 'gateway@test', boot: 'earlier-run' } });
      partner.release();
      worker = startDeliveryWorker({ store: t.store, destinations: destinations(partner.port), instance: 'gateway@test', reclaimOnStart: true, autoStart: false });
      expect(await worker.ready).to.equal(1);
      expect(worker.holder.instance).to.equal('gateway@test');
      expect(worker.holder.boot).not.to.equal('earlier-run');
      expect(await worker.drainOnce()).to.equal(1);
      expect(await t.store.outbox.get(id)).to.include({ state: 'delivered', attempts: 2 });
      expect(partner.received).to.have.length(1);
    });

    it('a worker that is not its instance\'s gateway takes nothing back', async () => {
      const id = await t.store.outbox.enqueue(row('other-run'), new Date());
      await t.store.outbox.claimDue({ leaseMs: 600_000, holder: { instance: 'gateway@test', boot: 'live-run' } });
      worker = startDeliveryWorker({ store: t.store, destinations: destinations(partner.port), autoStart: false });
      expect(await worker.ready).to.equal(0);
      expect(await worker.drainOnce()).to.equal(0);
      expect((await t.store.outbox.get(id))!.state).to.equal('in-flight');
    });

    it('renews the lease while a slow delivery is alive, so no one else may take the row', async () => {
      const id = await t.store.outbox.enqueue(row('slow'), new Date());
      worker = startDeliveryWorker({ store: t.store, destinations: destinations(partner.port), instance: 'gw-a', autoStart: false, leaseMs: 300 });
      const pass = worker.drainOnce();
      await partner.firstArrived;
      const leased = (await t.store.outbox.get(id))!.leaseUntil!;
      // Wait (by polling the row, no timing assumed) until the live worker has renewed its lease.
      let renewed = leased;
      while (renewed === leased) {
        await new Promise((r) => setTimeout(r, 20));
        renewed = (await t.store.outbox.get(id))!.leaseUntil!;
      }
      expect(renewed > leased).to.equal(true);
      // When the first lease would have run out, another process still finds nothing to take.
      expect(await t.store.outbox.claimDue({ now: new Date(Date.parse(leased) + 1), holder: { instance: 'gw-b', boot: 'b' } })).to.have.length(0);
      expect((await t.store.outbox.get(id))!.leaseHolder).to.deep.equal(worker.holder);
      partner.release();
      expect(await pass).to.equal(1);
      expect(await t.store.outbox.get(id)).to.include({ state: 'delivered', attempts: 1, leaseHolder: null });
      expect(partner.received).to.have.length(1);
    });
  });
});
