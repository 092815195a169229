/**
 * The audit trail at the HTTP edge. Every request to an endpoint that reads or changes PHI is
 * recorded once, in the store's audit table: who (the key name or JWT client id), the client
 * address, what (action, entity, query), when, and the outcome. The query string (a search by
 * name holds PHI) goes to the audit table only; the log line of a request carries the key name
 * and client address, never the query or a body.
 *
 * The row is written BEFORE the answer leaves: `res.end` is held until the store has made the row
 * durable, so a process that dies right after answering has recorded what it answered (the
 * status is final when `end` is called). If the row cannot be written, a successful read is not
 * answered (503 STORE_FAILED: PHI is not disclosed unrecorded); any other answer (a write that
 * was committed, an error) still goes out, and the failure is logged at error. A request whose
 * client hangs up before the answer is recorded when the connection closes. A route that streams
 * (writes before `end`; none under the audited prefixes today) is recorded at `end` without
 * holding it.
 *
 * A route whose answer is known before its work is done (a search, once its parameters are
 * checked) may write the row ahead with `auditAhead`, while the work runs: the answer waits for
 * both, and the row is corrected if the answer turns out different (see `auditAhead`).
 *
 * Routes say what they did with `audit(req, res, { action, entity, query })`; a request under an
 * audited prefix that no route describes is still recorded, as its method and path. Any router
 * mounted on the app (the console's) calls `audit` the same way to record its actions (a PHI
 * reveal, a replay): that alone records the request, audited prefix or not.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { AuditActorKind, AuditAnswer, AuditEntry, AuditStore } from '../store/index.js';
import { issue, toOperationOutcome } from '../domain/issues.js';

/** What a route did, for the audit row. */
export interface AuditWhat {
  /** FHIR interaction (read, vread, search, history, create, update, delete, transaction, batch, operation) or operator action (message-read, message-replay, reveal, deadletter-replay, job-run ...). */
  action: string;
  /** `Patient/123`, `message/45`, `outbox/7`, `job/retention`; omit for a type-wide or system-wide action. */
  entity?: string | undefined;
  /** The search or filter as sent (may hold PHI: audit table only). */
  query?: string | undefined;
  /** A short note without PHI (a failure reason, a count). */
  detail?: string | undefined;
}

/** Who is calling, as the authentication middleware found it (res.locals.principal). */
export interface AuditActor {
  name: string;
  kind: AuditActorKind;
}

interface AuditState {
  what?: AuditWhat;
  hooked: boolean;
  /** Whether this request is recorded (an audited prefix, a route's `audit` call, a failed authentication). */
  wanted: boolean;
  /** The row has been written (or is being written): never twice. */
  recorded: boolean;
  /** Where rows go: set by `auditTrail` for every request of the app. */
  sink?: Sink;
  /** The row written ahead of the answer (`auditAhead`): its id once durable, and the answer it says. */
  ahead?: { id: Promise<number>; entry: AuditEntry };
  /** `res.end` was called (the answer is final). */
  ended?: boolean;
  /** The client hung up before `end`: the row says so, and the late answer changes nothing. */
  closedEarly?: boolean;
}

const STATE = Symbol('frontdesk.audit');
type WithState = Response & { [STATE]?: AuditState };

/** The app's audit sink, installed by `auditTrail`. */
interface Sink {
  store: AuditStore;
  log: Logger;
}

/**
 * Record this request in the audit trail, as `what`, when its answer is sent. Call it from any
 * route (later calls refine earlier ones: the last description wins). Safe to call on an app
 * without an audit trail (it does nothing then).
 */
export function audit(req: Request, res: Response, what: AuditWhat): void {
  const r = res as WithState;
  const state = (r[STATE] ??= fresh());
  state.what = what;
  state.wanted = true;
  hook(req, r, state);
}

/**
 * Record this request NOW, as answered `status` (the route has checked everything that could make
 * it answer otherwise), while the route still works on that answer, instead of after it: the
 * answer is still held until the row is durable, as with `audit`, and nothing is answered without
 * it. `write` writes the row together with the route's own work (a search: ResourceStore.search's
 * `audit`, which on PostgreSQL puts the INSERT in the search's statement, one round trip for both)
 * and resolves with its id, or rejects when the row was not written; without `write` the row is
 * written by itself at once (AuditStore.record), beside the work. If the answer then differs from
 * what the row says (the search failed: an error, never the data; the client hung up), the row is
 * corrected (AuditStore.amend) before the answer leaves; a row that was not written ahead is
 * written at the answer, as with `audit`; a successful read whose row cannot be written is
 * answered 503. If the process dies between the row and the answer, the row says 200 for an
 * answer that never left: the trail errs on the side of the access. Uses the description of the
 * last `audit` call; does nothing (and does not call `write`) on an app without an audit trail or
 * when called twice.
 */
export function auditAhead(req: Request, res: Response, opts: { status?: number; write?: (entry: AuditEntry) => Promise<number> } = {}): void {
  const r = res as WithState;
  const state = r[STATE];
  if (!state?.sink || !state.wanted || state.recorded) return;
  state.recorded = true;
  const entry = entryOf(req, res, state.what ?? { action: defaultAction(req, res) }, opts.status ?? 200);
  state.ahead = { id: opts.write ? opts.write(entry) : state.sink.store.record(entry), entry };
  // Settled by the answer's `end` (or the close): not an unhandled rejection meanwhile.
  state.ahead.id.catch(() => undefined);
}

/**
 * The row written ahead, corrected when the answer (`status`, `detail`) is not what it says, or
 * written now when it was not written ahead; resolves once durable. Its entry (the row with the
 * answer it turned out to have) is what a failure logs.
 */
function settle(sink: Sink, ahead: NonNullable<AuditState['ahead']>, status: number, detail: string | null): { durable: Promise<unknown>; entry: AuditEntry } {
  const a = ahead.entry;
  const outcome: AuditEntry['outcome'] = status < 400 ? 'success' : 'failure';
  const same = a.status === status && a.outcome === outcome && a.detail === detail;
  const entry = same ? a : { ...a, status, outcome, detail };
  const durable: Promise<unknown> = ahead.id.then(
    (id): Promise<unknown> | number => (same ? id : sink.store.amend(id, { status, outcome, detail })),
    () => sink.store.record(entry),
  );
  return { durable, entry };
}

const fresh = (): AuditState => ({ hooked: false, wanted: false, recorded: false });

/**
 * The client address of a request: express's req.ip, which honours `trust proxy` when the app
 * sets it; without it (the gateway's app does not), req.ip is the socket's peer address, read
 * here directly. req.ip parses X-Forwarded-For and runs the trust check on every read, and each
 * audited request reads the address twice (authentication's throttle, the audit row).
 */
export function clientAddress(req: Request): string | null {
  const trusting = (req.app as { get?: (k: string) => unknown } | undefined)?.get?.('trust proxy');
  if (!trusting) return req.socket.remoteAddress ?? null;
  return req.ip ?? req.socket.remoteAddress ?? null;
}

/** Who made the request: the principal the authentication middleware set, or nobody. */
export function actorOf(res: Response): AuditActor {
  const p = res.locals.principal as { name?: string; kind?: AuditActorKind } | undefined;
  return p?.name ? { name: p.name, kind: p.kind ?? 'api-key' } : { name: '(unauthenticated)', kind: 'anonymous' };
}

/**
 * Middleware installing the audit trail on the app: every request whose path starts with one of
 * `prefixes` is recorded (described by its route through `audit`, or by method and path), and so
 * is every failed authentication (401) anywhere. Mount it before authentication.
 */
export function auditTrail(store: AuditStore, log: Logger, prefixes: readonly string[]): RequestHandler {
  const sink: Sink = { store, log };
  // Each prefix with its trailing slash, made once (not per request and prefix).
  const dirs = prefixes.map((p) => ({ p, dir: p.endsWith('/') ? p : `${p}/` }));
  const under = (path: string) => dirs.some(({ p, dir }) => path === p || path.startsWith(dir));
  return (req: Request, res: Response, next: NextFunction) => {
    const r = res as WithState;
    const state = (r[STATE] ??= fresh());
    state.sink = sink;
    if (under(req.path)) state.wanted = true;
    hook(req, r, state);
    next();
  };
}

/** Hold `res.end` until the audit row is durable (see the header); record on an early close. */
function hook(req: Request, res: WithState, state: AuditState): void {
  if (state.hooked) return;
  state.hooked = true;
  const end = res.end.bind(res) as (...a: unknown[]) => Response;
  (res as { end: (...a: unknown[]) => Response }).end = (...args: unknown[]) => {
    // Failed authentication is a security event wherever it happens.
    const wanted = state.wanted || res.statusCode === 401 || res.statusCode === 429;
    const ahead = state.ahead;
    const first = !state.ended;
    state.ended = true;
    // A row written ahead whose client hung up first was corrected at the close: nothing to add.
    if (ahead && (state.closedEarly || !first)) return end(...args);
    if (!ahead && (state.recorded || !state.sink || !wanted)) return end(...args);
    state.recorded = true;
    const sink = state.sink!;
    let durable: Promise<unknown>;
    let entry: AuditEntry;
    // A row written ahead is only compared with the answer (no second entry built for it).
    if (ahead) ({ durable, entry } = settle(sink, ahead, res.statusCode, state.what?.detail ?? null));
    else durable = sink.store.record(entry = entryOf(req, res, state.what ?? { action: defaultAction(req, res) }));
    if (res.headersSent) {
      // Streamed: the status went out with the first write; record without holding the end.
      void durable.catch((e: unknown) => failed(sink, entry, e));
      return end(...args);
    }
    durable.then(
      () => end(...args),
      (e: unknown) => {
        failed(sink, entry, e);
        if (entry.outcome === 'success' && (req.method === 'GET' || req.method === 'HEAD')) {
          // A read that cannot be recorded is not answered: nothing disclosed without a trace.
          for (const h of res.getHeaderNames()) if (!['x-content-type-options', 'x-frame-options', 'referrer-policy', 'cache-control', 'content-security-policy', 'strict-transport-security'].includes(h)) res.removeHeader(h);
          res.statusCode = 503;
          res.setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
          res.setHeader('Retry-After', '5');
          return end(JSON.stringify(toOperationOutcome([issue('STORE_FAILED', 'The access could not be recorded in the audit trail, so it is not answered; try again.')])));
        }
        return end(...args);
      },
    );
    return res;
  };
  // A client that hangs up before the answer is complete still leaves a trace.
  res.once('close', () => {
    if (res.writableFinished || !state.sink) return;
    const sink = state.sink;
    const ahead = state.ahead;
    if (ahead) {
      // Its row is written (or being written): it says the answer never reached the client.
      if (state.ended) return;
      state.closedEarly = true;
      const { durable, entry } = settle(sink, ahead, res.statusCode, CLOSED);
      void durable.catch((e: unknown) => failed(sink, entry, e));
      return;
    }
    if (state.recorded) return;
    const wanted = state.wanted || res.statusCode === 401 || res.statusCode === 429;
    if (!wanted) return;
    state.recorded = true;
    const entry = entryOf(req, res, { ...(state.what ?? { action: defaultAction(req, res) }), detail: CLOSED });
    void sink.store.record(entry).catch((e: unknown) => failed(sink, entry, e));
  });
}

const CLOSED = 'connection closed before the answer was complete';

function failed(sink: Sink, entry: AuditEntry, e: unknown): void {
  // The access happened and could not be recorded: that is an operational error worth an alert.
  sink.log.error({ err: (e as Error).message, action: entry.action, who: entry.actor, client: entry.clientAddress }, 'audit record failed');
}

function defaultAction(req: Request, res: Response): string {
  if (res.statusCode === 401 || res.statusCode === 429) return 'authenticate';
  return ({ GET: 'read', HEAD: 'read', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[req.method] ?? req.method.toLowerCase();
}

/** The query string as sent, without the leading '?' (null when none). */
export function queryOf(req: Request): string | undefined {
  const i = req.originalUrl.indexOf('?');
  return i >= 0 && i < req.originalUrl.length - 1 ? req.originalUrl.slice(i + 1) : undefined;
}

/** The row of a request, answered `status` (by default the status it has now). */
function entryOf(req: Request, res: Response, what: AuditWhat, status = res.statusCode): AuditEntry {
  const actor = actorOf(res);
  return {
    at: new Date().toISOString(),
    actor: actor.name,
    actorKind: actor.kind,
    clientAddress: clientAddress(req),
    action: what.action,
    entity: what.entity ?? null,
    query: what.query ?? null,
    method: req.method,
    path: req.originalUrl.split('?')[0] ?? null,
    status,
    outcome: status < 400 ? 'success' : 'failure',
    detail: what.detail ?? null,
  };
}
