/**
 * Start-up recovery behind the open listeners (#17): a backlog left 'received' by the last stop is
 * processed while the MLLP listener and /health already answer, ahead of new messages, and a new
 * message of a patient with recovered messages waiting is processed after them.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Hl7Message } from '../../src/hl7/message.js';
import { openTestStore, TEST_ENGINE } from '../support/engine.js';
import { contentHash, readHl7Header } from '../../src/runtime/intake-header.js';
import { adt, MllpClient, msa, registerTestFlow, startTest, tempDir } from '../support/gateway.js';

/** Holds the event loop for a while: each recovered message costs this much processing. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* a slow flow */ }
}

describe('runtime/recovery behind the listeners', () => {
  it('answers a new frame (commit ACK) and /health while the backlog is processed, and keeps a backlogged patient\'s new message behind its recovered ones', async function () {
    this.timeout(120_000);
    const tmp = tempDir();
    const { flow, remove } = registerTestFlow();
    const order: string[] = [];
    const run = flow.run.bind(flow);
    flow.run = (msg: Hl7Message, ctx) => {
      const controlId = msg.segment('MSH')!.get(10);
      order.push(controlId);
      // The backlog is slow (200 x 15 ms: seconds of processing); new messages are not.
      if (controlId.startsWith('B')) busy(15);
      return run(msg, ctx);
    };
    try {
      const dbPath = join(tmp.dir, 'fd.db');
      const store = openTestStore(dbPath);
      const backlog = 200;
      await store.transaction(async (tx) => {
        for (let i = 0; i < backlog; i++) {
          const raw = adt(`B${i}`, { mrn: `P${i % 10}` });
          // The patient as intake records it (PID-3.1): the per-patient claim reads it.
          const patientMrn = readHl7Header(raw).patientMrn;
          expect(patientMrn).to.equal(`P${i % 10}`);
          await tx.messages.insert({ channel: 'test-mllp', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId: `B${i}`, messageType: 'ADT^A04', ackMode: 'original', patientMrn });
        }
      });
      await store.close();

      const gw = await startTest(dbPath);
      try {
        const client = await MllpClient.connect(gw.mllp[0]!.address().port);
        // A new message for P9, whose last recovered message is the backlog's last one, in enhanced mode.
        client.send(adt('NEW-P9', { mrn: 'P9', msh15: 'AL', msh16: 'AL' }));
        const ca = await client.next();
        expect(msa(ca).code).to.equal('CA');
        const leftAtCommitAck = gw.recoveryLeft();
        expect(leftAtCommitAck, 'the commit ACK came while the backlog was still being processed').to.be.greaterThan(0);

        const health = await fetch(`${gw.http.url}/health`);
        expect(health.status).to.equal(200);
        const body = await health.json() as { status: string; recoveryLeft?: number; recovery?: string };
        expect(body.status).to.equal('ok');
        expect(body.recoveryLeft, '/health says how much is left').to.be.greaterThan(0);
        expect(body.recovery).to.match(/^recovering \d+ left$/);

        const aa = await client.next();
        expect(msa(aa).code).to.equal('AA');
        expect(await gw.recovery).to.deep.equal({ processed: backlog, failed: 0 });
        expect(gw.recoveryLeft()).to.equal(0);
        expect(((await (await fetch(`${gw.http.url}/health`)).json()) as { recoveryLeft?: number }).recoveryLeft).to.equal(undefined);

        // Every recovered message once, each patient's in its order (on SQLite the whole backlog in
        // its order; on PostgreSQL patients are spread over several transactions at once), and P9's
        // new message after all of P9's recovered ones.
        const recovered = order.filter((c) => c.startsWith('B'));
        const all = Array.from({ length: backlog }, (_, i) => `B${i}`);
        expect([...recovered].sort()).to.deep.equal([...all].sort());
        for (let p = 0; p < 10; p++) expect(recovered.filter((c) => Number(c.slice(1)) % 10 === p), `P${p}`).to.deep.equal(all.filter((c) => Number(c.slice(1)) % 10 === p));
        if (TEST_ENGINE === 'sqlite') expect(recovered).to.deep.equal(all);
        const newAt = order.indexOf('NEW-P9');
        expect(order.lastIndexOf('B199'), 'P9 recovered before its new message').to.be.lessThan(newAt);
        expect(order.filter((c) => c === 'NEW-P9')).to.have.length(1);
        client.close();
        expect(await gw.store.messages.list({ state: 'received', limit: 10 })).to.have.length(0);
      } finally {
        await gw.close();
      }
    } finally {
      remove();
      tmp.cleanup();
    }
  });

  it('finishes when a recovered message keeps failing: its patient\'s later recovered message goes on once it is failed', async function () {
    this.timeout(60_000);
    const tmp = tempDir();
    const { flow, remove } = registerTestFlow();
    const run = flow.run.bind(flow);
    const order: string[] = [];
    flow.run = (msg: Hl7Message, ctx) => {
      const controlId = msg.segment('MSH')!.get(10);
      order.push(controlId);
      if (controlId === 'X0') throw new Error('test flow exploded');
      return run(msg, ctx);
    };
    try {
      const dbPath = join(tmp.dir, 'fd.db');
      const store = openTestStore(dbPath);
      const ids: number[] = [];
      for (const controlId of ['X0', 'X1']) {
        const raw = adt(controlId, { mrn: 'PX' });
        ids.push(await store.messages.insert({ channel: 'test-mllp', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId, messageType: 'ADT^A04', ackMode: 'original', patientMrn: readHl7Header(raw).patientMrn }));
      }
      await store.close();
      const gw = await startTest(dbPath, {}, { noHttp: true });
      try {
        expect(await gw.recovery).to.deep.equal({ processed: 1, failed: 1 });
        // maxAttempts is 3 in the test config: X0 tried three times, then X1 once.
        expect(order).to.deep.equal(['X0', 'X0', 'X0', 'X1']);
        expect((await gw.store.messages.get(ids[0]!))!).to.deep.include({ state: 'failed', attempts: 3 });
        expect((await gw.store.messages.get(ids[1]!))!).to.deep.include({ state: 'processed', attempts: 1 });
      } finally {
        await gw.close();
      }
    } finally {
      remove();
      tmp.cleanup();
    }
  });
});
