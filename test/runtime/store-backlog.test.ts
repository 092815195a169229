/**
 * The processing backlog past the in-memory window (src/runtime/store-backlog.ts): messages whose
 * senders wait for nothing more (enhanced mode, MSH-16 NE) wait in the store past
 * processing.queueWindow and are read back in order. A batch of frames handed to the pipeline in
 * one turn is stored in one commit and admitted before any of it is processed, so the window is
 * passed without any timing.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import type { Answer, Reception } from '../../src/runtime/pipeline.js';
import { StoreBacklog } from '../../src/runtime/store-backlog.js';
import { silentLogger } from '../../src/logging.js';
import { adt, registerTestFlow, startTest, tempDir, type TestFlow } from '../support/gateway.js';

const WINDOW = 5;
const PATIENTS = 4;

describe('runtime/store-backlog: a backlog past the in-memory window waits in the store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let flow: TestFlow;
  let remove: () => void;
  let gw: Gateway | undefined;
  /** Control ids in the order the flow ran them, and the most jobs queued in memory seen at a run. */
  let ran: string[];
  let mostInMemory: number;

  const start = async (processing: Record<string, unknown> = {}) => {
    gw = await startTest(join(tmp.dir, 'fd.db'), { processing: { maxAttempts: 3, queueWindow: WINDOW, ...processing } }, { noHttp: true });
    return gw;
  };
  /** Message i: patient i % PATIENTS; enhanced mode, MSH-16 NE unless `original` says it is an original-mode one. */
  const message = (i: number, original = (_: number) => false) =>
    adt(`SB${i}`, { mrn: `SBP${i % PATIENTS}`, ...(original(i) ? {} : { msh15: 'AL', msh16: 'NE' }) });
  /** Hand n messages to the pipeline in one turn (one commit), as an edge would. */
  const receiveAll = async (g: Gateway, n: number, original?: (i: number) => boolean): Promise<Array<Extract<Reception, { ok: true }>>> => {
    const all = await Promise.all(Array.from({ length: n }, (_, i) => g.pipeline.receive({ channel: g.pipeline.channel('test-mllp'), source: 'mllp', contentType: 'hl7v2', raw: message(i, original) })));
    return all.map((r) => {
      if (!r.ok) throw new Error('store failed');
      return r;
    });
  };
  /** Per patient, the control ids the flow ran, in order. */
  const perPatient = (ids: string[]) => {
    const m = new Map<string, string[]>();
    for (const c of ids) {
      const p = `SBP${Number(c.slice(2)) % PATIENTS}`;
      m.set(p, [...(m.get(p) ?? []), c]);
    }
    return m;
  };
  const expectedPerPatient = (n: number) => perPatient(Array.from({ length: n }, (_, i) => `SB${i}`));

  beforeEach(() => {
    tmp = tempDir();
    ({ flow, remove } = registerTestFlow());
    ran = [];
    mostInMemory = 0;
    const run = flow.run.bind(flow);
    flow.run = (msg, ctx) => {
      ran.push(msg.segment('MSH')!.get(10));
      if (gw) mostInMemory = Math.max(mostInMemory, gw.pipeline.backlog.inMemory);
      return run(msg, ctx);
    };
  });

  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    remove();
    tmp.cleanup();
  });

  it('processes every message exactly once, in arrival order per patient, with at most the window queued in memory', async function () {
    this.timeout(60_000);
    const g = await start();
    const n = 60;
    // Every seventh is original mode: its sender waits for its application ACK, so it stays in memory.
    const original = (i: number) => i % 7 === 3;
    const recs = await receiveAll(g, n, original);
    expect(g.pipeline.backlog.inMemory, 'queued in memory').to.be.at.most(WINDOW);
    expect(g.pipeline.backlog.inStore, 'left in the store').to.equal(n - WINDOW - recs.filter((_, i) => original(i)).length);
    // An exact resend of a message still in the store's backlog: answered once it is processed, not processed twice.
    const last = await g.pipeline.receive({ channel: g.pipeline.channel('test-mllp'), source: 'mllp', contentType: 'hl7v2', raw: message(n - 2, original) });
    expect(last.ok && last.resend).to.equal(true);
    expect(last.ok && g.pipeline.backlog.has(last.id), 'still in the store').to.equal(true);
    const answers: Answer[] = await Promise.all([...recs.map((r) => r.answer), last.ok ? last.answer : Promise.reject(new Error('not stored'))]);
    expect(answers.map((a) => a.state)).to.deep.equal(Array.from({ length: n + 1 }, () => 'processed'));
    expect(answers.slice(0, n).map((a) => a.id)).to.deep.equal(recs.map((r) => r.id));
    expect(flow.runs, 'each message run once').to.equal(n);
    expect(perPatient(ran)).to.deep.equal(expectedPerPatient(n));
    expect(mostInMemory).to.be.at.most(WINDOW);
    expect(g.pipeline.backlog.inStore).to.equal(0);
    expect(g.pipeline.waiting()).to.equal(0);
    const rows = await g.store.messages.list({ limit: 1000 });
    expect(rows.map((r) => [r.state, r.attempts])).to.deep.equal(Array.from({ length: n }, () => ['processed', 1]));
    // Only the original-mode ones carry an application ACK owed to their sender; every attempt is a first one.
    for (const r of rows) expect((await g.store.processing.attemptsOf(r.id)).map((a) => a.reason)).to.deep.equal(['received']);
  });

  it('back-pressure: intake has no room while what waits in memory and in the store reaches processing.maxBacklog', async function () {
    this.timeout(60_000);
    const g = await start({ maxBacklog: 20 });
    const recs = await receiveAll(g, 30);
    expect(g.pipeline.backlog.inMemory).to.equal(WINDOW);
    expect(g.pipeline.waiting(), 'in memory and in the store').to.equal(30);
    let waitingWhenOpened: number | undefined;
    const room = g.pipeline.room().then(() => { waitingWhenOpened = g.pipeline.waiting(); });
    await new Promise((r) => setImmediate(r));
    expect(waitingWhenOpened, 'no room yet').to.equal(undefined);
    await room;
    expect(waitingWhenOpened).to.be.below(20);
    await Promise.all(recs.map((r) => r.answer));
    expect(flow.runs).to.equal(30);
    expect(perPatient(ran)).to.deep.equal(expectedPerPatient(30));
  });

  it('a restart with messages in the store\'s backlog loses nothing and processes nothing twice', async function () {
    this.timeout(60_000);
    const n = 40;
    let g = await start();
    await receiveAll(g, n);
    expect(g.pipeline.backlog.inStore).to.be.above(0);
    // Closed at once: what is queued or being processed finishes or stays 'received', as does the store's backlog.
    await g.close();
    gw = undefined;
    const before = flow.runs;
    expect(before).to.be.below(n);
    g = await start();
    const report = await g.recovery;
    expect(report.processed + before).to.equal(n);
    expect(flow.runs, 'each message run once across the restart').to.equal(n);
    expect(perPatient(ran)).to.deep.equal(expectedPerPatient(n));
    expect(await g.store.messages.count({ state: 'processed' })).to.equal(n);
    expect((await g.store.messages.list({ limit: 1000 })).every((r) => r.attempts === 1)).to.equal(true);
  });
});

describe('runtime/store-backlog: the window and its ranges (StoreBacklog against a fake store)', () => {
  /** Rows of a fake store; `runs`: messages queued, in order; `done(id)`: finish one of them. */
  const setup = (window: number) => {
    const rows = new Map<number, { state: string; attempts: number }>();
    const runs: number[] = [];
    const finish = new Map<number, (a: string) => void>();
    const reads: Array<[number, number]> = [];
    const backlog: StoreBacklog<string> = new StoreBacklog<string>(window, {
      read: async (from, to, limit) => {
        reads.push([from, to]);
        return [...rows].filter(([id, r]) => id >= from && id <= to && r.state === 'received' && r.attempts === 0)
          .sort((a, b) => a[0] - b[0]).slice(0, limit).map(([id]) => ({ id, channel: 'c', patientMrn: null }));
      },
      queue: (row) => run(row.id),
      running: () => undefined,
      answerOf: async (id) => `from the store ${id}`,
    }, silentLogger);
    const run = (id: number) => {
      runs.push(id);
      backlog.hold();
      return new Promise<string>((r) => finish.set(id, r));
    };
    /** A message committed by this instance (in memory when not left in the store). */
    const commit = (id: number) => {
      rows.set(id, { state: 'received', attempts: 0 });
      if (!backlog.admit(id, true)) void run(id);
    };
    const done = async (id: number) => {
      rows.get(id)!.state = 'processed';
      finish.get(id)!(`processed ${id}`);
      backlog.release();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    return { rows, runs, reads, backlog, commit, done };
  };

  it('keeps one range per run of consecutive ids of its own, reads them back in order, and never takes another instance\'s rows', async () => {
    const t = setup(2);
    t.commit(1);
    t.commit(2);
    t.commit(3);
    // Id 4 is another instance's message (committed on the same store, never admitted here).
    t.rows.set(4, { state: 'received', attempts: 0 });
    t.commit(5);
    t.commit(6);
    expect(t.runs).to.deep.equal([1, 2]);
    expect(t.backlog.inStore).to.equal(3);
    expect([3, 4, 5, 6].map((id) => t.backlog.has(id))).to.deep.equal([true, false, true, true]);
    await t.done(1);
    await t.done(2);
    await t.done(3);
    await t.done(5);
    await t.done(6);
    expect(t.runs).to.deep.equal([1, 2, 3, 5, 6]);
    expect(t.reads.every(([from, to]) => to < 4 || from > 4)).to.equal(true);
    expect(t.backlog.inStore).to.equal(0);
    expect(t.backlog.inMemory).to.equal(0);
    // Caught up: the next one is queued in memory again.
    t.commit(7);
    expect(t.runs.at(-1)).to.equal(7);
  });

  it('a message of the store\'s backlog processed some other way is not read back, and the count still comes back to 0; asked-for answers arrive either way', async () => {
    const t = setup(1);
    t.commit(1);
    t.commit(2);
    t.commit(3);
    expect(t.backlog.inStore).to.equal(2);
    const second = t.backlog.answer(2);
    const third = t.backlog.answer(3);
    // 2 is processed meanwhile by another way (a resend's run, another instance's takeover).
    t.rows.get(2)!.state = 'processed';
    await t.done(1);
    expect(t.runs).to.deep.equal([1, 3]);
    expect(await second).to.equal('from the store 2');
    await t.done(3);
    expect(await third).to.equal('processed 3');
    expect(t.backlog.inStore).to.equal(0);
  });

  it('close: answers asked for of messages still in the store are rejected (they stay committed for the next start) and nothing more is read', async () => {
    const t = setup(1);
    t.commit(1);
    t.commit(2);
    const pending = t.backlog.answer(2);
    t.backlog.close();
    await t.done(1);
    expect(t.runs).to.deep.equal([1]);
    let err: Error | undefined;
    await pending.catch((e: Error) => { err = e; });
    expect(err?.message).to.match(/stays committed/);
  });
});
