/**
 * #17, ACK latency: a processing commit does not start while frames stored by an earlier commit
 * wait for that commit's fsync; it waits for it once, so those frames' commit ACKs are not held
 * behind a processing run (src/runtime/pipeline.ts, mayProcess). Store-then-ACK is unchanged: the
 * commit ACK still comes only after the fsync.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { describeOn } from '../support/engine.js';
import { adt, msa, startTest, tempDir } from '../support/gateway.js';
import { faultWalSync, sqliteDb } from '../support/sqlite.js';

const turns = async (n: number) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

describeOn('sqlite', 'runtime (SQLite): commit ACKs before processing', () => {
  it('a message ready for processing waits while a later frame\'s commit is syncing; the frame is acknowledged first, then the message is processed', async () => {
    const tmp = tempDir();
    // Processing of E1 is held by the test hook until released (so it becomes ready exactly while E2's fsync runs).
    let releaseE1!: () => void;
    const e1Ready = new Promise<void>((r) => { releaseE1 = r; });
    let firstId: number | undefined;
    const gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }] }, {
      noHttp: true,
      hooks: { afterCommit: (id) => { firstId ??= id; return id === firstId ? e1Ready : Promise.resolve(); } },
    });
    try {
      const channel = gw.pipeline.channel('reg');
      const inbound = (raw: string) => ({ channel, source: 'mllp' as const, contentType: 'hl7v2' as const, raw });
      const e1 = await gw.pipeline.receive(inbound(adt('E1', { mrn: 'P1', msh15: 'AL', msh16: 'NE' })));
      expect(e1.ok).to.equal(true);
      if (!e1.ok) return;
      expect(msa(e1.commitAck).code).to.equal('CA');
      let release!: () => void;
      const fault = faultWalSync(gw.store, { gate: new Promise<void>((r) => { release = r; }) });
      const order: string[] = [];
      const e2 = gw.pipeline.receive(inbound(adt('E2', { mrn: 'P2', msh15: 'AL', msh16: 'NE' }))).then((r) => { order.push('E2 acknowledged'); return r; });
      // E2 is committed, its fsync held.
      const db = sqliteDb(gw.store);
      for (let i = 0; i < 200 && !db.prepare("SELECT 1 FROM messages WHERE control_id = 'E2'").get(); i++) await turns(1);
      expect(fault.calls(), 'E2\'s fsync runs').to.be.at.least(1);
      releaseE1();
      const e1Answer = e1.answer.then((a) => { order.push('E1 processed'); return a; });
      await turns(50);
      await new Promise((r) => setTimeout(r, 30));
      // Read on the connection (not through the store, which would wait for the fsync): E1's processing has not run.
      expect((db.prepare('SELECT state FROM messages WHERE id = ?').get(e1.id) as { state: string }).state, 'E1 while E2 syncs').to.equal('received');
      expect(order).to.deep.equal([]);
      release();
      const r2 = await e2;
      expect(r2.ok && msa(r2.commitAck).code).to.equal('CA');
      expect((await e1Answer).state).to.equal('processed');
      expect(order).to.deep.equal(['E2 acknowledged', 'E1 processed']);
      fault.restore();
      // And E2 is processed as usual.
      expect(r2.ok && (await r2.answer).state).to.equal('processed');
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });
});
