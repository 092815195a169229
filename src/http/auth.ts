/**
 * Who is calling: an API key from the configuration (`http.auth.keys`), or a bearer JWT from the
 * trusted authorization server (`http.auth.jwt`, a SMART Backend Services client; verified by
 * src/auth/jwt.ts). Every endpoint but /health (and the public SMART discovery document) needs
 * one, sent as `Authorization: Bearer <key or JWT>` or `X-API-Key: <key>`.
 * No or unknown credentials, or a refused JWT: 401 with `WWW-Authenticate: Bearer` (RFC 6750,
 * `error="invalid_token"` and its reason for a JWT); known credentials without the endpoint's
 * scope: 403; both as OperationOutcome. Keys are compared in constant time; keys and tokens
 * never reach the logs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKeyConfig, Scope } from '../config.js';
import { looksLikeJwt, type JwtVerifier } from '../auth/jwt.js';
import { FhirAccess } from '../auth/scopes.js';
import { sendError } from './outcome.js';
import type { AuthThrottle } from './throttle.js';
import { audit } from './audit.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export interface Principal {
  /** The key name, or the JWT's client id (the audit trail's agent). */
  name: string;
  /** How it authenticated (the audit trail's actor kind). */
  kind: 'api-key' | 'jwt' | 'session';
  /** Scopes as configured or granted (endpoint scopes and SMART scopes). */
  scopes: readonly string[];
  /** What it may do on the FHIR API, per resource type and interaction. */
  access: FhirAccess;
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
export function authenticate(keys: readonly ApiKeyConfig[], throttle?: AuthThrottle, jwt?: JwtVerifier): RequestHandler {
  const table = keys.map((k) => ({ digest: digest(k.key), principal: { name: k.name, kind: 'api-key' as const, scopes: k.scopes, access: FhirAccess.of(k.scopes) } }));
  return async (req: Request, res: Response, next: NextFunction) => {
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
    let refusal: string | undefined;
    if (!found && cred && jwt && looksLikeJwt(cred)) {
      const r = await jwt.verify(cred);
      if (r.ok) {
        // JWT clients reach the FHIR API only: their SMART scopes, never Frontdesk's endpoint scopes.
        // A token's "*", "fhir" or "operator" is not a SMART scope and grants nothing here.
        const smart = r.token.scopes.filter((s) => s.includes('/'));
        found = { name: r.token.clientId, kind: 'jwt', scopes: smart, access: FhirAccess.of(smart) };
      } else if (r.failure === 'jwks-unavailable') {
        // Our side cannot check it: not the client's fault, nothing counted against its address.
        res.set('Retry-After', '30');
        sendError(res, 'AUTH_UNAVAILABLE', `${r.message} Try again later.`);
        return;
      } else {
        refusal = r.message;
        audit(req, res, { action: 'authenticate', detail: `bearer JWT refused: ${r.failure}` });
      }
    }
    if (!found) {
      // Only wrong credentials count: a request without any guesses nothing.
      if (cred && throttle?.fail(address)) {
        const w = throttle.retryAfter(address);
        res.set('Retry-After', String(w));
        sendError(res, 'THROTTLED', `Too many failed authentications from this address; try again in ${w} s.`);
        return;
      }
      res.set('WWW-Authenticate', refusal ? `Bearer realm="frontdesk", error="invalid_token", error_description="${refusal.replace(/"/g, "'")}"` : 'Bearer realm="frontdesk"');
      sendError(res, 'AUTH_REQUIRED', refusal ?? (cred ? 'Unknown API key or bearer token.' : 'Send an API key or a bearer JWT: "Authorization: Bearer <key or token>" or "X-API-Key: <key>".'));
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
    if (p?.kind === 'jwt') return sendError(res, 'AUTH_FORBIDDEN', `Client "${p.name}" authenticated with a bearer JWT, which reaches the FHIR API only; this endpoint needs an API key with the ${scopes.map((s) => `"${s}"`).join(' or ')} scope.`);
    if (p && (p.scopes.includes('*') || scopes.some((s) => p.scopes.includes(s)))) return next();
    sendError(res, 'AUTH_FORBIDDEN', `Key "${p?.name ?? '?'}" lacks the ${scopes.map((s) => `"${s}"`).join(' or ')} scope for this endpoint.`);
  };
}
