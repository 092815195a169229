import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { Gateway } from '../../src/gateway.js';
import { encodeFrame } from '../../src/mllp/framing.js';
import { adt, errSegments, MllpClient, msa, registerTestFlow, startTest, tempDir, type TestFlow } from '../support/gateway.js';
import { sqliteDb } from '../support/sqlite.js';
import { startMllpListener, type MllpHandler, type MllpListener } from '../../src/mllp/listener.js';
import type { ChannelConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logging.js';
import { Metrics } from '../../src/runtime/metrics.js';

describe('mllp/listener on a real socket and a real SQLite file', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let flow: TestFlow;
  let remove: () => void;
  let port: number;
  const clients: MllpClient[] = [];

  const connect = async () => {
    const c = await MllpClient.connect(port);
    clients.push(c);
    return c;
  };

  async function start(mllp: Record<string, unknown> = {}): Promise<void> {
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      mllp: { host: '127.0.0.1', maxFrameBytes: 4096, frameTimeoutMs: 5000, idleTimeoutMs: 60_000, ...mllp },
    }, { noHttp: true });
    port = gw.mllp[0]!.address().port;
  }

  beforeEach(() => {
    tmp = tempDir();
    ({ flow, remove } = registerTestFlow());
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await gw?.close();
    remove();
    tmp.cleanup();
  });

  it('sends a message, gets the AA, and the row is in the store', async () => {
    await start();
    const c = await connect();
    const ack = await c.roundTrip(adt('M1'));
    expect(msa(ack)).to.deep.equal({ code: 'AA', controlId: 'M1' });
    const rows = await gw.store.messages.list();
    expect(rows).to.have.length(1);
    expect(rows[0]!.state).to.equal('processed');
    expect(rows[0]!.source).to.equal('mllp');
    expect(rows[0]!.peer).to.match(/^127\.0\.0\.1:\d+$/);
    expect((await gw.store.messages.get(rows[0]!.id))!.raw).to.equal(adt('M1'));
  });

  it('answers several messages on one connection in order', async () => {
    await start();
    const c = await connect();
    for (let i = 0; i < 5; i++) expect(msa(await c.roundTrip(adt(`S${i}`))).controlId).to.equal(`S${i}`);
    expect(await gw.store.messages.list()).to.have.length(5);
  });

  it('reassembles a frame split across writes', async () => {
    await start();
    const c = await connect();
    const bytes = encodeFrame(adt('SPLIT'));
    c.write(bytes.subarray(0, 7));
    await new Promise((r) => setTimeout(r, 30));
    c.write(bytes.subarray(7, 60));
    await new Promise((r) => setTimeout(r, 30));
    c.write(bytes.subarray(60));
    expect(msa(await c.next()).controlId).to.equal('SPLIT');
  });

  it('handles several frames in one write, answering each in order', async () => {
    await start();
    const c = await connect();
    c.write(Buffer.concat([encodeFrame(adt('B1')), encodeFrame(adt('B2')), encodeFrame(adt('B3'))]));
    const ids = [msa(await c.next()).controlId, msa(await c.next()).controlId, msa(await c.next()).controlId];
    expect(ids).to.deep.equal(['B1', 'B2', 'B3']);
    expect(flow.runs).to.equal(3);
  });

  it('skips and reports bytes before the start block', async () => {
    await start();
    const c = await connect();
    c.write(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n'), encodeFrame(adt('G1'))]));
    expect(msa(await c.next()).controlId).to.equal('G1');
    expect(gw.metrics.get('skipped_bytes', 'test-mllp')).to.equal(18);
  });

  it('answers an exact resend with the stored ACK and does not process it again', async () => {
    await start();
    const c = await connect();
    const first = await c.roundTrip(adt('DUP'));
    const second = await c.roundTrip(adt('DUP'));
    expect(second).to.equal(first);
    expect(flow.runs).to.equal(1);
    expect(await gw.store.messages.list()).to.have.length(1);
    expect(gw.metrics.get('resends', 'test-mllp')).to.equal(1);
  });

  it('keeps the same MSH-10 with different content, flagged', async () => {
    await start();
    const c = await connect();
    await c.roundTrip(adt('SAME', { family: 'Alpha' }));
    const ack = await c.roundTrip(adt('SAME', { family: 'Beta' }));
    expect(msa(ack).code).to.equal('AA');
    const rows = await gw.store.messages.list();
    expect(rows).to.have.length(2);
    expect(rows[0]!.duplicateOf).to.equal(rows[1]!.id);
  });

  it('drops a frame above the size limit with an AR and keeps serving the connection', async () => {
    await start({ maxFrameBytes: 1024 });
    const c = await connect();
    const big = adt('BIG').replace('PV1|1|O', `PV1|1|O|${'x'.repeat(3000)}`);
    const ack = await c.roundTrip(big);
    expect(msa(ack).code).to.equal('AR');
    expect(errSegments(ack)[0]).to.contain('TOO_LARGE');
    expect(msa(await c.roundTrip(adt('SMALL'))).controlId).to.equal('SMALL');
    expect(await gw.store.messages.list()).to.have.length(1);
    expect(gw.metrics.get('oversized_frames', 'test-mllp')).to.equal(1);
  });

  it('cuts off a sender that does not finish its frame in time (slowloris)', async () => {
    await start({ frameTimeoutMs: 300 });
    const c = await connect();
    const bytes = encodeFrame(adt('SLOW'));
    c.write(bytes.subarray(0, 20));
    // Keep trickling bytes: activity must not extend the per-frame deadline.
    const trickle = setInterval(() => { if (!c.isClosed) c.write('x'); }, 50);
    try {
      await c.closed;
    } finally {
      clearInterval(trickle);
    }
    expect(await gw.store.messages.list()).to.have.length(0);
    expect(gw.metrics.get('timeouts', 'test-mllp')).to.equal(1);
  });

  it('closes an idle connection', async () => {
    await start({ idleTimeoutMs: 200 });
    const c = await connect();
    expect(msa(await c.roundTrip(adt('IDLE'))).code).to.equal('AA');
    await c.closed;
    expect(gw.metrics.get('timeouts', 'test-mllp')).to.equal(1);
  });

  it('pipelines: the next frame of a connection is committed while the previous one is processed; ACKs leave in order', async () => {
    let second: () => void = () => undefined;
    const bothCommitted = new Promise<void>((r) => { second = r; });
    const committed: number[] = [];
    gw = await startTest(join(tmp.dir, 'fd.db'), {}, {
      noHttp: true,
      hooks: {
        // The first message's processing waits until the second frame is committed: without
        // pipelining the second frame would not be handed over before the first one's ACK.
        async afterCommit(id) {
          committed.push(id);
          if (committed.length === 2) second();
          if (committed.length === 1) await bothCommitted;
        },
      },
    });
    port = gw.mllp[0]!.address().port;
    const c = await connect();
    c.send(adt('PIPE1', { mrn: 'PIPE' }));
    c.send(adt('PIPE2', { mrn: 'PIPE' }));
    expect(msa(await c.next())).to.deep.equal({ code: 'AA', controlId: 'PIPE1' });
    expect(msa(await c.next())).to.deep.equal({ code: 'AA', controlId: 'PIPE2' });
    const rows = (await gw.store.messages.list()).sort((a, b) => a.id - b.id);
    expect(rows.map((r) => [r.controlId, r.state])).to.deep.equal([['PIPE1', 'processed'], ['PIPE2', 'processed']]);
  });

  it('with processing.maxBacklog 1, frames sent back to back on two connections are all stored, processed and answered in order', async () => {
    gw = await startTest(join(tmp.dir, 'fd.db'), { processing: { maxAttempts: 3, maxBacklog: 1 } }, { noHttp: true });
    port = gw.mllp[0]!.address().port;
    const conns = [await connect(), await connect()];
    conns.forEach((c, k) => { for (let i = 0; i < 15; i++) c.send(adt(`BP${k}-${i}`, { mrn: `BP${k}` })); });
    for (const [k, c] of conns.entries()) {
      for (let i = 0; i < 15; i++) expect(msa(await c.next())).to.deep.equal({ code: 'AA', controlId: `BP${k}-${i}` });
    }
    expect(await gw.store.messages.count({ state: 'processed' })).to.equal(30);
  });

  it('intake ahead of processing: with processing held, frames answered by their commit ACK (MSH-16 NE) go past maxPendingFrames, each committed and answered CA; processed afterwards in order', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    gw = await startTest(join(tmp.dir, 'fd.db'), { mllp: { host: '127.0.0.1', maxPendingFrames: 4 } }, { noHttp: true, hooks: { afterCommit: () => held } });
    port = gw.mllp[0]!.address().port;
    const c = await connect();
    for (let i = 0; i < 20; i++) c.send(adt(`NE${i}`, { mrn: 'NE', msh15: 'AL', msh16: 'NE' }));
    for (let i = 0; i < 20; i++) expect(msa(await c.next())).to.deep.equal({ code: 'CA', controlId: `NE${i}` });
    expect(await gw.store.messages.count({ state: 'received' }), 'all committed, none processed yet').to.equal(20);
    release();
    while ((await gw.store.messages.count({ state: 'processed' })) < 20) await new Promise((r) => setTimeout(r, 20));
    const rows = (await gw.store.messages.list()).sort((a, b) => a.id - b.id);
    expect(rows.map((r) => r.controlId)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `NE${i}`));
  });

  it('at maxConnections a new sender closes the longest-idle connection', async () => {
    await start({ maxConnections: 2 });
    const idleOld = await connect();
    const idleNew = await connect();
    expect(msa(await idleNew.roundTrip(adt('MC0'))).code).to.equal('AA');
    // Full: the newcomer takes the place of the connection idle longest (idleOld never sent a byte).
    const sender = await connect();
    expect(msa(await sender.roundTrip(adt('MC1'))).code).to.equal('AA');
    await idleOld.closed;
    expect(idleNew.isClosed).to.equal(false);
    expect(gw.metrics.get('idle_connections_closed', 'test-mllp')).to.equal(1);
  });

  it('300 connections that send nothing do not lock out a real sender; each is closed by the first-byte timeout', async () => {
    await start({ maxConnections: 50, maxConnectionsPerAddress: 1000, firstByteTimeoutMs: 1000 });
    const silent = await Promise.all(Array.from({ length: 300 }, () => connect()));
    const sender = await connect();
    expect(msa(await sender.roundTrip(adt('REAL1'))).code).to.equal('AA');
    await Promise.all(silent.map((c) => c.closed));
    // The sender that talked is not closed by the first-byte timeout, and goes on.
    expect(msa(await sender.roundTrip(adt('REAL2'))).code).to.equal('AA');
    expect(gw.metrics.get('idle_connections_closed', 'test-mllp') + gw.metrics.get('timeouts', 'test-mllp')).to.be.at.least(300);
    expect(gw.metrics.get('connections_refused', 'test-mllp')).to.equal(0);
  });

  it('closes a connection that sends nothing within firstByteTimeoutMs', async () => {
    await start({ firstByteTimeoutMs: 100 });
    const c = await connect();
    await c.closed;
    expect(gw.metrics.get('timeouts', 'test-mllp')).to.equal(1);
    expect(await gw.store.messages.list()).to.have.length(0);
  });

  it('refuses connections from one address beyond maxConnectionsPerAddress', async () => {
    await start({ maxConnectionsPerAddress: 2 });
    const a = await connect();
    const b = await connect();
    const c = await connect();
    await c.closed;
    expect(gw.metrics.get('connections_refused', 'test-mllp')).to.equal(1);
    expect(msa(await a.roundTrip(adt('PA1'))).code).to.equal('AA');
    b.close();
    await b.closed;
    // The slot is free again once the listener has seen that connection go (a try before may still be refused).
    let code = '';
    for (let i = 0; code !== 'AA'; i++) code = msa(await (await connect()).roundTrip(adt(`PA2-${i}`))).code;
    expect(code).to.equal('AA');
  });

  it('closes the connection without any ACK when the store cannot commit', async () => {
    await start();
    sqliteDb(gw.store).exec("CREATE TRIGGER fail_insert BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const c = await connect();
    const ack = await c.roundTrip(adt('NOSTORE'));
    expect(ack).to.equal(undefined);
    expect(flow.runs).to.equal(0);
    sqliteDb(gw.store).exec('DROP TRIGGER fail_insert');
    // The sender retries on a new connection and gets a real answer.
    const c2 = await connect();
    expect(msa(await c2.roundTrip(adt('NOSTORE'))).code).to.equal('AA');
  });

  it('a group commit that fails (read-only store) answers no frame of it, on any connection; the gateway recovers when the store does', async () => {
    await start();
    const conns = await Promise.all(Array.from({ length: 4 }, () => connect()));
    expect(msa(await conns[0]!.roundTrip(adt('RO-WARM'))).code).to.equal('AA');
    sqliteDb(gw.store).pragma('query_only = ON');
    // Four frames arriving together (sharing a group commit, or a few) that cannot be written.
    conns.forEach((c, k) => c.send(adt(`RO${k}`, { mrn: `RO${k}`, msh15: 'AL', msh16: 'AL' })));
    for (const c of conns) expect(await c.next()).to.equal(undefined);
    expect(gw.metrics.get('store_failures', 'test-mllp')).to.equal(4);
    sqliteDb(gw.store).pragma('query_only = OFF');
    // The senders resend on new connections and get real answers, each message stored once.
    for (let k = 0; k < 4; k++) {
      const c = await connect();
      c.send(adt(`RO${k}`, { mrn: `RO${k}`, msh15: 'AL', msh16: 'AL' }));
      expect(msa(await c.next())).to.deep.equal({ code: 'CA', controlId: `RO${k}` });
      expect(msa(await c.next())).to.deep.equal({ code: 'AA', controlId: `RO${k}` });
    }
    expect(await gw.store.messages.count()).to.equal(5);
  });

  it('enhanced mode: CA after the commit, then the application ACK', async () => {
    await start();
    const c = await connect();
    c.send(adt('ENH', { msh15: 'AL', msh16: 'AL' }));
    expect(msa(await c.next())).to.deep.equal({ code: 'CA', controlId: 'ENH' });
    expect(msa(await c.next())).to.deep.equal({ code: 'AA', controlId: 'ENH' });
  });

  it('enhanced mode: MSH-16 NE sends only the CA; MSH-16 ER sends the AE of a bad message', async () => {
    await start();
    const c = await connect();
    c.send(adt('NE1', { msh15: 'AL', msh16: 'NE' }));
    expect(msa(await c.next()).code).to.equal('CA');
    c.send(adt('ER1', { msh15: 'AL', msh16: 'ER' }).replace('PID|1||MRN1^^^FAC^MR', 'PID|1||'));
    // The NE message's application ACK was never sent: the next frame is the CA of ER1.
    expect(msa(await c.next())).to.deep.equal({ code: 'CA', controlId: 'ER1' });
    expect(msa(await c.next())).to.deep.equal({ code: 'AE', controlId: 'ER1' });
  });

  it('serves many connections at once (group commit), every message acknowledged and stored once', async () => {
    await start();
    const conns = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const acks = await Promise.all(conns.map(async (c, k) => {
      const out: string[] = [];
      for (let i = 0; i < 10; i++) out.push(msa(await c.roundTrip(adt(`P${k}-${i}`, { mrn: `M${k}` }))).code);
      return out;
    }));
    expect(acks.flat().every((a) => a === 'AA')).to.equal(true);
    expect(await gw.store.messages.list({ limit: 1000 })).to.have.length(80);
  });

  it('speaks MLLP over TLS when the channel has a tls block', async () => {
    const fx = resolve('test/mllp/fixtures');
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      channels: [{ name: 'tls-mllp', source: { mllp: { port: 0, tls: { keyFile: join(fx, 'test-key.pem'), certFile: join(fx, 'test-cert.pem') } } }, flow: 'test-flow', destinations: [] }],
    }, { noHttp: true });
    expect(gw.mllp[0]!.tls).to.equal(true);
    const socket = tls.connect({ port: gw.mllp[0]!.address().port, host: '127.0.0.1', ca: readFileSync(join(fx, 'test-cert.pem')), servername: 'localhost' });
    await new Promise<void>((r, j) => { socket.once('secureConnect', () => r()); socket.once('error', j); });
    const c = MllpClient.wrap(socket);
    clients.push(c);
    expect(msa(await c.roundTrip(adt('TLS1'))).code).to.equal('AA');
  });
});

describe('mllp/listener: the transport alone, with any handler', () => {
  const options = { host: '127.0.0.1', maxFrameBytes: 64, frameTimeoutMs: 5000, idleTimeoutMs: 60_000 };
  const channel = { name: 'plain', source: { mllp: { port: 0 } }, destinations: [], validation: 'tolerant' } as unknown as ChannelConfig;
  let listener: MllpListener | undefined;
  let client: MllpClient | undefined;

  afterEach(async () => {
    client?.close();
    await listener?.close(0);
  });

  it('hands each frame over in arrival order, the next only once the handler is done, and frames what it sends', async () => {
    const seen: string[] = [];
    let busy = 0;
    let overlapped = false;
    let release: (() => void) | undefined;
    const handler: MllpHandler = {
      async frame(payload, conn) {
        busy++;
        if (busy > 1) overlapped = true;
        seen.push(payload.toString('latin1'));
        // The first frame waits until the second has arrived: the listener must hold it back meanwhile.
        if (seen.length === 1) await new Promise<void>((r) => { release = r; });
        conn.send(Buffer.from(`got ${payload.toString('latin1')}`, 'latin1'));
        busy--;
      },
      oversized(conn, max) {
        conn.send(Buffer.from(`too big for ${max}`, 'latin1'));
      },
    };
    listener = await startMllpListener(channel, handler, options, silentLogger, new Metrics());
    client = await MllpClient.connect(listener.address().port);
    client.send('one');
    client.send('two');
    client.send('x'.repeat(100));
    while (!release) await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal(['one']);
    release();
    expect(await client.next()).to.equal('got one');
    expect(await client.next()).to.equal('got two');
    expect(await client.next()).to.equal('too big for 64');
    expect(seen).to.deep.equal(['one', 'two']);
    expect(overlapped).to.equal(false);
  });

  it('at maxConnections with every connection busy, a new one is refused and no busy one is cut off', async () => {
    const metrics = new Metrics();
    const arrived: string[] = [];
    const holds: Array<() => void> = [];
    const handler: MllpHandler = {
      async frame(payload, conn) {
        arrived.push(payload.toString('latin1'));
        await new Promise<void>((r) => holds.push(r));
        conn.send(Buffer.from(`got ${payload.toString('latin1')}`, 'latin1'));
      },
    };
    listener = await startMllpListener(channel, handler, { ...options, maxConnections: 2 }, silentLogger, metrics);
    const port = listener.address().port;
    const a = await MllpClient.connect(port);
    const b = await MllpClient.connect(port);
    a.send('A');
    b.send('B');
    while (arrived.length < 2) await new Promise((r) => setImmediate(r));
    client = await MllpClient.connect(port);
    await client.closed;
    expect(metrics.get('connections_refused', 'plain')).to.equal(1);
    expect(metrics.get('idle_connections_closed', 'plain')).to.equal(0);
    for (const h of holds) h();
    expect(await a.next()).to.equal('got A');
    expect(await b.next()).to.equal('got B');
    a.close();
    b.close();
  });

  it('back-pressure: stops reading a connection with maxPendingFrames not done, reads on once they are, losing nothing', async () => {
    const seen: string[] = [];
    let held = true;
    const waiting: Array<() => void> = [];
    const handler: MllpHandler = {
      async frame(payload, conn) {
        seen.push(payload.toString('latin1'));
        if (held) await new Promise<void>((r) => waiting.push(r));
        conn.send(Buffer.from(`got ${payload.toString('latin1')}`, 'latin1'));
      },
    };
    listener = await startMllpListener(channel, handler, { ...options, maxPendingFrames: 4 }, silentLogger, new Metrics());
    client = await MllpClient.connect(listener.address().port);
    for (let i = 0; i < 50; i++) client.send(`f${i}`);
    while (listener.pausedConnections() === 0) await new Promise((r) => setImmediate(r));
    // Paused while the first frame is held: only it has been handed over.
    expect(seen).to.deep.equal(['f0']);
    held = false;
    for (const w of waiting.splice(0)) w();
    for (let i = 0; i < 50; i++) expect(await client.next()).to.equal(`got f${i}`);
    expect(seen).to.have.length(50);
    expect(listener.pausedConnections()).to.equal(0);
  });

  it('closes the connection when the handler drops it (no answer at all)', async () => {
    listener = await startMllpListener(channel, { frame: async (_p, conn) => conn.drop() }, options, silentLogger, new Metrics());
    client = await MllpClient.connect(listener.address().port);
    client.send('anything');
    expect(await client.next()).to.equal(undefined);
    await client.closed;
  });
});
