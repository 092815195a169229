/**
 * A test authorization server's keys: key pairs generated with jose, their public JWKS served by
 * a small local HTTP server (port 0) or written to a file, and access tokens signed with them.
 */
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface TestKey {
  kid: string;
  alg: 'RS384' | 'ES384' | 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function testKey(kid: string, alg: TestKey['alg'] = 'ES384'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export const jwksOf = (...keys: TestKey[]) => ({ keys: keys.map((k) => k.publicJwk) });

export function writeJwks(file: string, ...keys: TestKey[]): void {
  writeFileSync(file, JSON.stringify(jwksOf(...keys)));
}

/** Serve a JWKS at http://127.0.0.1:<port>/jwks.json; `fetches` counts the requests. */
export async function serveJwks(...keys: TestKey[]): Promise<{ url: string; fetches: () => number; setKeys: (...k: TestKey[]) => void; close: () => Promise<void> }> {
  let current = keys;
  let n = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    n++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(...current)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    fetches: () => n,
    setKeys: (...k) => { current = k; },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface TokenOptions {
  issuer?: string;
  audience?: string | string[];
  clientId?: string;
  scope?: string;
  /** Seconds from now (negative: already expired). */
  expiresIn?: number | null;
  notBefore?: number;
  issuedAt?: number;
  kid?: string | null;
  extra?: JWTPayload;
}

/** An access token signed with `key` (kid in the header unless `kid: null`). */
export async function signToken(key: TestKey, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...(o.scope !== undefined ? { scope: o.scope } : {}), ...(o.clientId !== undefined ? { client_id: o.clientId } : {}), ...o.extra })
    .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', ...(o.kid === null ? {} : { kid: o.kid ?? key.kid }) })
    .setIssuer(o.issuer ?? 'https://auth.test.example')
    .setAudience(o.audience ?? 'https://frontdesk.test.example/fhir')
    .setSubject(o.clientId ?? 'test-client')
    .setIssuedAt(o.issuedAt ?? now)
    .setJti(`jti-${Math.random().toString(36).slice(2)}`);
  if (o.expiresIn !== null) jwt.setExpirationTime(now + (o.expiresIn ?? 300));
  if (o.notBefore !== undefined) jwt.setNotBefore(now + o.notBefore);
  return jwt.sign(key.privateKey);
}
