/**
 * API keys and bearer tokens from the configuration (`http.auth.keys`): every endpoint but
 * /health requires one, sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 * No or unknown credentials: 401; known credentials without the endpoint's scope: 403; both as
 * OperationOutcome. Keys are compared in constant time; they never reach the logs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKeyConfig, Scope } from '../config.js';
import { sendError } from './outcome.js';
import type { AuthThrottle } from './throttle.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export interface Principal {
  name: string;
  /** How it authenticated (the audit trail's actor kind). */
  kind: 'api-key' | 'jwt' | 'session';
  scopes: Scope[];
}

export function credentialOf(req: Request): string | undefined {
  const h = req.get('authorization');
  if (h) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1] : undefined;
  }
  return req.get('x-api-key') ?? undefined;
}

/**
 * Middleware: who is calling (401 when nobody we know). With a throttle, a client address that
 * sent too many wrong credentials gets 429 with Retry-After until its lockout ends, whatever it sends.
 */
export function authenticate(keys: readonly ApiKeyConfig[], throttle?: AuthThrottle): RequestHandler {
  const table = keys.map((k) => ({ digest: digest(k.key), principal: { name: k.name, kind: 'api-key' as const, scopes: k.scopes } }));
  return (req: Request, res: Response, next: NextFunction) => {
    const address = req.ip ?? req.socket.remoteAddress ?? '?';
    const wait = throttle?.retryAfter(address) ?? 0;
    if (wait > 0) {
      res.set('Retry-After', String(wait));
      sendError(res, 'THROTTLED', `Too many failed authentications from this address; try again in ${wait} s.`);
      return;
    }
    const cred = credentialOf(req);
    const d = cred ? digest(cred) : undefined;
    // Compare against every key (no early exit) so timing says nothing about which matched.
    let found: Principal | undefined;
    if (d) for (const t of table) if (timingSafeEqual(t.digest, d) && !found) found = t.principal;
    if (!found) {
      // Only wrong credentials count: a request without any guesses nothing.
      if (cred && throttle?.fail(address)) {
        const w = throttle.retryAfter(address);
        res.set('Retry-After', String(w));
        sendError(res, 'THROTTLED', `Too many failed authentications from this address; try again in ${w} s.`);
        return;
      }
      res.set('WWW-Authenticate', 'Bearer realm="frontdesk"');
      sendError(res, 'AUTH_REQUIRED', cred ? 'Unknown API key or bearer token.' : 'Send an API key: "Authorization: Bearer <key>" or "X-API-Key: <key>".');
      return;
    }
    res.locals.principal = found;
    next();
  };
}

/** Middleware: the caller must hold one of `scopes` (a key with '*' holds every scope); 403 otherwise. */
export function authorize(...scopes: Scope[]): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const p = res.locals.principal as Principal | undefined;
    if (p && (p.scopes.includes('*') || scopes.some((s) => p.scopes.includes(s)))) return next();
    sendError(res, 'AUTH_FORBIDDEN', `Key "${p?.name ?? '?'}" lacks the ${scopes.map((s) => `"${s}"`).join(' or ')} scope for this endpoint.`);
  };
}
