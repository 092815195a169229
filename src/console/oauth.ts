/**
 * The console's OAuth 2 / SMART login: the authorization-code flow with PKCE (RFC 7636, S256)
 * against the configured authorization server (./oauth-config.ts).
 *
 * 1. `start`: a random `state`, PKCE `code_verifier` and OpenID `nonce` are kept in a short-lived
 *    cookie for /console/oauth only (HttpOnly; SameSite=Lax, because the browser comes back from
 *    another site with a top-level GET, on which a Strict cookie would not be sent), and the browser
 *    goes to the authorize endpoint with the S256 challenge.
 * 2. `finish` (the callback): the `state` must equal the cookie's (else the answer belongs to a
 *    sign-in this browser did not start: login CSRF), the code is exchanged at the token endpoint
 *    with the verifier, and the token named by `token` is verified with the JWKS, issuer and
 *    audience (src/auth/jwt.ts), its nonce checked (id_token), and the operator right looked for
 *    in its signed claims (a scope, or a claim's value), never in the unsigned token answer.
 *
 * Every failure is a one-line reason for the page and the audit trail; nothing here throws.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { jwtVerifier, type JwtVerifier, type VerifiedToken } from '../auth/jwt.js';
import type { ConsoleOAuthConfig } from './oauth-config.js';

export const OAUTH_COOKIE = 'frontdesk_console_oauth';
const COOKIE_PATH = '/console/oauth';
/** How long a sign-in may take between leaving for the authorization server and coming back. */
const PENDING_SECONDS = 600;

interface Pending {
  state: string;
  verifier: string;
  nonce: string;
  next: string;
  redirect: string;
}

export type OAuthOutcome = { ok: true; operator: string; token: VerifiedToken; next: string } | { ok: false; reason: string; status: number };

const b64url = (n: number) => randomBytes(n).toString('base64url');
export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function cookieFlags(req: Request): string {
  return `Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax${req.secure ? '; Secure' : ''}`;
}

function readPending(req: Request): Pending | undefined {
  const header = req.get('cookie') ?? '';
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0 || part.slice(0, i).trim() !== OAUTH_COOKIE) continue;
    try {
      const p = JSON.parse(Buffer.from(part.slice(i + 1).trim(), 'base64url').toString('utf8')) as Partial<Pending>;
      if ([p.state, p.verifier, p.nonce, p.next, p.redirect].every((x) => typeof x === 'string')) return p as Pending;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export class OAuthLogin {
  private readonly verifier: JwtVerifier;

  constructor(readonly config: ConsoleOAuthConfig, opts: { fetchTimeoutMs?: number } = {}) {
    this.verifier = jwtVerifier({ issuer: config.issuer, audience: config.audience, jwks: config.jwks, fetchTimeoutMs: opts.fetchTimeoutMs });
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? 10_000;
  }

  private readonly fetchTimeoutMs: number;

  /** Where the authorization server sends the browser back. */
  redirectUri(req: Request): string {
    return this.config.redirectUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}/console/oauth/callback`;
  }

  /** Step 1: remember the pending sign-in in a cookie and send the browser to the authorize endpoint. */
  start(req: Request, res: Response, next: string): void {
    const p: Pending = { state: b64url(24), verifier: b64url(48), nonce: b64url(24), next, redirect: this.redirectUri(req) };
    res.append('Set-Cookie', `${OAUTH_COOKIE}=${Buffer.from(JSON.stringify(p)).toString('base64url')}; ${cookieFlags(req)}; Max-Age=${PENDING_SECONDS}`);
    const u = new URL(this.config.authorizeUrl);
    u.searchParams.set('response_type', 'code');
    u.searchParams.set('client_id', this.config.clientId);
    u.searchParams.set('redirect_uri', p.redirect);
    u.searchParams.set('scope', this.config.scope);
    u.searchParams.set('state', p.state);
    u.searchParams.set('nonce', p.nonce);
    u.searchParams.set('code_challenge', s256(p.verifier));
    u.searchParams.set('code_challenge_method', 'S256');
    // SMART's `aud` parameter names the resource server the token is for.
    if (this.config.token === 'access_token') u.searchParams.set('aud', this.config.audience);
    res.redirect(303, u.toString());
  }

  /** Step 2: the callback. The pending cookie is cleared whatever the outcome (a code is used once). */
  async finish(req: Request, res: Response): Promise<OAuthOutcome> {
    const pending = readPending(req);
    res.append('Set-Cookie', `${OAUTH_COOKIE}=; ${cookieFlags(req)}; Max-Age=0`);
    const q = req.query as Record<string, unknown>;
    const one = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
    const name = this.config.name;
    if (one('error')) {
      const desc = one('error_description');
      return { ok: false, status: 401, reason: `${name} refused the sign-in: ${one('error')!.slice(0, 100)}${desc ? ` (${desc.slice(0, 200)})` : ''}.` };
    }
    if (!pending) return { ok: false, status: 400, reason: `This sign-in was not started from this browser, or took longer than ${PENDING_SECONDS / 60} minutes; start it again.` };
    const state = one('state');
    if (!state || state !== pending.state) return { ok: false, status: 400, reason: `The answer from ${name} does not belong to the sign-in this browser started (state mismatch); start it again.` };
    const code = one('code');
    if (!code) return { ok: false, status: 400, reason: `The answer from ${name} carries no authorization code.` };

    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: pending.redirect, code_verifier: pending.verifier, client_id: this.config.clientId });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.config.clientSecret !== undefined) {
      // RFC 6749 2.3.1: client_id and secret form-encoded, then Basic.
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.config.clientId)}:${encodeURIComponent(this.config.clientSecret)}`).toString('base64')}`;
    }
    let answer: Record<string, unknown>;
    let status: number;
    try {
      const r = await fetch(this.config.tokenUrl, { method: 'POST', body, headers, signal: AbortSignal.timeout(this.fetchTimeoutMs) });
      status = r.status;
      answer = (await r.json().catch(() => ({}))) as Record<string, unknown>;
    } catch {
      return { ok: false, status: 502, reason: `The token endpoint of ${name} could not be reached.` };
    }
    if (status !== 200) {
      const err = typeof answer.error === 'string' ? answer.error.slice(0, 100) : `HTTP ${status}`;
      const desc = typeof answer.error_description === 'string' ? ` (${answer.error_description.slice(0, 200)})` : '';
      // invalid_grant is what a server answers to a PKCE verifier that does not match the challenge.
      return { ok: false, status: 401, reason: `${name} refused to exchange the code: ${err}${desc}.` };
    }
    const jwt = answer[this.config.token];
    if (typeof jwt !== 'string') return { ok: false, status: 502, reason: `The token answer of ${name} has no ${this.config.token}.` };
    const v = await this.verifier.verify(jwt);
    if (!v.ok) return { ok: false, status: v.failure === 'jwks-unavailable' ? 502 : 401, reason: `The ${this.config.token} from ${name} was refused: ${v.message}` };
    const claims = v.token.claims;
    if (this.config.token === 'id_token' && claims.nonce !== pending.nonce) return { ok: false, status: 401, reason: `The id_token from ${name} does not carry this sign-in's nonce (a replayed token).` };
    if (!this.grantsOperator(v.token)) return { ok: false, status: 403, reason: `Your account at ${name} does not hold the console's operator right (${this.rightText()}).` };
    const operator = claims[this.config.operatorNameClaim];
    if (typeof operator !== 'string' || operator === '') return { ok: false, status: 401, reason: `The ${this.config.token} from ${name} has no "${this.config.operatorNameClaim}" claim to name the operator.` };
    return { ok: true, operator: operator.slice(0, 200), token: v.token, next: pending.next };
  }

  private grantsOperator(t: VerifiedToken): boolean {
    const { operatorScope, operatorClaim } = this.config;
    if (operatorScope !== undefined && t.scopes.includes(operatorScope)) return true;
    if (operatorClaim !== undefined) {
      const v = t.claims[operatorClaim.name];
      if (v === operatorClaim.value) return true;
      if (Array.isArray(v) && v.includes(operatorClaim.value)) return true;
      if (typeof v === 'string' && v.split(/\s+/).includes(operatorClaim.value)) return true;
    }
    return false;
  }

  private rightText(): string {
    const parts: string[] = [];
    if (this.config.operatorScope) parts.push(`scope "${this.config.operatorScope}"`);
    if (this.config.operatorClaim) parts.push(`claim ${this.config.operatorClaim.name} = "${this.config.operatorClaim.value}"`);
    return parts.join(' or ');
  }
}
