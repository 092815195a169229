/**
 * A small local OAuth 2 authorization server for the console's sign-in tests: an express app that
 * approves every authorization request at once for the account the test chose (no login form),
 * issues one-time codes bound to the PKCE challenge and redirect URI, exchanges them at /token for
 * an id_token signed with a key the test generated (./jwt-issuer.ts), and serves that key at /jwks.
 * `mode` makes it misbehave the way a test needs: answer with another state, or bind the code to a
 * challenge the browser's verifier does not match (a code from someone else's sign-in).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import { SignJWT } from 'jose';
import { jwksOf, testKey, type TestKey } from './jwt-issuer.js';

export interface TestAccount {
  sub: string;
  scope: string;
  /** A `roles` claim in the tokens, when set. */
  roles?: string[];
}

export interface AuthServerOptions {
  /** A confidential client: /token wants this secret by HTTP Basic (else invalid_client). */
  clientSecret?: string;
  /** The access token is a JWT for this audience (SMART), signed like the id_token; else an opaque string. */
  accessTokenAudience?: string;
}

export interface TestAuthServer {
  /** For the browser (another site than the gateway's 127.0.0.1: cookies see a cross-site navigation). */
  authorizeUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  issuer: string;
  account: TestAccount;
  mode: 'normal' | 'wrong-state' | 'wrong-challenge';
  /** Show an "Approve" page at /authorize (its form posts back to this server, which redirects to the gateway) instead of redirecting at once. */
  consentPage: boolean;
  /** What /authorize last received (the test checks the PKCE parameters). */
  lastAuthorize?: Record<string, string>;
  tokenRequests: number;
  close(): Promise<void>;
}

export async function startAuthServer(clientId: string, opts: AuthServerOptions = {}): Promise<TestAuthServer> {
  const key: TestKey = await testKey('console-idp-1', 'RS256');
  const codes = new Map<string, { challenge: string; redirect: string; nonce: string; account: TestAccount }>();
  const pendingBack = new Map<string, string>();
  const app = express();
  let port = 0;
  const srv: TestAuthServer = {
    authorizeUrl: '', tokenUrl: '', jwksUrl: '', issuer: '', account: { sub: 'jdoe', scope: 'openid frontdesk.operator' }, mode: 'normal', consentPage: false, tokenRequests: 0,
    close: async () => undefined,
  };

  app.get('/authorize', (req, res) => {
    const q = req.query as Record<string, string>;
    srv.lastAuthorize = q;
    if (q.response_type !== 'code' || q.client_id !== clientId || q.code_challenge_method !== 'S256' || !q.code_challenge || !q.redirect_uri) {
      res.status(400).send('bad authorization request');
      return;
    }
    const code = randomBytes(16).toString('hex');
    const challenge = srv.mode === 'wrong-challenge' ? createHash('sha256').update('another browser\'s verifier').digest('base64url') : q.code_challenge;
    codes.set(code, { challenge, redirect: q.redirect_uri, nonce: q.nonce ?? '', account: { ...srv.account } });
    const back = new URL(q.redirect_uri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', srv.mode === 'wrong-state' ? 'not-the-state-you-sent' : q.state ?? '');
    if (!srv.consentPage) {
      res.redirect(302, back.toString());
      return;
    }
    // As at a real server: the user approves on the server's own page, so the way back to the
    // gateway is a navigation another site starts (what SameSite cookies are about).
    pendingBack.set(code, back.toString());
    res.type('html').send(`<!doctype html><html lang="en"><head><title>Test IdP</title></head><body><main><h1>Test IdP</h1>
<form method="post" action="/approve"><input type="hidden" name="code" value="${code}"><button type="submit">Approve</button></form></main></body></html>`);
  });

  app.post('/approve', express.urlencoded({ extended: false }), (req, res) => {
    const back = pendingBack.get(String((req.body as Record<string, unknown>).code));
    if (!back) { res.status(400).send('unknown'); return; }
    res.redirect(302, back);
  });

  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    srv.tokenRequests++;
    const b = req.body as Record<string, string>;
    if (opts.clientSecret !== undefined && req.get('authorization') !== `Basic ${Buffer.from(`${clientId}:${opts.clientSecret}`).toString('base64')}`) {
      res.status(401).json({ error: 'invalid_client', error_description: 'client authentication failed' });
      return;
    }
    const c = codes.get(b.code ?? '');
    codes.delete(b.code ?? '');
    if (b.grant_type !== 'authorization_code' || !c || b.client_id !== clientId || b.redirect_uri !== c.redirect) {
      res.status(400).json({ error: 'invalid_grant', error_description: 'unknown code' });
      return;
    }
    if (createHash('sha256').update(b.code_verifier ?? '').digest('base64url') !== c.challenge) {
      res.status(400).json({ error: 'invalid_grant', error_description: 'PKCE verification failed' });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = { scope: c.account.scope, ...(c.account.roles ? { roles: c.account.roles } : {}) };
    const idToken = await new SignJWT({ nonce: c.nonce, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(srv.issuer).setAudience(clientId).setSubject(c.account.sub).setIssuedAt(now).setExpirationTime(now + 300)
      .sign(key.privateKey);
    const accessToken = opts.accessTokenAudience === undefined ? randomBytes(16).toString('hex') : await new SignJWT({ client_id: clientId, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(srv.issuer).setAudience(opts.accessTokenAudience).setSubject(c.account.sub).setIssuedAt(now).setExpirationTime(now + 300)
      .sign(key.privateKey);
    res.json({ access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope: c.account.scope, id_token: idToken });
  });

  app.get('/jwks', (_req, res) => { res.json(jwksOf(key)); });

  const server: Server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
  port = (server.address() as { port: number }).port;
  srv.authorizeUrl = `http://localhost:${port}/authorize`;
  srv.tokenUrl = `http://127.0.0.1:${port}/token`;
  srv.jwksUrl = `http://127.0.0.1:${port}/jwks`;
  srv.issuer = `http://localhost:${port}`;
  srv.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return srv;
}
