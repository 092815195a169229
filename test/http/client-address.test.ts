import { expect } from 'chai';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientAddress } from '../../src/http/audit.js';

/**
 * The client address the audit trail and the authentication throttle key on (src/http/audit.ts
 * clientAddress): the socket's peer unless the express app trusts a proxy, then express's req.ip
 * (the address the trusted proxy forwarded).
 */
describe('http: the client address of a request', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  const addressSeen = async (trustProxy: boolean): Promise<string | null> => {
    const app = express();
    if (trustProxy) app.set('trust proxy', 'loopback');
    app.get('/x', (req, res) => { res.json({ address: clientAddress(req) }); });
    server = createServer(app);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    return ((await r.json()) as { address: string | null }).address;
  };

  it('is the socket\'s peer when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    expect(await addressSeen(false)).to.match(/127\.0\.0\.1/);
  });

  it('is the forwarded address when the app trusts the proxy that sent it', async () => {
    expect(await addressSeen(true)).to.equal('203.0.113.9');
  });
});
