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
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKeyConfig, Scope } from '../config.js';
import { looksLikeJwt, type JwtVerifier } from '../auth/jwt.js';
import { FhirAccess } from '../auth/scopes.js';
import { sendError } from './outcome.js';
import type { AuthThrottle } from './throttle.js';
import { audit, clientAddress } from './audit.js';

// One-shot (node >= 20.12): no Hash object per request; createHash where it is missing.
const digest: (s: string) => Buffer = typeof hash === 'function'
  ? (s) => hash('sha256', s, 'buffer') as unknown as Buffer
  : (s) => createHash('sha256').update(s).digest();

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
  /** Refused: 429 once the address is locked out by this failure, else 401 (with the JWT's reason when one was refused). */
  const refuse = (res: Response, address: string, cred: string | undefined, refusal: string | undefined): void => {
    // Only wrong credentials count: a request without any guesses nothing.
    if (cred && throttle?.fail(address)) {
      const w = throttle.retryAfter(address);
      res.set('Retry-After', String(w));
      sendError(res, 'THROTTLED', `Too many failed authentications from this address; try again in ${w} s.`);
      return;
    }
    res.set('WWW-Authenticate', refusal ? `Bearer realm="frontdesk", error="invalid_token", error_description="${refusal.replace(/"/g, "'")}"` : 'Bearer realm="frontdesk"');
    sendError(res, 'AUTH_REQUIRED', refusal ?? (cred ? 'Unknown API key or bearer token.' : 'Send an API key or a bearer JWT: "Authorization: Bearer <key or token>" or "X-API-Key: <key>".'));
  };
  const verifyJwt = async (req: Request, res: Response, next: NextFunction, address: string, cred: string): Promise<void> => {
    const r = await jwt!.verify(cred);
    if (r.ok) {
      // JWT clients reach the FHIR API only: their SMART scopes, never Frontdesk's endpoint scopes.
      // A token's "*", "fhir" or "operator" is not a SMART scope and grants nothing here.
      const smart = r.token.scopes.filter((s) => s.includes('/'));
      res.locals.principal = { name: r.token.clientId, kind: 'jwt', scopes: smart, access: FhirAccess.of(smart) } satisfies Principal;
      return next();
    }
    if (r.failure === 'jwks-unavailable') {
      // Our side cannot check it: not the client's fault, nothing counted against its address.
      res.set('Retry-After', '30');
      sendError(res, 'AUTH_UNAVAILABLE', `${r.message} Try again later.`);
      return;
    }
    audit(req, res, { action: 'authenticate', detail: `bearer JWT refused: ${r.failure}` });
    refuse(res, address, cred, r.message);
  };
  // Synchronous unless a JWT is to be verified: an API key is known or not at once, and a
  // middleware that returns no promise costs the router no promise handling per request.
  return (req: Request, res: Response, next: NextFunction) => {
    const address = clientAddress(req) ?? '?';
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
    if (found) {
      res.locals.principal = found;
      return next();
    }
    if (cred && jwt && looksLikeJwt(cred)) return verifyJwt(req, res, next, address, cred);
    refuse(res, address, cred, undefined);
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
