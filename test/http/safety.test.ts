import { expect } from 'chai';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { OperationOutcome } from 'fhir/r4.js';
import type { Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logging.js';
import { API_KEY, startTest, tempDir } from '../support/gateway.js';

describe('http: safe to expose (throttled authentication, security headers, TLS)', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('locks an address out after too many wrong keys: 429 with Retry-After (a right key too), logged and audited, then lets it in again', async () => {
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString('utf8')); cb(); } }));
    const gw = await startTest(join(tmp.dir, 'fd.db'), {
      http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'admin', key: API_KEY, scopes: ['*'] }], maxFailures: 5, windowSeconds: 60, lockoutSeconds: 1 } },
    }, { log });
    try {
      const get = (key: string) => fetch(`${gw.http.url}/fhir/metadata`, { headers: { authorization: `Bearer ${key}` } });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await get(`wrong-key-${i}`)).status);
      expect(statuses).to.deep.equal([401, 401, 401, 401, 429, 429, 429, 429]);
      const locked = await get(API_KEY);
      expect(locked.status).to.equal(429);
      expect(Number(locked.headers.get('retry-after'))).to.be.within(1, 1);
      expect(((await locked.json()) as OperationOutcome).issue[0]!.code).to.equal('throttled');
      expect(lines.filter((l) => l.includes('authentication throttled'))).to.have.length(1);
      expect(lines.join('')).not.to.contain('wrong-key-');
      const audited = await gw.store.audit.list({ action: 'authenticate' });
      expect(audited.filter((r) => r.status === 429).length).to.be.at.least(4);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await get(API_KEY)).status).to.equal(200);
    } finally {
      await gw.close();
    }
  });

  it('sends security headers on every answer', async () => {
    const gw = await startTest(join(tmp.dir, 'fd.db'));
    try {
      const r = await fetch(`${gw.http.url}/fhir/metadata`, { headers: { authorization: `Bearer ${API_KEY}` } });
      expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(r.headers.get('x-frame-options')).to.equal('DENY');
      expect(r.headers.get('cache-control')).to.equal('no-store');
      expect(r.headers.get('content-security-policy')).to.contain("default-src 'none'");
      expect(r.headers.get('strict-transport-security')).to.equal(null);
    } finally {
      await gw.close();
    }
  });

  it('serves HTTPS with HSTS when http.tls is configured, and refuses plain HTTP on that port', async () => {
    const fx = resolve('test/mllp/fixtures');
    const gw = await startTest(join(tmp.dir, 'fd.db'), {
      http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'admin', key: API_KEY, scopes: ['*'] }] }, tls: { keyFile: join(fx, 'test-key.pem'), certFile: join(fx, 'test-cert.pem') } },
    });
    try {
      expect(gw.http.url).to.match(/^https:/);
      const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((res, rej) => {
        const req = request(`${gw.http.url}/fhir/metadata`, { ca: readFileSync(join(fx, 'test-cert.pem')), servername: 'localhost', headers: { authorization: `Bearer ${API_KEY}` } }, (r) => {
          let b = '';
          r.on('data', (c: Buffer) => { b += c.toString('utf8'); });
          r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: b }));
        });
        req.on('error', rej);
        req.end();
      });
      expect(status).to.equal(200);
      expect(headers['strict-transport-security']).to.contain('max-age=');
      expect(JSON.parse(body).resourceType).to.equal('CapabilityStatement');
      const plain = await fetch(gw.http.url.replace('https:', 'http:') + '/health').then((r) => r.status, () => 'refused');
      expect(plain).to.not.equal(200);
    } finally {
      await gw.close();
    }
  });
});
