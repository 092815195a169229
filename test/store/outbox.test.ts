import { expect } from 'chai';
import { openTestStore } from '../support/engine.js';
import { tempDb, type TempDb } from '../delivery/helpers.js';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);

const item = (key: string, orderingKey?: string, destination = 'ehr') => ({
  destination, kind: 'hl7v2', payload: `MSH|^~\\&|${key}`, contentType: 'x-application/hl7-v2+er7', idempotencyKey: key,
  ...(orderingKey ? { orderingKey } : {}),
});

describe('store/outbox', () => {
  let t: TempDb;
  beforeEach(() => { t = tempDb(); });
  afterEach(() => t.close());

  it('enqueue is idempotent on the idempotency key', async () => {
    const a = await t.store.outbox.enqueue(item('k1'), T0);
    const b = await t.store.outbox.enqueue({ ...item('k1'), payload: 'different' }, at(5));
    expect(b).to.equal(a);
    expect(await t.store.outbox.list()).to.have.length(1);
    expect((await t.store.outbox.get(a))!.payload).to.equal('MSH|^~\\&|k1');
  });

  it('claims due items once, leasing them in-flight with the attempt counted', async () => {
    const id = await t.store.outbox.enqueue(item('k1'), T0);
    const first = await t.store.outbox.claimDue({ now: T0 });
    expect(first.map((i) => i.id)).to.deep.equal([id]);
    expect(first[0]!.state).to.equal('in-flight');
    expect(first[0]!.attempts).to.equal(1);
    expect(await t.store.outbox.claimDue({ now: at(1) })).to.have.length(0);
    expect((await t.store.outbox.get(id))!.state).to.equal('in-flight');
  });

  it('takes back an in-flight item whose lease ran out (worker died mid-send)', async () => {
    const id = await t.store.outbox.enqueue(item('k1'), T0);
    await t.store.outbox.claimDue({ now: T0, leaseMs: 60_000 });
    expect(await t.store.outbox.claimDue({ now: at(30) })).to.have.length(0);
    const again = await t.store.outbox.claimDue({ now: at(61) });
    expect(again.map((i) => i.id)).to.deep.equal([id]);
    expect(again[0]!.attempts).to.equal(2);
  });

  it('keeps per-patient order: a later item waits while an older one with the same ordering key is undelivered', async () => {
    const a04 = await t.store.outbox.enqueue(item('a04', 'patient-1'), T0);
    const a08 = await t.store.outbox.enqueue(item('a08', 'patient-1'), T0);
    const other = await t.store.outbox.enqueue(item('x', 'patient-2'), T0);
    const elsewhere = await t.store.outbox.enqueue(item('a08-lab', 'patient-1', 'lab'), T0);
    expect((await t.store.outbox.claimDue({ now: T0 })).map((i) => i.id)).to.deep.equal([a04, other, elsewhere]);
    // A04 fails transiently: the A08 still waits.
    await t.store.outbox.scheduleRetry(a04, at(30), { errorCode: 'DELIVERY_TRANSIENT', error: 'timeout' }, T0);
    expect(await t.store.outbox.claimDue({ now: at(10) })).to.have.length(0);
    expect((await t.store.outbox.claimDue({ now: at(30) })).map((i) => i.id)).to.deep.equal([a04]);
    await t.store.outbox.markDelivered(a04, { partnerStatus: 'AA' }, at(31));
    expect((await t.store.outbox.claimDue({ now: at(31) })).map((i) => i.id)).to.deep.equal([a08]);
  });

  it('a dead item blocks its successors until it is replayed', async () => {
    const a04 = await t.store.outbox.enqueue(item('a04', 'p'), T0);
    const a08 = await t.store.outbox.enqueue(item('a08', 'p'), T0);
    await t.store.outbox.claimDue({ now: T0 });
    await t.store.outbox.markDead(a04, { errorCode: 'DELIVERY_REJECTED', partnerStatus: 'AR', partnerResponse: 'MSA|AR|1' }, T0);
    expect(await t.store.outbox.claimDue({ now: at(60) })).to.have.length(0);
    expect(await t.store.outbox.replayDead(a04, at(60))).to.equal(true);
    expect(await t.store.outbox.replayDead(a08, at(60))).to.equal(false);
    const again = await t.store.outbox.claimDue({ now: at(60) });
    expect(again.map((i) => i.id)).to.deep.equal([a04]);
    expect(again[0]!.attempts).to.equal(1);
  });

  it('keeps the partner answer and the attempt history', async () => {
    const id = await t.store.outbox.enqueue(item('k1'), T0);
    await t.store.outbox.claimDue({ now: T0 });
    await t.store.outbox.scheduleRetry(id, at(10), { errorCode: 'DELIVERY_TRANSIENT', partnerStatus: '503', error: 'HTTP 503' }, T0);
    await t.store.outbox.claimDue({ now: at(10) });
    await t.store.outbox.markDead(id, { errorCode: 'DELIVERY_REJECTED', partnerStatus: '422', partnerResponse: '{"resourceType":"OperationOutcome"}' }, at(10));
    const row = (await t.store.outbox.get(id))!;
    expect(row.state).to.equal('dead');
    expect(row.lastErrorCode).to.equal('DELIVERY_REJECTED');
    expect(row.partnerResponse).to.contain('OperationOutcome');
    expect((await t.store.outbox.attemptsOf(id)).map((a) => [a.attempt, a.outcome, a.partnerStatus])).to.deep.equal([[1, 'retry', '503'], [2, 'dead', '422']]);
  });

  it('holds first attempts to batch destinations but not their retries, and filters by destination', async () => {
    const claim = await t.store.outbox.enqueue(item('c1', undefined, 'clearinghouse'), T0);
    const hl7 = await t.store.outbox.enqueue(item('h1', undefined, 'lab'), T0);
    expect((await t.store.outbox.claimDue({ now: T0, holdFirstAttempt: ['clearinghouse'] })).map((i) => i.id)).to.deep.equal([hl7]);
    expect((await t.store.outbox.claimDue({ now: T0, destinations: ['clearinghouse'] })).map((i) => i.id)).to.deep.equal([claim]);
    await t.store.outbox.scheduleRetry(claim, at(5), { errorCode: 'DELIVERY_TRANSIENT' }, T0);
    expect((await t.store.outbox.claimDue({ now: at(5), holdFirstAttempt: ['clearinghouse'] })).map((i) => i.id)).to.deep.equal([claim]);
    // A replayed claim goes with the worker too (it was tried before), not at the next batch.
    await t.store.outbox.markDead(claim, { errorCode: 'DELIVERY_REJECTED' }, at(5));
    await t.store.outbox.replayDead(claim, at(6));
    expect((await t.store.outbox.claimDue({ now: at(6), holdFirstAttempt: ['clearinghouse'] })).map((i) => i.id)).to.deep.equal([claim]);
  });

  it('replays all dead items of a destination', async () => {
    for (const k of ['a', 'b', 'c']) {
      const id = await t.store.outbox.enqueue(item(k, undefined, k === 'c' ? 'lab' : 'ehr'), T0);
      await t.store.outbox.claimDue({ now: T0 });
      await t.store.outbox.markDead(id, { errorCode: 'DELIVERY_REJECTED' }, T0);
    }
    expect(await t.store.outbox.replayAllDead({ destination: 'ehr' }, at(1))).to.equal(2);
    expect((await t.store.outbox.list({ state: 'dead' })).map((i) => i.idempotencyKey)).to.deep.equal(['c']);
  });

  it('purges only delivered rows older than the cutoff', async () => {
    const old = await t.store.outbox.enqueue(item('old'), T0);
    const recent = await t.store.outbox.enqueue(item('recent'), T0);
    const dead = await t.store.outbox.enqueue(item('dead'), T0);
    await t.store.outbox.claimDue({ now: T0 });
    await t.store.outbox.markDelivered(old, {}, T0);
    await t.store.outbox.markDelivered(recent, {}, at(100));
    await t.store.outbox.markDead(dead, { errorCode: 'DELIVERY_REJECTED' }, T0);
    expect(await t.store.outbox.purgeDelivered(at(50))).to.equal(1);
    expect((await t.store.outbox.list()).map((i) => i.idempotencyKey)).to.deep.equal(['recent', 'dead']);
    expect(await t.store.outbox.attemptsOf(old)).to.have.length(0);
  });

  it('survives a reopen of the SQLite file (the queue is durable)', async () => {
    await t.store.outbox.enqueue(item('k1', 'p'), T0);
    await t.store.close();
    const store2 = openTestStore(t.path);
    try {
      expect((await store2.outbox.claimDue({ now: T0 })).map((i) => i.idempotencyKey)).to.deep.equal(['k1']);
    } finally {
      await store2.close();
    }
  });
});
