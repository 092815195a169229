/**
 * Several connections to one MLLP partner (`connections`): sends go out side by side, one per
 * connection, each still lock-step. The partner here holds every frame until it has three, so a
 * single lock-step connection could never finish; three connections do.
 */
import { expect } from 'chai';
import net from 'node:net';
import { MllpPool } from '../../src/clients/mllp-pool.js';
import { parseDeliveryConfig } from '../../src/delivery/config.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { buildAck } from '../../src/hl7/ack.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';
import { adt } from './mllp-partner.js';

const target = (port: number) => ({ host: '127.0.0.1', port, tls: false, connectTimeoutMs: 2000, ackTimeoutMs: 5000, idleTimeoutMs: 60_000 });

describe('clients/mllp-pool: several connections to one partner', () => {
  let server: net.Server | undefined;
  let pool: MllpPool | undefined;
  afterEach(async () => {
    pool?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('sends concurrently over the connections: a partner that answers only once it holds three frames gets them', async () => {
    const held: Array<{ socket: net.Socket; frame: string }> = [];
    const sockets = new Set<net.Socket>();
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      const dec = new FrameDecoder();
      socket.on('data', (chunk) => {
        for (const frame of dec.push(chunk).frames) {
          held.push({ socket, frame });
          if (held.length < 3) continue;
          for (const h of held.splice(0)) h.socket.write(encodeFrame(buildAck(parseHl7(h.frame).value!, { code: 'AA' }).toString()));
        }
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    pool = new MllpPool(target((server.address() as net.AddressInfo).port), 3);
    const out = await Promise.all(['P1', 'P2', 'P3'].map((id, i) => pool!.send(adt('A04', `MRN-P${i}`, id))));
    expect(out.map((o) => (o.ok ? o.partnerStatus : o.error))).to.deep.equal(['AA', 'AA', 'AA']);
    expect(pool.connectionsOpened).to.equal(3);
    for (const s of sockets) s.destroy();
  });

  it('one connection by default; `connections` is checked (1 to 64)', () => {
    const dest = (extra: object) => parseDeliveryConfig({ destinations: { lab: { type: 'mllp', host: '127.0.0.1', port: 2575, ...extra } } });
    const one = dest({}).value!.destinations.lab!;
    expect(one.type === 'mllp' && one.connections).to.equal(1);
    const four = dest({ connections: 4 }).value!.destinations.lab!;
    expect(four.type === 'mllp' && four.connections).to.equal(4);
    const bad = dest({ connections: 0 });
    expect(bad.issues.map((i) => i.expression?.[0] ?? i.diagnostics).join(' ')).to.match(/connections/);
  });
});
