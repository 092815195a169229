/**
 * The HTTP API (express 5), and the web console at /console (src/console/, its own login and
 * session cookie). Every other endpoint but GET /health needs an API key (401 otherwise) with
 * the endpoint's scope (403 otherwise); bodies are bounded (413); every error is an
 * OperationOutcome with the catalogue's status. Logs carry method, route, status and time, never
 * bodies.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { issue } from '../domain/issues.js';
import type { Pipeline } from '../runtime/pipeline.js';
import type { Metrics } from '../runtime/metrics.js';
import { authenticate, authorize } from './auth.js';
import { rawBody } from './body.js';
import { fhirRouter } from './fhir.js';
import { hl7Router } from './hl7v2.js';
import { officeRouter } from './office.js';
import { operatorRouter } from './operator.js';
import { DELIVERY_PATHS, deliveryRouter } from './deliveries-and-jobs.js';
import { X12_PATHS, x12Router } from './x12.js';
import { ELIGIBILITY_PATHS, eligibilityRouter } from './eligibility.js';
import type { Store } from '../store/index.js';
import type { JobDeps } from '../jobs/context.js';
import { sendError, sendOutcome } from './outcome.js';
import { consoleRouter, type ConsoleDeps } from '../console/router.js';
import { auditTrail, clientAddress } from './audit.js';
import { AuthThrottle } from './throttle.js';
import { AUDIT_EVENT_PATH, auditEventRouter } from './audit-events.js';
import { jwtVerifier } from '../auth/jwt.js';
import type { Principal } from './auth.js';
import { SMART_CONFIGURATION_PATH, smartConfigurationHandler } from './smart-configuration.js';

export interface AppDeps {
  pipeline: Pipeline;
  metrics: Metrics;
  log: Logger;
  version: string;
  /** The running gateway's job context (POST /jobs/:name/run) and the worker's wake-up (after a replay). */
  delivery?: DeliveryEdge | undefined;
  /** The store behind the X12 claim endpoints (/claims, /x12/inbound) and the eligibility checks (/eligibility). */
  store?: Store | undefined;
  /** The web console's audit sink and session settings (src/console/); the console is always mounted at /console. */
  console?: Pick<ConsoleDeps, 'audit' | 'sessions'> | undefined;
}

export interface DeliveryEdge {
  jobs?: JobDeps | undefined;
  onReplay?: (() => void) | undefined;
}

export function createApp(deps: AppDeps): express.Express {
  const { pipeline, metrics, log } = deps;
  const cfg = pipeline.config;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // Security headers on every answer: JSON APIs are never framed, sniffed or cached (PHI); HSTS when
  // the listener speaks TLS. A route that serves HTML (the console) sets its own Content-Security-Policy.
  const tlsOn = !!cfg.http.tls;
  // Set with node's setHeader from a list made once (express's res.set of an object coerces and
  // checks each value anew on every request).
  const securityHeaders: ReadonlyArray<readonly [string, string]> = [
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cache-Control', 'no-store'],
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ...(tlsOn ? [['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const] : []),
  ];
  app.use((_req, res, next) => {
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    next();
  });

  app.use((req, res, next) => {
    // Nothing to measure or build per request when the level writes no line (the bench's gateways).
    if (!log.isLevelEnabled('info')) return next();
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // Who and from where, never the query string or a body (a search by name holds PHI; it goes to the audit trail).
      const who = (res.locals.principal as { name?: string } | undefined)?.name ?? null;
      log.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, who, client: clientAddress(req) }, 'http');
    });
    next();
  });

  app.get('/health', async (_req, res) => {
    let store = 'ok';
    try {
      await pipeline.store.ping();
    } catch {
      store = 'unavailable';
    }
    // Start-up recovery runs behind the open listeners (src/runtime/recovery.ts): how much is left.
    const left = pipeline.recoveryLeft;
    res.status(store === 'ok' ? 200 : 503).json({ status: store === 'ok' ? 'ok' : 'degraded', store, ...(left > 0 ? { recovery: `recovering ${left} left`, recoveryLeft: left } : {}) });
  });

  // The web console authenticates with its own session cookie (an operator key at its login form), so it sits before the API keys.
  app.use('/console', consoleRouter({ pipeline, log, jobs: deps.delivery?.jobs, onReplay: deps.delivery?.onReplay, ...deps.console }));

  const hl7Paths = ['/hl7v2', ...cfg.channels.map((c) => c.source.http?.path).filter((p): p is string => !!p && !['/fhir', '/office', '/hl7v2'].includes(p))];
  // Every endpoint that reads or changes PHI is audited (src/http/audit.ts), and every failed authentication.
  app.use(auditTrail(pipeline.store.audit, log, ['/fhir', '/office', '/messages', ...DELIVERY_PATHS, ...X12_PATHS, ...ELIGIBILITY_PATHS, ...hl7Paths]));
  const throttle = new AuthThrottle({ maxFailures: cfg.http.auth.maxFailures, windowMs: cfg.http.auth.windowSeconds * 1000, lockoutMs: cfg.http.auth.lockoutSeconds * 1000 }, log);
  // SMART discovery is public (App Launch 2.0: clients read it before they hold a token). One route,
  // not a router mounted at /fhir that every FHIR request would enter and leave.
  const smart = smartConfigurationHandler(cfg.http.auth.jwt);
  if (smart) app.get(SMART_CONFIGURATION_PATH, smart);
  const j = cfg.http.auth.jwt;
  const jwt = j ? jwtVerifier({
    issuer: j.issuer, audience: j.audience, jwks: j.jwksFile ? { file: j.jwksFile } : { url: j.jwksUrl! },
    algorithms: j.algorithms, clockToleranceSeconds: j.clockToleranceSeconds, ...(j.maxLifetimeSeconds !== undefined ? { maxLifetimeSeconds: j.maxLifetimeSeconds } : {}),
  }) : undefined;
  app.use(authenticate(cfg.http.auth.keys, throttle, jwt));

  app.get('/metrics', authorize('metrics', 'operator'), async (_req, res) => {
    res.type('text/plain; version=0.0.4').send(await metrics.render(pipeline.store));
  });

  const body = rawBody(cfg.http.bodyLimitBytes);
  // The audit trail as AuditEvent: operators only (it names who read which patient), or a client granted system/AuditEvent.rs.
  // Mounted at its own path, which routing matches whatever the case (so does the gate: /fhir/auditevent
  // is not a way around it), and which other FHIR requests do not enter. Inside, req.path is `/` for
  // the search and `/{id}` for a read.
  const auditReader = (req: Request, res: Response) => (res.locals.principal as Principal | undefined)?.access.allows('AuditEvent', req.path === '/' ? 's' : 'r') === true;
  app.use(AUDIT_EVENT_PATH, (req, res, next) => {
    if (auditReader(req, res)) return next();
    if ((res.locals.principal as Principal | undefined)?.kind === 'jwt') {
      res.set('WWW-Authenticate', 'Bearer realm="frontdesk", error="insufficient_scope", scope="system/AuditEvent.rs"');
      return sendError(res, 'AUTH_FORBIDDEN', `Client "${(res.locals.principal as Principal).name}" lacks the scope system/AuditEvent.rs (a wildcard type does not cover the audit trail).`);
    }
    return authorize('operator')(req, res, next);
  }, auditEventRouter(pipeline.store));
  // Every FHIR route checks the caller's SMART scopes for its interaction and type (src/http/fhir-scopes.ts).
  app.use('/fhir', body, fhirRouter(pipeline, { version: deps.version }));
  app.use('/office', authorize('office'), body, officeRouter(pipeline));
  app.use('/messages', authorize('operator'), body);
  app.use(operatorRouter(pipeline));
  app.use(DELIVERY_PATHS, authorize('operator'), body);
  app.use(deliveryRouter({ store: pipeline.store, jobs: deps.delivery?.jobs, onReplay: deps.delivery?.onReplay }));
  app.use(X12_PATHS, authorize('operator'), body);
  app.use(x12Router(deps.store, undefined, { billing: cfg.billing, timezone: cfg.practice.timezone }));
  app.use(ELIGIBILITY_PATHS, authorize('operator'), body);
  app.use(eligibilityRouter(deps.store));
  app.use(hl7Paths, authorize('hl7v2'), body);
  app.use(hl7Router(pipeline));

  app.use((req: Request, res: Response) => {
    sendError(res, 'NOT_FOUND', `No route ${req.method} ${req.path}.`);
  });

  // One error handler: body-reading errors and anything unexpected become OperationOutcomes.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string; limit?: number };
    if (e.type === 'entity.too.large') return sendError(res, 'TOO_LARGE', `Request body exceeds the ${cfg.http.bodyLimitBytes}-byte limit.`);
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return sendError(res, 'MEDIA_TYPE', e.message ?? 'Unsupported encoding.');
    if (e.status && e.status >= 400 && e.status < 500) return sendOutcome(res, [issue('INPUT_UNREADABLE', e.message ?? 'Bad request.')], e.status);
    log.error({ method: req.method, path: req.path, err: e.message }, 'unhandled error');
    sendError(res, 'INTERNAL', 'Unexpected internal error; it has been logged.');
  });
  return app;
}
