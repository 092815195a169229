/**
 * The web console over plain HTTP (no browser): login, the cookie's flags, sessions that expire,
 * CSRF-checked posts, logout, the security headers, no page without a session, and the dashboard
 * counting stored messages. The browser tests (./browser.test.ts) drive the same pages in Chromium.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import { API_KEY, FHIR_KEY, adt, registerTestFlow, startTest, tempDir } from '../support/gateway.js';

describe('console: login, sessions, CSRF and the dashboard over HTTP', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let base: string;
  let remove: () => void;
  let clock = Date.now();

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const post = (path: string, fields: Record<string, string>, cookie?: string, extra: Record<string, string> = {}) =>
    fetch(base + path, { method: 'POST', redirect: 'manual', body: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...extra } });
  const get = (path: string, cookie?: string) => fetch(base + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  async function login(key = API_KEY): Promise<{ cookie: string; csrf: string }> {
    const r = await post('/console/login', { key, next: '/console/' });
    expect(r.status).to.equal(303);
    const setCookie = r.headers.get('set-cookie')!;
    const cookie = setCookie.split(';')[0]!;
    const page = await (await get('/console/', cookie)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    return { cookie, csrf };
  }

  before(async () => {
    tmp = tempDir();
    ({ remove } = registerTestFlow());
    gw = await startTest(join(tmp.dir, 'fd.db'), {
      channels: [{ name: 'http-test', source: { http: { path: '/hl7v2' } }, flow: 'test-flow', destinations: [] }],
    }, { console: { sessions: { idleMs: 60_000, maxAgeMs: 3600_000, now: () => clock } } });
    base = gw.http.url;
    for (const [id, mrn] of [['C1', 'MRN1'], ['C2', ''], ['C3', 'MRN3']] as const) {
      await fetch(`${base}/hl7v2`, { method: 'POST', body: adt(id, { mrn }), headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'x-application/hl7-v2+er7' } });
    }
  });

  after(async () => {
    await gw.close();
    remove();
    tmp.cleanup();
  });

  it('serves no page without a session: a redirect to the login form that remembers where to go', async () => {
    for (const path of ['/console/', '/console/messages?state=error', '/console/jobs']) {
      const r = await get(path);
      expect(r.status, path).to.equal(303);
      expect(r.headers.get('location')).to.equal(`/console/login?next=${encodeURIComponent(path)}`);
    }
    const panels = await get('/console/dashboard/panels');
    expect(panels.status).to.equal(401);
    expect(await panels.text()).not.to.contain('http-test');
  });

  it('serves the login form and its assets with a CSP that forbids inline script', async () => {
    const r = await get('/console/login');
    expect(r.status).to.equal(200);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).to.contain("script-src 'self'");
    expect(csp).not.to.contain('unsafe-inline');
    expect(csp).to.contain("frame-ancestors 'none'");
    const text = await r.text();
    expect(text).to.contain('<label for="key">Operator key</label>');
    expect(text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(text).not.to.match(/\sstyle="/);
    for (const a of ['/console/assets/console.css', '/console/assets/console.js']) {
      const ar = await get(a);
      expect(ar.status, a).to.equal(200);
    }
    expect((await get('/console/assets/../../package.json')).status).not.to.equal(200);
  });

  it('refuses a wrong key, and a key without the operator scope, on the page', async () => {
    for (const key of ['not-a-key', FHIR_KEY]) {
      const r = await post('/console/login', { key });
      expect(r.status).to.equal(401);
      expect(r.headers.get('set-cookie')).to.equal(null);
      expect(await r.text()).to.contain('That key is not an operator key of this gateway.');
    }
  });

  it('logs in with an operator key: an HttpOnly, SameSite=Strict cookie on /console, not Secure over plain HTTP', async () => {
    const r = await post('/console/login', { key: API_KEY, next: '/console/jobs' });
    expect(r.status).to.equal(303);
    expect(r.headers.get('location')).to.equal('/console/jobs');
    const c = r.headers.get('set-cookie')!;
    expect(c).to.match(/^frontdesk_console=[\w-]{40,};/);
    expect(c).to.contain('HttpOnly');
    expect(c).to.contain('SameSite=Strict');
    expect(c).to.contain('Path=/console');
    expect(c).not.to.contain('Secure');
  });

  it('never redirects off the console after login', async () => {
    for (const next of ['https://evil.example/', '//evil.example/', '/fhir/Patient']) {
      const r = await post('/console/login', { key: API_KEY, next });
      expect(r.headers.get('location'), next).to.equal('/console/');
    }
  });

  it('shows per-channel counts on the dashboard and in its refresh panel', async () => {
    const { cookie } = await login();
    const page = await (await get('/console/', cookie)).text();
    expect(page).to.contain('data-refresh-url="/console/dashboard/panels"');
    const panels = await (await get('/console/dashboard/panels', cookie)).text();
    const row = /<tr data-channel="http-test">([\s\S]*?)<\/tr>/.exec(panels)![1]!;
    // Two processed (C1, C3), one error (C2 has no PID-3): today / in total.
    expect(row).to.match(/data-state="processed"><span class="today"><a [^>]+>2<\/a><\/span> \/ <span class="total"><a [^>]+>2<\/a>/);
    expect(row).to.match(/data-state="error"><span class="today"><a [^>]+>1<\/a><\/span> \/ <span class="total"><a [^>]+>1<\/a>/);
    expect(row).to.match(/data-kind="last-hour">3</);
    expect(panels).to.contain('data-job="retention"');
  });

  it('refuses a post without the CSRF token, or from another origin', async () => {
    const { cookie, csrf } = await login();
    const none = await post('/console/logout', {}, cookie);
    expect(none.status).to.equal(403);
    expect(await none.text()).to.contain('CSRF check failed');
    const wrong = await post('/console/logout', { _csrf: csrf.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) }, cookie);
    expect(wrong.status).to.equal(403);
    const foreign = await post('/console/logout', { _csrf: csrf }, cookie, { origin: 'https://evil.example' });
    expect(foreign.status).to.equal(403);
    // Still logged in after all three.
    expect((await get('/console/', cookie)).status).to.equal(200);
  });

  it('logs out: the session is gone and the cookie cleared', async () => {
    const { cookie, csrf } = await login();
    const r = await post('/console/logout', { _csrf: csrf }, cookie);
    expect(r.status).to.equal(303);
    expect(r.headers.get('location')).to.equal('/console/login');
    expect(r.headers.get('set-cookie')).to.contain('Max-Age=0');
    const after = await get('/console/', cookie);
    expect(after.status).to.equal(303);
    expect(after.headers.get('location')).to.contain('expired=1');
  });

  it('expires an idle session', async () => {
    const { cookie } = await login();
    clock += 30_000;
    expect((await get('/console/', cookie)).status).to.equal(200); // still fresh: the idle clock restarts
    clock += 61_000;
    const r = await get('/console/', cookie);
    expect(r.status).to.equal(303);
    expect(r.headers.get('location')).to.match(/^\/console\/login\?next=.*&expired=1$/);
  });

  it('dry-runs one message: the outcome now and the value-level diff (none here), audited', async () => {
    const { cookie, csrf } = await login();
    const id = (await gw.store.messages.list({ controlId: 'C1' }))[0]!.id;
    const r = await post(`/console/messages/${id}/dry-run`, { _csrf: csrf }, cookie);
    expect(r.status).to.equal(200);
    const t = await r.text();
    expect(t).to.contain('a replay now would give <strong>processed</strong>');
    expect(t).to.contain('The outputs would not change.');
    expect(await gw.store.audit.list({ action: 'message-replay-dry-run', entity: `message/${id}` })).to.have.length(1);
  });

  it('answers an unknown console page and an oversized form with a page, not a stack trace', async () => {
    const { cookie, csrf } = await login();
    const nf = await get('/console/nope', cookie);
    expect(nf.status).to.equal(404);
    expect(await nf.text()).to.contain('No console page /nope.');
    const big = await post('/console/logout', { _csrf: csrf, pad: 'x'.repeat(300 * 1024) }, cookie);
    expect(big.status).to.equal(413);
    const t = await big.text();
    expect(t).to.contain('larger than the gateway');
    expect(t).not.to.match(/at \w+ \(/);
  });

  describe('the validation playground', () => {
    const check = async (fields: Record<string, string>) => {
      const { cookie, csrf } = await login();
      const r = await post('/console/playground', { _csrf: csrf, ...fields }, cookie);
      return { status: r.status, text: await r.text() };
    };

    it('checks an HL7v2 message and shows the issue at its field and the FHIR it converts to', async () => {
      const msg = readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8').replace(/(\rPID(?:\|[^|\r]*){6}\|)[^|\r]*/, '$11980-13-45');
      const r = await check({ text: msg });
      expect(r.status).to.equal(200);
      expect(r.text).to.contain('Result: hl7v2');
      expect(r.text).to.match(/<td class="mono" data-location>PID\.7[^<]*<\/td>/);
      const good = await check({ text: readFileSync('examples/hl7v2/adt-a04.hl7', 'utf8') });
      expect(good.text).to.contain('Converted to FHIR R4');
      expect(good.text).to.contain('&quot;resourceType&quot;: &quot;Bundle&quot;');
    });

    it('checks FHIR JSON against a profile and names the FHIRPath; an unknown profile is said on the page', async () => {
      const patient = JSON.parse(readFileSync('examples/fhir/patient.json', 'utf8')) as Record<string, unknown>;
      patient.birthDate = '1980-13-45';
      const r = await check({ text: JSON.stringify(patient) });
      expect(r.text).to.contain('Result: fhir');
      expect(r.text).to.match(/data-location>Patient\.birthDate/);
      const u = await check({ text: JSON.stringify(patient), profile: 'http://example.org/no-such-profile' });
      expect(u.text).to.contain('No profile &quot;http://example.org/no-such-profile&quot; is loaded.');
    });

    it('escapes what it shows back and refuses empty and oversized input on the page', async () => {
      const x = await check({ text: '<script>alert(1)</script>' });
      expect(x.text).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(x.text).not.to.contain('<script>alert(1)</script>');
      expect((await check({ text: '   ' })).text).to.contain('Paste a message or record, or upload a file.');
      const big = await check({ text: 'MSH|' + 'x'.repeat(90 * 1024) });
      expect(big.status).to.equal(413);
      expect(big.text).to.match(/the playground takes at most \d+/);
    });
  });
});
