/**
 * Large messages off the event loop (#17): an HL7v2 message of processing.offloadBytes or more is
 * parsed, mapped and validated in a worker thread, so the gateway keeps answering (HTTP /health,
 * other channels) while it runs, and the outcome is the same as processing it in the commit.
 * Ordering is asserted, never timings.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import { oruR01 } from '../../bench/messages.js';
import { MllpClient, msa, originalAckMode, startTest, tempDir } from '../support/gateway.js';

/** Enhanced mode (MSH-15 AL, MSH-16 AL): a CA once committed, the AA once processed. */
function enhanced(text: string): string {
  const [first, ...rest] = text.split('\r');
  const f = first!.split('|');
  while (f.length < 16) f.push('');
  f[14] = 'AL';
  f[15] = 'AL';
  return [f.join('|'), ...rest].join('\r');
}

function withControlId(text: string, id: string): string {
  const [first, ...rest] = text.split('\r');
  const f = first!.split('|');
  f[9] = id;
  return [f.join('|'), ...rest].join('\r');
}

describe('runtime/offload: large messages are processed off the event loop', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  const clients: MllpClient[] = [];

  const start = async (processing: Record<string, unknown>) => {
    gw = await startTest(join(tmp.dir, `fd-${Math.random().toString(36).slice(2)}.db`), {
      mllp: { host: '127.0.0.1', maxFrameBytes: 16 * 1024 * 1024, frameTimeoutMs: 30_000, idleTimeoutMs: 60_000 },
      processing: { maxAttempts: 3, ...processing },
      channels: [
        { name: 'labs', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] },
        { name: 'labs-2', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] },
      ],
    });
    return gw;
  };
  const connect = async (i: number) => {
    const c = await MllpClient.connect(gw!.mllp[i]!.address().port);
    clients.push(c);
    return c;
  };

  beforeEach(() => { tmp = tempDir(); });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await gw?.close();
    gw = undefined;
    tmp.cleanup();
  });

  it('a 2,000-OBX ORU in progress: /health and another channel are answered before its application ACK', async () => {
    await start({ offloadBytes: 64 * 1024 });
    const big = enhanced(withControlId(oruR01(2000), 'BIG-1'));
    expect(big.length).to.be.greaterThan(64 * 1024);
    const order: string[] = [];
    const lab = await connect(0);
    lab.send(big);
    expect(msa(await lab.next())).to.deep.equal({ code: 'CA', controlId: 'BIG-1' });
    // Committed; its processing runs now. The event loop must stay free for the HTTP API and the other channel.
    const appAck = lab.next().then((a) => { order.push('big AA'); return a; });
    const health = fetch(`${gw!.http!.url}/health`).then(async (r) => { order.push('health'); return r.status; });
    const other = await connect(1);
    // Another patient's: a message of the same patient would wait for the big one (per-patient order).
    const small = other.roundTrip(originalAckMode(withControlId(oruR01(3), 'SMALL-1').replace('MRN00012345', 'MRN00099999'))).then((a) => { order.push('other channel AA'); return a; });
    expect(await health).to.equal(200);
    expect(msa(await small).code).to.equal('AA');
    expect(msa(await appAck)).to.deep.equal({ code: 'AA', controlId: 'BIG-1' });
    expect(order).to.deep.equal(['health', 'other channel AA', 'big AA']);
    expect(await gw!.store.resources.count('Observation')).to.be.at.least(2000);
  });

  it('gives the same outcome off the event loop as in the commit, and keeps a channel\'s arrival order', async () => {
    const run = async (offloadBytes: number) => {
      await start({ offloadBytes });
      const c = await connect(0);
      // Big then small on two connections of one channel: the small one waits for the big one's processing.
      const c2 = await connect(0);
      c.send(originalAckMode(withControlId(oruR01(600), 'SAME-BIG')));
      // The big one is committed before the small one is sent (it is the first row).
      while ((await gw!.store.messages.count()) < 1) await new Promise((r) => setTimeout(r, 5));
      const small = await c2.roundTrip(originalAckMode(withControlId(oruR01(2), 'SAME-SMALL')));
      const bigAck = await c.next();
      const rows = await gw!.store.messages.list();
      const big = (await gw!.store.messages.get(rows.find((r) => r.controlId === 'SAME-BIG')!.id))!;
      const attempts = await gw!.store.processing.attemptsOf(big.id);
      const processedOrder = (await Promise.all(rows.map(async (r) => [r.controlId, (await gw!.store.messages.get(r.id))!.processedAt] as const)))
        .sort((a, b) => (a[1]! < b[1]! ? -1 : 1)).map((r) => r[0]);
      const out = { bigAck: msa(bigAck).code, small: msa(small).code, state: big.state, issues: big.issues, outputs: big.outputs, observations: await gw!.store.resources.count('Observation'), attempts: attempts.length, processedOrder };
      for (const x of clients.splice(0)) x.close();
      await gw!.close();
      gw = undefined;
      return out;
    };
    const inline = await run(0);
    const offloaded = await run(64 * 1024);
    expect(offloaded.bigAck).to.equal('AA');
    const { processedOrder: _a, ...sameInline } = inline;
    const { processedOrder: _b, ...sameOffloaded } = offloaded;
    expect(sameOffloaded).to.deep.equal(sameInline);
    expect(offloaded.processedOrder).to.deep.equal(['SAME-BIG', 'SAME-SMALL']);
  });
});
