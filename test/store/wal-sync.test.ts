/**
 * SQLite: a transaction's fsync runs off the event loop (src/store/sqlite/wal-sync.ts). What must
 * hold: transaction() resolves only once its WAL fsync is done (a failing fsync rejects it, so the
 * caller acknowledges nothing), the next transaction may commit meanwhile (onCommit), reads outside
 * a transaction wait for the fsync of what they could see, and the connection stays
 * synchronous=FULL for statements of their own.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { WalSync } from '../../src/store/sqlite/wal-sync.js';
import { newMessage, tempStore, type TempStore } from './helpers.js';
import { describeOn } from '../support/engine.js';
import { AUDIT_IDLE_MS, openSqliteStore } from '../../src/store/sqlite/store.js';
import { faultWalSync, sqliteDb } from '../support/sqlite.js';
import { tempDir } from '../support/gateway.js';

describeOn('sqlite', 'store (SQLite): the fsync of a commit runs off the event loop', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('resolves a transaction only after its WAL fsync; the next one commits meanwhile; a read outside waits for it', async () => {
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('warm')));
    let release!: () => void;
    const fault = faultWalSync(t.store, { gate: new Promise<void>((r) => { release = r; }) });
    const order: string[] = [];
    const first = t.store.transaction(async (tx) => tx.messages.insert(newMessage('A')), { onCommit: () => order.push('A committed') }).then(() => order.push('A durable'));
    const second = t.store.transaction(async (tx) => tx.messages.insert(newMessage('B')), { onCommit: () => order.push('B committed') }).then(() => order.push('B durable'));
    const read = t.store.messages.count().then((n) => order.push(`read ${n}`));
    await new Promise((r) => setTimeout(r, 50));
    expect(order).to.deep.equal(['A committed', 'B committed']);
    expect(sqliteDb(t.store).pragma('synchronous', { simple: true }), 'FULL outside transactions').to.equal(2);
    release();
    await Promise.all([first, second, read]);
    expect(order.slice(2).sort()).to.deep.equal(['A durable', 'B durable', 'read 3']);
    expect(fault.calls()).to.equal(2);
    fault.restore();
  });

  it('still takes the fsync off the event loop after an audit row was recorded outside a transaction (#17: both read the synchronous level through one cached statement)', async () => {
    await t.store.audit.record({ at: '2026-12-01T10:00:00.000Z', actor: 'ehr', actorKind: 'api-key', clientAddress: '10.0.0.7', action: 'read', entity: 'Patient/p1',
      query: null, method: 'GET', path: '/fhir/Patient/p1', status: 200, outcome: 'success', detail: null });
    const fault = faultWalSync(t.store, {});
    let inside: unknown;
    await t.store.transaction(async (tx) => {
      tx.messages.insert(newMessage('after-audit'));
      inside = sqliteDb(t.store).pragma('synchronous', { simple: true });
    });
    expect(inside, 'NORMAL inside: the COMMIT leaves the fsync to the thread pool').to.equal(1);
    expect(fault.calls(), 'the WAL fsync off the event loop').to.equal(1);
    expect(sqliteDb(t.store).pragma('synchronous', { simple: true }), 'FULL again outside').to.equal(2);
    fault.restore();
  });

  it('rejects the transaction when its fsync fails (nothing may be acknowledged), and works again once the fsync does', async () => {
    const fault = faultWalSync(t.store, { error: new Error('EIO: i/o error, fsync') });
    const failed = await t.store.transaction(async (tx) => tx.messages.insert(newMessage('A'))).then(() => 'resolved', (e: Error) => e.message);
    expect(failed).to.match(/EIO/);
    fault.restore();
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('B')));
    expect(await t.store.messages.count()).to.equal(2);
  });

  it('two fsyncs in flight: a commit made while one runs starts a second at once; one made while two run waits for the next (which every such commit shares)', async () => {
    const tmp = tempDir();
    try {
      const ws = new WalSync(join(tmp.dir, 'missing-wal'));
      const a = await ws.sync().then(() => 'ok', (e: Error) => (e as NodeJS.ErrnoException).code);
      expect(a, 'a WAL file that cannot be opened fails the fsync').to.equal('ENOENT');
      const file = join(tmp.dir, 'x-wal');
      (await import('node:fs')).writeFileSync(file, 'x');
      const w2 = new WalSync(file);
      const p1 = w2.sync();
      const p2 = w2.sync();
      const p3 = w2.sync();
      const p4 = w2.sync();
      expect(p1).to.not.equal(p2);
      expect(p2, 'a commit made while one fsync runs starts its own').to.not.equal(p3);
      expect(p3, 'commits made while two run share the next').to.equal(p4);
      await Promise.all([p1, p2, p3, p4]);
      await w2.close();
    } finally {
      tmp.cleanup();
    }
  });

  /**
   * Runs `body` with a WalSync (on a WAL file in a temp dir) whose fdatasync calls each wait for the
   * test to end them (in any order, each with success or an error); closes it and the dir after.
   */
  const withGated = async (body: (g: { ws: WalSync; calls: Array<{ end: (error?: Error) => void }> }) => Promise<void>) => {
    const tmp = tempDir();
    try {
      const ws = new WalSync(join(tmp.dir, 'x-wal'));
      const calls: Array<{ end: (error?: Error) => void }> = [];
      (ws as unknown as { fsync: () => Promise<void> }).fsync = () => new Promise<void>((resolve, reject) => {
        calls.push({ end: (error) => (error ? reject(error) : resolve()) });
      });
      await body({ ws, calls });
      await ws.close();
    } finally {
      tmp.cleanup();
    }
  };
  const state = (p: Promise<void>) => {
    const s = { v: 'pending' };
    p.then(() => { s.v = 'durable'; }, (e: Error) => { s.v = `failed: ${e.message}`; });
    return s;
  };
  const turns = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

  it('in order: the second fsync returning first does not make its commit durable before the first returns; a reader waits for both', async () => {
    await withGated(async ({ ws, calls }) => {
      const a = state(ws.sync());
      const b = state(ws.sync());
      expect(calls.length, 'both fsyncs run').to.equal(2);
      const reader = state(ws.pending()!);
      calls[1]!.end();
      await turns();
      expect([a.v, b.v, reader.v]).to.deep.equal(['pending', 'pending', 'pending']);
      calls[0]!.end();
      await turns();
      expect([a.v, b.v, reader.v]).to.deep.equal(['durable', 'durable', 'durable']);
    });
  });

  it('all or nothing: when the first fsync fails, a second that began beside it and succeeded fails too; later ones work again', async () => {
    await withGated(async ({ ws, calls }) => {
      const a = state(ws.sync());
      const b = state(ws.sync());
      const c = state(ws.sync());
      expect(calls.length, 'the third waits for a free slot').to.equal(2);
      calls[1]!.end();
      calls[0]!.end(new Error('EIO: i/o error, fsync'));
      await turns();
      expect(a.v).to.equal('failed: EIO: i/o error, fsync');
      expect(b.v, 'began beside the failed one').to.equal('failed: EIO: i/o error, fsync');
      expect(calls.length, 'the third started once a slot was free').to.equal(3);
      calls[2]!.end();
      await turns();
      // It began (when the second returned) while the failed one still ran: it fails with it.
      expect(c.v, 'began while the failed one ran').to.equal('failed: EIO: i/o error, fsync');
      const d = state(ws.sync());
      calls[3]!.end();
      await turns();
      expect(d.v, 'began after every one of them ended').to.equal('durable');
    });
  });
});

describeOn('sqlite', 'store (SQLite): a commit nobody waits to see durable asks for no fsync of its own (durableLater)', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('resolves at its COMMIT; the next transaction\'s fsync covers it, and a read outside waits for that', async () => {
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('warm')));
    let release!: () => void;
    const fault = faultWalSync(t.store, { gate: new Promise<void>((r) => { release = r; }) });
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('L')), { durableLater: true });
    expect(fault.calls(), 'no fsync asked for by the lazy commit').to.equal(0);
    const order: string[] = [];
    const next = t.store.transaction(async (tx) => tx.messages.insert(newMessage('N'))).then(() => order.push('N durable'));
    const read = t.store.messages.count().then((n) => order.push(`read ${n}`));
    await new Promise((r) => setTimeout(r, 50));
    expect(order, 'nothing read or resolved before the fsync').to.deep.equal([]);
    expect(fault.calls(), 'one fsync, after both commits, covers both').to.equal(1);
    release();
    await Promise.all([next, read]);
    expect(order.sort()).to.deep.equal(['N durable', 'read 3']);
    expect(fault.calls()).to.equal(1);
    fault.restore();
  });

  it('a read outside a transaction starts the fsync it owes; so does the timer when nothing asks', async () => {
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('warm')));
    const fault = faultWalSync(t.store, { error: new Error('EIO: i/o error, fsync') });
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('L1')), { durableLater: true });
    const read = await t.store.messages.count().then(() => 'read', (e: Error) => e.message);
    // The reader waits for the fsync (a failed one is the store's failure, seen by the next commit too).
    expect(fault.calls(), 'the read asked for the owed fsync').to.equal(1);
    expect(read, 'a reader is not failed by it (as before)').to.equal('read');
    fault.restore();
    const timed = faultWalSync(t.store, {});
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('L2')), { durableLater: true });
    expect(timed.calls()).to.equal(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(timed.calls(), 'the timer fsyncs what no one asked for').to.equal(1);
    timed.restore();
  });

  it('close fsyncs a commit still owed one', async () => {
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('warm')));
    const fault = faultWalSync(t.store, {});
    await t.store.transaction(async (tx) => tx.messages.insert(newMessage('L')), { durableLater: true });
    await t.store.close();
    expect(fault.calls()).to.equal(1);
  });
});

describeOn('sqlite', 'runtime (SQLite): a group commit whose fsync fails acknowledges nothing', () => {
  it('answers no frame of the failed commit (no CA, no AA), then recovers when the disk does: new frames and resends are answered', async () => {
    const { startTest, adt, msa } = await import('../support/gateway.js');
    const tmp = tempDir();
    const gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }] }, { noHttp: true });
    try {
      const channel = gw.pipeline.channel('reg');
      const inbound = (raw: string) => ({ channel, source: 'mllp' as const, contentType: 'hl7v2' as const, raw });
      await gw.pipeline.receive(inbound(adt('W0', { mrn: 'W0' })));
      const fault = faultWalSync(gw.store, { error: new Error('EIO: i/o error, fsync') });
      // Frames arriving together share one commit: enhanced (CA) and original mode alike.
      const failed = await Promise.all([
        gw.pipeline.receive(inbound(adt('F1', { mrn: 'F1', msh15: 'AL', msh16: 'NE' }))),
        gw.pipeline.receive(inbound(adt('F2', { mrn: 'F2' }))),
        gw.pipeline.receive(inbound(adt('F3', { mrn: 'F3', msh15: 'AL', msh16: 'AL' }))),
      ]);
      expect(failed.map((r) => r.ok), 'no frame of the failed commit is acknowledged').to.deep.equal([false, false, false]);
      expect(gw.metrics.get('store_failures', 'reg')).to.equal(3);
      fault.restore();
      const fresh = await gw.pipeline.receive(inbound(adt('N1', { mrn: 'N1', msh15: 'AL', msh16: 'AL' })));
      expect(fresh.ok).to.equal(true);
      if (!fresh.ok) return;
      expect(msa(fresh.commitAck).code).to.equal('CA');
      expect(msa((await fresh.answer).ack).code).to.equal('AA');
      // The senders resend what got no ACK: each is answered (from the row, if it had reached the file).
      for (const [id, opts] of [['F1', { msh15: 'AL', msh16: 'NE' }], ['F2', {}], ['F3', { msh15: 'AL', msh16: 'AL' }]] as const) {
        const r = await gw.pipeline.receive(inbound(adt(id, { mrn: id, ...opts })));
        expect(r.ok, id).to.equal(true);
        if (!r.ok) continue;
        const a = await r.answer;
        expect(a.state, id).to.equal('processed');
        if (id !== 'F2') expect(msa(r.commitAck).code, id).to.equal('CA');
      }
      expect((await gw.store.messages.list()).filter((m) => ['F1', 'F2', 'F3'].includes(m.controlId ?? '')), 'each stored once').to.have.length(3);
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });
});

describeOn('sqlite', 'store (SQLite): WAL checkpoints run in a worker thread, not in a COMMIT', () => {
  it('once the WAL passes 1 MB the connection stops checkpointing itself and a worker copies the WAL into the database file; close stops it', async () => {
    const t = tempStore();
    try {
      const db = sqliteDb(t.store);
      expect(db.pragma('wal_autocheckpoint', { simple: true }), 'SQLite default before').to.equal(1000);
      const { statSync } = await import('node:fs');
      const before = statSync(t.path).size;
      const body = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 40; i++) await t.store.transaction(async (tx) => tx.messages.insert({ ...newMessage(`C${i}`), raw: body }));
      expect(db.pragma('wal_autocheckpoint', { simple: true }), 'the worker checkpoints now').to.equal(0);
      // The worker's PASSIVE checkpoints copy the committed pages into the database file.
      let grown = false;
      for (let i = 0; i < 100 && !grown; i++) {
        await new Promise((r) => setTimeout(r, 20));
        grown = statSync(t.path).size > before + 1024 * 1024;
      }
      expect(grown, 'the database file received the WAL pages').to.equal(true);
      expect(await t.store.messages.count()).to.equal(40);
    } finally {
      await t.close();
    }
  });

  /** A store on a fresh file with a 4 MB WAL limit (the tests write ten times that), and its WAL file's size. */
  const limitedStore = async (prefix: string) => {
    const { mkdtempSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const path = join(dir, 'fd.db');
    const limit = 4 << 20;
    return { dir, path, limit, store: openSqliteStore(path, { walLimitBytes: limit }), wal: () => statSync(`${path}-wal`).size };
  };

  it('writes that never pause keep the WAL bounded: past the limit a checkpoint takes all of it and the file starts again from its start, not emptied (in the worker, not on the event loop)', async () => {
    const { dir, path, limit, store, wal } = await limitedStore('fd-wal-limit-');
    try {
      const body = 'x'.repeat(64 * 1024);
      let largest = 0;
      /** The smallest file seen once it had passed 3/4 of the limit: reused in place, never emptied (#17: a TRUNCATE held writes ~30 ms). */
      let smallestAfter = Infinity;
      // The connection (on the event loop) never checkpoints: the worker's does it while the store holds its writes.
      const db = sqliteDb(store);
      const pragma = db.pragma.bind(db);
      let onLoop = 0;
      db.pragma = ((source: string, options?: { simple?: boolean }) => {
        if (/wal_checkpoint/i.test(source)) onLoop++;
        return pragma(source, options);
      }) as typeof db.pragma;
      // ~40 MB in back-to-back transactions (ten times the limit), with no pause for a checkpoint
      // to take all of the WAL; without the limit the file grows with every write.
      // Transactions queued ahead (as intake's group commits are under load): the next one begins
      // as soon as the last one's COMMIT is made, while its fsync runs.
      for (let i = 0; i < 600; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, k) => store.transaction(async (tx) => {
          tx.messages.insert({ ...newMessage(`L${i + k}`), raw: body });
          const size = wal();
          if (largest > (limit * 3) / 4) smallestAfter = Math.min(smallestAfter, size);
          largest = Math.max(largest, size);
        })));
      }
      expect(largest, 'largest WAL file seen').to.be.below(limit * 3);
      expect(smallestAfter, 'smallest WAL file seen after it passed 3/4 of the limit').to.be.at.least((limit * 3) / 4);
      expect(onLoop, 'checkpoints made by the connection').to.equal(0);
      expect(await store.messages.count()).to.equal(600);
    } finally {
      await store.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the WAL\'s frame count after a commit only once the file is past half the limit (#17: two reads per commit on the event loop)', async () => {
    const { dir, limit, store, wal } = await limitedStore('fd-wal-frames-');
    try {
      const body = 'x'.repeat(64 * 1024);
      const cp = (store as unknown as { checkpointer: { walFrames: () => unknown } }).checkpointer;
      const walFrames = cp.walFrames.bind(cp);
      let reads = 0;
      cp.walFrames = () => { reads++; return walFrames(); };
      // ~1.2 MB: the worker starts; then small commits while the file stays under half the limit.
      await store.transaction(async (tx) => { for (let k = 0; k < 18; k++) tx.messages.insert({ ...newMessage(`S${k}`), raw: body }); });
      for (let k = 0; k < 5; k++) await store.transaction(async (tx) => { tx.messages.insert(newMessage(`s${k}`)); });
      expect(wal()).to.be.below(limit / 2);
      expect(reads, 'frame reads under half the limit').to.equal(0);
      // Past half the limit, under the limit (~2.4 MB more in one commit: whether the WAL started again
      // from its beginning or not, the file is then between the two): read at each commit.
      await store.transaction(async (tx) => { for (let k = 0; k < 34; k++) tx.messages.insert({ ...newMessage(`M${k}`), raw: body }); });
      expect(wal()).to.be.above(limit / 2).and.below(limit);
      const before = reads;
      await store.transaction(async (tx) => { tx.messages.insert(newMessage('after')); });
      expect(reads - before, 'frame reads past half the limit').to.equal(1);
      expect(await store.messages.count()).to.equal(58);
    } finally {
      await store.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one large transaction past the limit is copied by the worker, not by a TRUNCATE on the event loop; the next write starts the file again, cut back to the limit', async () => {
    const { dir, path, limit, store, wal } = await limitedStore('fd-wal-large-');
    try {
      const body = 'x'.repeat(64 * 1024);
      // 2 MB: the worker starts.
      await store.transaction(async (tx) => { for (let k = 0; k < 32; k++) tx.messages.insert({ ...newMessage(`S${k}`), raw: body }); });
      // ~10 MB in one transaction (as a 10,000-OBX ORU's processing commit is, at scale).
      await store.transaction(async (tx) => { for (let k = 0; k < 160; k++) tx.messages.insert({ ...newMessage(`B${k}`), raw: body }); });
      expect(wal(), 'the WAL right after the large commit (a TRUNCATE would have emptied it)').to.be.above(limit);
      // Until all of it is copied (the worker does it; the check is a PASSIVE checkpoint too, it takes nothing the worker left).
      const db = sqliteDb(store);
      // Up to 30 s: on a loaded 2-core machine copying 10 MB and its fsync took more than the 5 s this waited before.
      let copied = false;
      for (let i = 0; i < 600 && !copied; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
        copied = !!r && r.log === r.checkpointed;
      }
      expect(copied, 'the worker copied the whole WAL').to.equal(true);
      // A write starts the WAL again only if its read snapshot needed none of the WAL (read mark 0);
      // a worker checkpoint running at that moment holds that mark for an instant, and the write
      // then appends instead (seen under load). So a following write restarts it: at most a few.
      let small = 0;
      do {
        await store.transaction(async (tx) => { tx.messages.insert({ ...newMessage(`N${++small}`), raw: 'small' }); });
        if (wal() > limit) await new Promise((r) => setTimeout(r, 50));
      } while (wal() > limit && small < 20);
      expect(wal(), `the WAL after ${small} small commit(s)`).to.be.at.most(limit);
      expect(await store.messages.count()).to.equal(192 + small);
      // Once more from the start of the file: a transaction a little larger than the limit grows the
      // file (kept at the limit) by less than a quarter of it, yet all of it is this commit's, and
      // left to the worker too (#17: taken for steady writes, it was TRUNCATEd on the event loop).
      await store.transaction(async (tx) => { for (let k = 0; k < 68; k++) tx.messages.insert({ ...newMessage(`R${k}`), raw: body }); });
      expect(wal(), 'the WAL right after the second large commit (a TRUNCATE would have emptied it)').to.be.above(limit);
    } finally {
      await store.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A store on a fresh file whose checkpointer asks the worker at most once per `intervalMs`, and the worker checkpoints asked for and finished. */
  const pacedStore = async (prefix: string, intervalMs: number) => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const store = openSqliteStore(join(dir, 'fd.db'), { checkpointIntervalMs: intervalMs });
    const cp = () => (store as unknown as { checkpointer: { asked: number; finished: number } }).checkpointer;
    return { dir, store, asked: () => cp().asked, finished: () => cp().finished };
  };

  it('asks the worker for at most one checkpoint per interval, not one per commit (#17: a pass and two fsyncs per group commit)', async () => {
    const { dir, store, asked } = await pacedStore('fd-wal-paced-', 60_000);
    try {
      const body = 'x'.repeat(64 * 1024);
      // 2 MB: the worker starts, and the first checkpoint is asked for at once.
      await store.transaction(async (tx) => { for (let k = 0; k < 32; k++) tx.messages.insert({ ...newMessage(`S${k}`), raw: body }); });
      expect(asked(), 'the first checkpoint').to.equal(1);
      for (let i = 0; i < 40; i++) await store.transaction(async (tx) => tx.messages.insert(newMessage(`P${i}`)));
      expect(asked(), 'checkpoints asked for over 40 more commits within the interval').to.equal(1);
      expect(await store.messages.count()).to.equal(72);
    } finally {
      await store.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });

  it('commits made within the interval get the pass the interval\'s timer starts, with no later commit', async () => {
    const { dir, store, asked, finished } = await pacedStore('fd-wal-timer-', 200);
    try {
      const body = 'x'.repeat(64 * 1024);
      await store.transaction(async (tx) => { for (let k = 0; k < 32; k++) tx.messages.insert({ ...newMessage(`S${k}`), raw: body }); });
      expect(asked(), 'the first checkpoint').to.equal(1);
      // Right after the first pass was asked for: these commits fall within its interval.
      for (let i = 0; i < 5; i++) await store.transaction(async (tx) => tx.messages.insert({ ...newMessage(`T${i}`), raw: body }));
      // Nothing commits from here on: the timer asks for the pass that takes them (up to 30 s on a loaded machine).
      for (let i = 0; i < 600 && finished() < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(finished(), 'a second pass, asked for by the timer, finished').to.be.at.least(2);
    } finally {
      await store.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });

  it('audit rows alone (a gateway answering only reads) have the worker checkpoint: not in an audit row\'s COMMIT, and once they pause the WAL is written from its start again', async () => {
    const t = tempStore();
    const { statSync } = await import('node:fs');
    const row = (i: number) => ({ at: new Date(Date.UTC(2026, 11, 7, 0, 0, i)).toISOString(), actor: 'ehr', actorKind: 'api-key' as const, clientAddress: '10.0.0.7', action: 'search', entity: 'Patient', query: `identifier=urn:mrn|${i}`, method: 'GET', path: '/fhir/Patient', status: 200, outcome: 'success' as const, detail: null });
    const wal = () => statSync(`${t.path}-wal`).size;
    const settle = async () => { await new Promise((r) => setTimeout(r, AUDIT_IDLE_MS + 300)); };
    try {
      const db = sqliteDb(t.store);
      for (let i = 0; i < 300; i++) await t.store.audit.record(row(i));
      expect(db.pragma('wal_autocheckpoint', { simple: true }), 'the worker checkpoints, not an audit row\'s COMMIT').to.equal(0);
      await settle();
      for (let i = 300; i < 1300; i++) await t.store.audit.record(row(i));
      await settle();
      const first = wal();
      // Each row adds its pages (16 KB or more): without checkpoints 1,000 more would double the file.
      for (let i = 1300; i < 2300; i++) await t.store.audit.record(row(i));
      expect(wal(), `WAL bytes (${first} after the first 1,000 rows)`).to.be.below(first * 1.3);
      expect(await t.store.audit.count()).to.equal(2300);
    } finally {
      await t.close();
    }
  });
});
