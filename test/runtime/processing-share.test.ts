/**
 * #17, processing beside a steady intake stream (src/runtime/pipeline.ts):
 * - processing's share of the event loop while intake is busy grows with the backlog's count and
 *   its age (processShare: the oldest waiting message's time since its commit, a message left in
 *   the store counted from its commit, not its read-back), and processing gets its turn while frames are queued (processingFirst): a
 *   stream that has a frame queued at every commit no longer starves it until the stream stops;
 * - a processing commit asks the store once per patient found blocked (BlockedPatients): the later
 *   jobs of that patient in the commit go back to wait without a claim each, and still run in their
 *   order once the earlier message is processed.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { describeOn } from '../support/engine.js';
import { adt, msa, startTest, tempDir } from '../support/gateway.js';
import { PROCESS_SHARE, PROCESS_SHARE_MAX, SHARE_AGE_FROM_MS, SHARE_FULL_AT, processShare, type Inbound, type Pipeline, type Reception } from '../../src/runtime/pipeline.js';
import { MARK_EVERY_MS, StoreBacklog } from '../../src/runtime/store-backlog.js';
import { silentLogger } from '../../src/logging.js';
import type { StoreTx } from '../../src/store/index.js';

describe('runtime: processing share (processShare)', () => {
  it('is PROCESS_SHARE with a small backlog, grows with it, and is PROCESS_SHARE_MAX from SHARE_FULL_AT of the bound on', () => {
    const bound = 50_000;
    const full = bound * SHARE_FULL_AT;
    expect(processShare(0, bound)).to.equal(PROCESS_SHARE);
    expect(processShare(full * (PROCESS_SHARE / PROCESS_SHARE_MAX), bound)).to.equal(PROCESS_SHARE);
    const half = processShare(full / 2, bound);
    expect(half).to.be.greaterThan(PROCESS_SHARE).and.lessThan(PROCESS_SHARE_MAX);
    expect(processShare(full, bound)).to.equal(PROCESS_SHARE_MAX);
    expect(processShare(bound, bound)).to.equal(PROCESS_SHARE_MAX);
    for (let w = 0; w < full; w += full / 10) expect(processShare(w + full / 10, bound)).to.be.at.least(processShare(w, bound));
  });

  it('rises with the oldest waiting message\'s age from SHARE_AGE_FROM_MS, to PROCESS_SHARE_MAX at twice that, the count a floor', () => {
    const bound = 50_000;
    const n = SHARE_AGE_FROM_MS;
    // A few seconds' burst: its oldest message younger than n, processing keeps PROCESS_SHARE.
    expect(processShare(5, bound, 0)).to.equal(PROCESS_SHARE);
    expect(processShare(3000, bound, n - 1)).to.equal(PROCESS_SHARE);
    expect(processShare(3000, bound, n)).to.equal(PROCESS_SHARE);
    const mid = processShare(5, bound, n * 1.5);
    expect(mid).to.be.closeTo((PROCESS_SHARE + PROCESS_SHARE_MAX) / 2, 1e-9);
    expect(processShare(5, bound, n * 2)).to.equal(PROCESS_SHARE_MAX);
    expect(processShare(5, bound, n * 10)).to.equal(PROCESS_SHARE_MAX);
    for (let age = 0; age < 3 * n; age += n / 8) expect(processShare(5, bound, age + n / 8)).to.be.at.least(processShare(5, bound, age));
    // The count rule still holds with a young backlog (a restart's, or a burst bigger than the bound's SHARE_FULL_AT).
    expect(processShare(bound * SHARE_FULL_AT, bound, 0)).to.equal(PROCESS_SHARE_MAX);
    expect(processShare(bound * SHARE_FULL_AT * 0.75, bound, n * 1.5)).to.be.closeTo(PROCESS_SHARE_MAX * 0.75, 1e-9);
  });

  it('a message left in the store counts its wait from its commit, not from its read-back (StoreBacklog, a controlled clock)', async () => {
    let now = 0;
    const queued: Array<{ id: number; since: number }> = [];
    const finish = new Map<number, () => void>();
    const rows = new Set<number>();
    const backlog: StoreBacklog<string> = new StoreBacklog<string>(2, {
      read: async (from, to, limit) => [...rows].filter((id) => id >= from && id <= to).sort((a, b) => a - b).slice(0, limit).map((id) => ({ id, channel: 'c', patientMrn: null })),
      queue: (row, since) => {
        queued.push({ id: row.id, since });
        rows.delete(row.id);
        backlog.hold();
        return new Promise<string>((r) => finish.set(row.id, () => r('processed')));
      },
      running: () => undefined,
      answerOf: async () => 'from the store',
    }, silentLogger, () => now);
    const commit = (id: number) => {
      rows.add(id);
      if (!backlog.admit(id, true)) {
        rows.delete(id);
        backlog.hold();
      }
    };
    const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };
    commit(1);
    commit(2);
    expect(backlog.oldestAt()).to.equal(undefined);
    // Left in the store: 3 at 1,000 ms, 4 ten ms later (within one mark), 5 at 3,000 ms.
    now = 1000;
    commit(3);
    now = 1000 + MARK_EVERY_MS / 5;
    commit(4);
    now = 3000;
    commit(5);
    expect(backlog.inStore).to.equal(3);
    expect(backlog.oldestAt()).to.equal(1000);
    // Read back at 20,000 ms: each queued with its commit time (at most MARK_EVERY_MS early).
    now = 20_000;
    backlog.release();
    backlog.release();
    await settle();
    expect(queued.map((q) => q.id)).to.deep.equal([3, 4]);
    expect(queued.map((q) => q.since)).to.deep.equal([1000, 1000]);
    expect(backlog.oldestAt()).to.equal(3000);
    finish.get(3)!();
    backlog.release();
    await settle();
    expect(queued.at(-1)).to.deep.equal({ id: 5, since: 3000 });
    expect(backlog.oldestAt()).to.equal(undefined);
  });
});

/**
 * The stream both share tests run: each frame's store queues the next frame before its commit
 * ends, so every flush finds a frame queued. It stops once the held backlog is processed, or after
 * CAP frames; the backlog must have been processed while the stream lasted, and every streamed
 * frame answered CA.
 */
async function streamUntilProcessed(pipeline: Pipeline, backlog: Reception[], ne: (id: string, mrn: string) => Inbound, release: () => void): Promise<void> {
  let done = 0;
  for (const r of backlog) {
    expect(r.ok).to.equal(true);
    if (r.ok) void r.answer.then((a) => { if (a.state === 'processed') done++; });
  }
  const CAP = 3000;
  let sent = 0;
  let stopped = false;
  const streamed: Array<Promise<Reception>> = [];
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const pl = pipeline as any;
  const storeOne = pl.storeOne.bind(pl);
  pl.storeOne = (tx: StoreTx, ...rest: unknown[]) => {
    if (!stopped && sent < CAP && done < backlog.length) {
      sent++;
      streamed.push(pipeline.receive(ne(`S${sent}`, `PS${sent}`)));
    } else {
      stopped = true;
    }
    return storeOne(tx, ...rest);
  };
  /* eslint-enable @typescript-eslint/no-explicit-any */
  release();
  sent++;
  streamed.push(pipeline.receive(ne('S0', 'PS0')));
  // Wait for the stream to end (the backlog processed, or the cap reached), then for everything.
  while (!stopped) await new Promise((r) => setTimeout(r, 10));
  const doneWhileStreaming = done;
  const sentWhileStreaming = sent;
  const answers = await Promise.all(backlog.map((r) => (r.ok ? r.answer : Promise.reject(new Error('not stored')))));
  expect(answers.map((a) => a.state)).to.deep.equal(new Array(backlog.length).fill('processed'));
  const rs = await Promise.all(streamed);
  for (const r of rs) expect(r.ok && msa(r.commitAck).code).to.equal('CA');
  expect(doneWhileStreaming, `backlog processed while ${sentWhileStreaming} frames streamed`).to.equal(backlog.length);
  expect(sentWhileStreaming).to.be.lessThan(CAP);
}

/**
 * A one-channel gateway for the stream tests, warmed up: the flows loaded (a first run long enough
 * to hold processing back for the whole stream under the share rule) and that run's share spent.
 * While `hold(true)`, each commit's processing waits (the test hook after commit) until release().
 */
async function heldStreamGateway(maxBacklog: number) {
  const tmp = tempDir();
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let holding = false;
  const gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }], processing: { maxBacklog } }, {
    noHttp: true,
    hooks: { afterCommit: () => (holding ? gate : Promise.resolve()) },
  });
  const channel = gw.pipeline.channel('reg');
  const ne = (id: string, mrn: string): Inbound => ({ channel, source: 'mllp' as const, contentType: 'hl7v2' as const, raw: adt(id, { mrn, msh15: 'AL', msh16: 'NE' }) });
  const close = async () => {
    await gw.close();
    tmp.cleanup();
  };
  try {
    for (const id of ['W0', 'W1']) {
      const w = await gw.pipeline.receive(ne(id, 'PW'));
      expect(w.ok && (await w.answer).state).to.equal('processed');
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    while (performance.now() < (gw.pipeline as any).processNotBefore) await new Promise((r) => setTimeout(r, 5));
  } catch (e) {
    await close();
    throw e;
  }
  return { gw, ne, release, hold: (on: boolean) => { holding = on; }, close };
}

describeOn('sqlite', 'runtime (SQLite): processing beside a steady intake stream', function () {
  this.timeout(120_000);

  it('a backlog is processed while a stream keeps a frame queued at every commit, not only once the stream stops', async () => {
    // maxBacklog 5,000: the stream's unprocessed frames raise processing's share above
    // PROCESS_SHARE after a few hundred (SHARE_FULL_AT of it), and CAP stays below the bound (where
    // every commit processes anyway).
    const h = await heldStreamGateway(5000);
    try {
      h.hold(true);
      const backlog: Reception[] = [];
      for (let i = 1; i <= 20; i++) backlog.push(await h.gw.pipeline.receive(h.ne(`B${i}`, `PB${i}`)));
      h.hold(false);
      await streamUntilProcessed(h.gw.pipeline, backlog, h.ne, h.release);
    } finally {
      await h.close();
    }
  });

  it('a backlog whose oldest message is older than SHARE_AGE_FROM_MS is processed while a stream keeps a frame queued, far below the count rule', async () => {
    // maxBacklog 50,000: the count rule raises the share only from 5,000 waiting (more than CAP),
    // so only the backlog's age can give processing its turn while the stream lasts.
    const h = await heldStreamGateway(50_000);
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const pl = h.gw.pipeline as any;
      // The backlog B1..B20 is queued as committed twice SHARE_AGE_FROM_MS ago (a controlled age:
      // the stream's own frames stay young), so its share is PROCESS_SHARE_MAX.
      const old = new Set<number>();
      const process = pl.process.bind(pl);
      pl.process = (id: number, reason: unknown, hint?: { since?: number }, ...rest: unknown[]) =>
        process(id, reason, old.has(id) && hint ? { ...hint, since: performance.now() - 2 * SHARE_AGE_FROM_MS } : hint, ...rest);
      h.hold(true);
      const backlog: Reception[] = [];
      for (let i = 1; i <= 20; i++) {
        const r = await h.gw.pipeline.receive(h.ne(`B${i}`, `PB${i}`));
        if (r.ok) old.add(r.id);
        backlog.push(r);
      }
      h.hold(false);
      await streamUntilProcessed(h.gw.pipeline, backlog, h.ne, h.release);
    } finally {
      await h.close();
    }
  });

  it('a commit with many jobs of a blocked patient asks the store once for that patient, and they still run in order', async () => {
    const tmp = tempDir();
    let releaseHead!: () => void;
    const headGate = new Promise<void>((r) => { releaseHead = r; });
    let releaseRest!: () => void;
    const restGate = new Promise<void>((r) => { releaseRest = r; });
    let head = -1;
    let holdHead = false;
    let holding = false;
    const gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }] }, {
      noHttp: true,
      // P's first message is held until the end; the rest are held until released together, so
      // one processing commit takes them all.
      hooks: { afterCommit: (id) => (id === head || holdHead ? ((head = id), (holdHead = false), headGate) : holding ? restGate : Promise.resolve()) },
    });
    try {
      const channel = gw.pipeline.channel('reg');
      const ne = (id: string, mrn: string) => ({ channel, source: 'mllp' as const, contentType: 'hl7v2' as const, raw: adt(id, { mrn, msh15: 'AL', msh16: 'NE' }) });
      // Warm-up: the flows loaded, so the commit's budget does not split the jobs by itself.
      const w = await gw.pipeline.receive(ne('W0', 'PW'));
      expect(w.ok && (await w.answer).state).to.equal('processed');
      holdHead = true;
      const p1 = await gw.pipeline.receive(ne('P1', 'P'));
      expect(p1.ok && p1.id).to.equal(head);
      holding = true;
      // P2..P21 (blocked behind P1) interleaved with Q1..Q5 (not blocked).
      const names = new Map<number, string>();
      const rs: Reception[] = [];
      for (let i = 2; i <= 21; i++) {
        const r = await gw.pipeline.receive(ne(`P${i}`, 'P'));
        if (r.ok) names.set(r.id, `P${i}`);
        rs.push(r);
        if (i % 4 === 0) {
          const q = await gw.pipeline.receive(ne(`Q${i / 4}`, `Q${i / 4}`));
          if (q.ok) names.set(q.id, `Q${i / 4}`);
          rs.push(q);
        }
      }
      holding = false;
      // Per processing commit (one at a time on SQLite, each settled before the next is made):
      // the claims of P's messages, and how many of P's jobs went back to wait.
      let pClaims = 0;
      const commits: Array<{ pClaims: number; pWaits: number }> = [];
      const order: string[] = [];
      /* eslint-disable @typescript-eslint/no-explicit-any */
      const pl = gw.pipeline as any;
      const store = gw.pipeline.store as any;
      const transaction = store.transaction.bind(store);
      store.transaction = (fn: (tx: StoreTx) => Promise<unknown>, opts?: unknown) => transaction((tx: StoreTx) => {
        const t = Object.create(tx) as StoreTx;
        const claim = tx.processing.claimForProcessing.bind(tx.processing);
        (t as any).processing = Object.assign(Object.create(tx.processing), {
          claimForProcessing: (id: number) => {
            if (id === head || names.get(id)?.startsWith('P')) pClaims++;
            return claim(id);
          },
        });
        return fn(t);
      }, opts as never);
      const settle = pl.settle.bind(pl);
      pl.settle = (jobs: Array<{ id: number }>, answers: object[], ...rest: unknown[]) => {
        const pWaits = jobs.filter((j, i) => names.get(j.id)?.startsWith('P') && 'waitFor' in answers[i]!).length;
        commits.push({ pClaims, pWaits });
        pClaims = 0;
        return settle(jobs, answers, ...rest);
      };
      const runOne = pl.processOne.bind(pl);
      pl.processOne = async (...args: unknown[]) => {
        const a = await runOne(...args);
        if (!('waitFor' in a)) order.push(names.get(args[1] as number) ?? (args[1] === head ? 'P1' : '?'));
        return a;
      };
      /* eslint-enable @typescript-eslint/no-explicit-any */
      releaseRest();
      // Q1..Q5 are processed (not blocked) while P2..P21 wait for P1.
      const qs = rs.filter((r) => r.ok && names.get(r.id)?.startsWith('Q'));
      expect((await Promise.all(qs.map((r) => (r.ok ? r.answer : undefined)))).map((a) => a?.state)).to.deep.equal(new Array(5).fill('processed'));
      // Let P's jobs come back after their wait at least once more.
      while (commits.reduce((n, c) => n + c.pWaits, 0) < 40) await new Promise((r) => setTimeout(r, 5));
      const waited = commits.filter((c) => c.pWaits > 0);
      expect(waited.some((c) => c.pWaits >= 5), JSON.stringify(commits)).to.equal(true);
      for (const c of waited) expect(c.pClaims, JSON.stringify(commits)).to.equal(1);
      releaseHead();
      const answers = await Promise.all(rs.map((r) => (r.ok ? r.answer : Promise.reject(new Error('not stored')))));
      expect(answers.every((a) => a.state === 'processed')).to.equal(true);
      const pOrder = order.filter((n) => n.startsWith('P'));
      expect(pOrder).to.deep.equal(Array.from({ length: 21 }, (_, k) => `P${k + 1}`));
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });
});
