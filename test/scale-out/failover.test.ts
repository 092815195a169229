/**
 * A database failover under traffic loses nothing acknowledged. The failover here is a restart in
 * place: the PostgreSQL server is stopped hard (`pg_ctl stop -m immediate`: every backend killed,
 * no checkpoint, crash recovery from the WAL at the next start) in the middle of a run and started
 * again on the same data directory and port. A cluster of its own with the server's durable
 * defaults (fsync and synchronous_commit on), as in production: an ACK leaves only after the WAL of
 * its commit is flushed.
 *
 * Four senders, each on its own connection, send numbered ADT messages in original mode and, like
 * real MLLP senders, resend a message until it gets an ACK (reconnecting when the connection
 * drops). Checked: every message that got AA is stored once and processed once (one attempt)
 * after the restart; the gateway was not restarted (its pool reconnected by itself); while the
 * server was down nothing got a positive ACK.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { MllpClient, adt, msa, startTest, tempDir } from '../support/gateway.js';
import { describeOn } from '../support/engine.js';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import type { Gateway } from '../../src/gateway.js';

describeOn('postgres', 'scale-out: a database failover (hard stop and restart in place) under traffic', function () {
  this.timeout(240_000);
  let cluster: PgCluster;
  let gw: Gateway;
  let tmp: ReturnType<typeof tempDir>;

  before(async () => {
    cluster = await startPgCluster({ durable: true });
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'unused.db'), {
      store: { path: join(tmp.dir, 'unused.db'), url: `${cluster.url}?statement_timeout=5000&schema=failover` },
      // A message whose processing commit was lost with the server is taken over once it is back.
      processing: { maxAttempts: 3, takeoverAfterMs: 1000 },
      channels: [{ name: 'registration', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }],
    });
  });
  after(async () => {
    await gw?.close().catch(() => undefined);
    cluster?.destroy();
    tmp?.cleanup();
  });

  it('every message that got AA is stored and processed exactly once; nothing got AA while the server was down; the gateway reconnects by itself', async () => {
    const port = gw.mllp[0]!.address().port;
    const senders = 4;
    const perSender = 40;
    let acked = 0;
    let down = false;
    let ackedWhileDown = 0;
    let retries = 0;
    const ackedIds = new Set<string>();

    const sender = async (s: number) => {
      let c: MllpClient | undefined;
      for (let i = 0; i < perSender; i++) {
        const controlId = `FO${s}-${i}`;
        const text = adt(controlId, { mrn: `FO${s}`, event: i === 0 ? 'A04' : 'A08', family: `Family${i}` });
        const deadline = Date.now() + 120_000;
        for (;;) {
          expect(Date.now(), `${controlId} acknowledged in time`).to.be.below(deadline);
          try {
            c ??= await MllpClient.connect(port);
            const ack = await Promise.race([c.roundTrip(text), new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
            if (ack !== undefined && msa(ack).code === 'AA') {
              if (down) ackedWhileDown++;
              ackedIds.add(controlId);
              acked++;
              break;
            }
            expect(ack === undefined ? undefined : msa(ack).code, `${controlId}: no ACK or AA, never another code`).to.equal(undefined);
          } catch (e) {
            if ((e as Error).name === 'AssertionError') throw e;
          }
          // No ACK: the connection was dropped (or timed out); reconnect and send the same message again.
          retries++;
          c?.close();
          c = undefined;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      c?.close();
    };

    const run = Promise.all(Array.from({ length: senders }, (_, s) => sender(s)));
    // Mid-run: a hard stop of the server, two seconds down, then a start on the same data.
    while (acked < (senders * perSender) / 3) await new Promise((r) => setTimeout(r, 10));
    const ackedBefore = acked;
    down = true;
    cluster.stop('immediate');
    await new Promise((r) => setTimeout(r, 2000));
    const health = await fetch(`${gw.http.url}/health`, { headers: { connection: 'close' } });
    expect(health.status, '/health while the server is down').to.equal(503);
    down = false;
    cluster.start();
    await run;

    expect(ackedWhileDown, 'AAs received while the server was down').to.equal(0);
    expect(ackedBefore).to.be.greaterThan(0);
    expect(retries, 'some sends were not acknowledged and were sent again').to.be.greaterThan(0);
    expect(ackedIds.size).to.equal(senders * perSender);
    expect((await fetch(`${gw.http.url}/health`, { headers: { connection: 'close' } })).status).to.equal(200);

    // Every acknowledged message: stored once, processed once (the takeover sweep finishes any whose
    // processing commit was lost with the server).
    const rows = async () => gw.store.messages.list({ limit: 1000 });
    for (let i = 0; i < 60 && (await rows()).some((m) => m.state !== 'processed'); i++) await new Promise((r) => setTimeout(r, 500));
    const all = await rows();
    const byControlId = new Map<string, number>();
    for (const m of all) byControlId.set(m.controlId!, (byControlId.get(m.controlId!) ?? 0) + 1);
    for (const id of ackedIds) expect(byControlId.get(id), `${id} stored once`).to.equal(1);
    expect(all.length, 'nothing stored that no sender sent').to.equal(senders * perSender);
    for (const m of all) {
      expect(m.state, `${m.controlId} processed`).to.equal('processed');
      expect((await gw.store.processing.attemptsOf(m.id)).length, `${m.controlId} processed once`).to.equal(1);
    }
    // Per patient, the Patient kept is the last message's (each sender's messages processed in order).
    const patients = await gw.store.resources.listOfType<{ resourceType: 'Patient'; name?: Array<{ family?: string }> }>('Patient');
    expect(patients.map((p) => p.name?.[0]?.family)).to.deep.equal(Array.from({ length: senders }, () => `Family${perSender - 1}`));
  });
});
