import { expect } from 'chai';
import net from 'node:net';
import { MllpClient } from '../../src/clients/mllp.js';
import { adt, startPartner, type Partner } from './mllp-partner.js';

const target = (port: number, extra: Partial<{ ackTimeoutMs: number; idleTimeoutMs: number }> = {}) => ({
  host: '127.0.0.1', port, tls: false, connectTimeoutMs: 2000, ackTimeoutMs: 2000, idleTimeoutMs: 60_000, ...extra,
});

describe('clients/mllp: MLLP client on loopback', () => {
  let partner: Partner | undefined;
  let client: MllpClient | undefined;
  afterEach(async () => {
    client?.close();
    await partner?.close();
    partner = undefined;
  });

  it('treats AA as delivered and reuses one connection for several messages', async () => {
    partner = await startPartner(() => 'AA');
    client = new MllpClient(target(partner.port));
    const out = [];
    for (const ev of ['A04', 'A08', 'A08']) out.push(await client.send(adt(ev, 'MRN-1')));
    expect(out.map((o) => (o.ok ? o.partnerStatus : o.error))).to.deep.equal(['AA', 'AA', 'AA']);
    expect(out[0]!.partnerResponse).to.match(/^MSH\|.*\rMSA\|AA\|MSG/);
    expect(partner.connections).to.equal(1);
    expect(client.connectionsOpened).to.equal(1);
    expect(partner.received.map((m) => m.split('\r')[0]!.split('|')[8])).to.deep.equal(['ADT^A04^ADT_A01', 'ADT^A08^ADT_A01', 'ADT^A08^ADT_A01']);
  });

  it('keeps order when sends are issued concurrently (one message on the wire at a time)', async () => {
    partner = await startPartner(() => 'AA');
    client = new MllpClient(target(partner.port));
    const ids = ['O1', 'O2', 'O3', 'O4'];
    const out = await Promise.all(ids.map((id) => client!.send(adt('A08', 'MRN-2', id))));
    expect(out.every((o) => o.ok)).to.equal(true);
    expect(partner.received.map((m) => m.split('\r')[0]!.split('|')[9])).to.deep.equal(ids);
  });

  it('accepts CA (enhanced mode commit ACK) as delivered', async () => {
    partner = await startPartner(() => 'CA');
    client = new MllpClient(target(partner.port));
    expect(await client.send(adt('A04', 'MRN-3'))).to.include({ ok: true, partnerStatus: 'CA' });
  });

  for (const code of ['AR', 'AE'] as const) {
    it(`returns ${code} as the partner's answer (permanent, ACK kept)`, async () => {
      partner = await startPartner(() => code);
      client = new MllpClient(target(partner.port));
      const out = await client.send(adt('A04', 'MRN-4'));
      expect(out.ok).to.equal(false);
      if (!out.ok) {
        expect(out).to.include({ errorCode: 'DELIVERY_REJECTED', partnerStatus: code });
        expect(out.partnerResponse).to.contain(`MSA|${code}|`);
      }
    });
  }

  it('a partner that never answers: transient after the ACK timeout, and the next send uses a fresh connection', async () => {
    partner = await startPartner((_m, i) => (i === 0 ? 'silent' : 'AA'));
    client = new MllpClient(target(partner.port, { ackTimeoutMs: 150 }));
    const first = await client.send(adt('A04', 'MRN-5'));
    expect(first.ok).to.equal(false);
    if (!first.ok) {
      expect(first.errorCode).to.equal('DELIVERY_TRANSIENT');
      expect(first.error).to.equal('no ACK within 150 ms');
    }
    const second = await client.send(adt('A04', 'MRN-5'));
    expect(second).to.include({ ok: true, partnerStatus: 'AA' });
    expect(partner.connections).to.equal(2);
  });

  it('a connection dropped before the ACK is transient', async () => {
    partner = await startPartner(() => 'close');
    client = new MllpClient(target(partner.port));
    const out = await client.send(adt('A04', 'MRN-6'));
    expect(out.ok).to.equal(false);
    if (!out.ok) expect(out.errorCode).to.equal('DELIVERY_TRANSIENT');
  });

  it('an unreadable answer is transient and kept for the operator', async () => {
    partner = await startPartner(() => 'garbage');
    client = new MllpClient(target(partner.port));
    const out = await client.send(adt('A04', 'MRN-7'));
    expect(out).to.include({ ok: false, errorCode: 'DELIVERY_TRANSIENT', partnerResponse: 'not an ack' });
  });

  it('connection refused is transient', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    client = new MllpClient(target(port));
    const out = await client.send(adt('A04', 'MRN-8'));
    expect(out.ok).to.equal(false);
    if (!out.ok) {
      expect(out.errorCode).to.equal('DELIVERY_TRANSIENT');
      expect(out.error).to.contain('ECONNREFUSED');
    }
  });

  it('reconnects after the partner closed an idle connection', async () => {
    partner = await startPartner(() => 'AA');
    client = new MllpClient(target(partner.port, { idleTimeoutMs: 50 }));
    expect((await client.send(adt('A04', 'MRN-9'))).ok).to.equal(true);
    await new Promise((r) => setTimeout(r, 150));
    expect((await client.send(adt('A08', 'MRN-9'))).ok).to.equal(true);
    expect(partner.connections).to.equal(2);
  });
});
