/**
 * The console's OAuth/SMART sign-in, end to end in Chromium: a local authorization server (an
 * express app the test starts, on another site than the gateway: localhost vs 127.0.0.1) issues
 * codes bound to the PKCE challenge and signs id_tokens with a key the test generated. Sign in
 * (approving on the server's own page, so the way back is started by another site: with a
 * redirect instead of the callback's meta refresh the Strict session cookie is lost, checked),
 * land on the dashboard, find the OAuth subject as the operator in the audit trail; a state
 * mismatch, a PKCE mismatch and an account without the operator scope each end on a page that
 * says why, with no session.
 */
import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/gateway.js';
import { checkConfig } from '../../src/config.js';
import { configJson, startTest, tempDir } from '../support/gateway.js';
import { startGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/logging.js';
import { CHROMIUM_CANDIDATES, findChromium } from '../support/chromium.js';
import { startAuthServer, type TestAuthServer } from '../support/oauth-server.js';
import { axeViolations } from '../support/axe.js';

const chromiumPath = findChromium();
// As in ./browser.test.ts: docs/console/ only with FRONTDESK_CONSOLE_SHOTS=1, else a temporary folder.
const SHOTS = process.env.FRONTDESK_CONSOLE_SHOTS === '1'
  ? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../docs/console')
  : join(tmpdir(), `frontdesk-console-shots-${process.pid}`);
const CLIENT_ID = 'frontdesk-console-test';

const oauthConfig = (idp: Pick<TestAuthServer, 'authorizeUrl' | 'tokenUrl' | 'jwksUrl' | 'issuer'>) => ({
  name: 'Office IdP', authorizeUrl: idp.authorizeUrl, tokenUrl: idp.tokenUrl, clientId: CLIENT_ID,
  scope: 'openid frontdesk.operator', issuer: idp.issuer, jwks: { url: idp.jwksUrl }, operatorScope: 'frontdesk.operator',
});

describe('console: the OAuth sign-in configuration', () => {
  const idp = { authorizeUrl: 'https://idp.example/authorize', tokenUrl: 'https://idp.example/token', jwksUrl: 'https://idp.example/jwks', issuer: 'https://idp.example' };
  it('is checked at start: an operator right is required, URLs must be http(s), unknown keys named', () => {
    const ok = checkConfig(configJson('/tmp/x.db', { console: { oauth: oauthConfig(idp) } }), process.cwd(), {});
    expect(ok.issues).to.deep.equal([]);
    expect(ok.value!.console.oauth).to.deep.include({ audience: CLIENT_ID, token: 'id_token', operatorNameClaim: 'sub' });
    const { operatorScope: _, ...noRight } = oauthConfig(idp);
    const r = checkConfig(configJson('/tmp/x.db', { console: { oauth: { ...noRight, tokenUrl: 'ftp://x', colour: 'blue' } } }), process.cwd(), {});
    const texts = r.issues.map((i) => i.diagnostics ?? '').join('\n');
    expect(r.value).to.equal(undefined);
    expect(texts).to.contain('console.oauth: needs "operatorScope" or "operatorClaim"');
    expect(texts).to.contain('console.oauth.tokenUrl: "ftp://x" is not an http(s) URL.');
    expect(texts).to.contain('console.oauth.colour: unknown key');
  });
});

describe('console: OAuth sign-in over HTTP (a confidential client verifying a JWT access token, operator by a roles claim)', function () {
  this.timeout(30_000);
  const AUD = 'https://gateway.test.example/console';
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  let idp: TestAuthServer;
  let base: string;

  before(async () => {
    tmp = tempDir();
    idp = await startAuthServer(CLIENT_ID, { clientSecret: 's3cret-for-the-test', accessTokenAudience: AUD });
    const { operatorScope: _, ...rest } = oauthConfig(idp);
    const json = configJson(join(tmp.dir, 'fd.db'), { channels: [], console: { oauth: { ...rest, token: 'access_token', audience: AUD, clientSecretEnv: 'CONSOLE_SECRET', operatorClaim: { name: 'roles', value: 'operator' } } } });
    const cfg = checkConfig(json, process.cwd(), { CONSOLE_SECRET: 's3cret-for-the-test' });
    expect(cfg.issues).to.deep.equal([]);
    gw = await startGateway(cfg.value!, { log: silentLogger });
    base = gw.http.url;
  });
  after(async () => {
    await gw?.close();
    await idp?.close();
    tmp?.cleanup();
  });

  /** The browser's part, by hand: start, the authorization server's redirect, the callback with the pending cookie. */
  async function signIn(next = '/console/jobs'): Promise<Response> {
    const start = await fetch(`${base}/console/oauth/start?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
    expect(start.status).to.equal(303);
    const pending = start.headers.get('set-cookie')!;
    expect(pending).to.match(/^frontdesk_console_oauth=[\w-]+; Path=\/console\/oauth; HttpOnly; SameSite=Lax; Max-Age=600/);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('aud')).to.equal(AUD);
    const back = await fetch(authorize, { redirect: 'manual' });
    expect(back.status).to.equal(302);
    return fetch(back.headers.get('location')!, { redirect: 'manual', headers: { cookie: pending.split(';')[0]! } });
  }

  it('signs in: the access token verified for its audience, the roles claim grants the operator, the page moves on to where it was asked', async () => {
    idp.account = { sub: 'mlopez', scope: 'openid', roles: ['reception', 'operator'] };
    const r = await signIn();
    expect(r.status).to.equal(200);
    const text = await r.text();
    expect(text).to.contain('<meta http-equiv="refresh" content="0;url=/console/jobs">');
    expect(text).to.contain('Signed in as mlopez with Office IdP.');
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('frontdesk_console='))!.split(';')[0]!;
    const jobs = await fetch(`${base}/console/jobs`, { redirect: 'manual', headers: { cookie } });
    expect(jobs.status).to.equal(200);
    expect(await jobs.text()).to.contain('<strong>mlopez</strong>');
  });

  it('refuses an account whose roles do not hold the operator role', async () => {
    idp.account = { sub: 'frontdesk1', scope: 'openid', roles: ['reception'] };
    const r = await signIn();
    expect(r.status).to.equal(403);
    expect(await r.text()).to.contain('does not hold the console&#39;s operator right (claim roles = &quot;operator&quot;)');
    expect(r.headers.getSetCookie().some((c) => c.startsWith('frontdesk_console='))).to.equal(false);
  });

  it('refuses a replayed callback: the pending sign-in is used once', async () => {
    idp.account = { sub: 'mlopez', scope: 'openid', roles: ['operator'] };
    const start = await fetch(`${base}/console/oauth/start`, { redirect: 'manual' });
    const pending = start.headers.get('set-cookie')!.split(';')[0]!;
    const back = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = back.headers.get('location')!;
    expect((await fetch(callback, { redirect: 'manual', headers: { cookie: pending } })).status).to.equal(200);
    // The same code again (an attacker who saw the URL): the authorization server has spent it.
    const again = await fetch(callback, { redirect: 'manual', headers: { cookie: pending } });
    expect(again.status).to.equal(401);
    expect(await again.text()).to.contain('invalid_grant');
  });
});

if (!chromiumPath && !process.env.CI) {
  describe('console: OAuth sign-in in a real browser', () => {
    it.skip(`skipped: no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')} (apt-get install chromium; CI installs it)`);
  });
} else {
  describe('console: OAuth sign-in in a real browser (Chromium + a local authorization server)', function () {
    this.timeout(60_000);
    let tmp: ReturnType<typeof tempDir>;
    let gw: Gateway;
    let idp: TestAuthServer;
    let base: string;
    let browser: Browser;
    let page: Page;

    before(async () => {
      if (!chromiumPath) throw new Error(`CI=true and no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')}: .ci/run must install it`);
      tmp = tempDir();
      idp = await startAuthServer(CLIENT_ID);
      gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [], console: { oauth: oauthConfig(idp) } });
      base = gw.http.url;
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    });
    beforeEach(async () => {
      idp.mode = 'normal';
      idp.consentPage = false;
      idp.account = { sub: 'jdoe', scope: 'openid frontdesk.operator' };
      // A fresh browser profile per test: no cookie carries over.
      const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
    });
    afterEach(async () => { await page?.context().close(); });
    after(async () => {
      await browser?.close();
      await gw?.close();
      await idp?.close();
      tmp?.cleanup();
    });

    const signIn = async () => {
      await page.goto(`${base}/console/messages`);
      expect(new URL(page.url()).pathname).to.equal('/console/login');
      await page.getByRole('link', { name: 'Sign in with Office IdP' }).click();
    };

    it('signs in through the authorization server (PKCE S256) and lands on the page asked for, the subject as operator in the audit trail', async () => {
      expect(await page.goto(`${base}/console/login`).then(() => page.getByLabel('Operator key').isVisible())).to.equal(true);
      expect(await axeViolations(page), 'axe-core on the login page with OAuth').to.deep.equal([]);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'login-oauth.png') });
      // The server shows its own page first and the user approves there: the way back is a
      // navigation another site starts, on which a SameSite=Strict cookie is only sent once the
      // console's own page moves on (the callback's meta refresh; a redirect would lose it).
      idp.consentPage = true;
      await signIn();
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(`${base}/console/messages`);
      expect(await page.locator('header .who strong').textContent()).to.equal('jdoe');
      expect(idp.lastAuthorize).to.deep.include({ code_challenge_method: 'S256', client_id: CLIENT_ID, redirect_uri: `${base}/console/oauth/callback` });
      expect(idp.lastAuthorize!.code_challenge).to.match(/^[\w-]{43}$/);
      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL(`${base}/console/`);
      const rows = await gw.store.audit.list({ action: 'login', actor: 'jdoe' });
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ actorKind: 'session', outcome: 'success', detail: 'oauth:Office IdP' });
      // A console action is recorded under the same subject.
      await page.getByRole('button', { name: 'Log out' }).click();
      expect(await gw.store.audit.list({ action: 'logout', actor: 'jdoe' })).to.have.length(1);
    });

    it('refuses an answer whose state is not the one this browser sent, on a page that says so', async () => {
      idp.mode = 'wrong-state';
      const before = idp.tokenRequests;
      await signIn();
      await page.waitForURL(/\/console\/oauth\/callback/);
      expect(await page.locator('h1').textContent()).to.equal('Sign-in failed');
      expect(await page.getByRole('alert').textContent()).to.contain('state mismatch');
      expect(await axeViolations(page), 'axe-core on the sign-in failure page').to.deep.equal([]);
      expect(idp.tokenRequests).to.equal(before); // the code was never exchanged
      await page.goto(`${base}/console/`);
      expect(new URL(page.url()).pathname).to.equal('/console/login');
      const rows = await gw.store.audit.list({ action: 'login', outcome: 'failure' });
      expect(rows[0]!.detail).to.contain('state mismatch');
    });

    it('refuses a code bound to another PKCE challenge (the token endpoint says invalid_grant)', async () => {
      idp.mode = 'wrong-challenge';
      await signIn();
      await page.waitForURL(/\/console\/oauth\/callback/);
      expect(await page.getByRole('alert').textContent()).to.contain('Office IdP refused to exchange the code: invalid_grant (PKCE verification failed).');
      await page.goto(`${base}/console/`);
      expect(new URL(page.url()).pathname).to.equal('/console/login');
    });

    it('refuses an account without the operator scope', async () => {
      idp.account = { sub: 'reception', scope: 'openid' };
      await signIn();
      await page.waitForURL(/\/console\/oauth\/callback/);
      expect(await page.getByRole('alert').textContent()).to.contain('does not hold the console\'s operator right (scope "frontdesk.operator")');
      await page.goto(`${base}/console/`);
      expect(new URL(page.url()).pathname).to.equal('/console/login');
    });

    it('refuses a callback with no sign-in started in this browser', async () => {
      await page.goto(`${base}/console/oauth/callback?code=abc&state=def`);
      expect(await page.getByRole('alert').textContent()).to.contain('was not started from this browser');
    });
  });
}
