import { expect } from 'chai';
import {
  attemptsOf, claimDue, enqueue, getOutboxItem, listOutbox, markDead, markDelivered, purgeDelivered, replayAllDead, replayDead, scheduleRetry,
} from '../../src/store/sqlite/outbox.js';
import { openDatabase } from '../../src/store/sqlite/db.js';
import { tempDb, type TempDb } from './helpers.js';

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

  it('enqueue is idempotent on the idempotency key', () => {
    const a = enqueue(t.db, item('k1'), T0);
    const b = enqueue(t.db, { ...item('k1'), payload: 'different' }, at(5));
    expect(b).to.equal(a);
    expect(listOutbox(t.db)).to.have.length(1);
    expect(getOutboxItem(t.db, a)!.payload).to.equal('MSH|^~\\&|k1');
  });

  it('claims due items once, leasing them in-flight with the attempt counted', () => {
    const id = enqueue(t.db, item('k1'), T0);
    const first = claimDue(t.db, { now: T0 });
    expect(first.map((i) => i.id)).to.deep.equal([id]);
    expect(first[0]!.state).to.equal('in-flight');
    expect(first[0]!.attempts).to.equal(1);
    expect(claimDue(t.db, { now: at(1) })).to.have.length(0);
    expect(getOutboxItem(t.db, id)!.state).to.equal('in-flight');
  });

  it('takes back an in-flight item whose lease ran out (worker died mid-send)', () => {
    const id = enqueue(t.db, item('k1'), T0);
    claimDue(t.db, { now: T0, leaseMs: 60_000 });
    expect(claimDue(t.db, { now: at(30) })).to.have.length(0);
    const again = claimDue(t.db, { now: at(61) });
    expect(again.map((i) => i.id)).to.deep.equal([id]);
    expect(again[0]!.attempts).to.equal(2);
  });

  it('keeps per-patient order: a later item waits while an older one with the same ordering key is undelivered', () => {
    const a04 = enqueue(t.db, item('a04', 'patient-1'), T0);
    const a08 = enqueue(t.db, item('a08', 'patient-1'), T0);
    const other = enqueue(t.db, item('x', 'patient-2'), T0);
    const elsewhere = enqueue(t.db, item('a08-lab', 'patient-1', 'lab'), T0);
    expect(claimDue(t.db, { now: T0 }).map((i) => i.id)).to.deep.equal([a04, other, elsewhere]);
    // A04 fails transiently: the A08 still waits.
    scheduleRetry(t.db, a04, at(30), { errorCode: 'DELIVERY_TRANSIENT', error: 'timeout' }, T0);
    expect(claimDue(t.db, { now: at(10) })).to.have.length(0);
    expect(claimDue(t.db, { now: at(30) }).map((i) => i.id)).to.deep.equal([a04]);
    markDelivered(t.db, a04, { partnerStatus: 'AA' }, at(31));
    expect(claimDue(t.db, { now: at(31) }).map((i) => i.id)).to.deep.equal([a08]);
  });

  it('a dead item blocks its successors until it is replayed', () => {
    const a04 = enqueue(t.db, item('a04', 'p'), T0);
    const a08 = enqueue(t.db, item('a08', 'p'), T0);
    claimDue(t.db, { now: T0 });
    markDead(t.db, a04, { errorCode: 'DELIVERY_REJECTED', partnerStatus: 'AR', partnerResponse: 'MSA|AR|1' }, T0);
    expect(claimDue(t.db, { now: at(60) })).to.have.length(0);
    expect(replayDead(t.db, a04, at(60))).to.equal(true);
    expect(replayDead(t.db, a08, at(60))).to.equal(false);
    const again = claimDue(t.db, { now: at(60) });
    expect(again.map((i) => i.id)).to.deep.equal([a04]);
    expect(again[0]!.attempts).to.equal(1);
  });

  it('keeps the partner answer and the attempt history', () => {
    const id = enqueue(t.db, item('k1'), T0);
    claimDue(t.db, { now: T0 });
    scheduleRetry(t.db, id, at(10), { errorCode: 'DELIVERY_TRANSIENT', partnerStatus: '503', error: 'HTTP 503' }, T0);
    claimDue(t.db, { now: at(10) });
    markDead(t.db, id, { errorCode: 'DELIVERY_REJECTED', partnerStatus: '422', partnerResponse: '{"resourceType":"OperationOutcome"}' }, at(10));
    const row = getOutboxItem(t.db, id)!;
    expect(row.state).to.equal('dead');
    expect(row.lastErrorCode).to.equal('DELIVERY_REJECTED');
    expect(row.partnerResponse).to.contain('OperationOutcome');
    expect(attemptsOf(t.db, id).map((a) => [a.attempt, a.outcome, a.partnerStatus])).to.deep.equal([[1, 'retry', '503'], [2, 'dead', '422']]);
  });

  it('holds first attempts to batch destinations but not their retries, and filters by destination', () => {
    const claim = enqueue(t.db, item('c1', undefined, 'clearinghouse'), T0);
    const hl7 = enqueue(t.db, item('h1', undefined, 'lab'), T0);
    expect(claimDue(t.db, { now: T0, holdFirstAttempt: ['clearinghouse'] }).map((i) => i.id)).to.deep.equal([hl7]);
    expect(claimDue(t.db, { now: T0, destinations: ['clearinghouse'] }).map((i) => i.id)).to.deep.equal([claim]);
    scheduleRetry(t.db, claim, at(5), { errorCode: 'DELIVERY_TRANSIENT' }, T0);
    expect(claimDue(t.db, { now: at(5), holdFirstAttempt: ['clearinghouse'] }).map((i) => i.id)).to.deep.equal([claim]);
    // A replayed claim goes with the worker too (it was tried before), not at the next batch.
    markDead(t.db, claim, { errorCode: 'DELIVERY_REJECTED' }, at(5));
    replayDead(t.db, claim, at(6));
    expect(claimDue(t.db, { now: at(6), holdFirstAttempt: ['clearinghouse'] }).map((i) => i.id)).to.deep.equal([claim]);
  });

  it('replays all dead items of a destination', () => {
    for (const k of ['a', 'b', 'c']) {
      const id = enqueue(t.db, item(k, undefined, k === 'c' ? 'lab' : 'ehr'), T0);
      claimDue(t.db, { now: T0 });
      markDead(t.db, id, { errorCode: 'DELIVERY_REJECTED' }, T0);
    }
    expect(replayAllDead(t.db, { destination: 'ehr' }, at(1))).to.equal(2);
    expect(listOutbox(t.db, { state: 'dead' }).map((i) => i.idempotencyKey)).to.deep.equal(['c']);
  });

  it('purges only delivered rows older than the cutoff', () => {
    const old = enqueue(t.db, item('old'), T0);
    const recent = enqueue(t.db, item('recent'), T0);
    const dead = enqueue(t.db, item('dead'), T0);
    claimDue(t.db, { now: T0 });
    markDelivered(t.db, old, {}, T0);
    markDelivered(t.db, recent, {}, at(100));
    markDead(t.db, dead, { errorCode: 'DELIVERY_REJECTED' }, T0);
    expect(purgeDelivered(t.db, at(50))).to.equal(1);
    expect(listOutbox(t.db).map((i) => i.idempotencyKey)).to.deep.equal(['recent', 'dead']);
    expect(attemptsOf(t.db, old)).to.have.length(0);
  });

  it('survives a reopen of the SQLite file (the queue is durable)', () => {
    enqueue(t.db, item('k1', 'p'), T0);
    t.db.close();
    const db2 = openDatabase(t.path);
    try {
      expect(claimDue(db2, { now: T0 }).map((i) => i.idempotencyKey)).to.deep.equal(['k1']);
    } finally {
      db2.close();
    }
    t.db = openDatabase(t.path);
  });
});
