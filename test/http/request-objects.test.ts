import { expect } from 'chai';
import express from 'express';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestObjects } from '../../src/http/request-objects.js';

describe('http: requests are born with the express app\'s prototypes (src/http/request-objects.ts)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('before adopt: plain node:http objects (express sets their prototype); after: the app\'s own, and express works on both', async () => {
    const app = express();
    const seen: Array<{ born: boolean; isReq: boolean; isRes: boolean }> = [];
    const objects = requestObjects();
    const born = new WeakSet<object>();
    // What node:http made, before express touched it.
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      if (Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response) born.add(req);
      app(req, res);
    };
    app.get('/x', (req, res) => {
      seen.push({ born: born.has(req), isReq: req instanceof IncomingMessage, isRes: res instanceof ServerResponse });
      res.status(201).json({ host: req.get('host') !== undefined, path: req.path });
    });
    server = createServer({ IncomingMessage: objects.IncomingMessage, ServerResponse: objects.ServerResponse }, handle);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    const get = async () => { const r = await fetch(url); return { status: r.status, body: await r.json() as unknown }; };
    expect(await get()).to.deep.equal({ status: 201, body: { host: true, path: '/x' } });
    objects.adopt(app);
    expect(await get()).to.deep.equal({ status: 201, body: { host: true, path: '/x' } });
    expect(seen).to.deep.equal([{ born: false, isReq: true, isRes: true }, { born: true, isReq: true, isRes: true }]);
  });

  it('refuses prototypes that are not node:http request and response objects', () => {
    expect(() => requestObjects().adopt({ request: {}, response: {} })).to.throw(/inherit from node:http/);
  });
});
