/**
 * Console sessions kept in the store: a login survives a restart of the gateway on the same store
 * (and only the token's hash is stored); a session that expired while the gateway was down does
 * not come back; logout deletes it. Runs on both engines (`npm run test:pg -- test/console/sessions.test.ts`).
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import { API_KEY, startTest, tempDir } from '../support/gateway.js';

describe('console: sessions survive a restart (kept in the store)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  let clock = Date.parse('2026-12-01T10:00:00.000Z');
  const sessions = { idleMs: 30 * 60_000, maxAgeMs: 12 * 3600_000, now: () => clock };

  const start = async (extra: Record<string, unknown> = {}) => {
    gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [], ...extra }, { console: { sessions } });
    return gw.http.url;
  };
  const restart = async () => { await gw!.close(); gw = undefined; return start(); };
  const get = (base: string, path: string, cookie: string) => fetch(base + path, { redirect: 'manual', headers: { cookie } });
  const login = async (base: string) => {
    const r = await fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ key: API_KEY }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).to.equal(303);
    return r.headers.get('set-cookie')!.split(';')[0]!;
  };

  beforeEach(() => { tmp = tempDir(); });
  afterEach(async () => { await gw?.close(); gw = undefined; tmp.cleanup(); });

  it('keeps a session across a restart; the store holds the token\'s hash, not the token', async () => {
    let base = await start();
    const cookie = await login(base);
    const token = cookie.split('=')[1]!;
    expect(await gw!.store.consoleSessions.get(token)).to.equal(undefined);
    const row = await gw!.store.consoleSessions.get(createHash('sha256').update(token).digest('hex'));
    expect(row).to.deep.include({ operator: 'admin', via: 'key' });
    base = await restart();
    clock += 5 * 60_000;
    const r = await get(base, '/console/', cookie);
    expect(r.status).to.equal(200);
    const page = await r.text();
    expect(page).to.contain('admin');
    // Its CSRF token is the same after the restart: a form loaded before it still posts.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ _csrf: csrf }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } });
    expect(out.status).to.equal(303);
    // Logout deleted it: gone from the store, and not back after another restart.
    expect(await gw!.store.consoleSessions.get(createHash('sha256').update(token).digest('hex'))).to.equal(undefined);
    base = await restart();
    expect((await get(base, '/console/', cookie)).status).to.equal(303);
  });

  it('does not bring back a session that expired while the gateway was down (idle, then absolute limit)', async () => {
    let base = await start();
    const idle = await login(base);
    clock += 20 * 60_000;
    const busy = await login(base);
    await gw!.close();
    gw = undefined;
    clock += 15 * 60_000; // idle has been unused 35 minutes, busy 15
    base = await start();
    const r = await get(base, '/console/', idle);
    expect(r.status).to.equal(303);
    expect(r.headers.get('location')).to.contain('expired=1');
    expect((await get(base, '/console/', busy)).status).to.equal(200);
    // Used every 20 minutes, the busy session still ends 12 hours after login.
    for (let i = 0; i < 35; i++) {
      clock += 20 * 60_000;
      expect((await get(base, '/console/', busy)).status, `use ${i}`).to.equal(200);
    }
    base = await restart();
    clock += 20 * 60_000;
    expect((await get(base, '/console/', busy)).status).to.equal(303);
  });

  it('ends the sessions of a key taken out of the configuration (at the restart), not at their expiry', async () => {
    await start();
    const cookie = await login(gw!.http.url);
    await gw!.close();
    gw = undefined;
    // The same key name now without the operator scope, and another operator key: the old session is not honoured.
    const base = await start({ http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'admin', key: 'another-key-789', scopes: ['fhir'] }, { name: 'ops', key: API_KEY, scopes: ['operator'] }] } } });
    const r = await get(base, '/console/', cookie);
    expect(r.status).to.equal(303);
    expect(r.headers.get('location')).to.contain('expired=1');
  });
});
