/**
 * The web console at /console, served by the gateway itself (every asset from console/assets/, no
 * CDN): login with an operator key or, when configured, OAuth/SMART (./oauth.ts), then the dashboard, message browser, message view, deliveries,
 * jobs and the validation playground. Pages are rendered on the server (./pages/); a small ES module
 * (console/assets/console.js) refreshes the dashboard and asks for confirmations.
 *
 * Security: a page is served only to a live session (kept in the store, ./session.ts; else a
 * redirect to the login form); every
 * POST needs the session's CSRF token and, when the browser sends one, a same-origin Origin; the
 * cookie is HttpOnly, SameSite=Strict, Secure over TLS; the Content-Security-Policy forbids inline
 * script (./security.ts). Errors are pages with a plain message, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { JobDeps } from '../jobs/context.js';
import type { Pipeline } from '../runtime/pipeline.js';
import { CONSOLE_ASSETS_DIR } from '../paths.js';
import { storeAudit, type ConsoleAudit } from './audit.js';
import { html } from './html.js';
import { page } from './layout.js';
import { sameOrigin, securityHeaders } from './security.js';
import { clearSessionCookie, csrfMatches, SessionStore, sessionTokenOf, setSessionCookie, type ConsoleSession, type SessionOptions } from './session.js';
import { loginPage } from './pages/login.js';
import { OAuthLogin } from './oauth.js';
import { dashboardPage, dashboardPanels } from './pages/dashboard.js';
import { gatherDashboard } from './dashboard.js';
import { messageRoutes } from './routes/messages.js';
import { actionRoutes } from './routes/actions.js';
import { playgroundRoutes } from './routes/playground.js';

export interface ConsoleDeps {
  pipeline: Pipeline;
  log: Logger;
  /** The running gateway's job context (run a job now; the dashboard's schedule). */
  jobs?: JobDeps | undefined;
  /** Wakes the delivery worker after a dead-letter replay. */
  onReplay?: (() => void) | undefined;
  /** Where the console's actions are recorded (default: the store's audit trail, see ./audit.ts). */
  audit?: ConsoleAudit | undefined;
  sessions?: SessionOptions | undefined;
}

/** What route modules get. */
export interface ConsoleContext extends Omit<ConsoleDeps, 'sessions'> {
  config: GatewayConfig;
  audit: ConsoleAudit;
  sessions: SessionStore;
}

const ASSETS: Record<string, string> = { 'console.css': 'text/css; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8' };

export function sessionOf(res: Response): ConsoleSession {
  return res.locals.consoleSession as ConsoleSession;
}

/** A page answering an error: the status and a plain message (escaped), with the frame when logged in. */
export function errorPage(res: Response, status: number, title: string, text: string): void {
  const s = res.locals.consoleSession as ConsoleSession | undefined;
  res.status(status).type('html').send(page({ title, session: s, notice: { kind: 'error', text }, body: html`<p><a href="/console/">Back to the dashboard</a></p>` }));
}

/** Only a local path inside the console may be a post-login destination (no open redirect). */
function safeNext(v: unknown): string {
  return typeof v === 'string' && /^\/console(\/[^\s\\]*)?$/.test(v) && !v.startsWith('//') ? v : '/console/';
}

export function consoleRouter(deps: ConsoleDeps): Router {
  const config = deps.pipeline.config;
  const ctx: ConsoleContext = { ...deps, config, audit: deps.audit ?? storeAudit(deps.pipeline.store.audit), sessions: new SessionStore(deps.pipeline.store.consoleSessions, config.http.auth.keys, deps.sessions, config.console.oauth ? `oauth:${config.console.oauth.name}` : undefined) };
  const router = Router();
  const forms = express.urlencoded({ extended: false, limit: config.http.bodyLimitBytes, parameterLimit: 100 });

  router.use(securityHeaders);

  const assets = new Map(Object.keys(ASSETS).map((f) => [f, readFileSync(join(CONSOLE_ASSETS_DIR, f))]));
  router.get('/assets/:file', (req, res) => {
    const f = String(req.params.file);
    const body = assets.get(f);
    if (!body) return errorPage(res, 404, 'Not found', `No console asset "${f}".`);
    res.set('Cache-Control', 'no-cache').type(ASSETS[f]!).send(body);
  });

  const oauth = config.console.oauth ? new OAuthLogin(config.console.oauth) : undefined;
  const oauthName = oauth?.config.name;

  router.get('/login', (req, res) => {
    res.type('html').send(loginPage({ next: safeNext(req.query.next), expired: req.query.expired === '1', oauthName }));
  });

  // OAuth/SMART login, when configured (./oauth.ts): out to the authorization server, and back.
  router.get('/oauth/start', (req, res) => {
    if (!oauth) return errorPage(res, 404, 'Not found', 'This gateway has no OAuth sign-in configured (console.oauth).');
    oauth.start(req, res, safeNext(req.query.next));
  });
  router.get('/oauth/callback', async (req, res) => {
    if (!oauth) return errorPage(res, 404, 'Not found', 'This gateway has no OAuth sign-in configured (console.oauth).');
    const r = await oauth.finish(req, res);
    if (!r.ok) {
      await ctx.audit.record(req, { operator: '(unauthenticated)', action: 'login', outcome: 'failure', detail: `oauth:${oauth.config.name}: ${r.reason}`.slice(0, 300) });
      res.status(r.status).type('html').send(page({
        title: 'Sign-in failed',
        notice: { kind: 'error', text: r.reason },
        body: html`<p><a href="/console/login">Back to the login page</a></p>`,
      }));
      return;
    }
    const via = `oauth:${oauth.config.name}`;
    const { token } = await ctx.sessions.open(r.operator, via);
    await ctx.audit.record(req, { operator: r.operator, action: 'login', outcome: 'success', detail: via });
    setSessionCookie(req, res, token, ctx.sessions.maxAgeMs);
    // A page that moves on by itself, not a redirect: the browser arrived here from the authorization
    // server's site, and a SameSite=Strict cookie is not sent along a redirect chain another site began.
    const next = safeNext(r.next);
    res.type('html').send(page({ title: 'Signed in', refreshTo: next, notice: { kind: 'ok', text: `Signed in as ${r.operator} with ${oauth.config.name}.` }, body: html`<p><a href="${next}">Continue to the console</a></p>` }));
  });

  router.post('/login', forms, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sameOrigin(req)) return errorPage(res, 403, 'Refused', 'This form was posted from another site.');
    const key = typeof body.key === 'string' ? body.key : '';
    const operator = key ? ctx.sessions.operatorFor(key) : undefined;
    if (!operator) {
      await ctx.audit.record(req, { operator: '(unauthenticated)', action: 'login', outcome: 'failure', detail: 'not an operator key' });
      res.status(401).type('html').send(loginPage({ next: safeNext(body.next), error: 'That key is not an operator key of this gateway.', oauthName }));
      return;
    }
    const { token } = await ctx.sessions.open(operator);
    await ctx.audit.record(req, { operator, action: 'login', outcome: 'success' });
    setSessionCookie(req, res, token, ctx.sessions.maxAgeMs);
    res.redirect(303, safeNext(body.next));
  });

  // Everything below needs a live session.
  router.use(async (req, res, next) => {
    const s = await ctx.sessions.touch(sessionTokenOf(req));
    if (s) {
      res.locals.consoleSession = s;
      // Who is acting, for the gateway's request log line (the key's name, never the key).
      res.locals.principal = { name: s.operator, kind: 'session' };
      return next();
    }
    const hadCookie = sessionTokenOf(req) !== undefined;
    if (hadCookie) clearSessionCookie(req, res);
    if (req.method === 'GET' && !req.path.endsWith('/panels')) {
      res.redirect(303, `/console/login?next=${encodeURIComponent(req.originalUrl)}${hadCookie ? '&expired=1' : ''}`);
      return;
    }
    errorPage(res, 401, 'Log in first', 'Your session has ended or you are not logged in.');
  });

  // Every POST: the form body, then same origin and the session's CSRF token.
  router.post(/.*/, forms, (req, res, next) => {
    const s = sessionOf(res);
    if (!sameOrigin(req) || !csrfMatches(s, (req.body as Record<string, unknown> | undefined)?._csrf)) {
      return errorPage(res, 403, 'Refused', 'This form is stale or was not sent by this console (CSRF check failed); reload the page and try again.');
    }
    next();
  });

  router.post('/logout', async (req, res) => {
    const s = sessionOf(res);
    await ctx.sessions.close(s);
    await ctx.audit.record(req, { operator: s.operator, action: 'logout', outcome: 'success' });
    clearSessionCookie(req, res);
    res.redirect(303, '/console/login');
  });

  const dashboardDeps = () => ({
    store: ctx.pipeline.store,
    channels: config.channels.map((c) => c.name),
    timeZone: config.practice.timezone,
    delivery: ctx.jobs?.config,
    jobsScheduled: ctx.jobs !== undefined,
  });
  router.get('/', async (_req, res) => {
    res.type('html').send(dashboardPage(sessionOf(res), await gatherDashboard(dashboardDeps())));
  });
  router.get('/dashboard/panels', async (_req, res) => {
    res.type('html').send(dashboardPanels(await gatherDashboard(dashboardDeps())).text);
  });

  messageRoutes(router, ctx);
  actionRoutes(router, ctx);
  playgroundRoutes(router, ctx);

  router.use((req, res) => errorPage(res, 404, 'Not found', `No console page ${req.path}.`));

  // Bad input and anything unexpected: a page with a plain message, never a stack trace.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') return errorPage(res, 413, 'Too large', `What you sent is larger than the gateway's ${config.http.bodyLimitBytes}-byte limit.`);
    if (e.type === 'parameters.too.many') return errorPage(res, 413, 'Too large', 'The form sent too many fields.');
    if (e.status && e.status >= 400 && e.status < 500) return errorPage(res, e.status, 'Bad request', 'The request could not be read.');
    deps.log.error({ path: req.path, err: e.message }, 'console error');
    errorPage(res, 500, 'Something went wrong', 'The console hit an unexpected error; it has been logged.');
  });
  return router;
}
