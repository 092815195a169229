/**
 * Verification of OAuth 2 bearer JWTs (access tokens of SMART Backend Services clients, or any
 * other JWT a Frontdesk edge must trust) with `jose`. One verifier per trusted authorization
 * server: its issuer(s), the audience(s) a token must name (our FHIR base URL), and its public
 * keys as a JWKS, from a file or a URL.
 *
 * API (also used by the web console's login, src/console/):
 *
 *     const v = jwtVerifier({ issuer, audience, jwks: { file } | { url }, clockToleranceSeconds });
 *     const r = await v.verify(token);      // never throws
 *     if (r.ok) r.token.clientId, r.token.scopes, r.token.claims
 *     else r.failure ('expired', 'audience', ...) and r.message (one line, safe to send back)
 *
 * What is checked: the signature (by the JWKS key the header's `kid` names, or the only key that
 * fits the algorithm when the token has no kid), `alg` among `algorithms` (asymmetric only: a
 * JWKS holds public keys, so 'none' and HMAC are never accepted), `iss`, `aud`, `exp` (required:
 * an access token that never expires is refused), `nbf` and `iat` when present, with
 * `clockToleranceSeconds` of skew. The client is the `client_id` claim (RFC 9068), else `azp`,
 * else `sub`. Scopes are the space-separated `scope` claim (RFC 8693 / SMART), or an `scp` array.
 *
 * A token verified once is remembered by its exact text for up to 60 s (never past its exp; exp
 * and nbf checked again each time), 1,000 tokens at most: a client repeats its access token on
 * every request, and the signature check is the costly part.
 *
 * Keys: a JWKS file is read at construction and read again (at most every 30 s) when a token
 * names a kid it does not hold, so a key rotated into the file is picked up without a restart.
 * A JWKS URL is fetched on first use and cached by jose (refetched on an unknown kid, with a
 * cooldown, `jwksCooldownMs`); a URL that cannot be fetched is the failure 'jwks-unavailable' (the caller answers
 * 503 or 401 as it sees fit; never a crash).
 */
import { readFileSync, statSync } from 'node:fs';
import { checkJwksFile, DEFAULT_JWT_ALGORITHMS } from './jwks-file.js';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';

// The configuration's checks, kept apart from jose (./jwks-file.ts says why); exported here too.
export { checkJwksFile, DEFAULT_JWT_ALGORITHMS } from './jwks-file.js';

/** Where the authorization server's public keys are. */
export type JwksSource = { file: string } | { url: string };

export interface JwtVerifierOptions {
  /** The `iss` a token must carry (one of them). */
  issuer: string | readonly string[];
  /** The `aud` a token must carry (one of them); usually the FHIR base URL. */
  audience: string | readonly string[];
  jwks: JwksSource;
  /** Accepted signature algorithms (default RS256, RS384, ES256, ES384: what SMART names). */
  algorithms?: readonly string[];
  /** Allowed clock skew for exp/nbf/iat, seconds (default 60). */
  clockToleranceSeconds?: number;
  /** Longest lifetime (exp - iat) accepted, seconds; unset: no bound. */
  maxLifetimeSeconds?: number;
  /** Timeout of a JWKS URL fetch, ms (default 5000). */
  fetchTimeoutMs?: number;
  /** After a JWKS URL fetch, an unknown kid triggers no new fetch for this long, ms (default 30000). */
  jwksCooldownMs?: number;
  /** Test seam: the current time. */
  now?: () => Date;
}

/** Verified tokens remembered (by their text), and for how long at most. */
const CACHE_ENTRIES = 1000;
const CACHE_SECONDS = 60;

/** Why a token was refused. Each is a 401 at the HTTP edge except 'jwks-unavailable' (our side). */
export type JwtFailure =
  | 'malformed' // not a compact JWS, or its payload is not JSON claims
  | 'algorithm' // alg not accepted
  | 'unknown-kid' // no key in the JWKS for the token's kid
  | 'signature' // a key was found and the signature does not verify
  | 'expired'
  | 'not-yet-valid' // nbf (or iat) in the future
  | 'issuer'
  | 'audience'
  | 'claims' // another claim problem: exp missing, lifetime too long, no client id
  | 'jwks-unavailable';

export interface VerifiedToken {
  /** `client_id`, else `azp`, else `sub`: the audit trail's agent. */
  clientId: string;
  subject: string | undefined;
  issuer: string;
  /** The granted scopes, as listed in the token (`scope` split on spaces, or `scp`). */
  scopes: string[];
  /** Expiry, ISO 8601. */
  expiresAt: string;
  /** Every claim, as verified. */
  claims: JWTPayload;
}

export type VerifyResult = { ok: true; token: VerifiedToken } | { ok: false; failure: JwtFailure; message: string };

export interface JwtVerifier {
  verify(token: string): Promise<VerifyResult>;
}

/** Three base64url parts separated by dots: a compact JWS (what tells a JWT from an API key). */
export function looksLikeJwt(s: string): boolean {
  return /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/.test(s);
}

/** The scopes a verified payload grants: SMART's space-separated `scope`, or an `scp` array. */
export function scopesOf(claims: JWTPayload): string[] {
  const s = claims.scope;
  if (typeof s === 'string') return s.split(/\s+/).filter(Boolean);
  const scp = claims.scp;
  if (Array.isArray(scp)) return scp.filter((x): x is string => typeof x === 'string');
  if (typeof scp === 'string') return scp.split(/\s+/).filter(Boolean);
  return [];
}

export function jwtVerifier(opts: JwtVerifierOptions): JwtVerifier {
  const algorithms = [...(opts.algorithms ?? DEFAULT_JWT_ALGORITHMS)];
  const tolerance = opts.clockToleranceSeconds ?? 60;
  const now = opts.now ?? (() => new Date());
  const keys = 'file' in opts.jwks ? fileKeys(opts.jwks.file) : remoteKeys(opts.jwks.url, opts.fetchTimeoutMs ?? 5000, opts.jwksCooldownMs ?? 30_000);
  const issuers = typeof opts.issuer === 'string' ? [opts.issuer] : [...opts.issuer];
  const audiences = typeof opts.audience === 'string' ? [opts.audience] : [...opts.audience];

  // Tokens verified recently, by their exact text: a client sends the same access token on every
  // request until it expires, and checking its signature again (about 1 ms of CPU for ES384) would
  // cost more than the read it guards. An entry is kept CACHE_SECONDS at most (a key taken out of
  // the JWKS stops its tokens within that time) and never past the token's own exp; exp and nbf
  // are checked again on every hit.
  const cache = new Map<string, { token: VerifiedToken; until: number; exp: number; nbf: number | undefined }>();

  return {
    async verify(token: string): Promise<VerifyResult> {
      const t = now().getTime();
      const hit = cache.get(token);
      if (hit) {
        if (t < hit.until && t < (hit.exp + tolerance) * 1000 && (hit.nbf === undefined || t >= (hit.nbf - tolerance) * 1000)) return { ok: true, token: hit.token };
        cache.delete(token);
      }
      if (!looksLikeJwt(token)) return fail('malformed', 'The bearer token is not a JWT (three base64url parts).');
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        return fail('malformed', 'The JWT header is not readable JSON.');
      }
      if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
        return fail('algorithm', `The JWT algorithm "${String(header.alg)}" is not accepted; use one of ${algorithms.join(', ')}.`);
      }
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: issuers,
          audience: audiences,
          algorithms,
          clockTolerance: tolerance,
          currentDate: now(),
          requiredClaims: ['exp'],
          ...(opts.maxLifetimeSeconds !== undefined ? { maxTokenAge: opts.maxLifetimeSeconds + tolerance } : {}),
        });
        const clientId = [payload.client_id, payload.azp, payload.sub].find((x): x is string => typeof x === 'string' && x !== '');
        if (!clientId) return fail('claims', 'The JWT names no client (client_id, azp or sub).');
        const verified: VerifiedToken = {
          clientId,
          subject: payload.sub,
          issuer: String(payload.iss),
          scopes: scopesOf(payload),
          expiresAt: new Date((payload.exp ?? 0) * 1000).toISOString(),
          claims: payload,
        };
        if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
        cache.set(token, { token: verified, until: t + CACHE_SECONDS * 1000, exp: payload.exp ?? 0, nbf: payload.nbf });
        return { ok: true, token: verified };
      } catch (e) {
        return failureOf(e, header.kid);
      }
    },
  };
}

function fail(failure: JwtFailure, message: string): VerifyResult {
  return { ok: false, failure, message };
}

/** A jose error as a failure and a message that says what to fix, never the token itself. */
function failureOf(e: unknown, kid: string | undefined): VerifyResult {
  if (e instanceof errors.JWTExpired) {
    // jose reports a token older than maxTokenAge as expired on its iat.
    if (e.claim === 'iat') return fail('claims', 'The JWT is older than the longest token lifetime accepted (iat).');
    return fail('expired', 'The JWT has expired (exp).');
  }
  if (e instanceof errors.JWTClaimValidationFailed) {
    const claim = e.claim;
    if (claim === 'iss') return fail('issuer', 'The JWT issuer (iss) is not a trusted one.');
    if (claim === 'aud') return fail('audience', 'The JWT audience (aud) does not name this server.');
    if (claim === 'nbf') return fail('not-yet-valid', 'The JWT is not valid yet (nbf).');
    if (claim === 'iat' && e.reason === 'check_failed' && /future/i.test(e.message)) return fail('not-yet-valid', 'The JWT was issued in the future (iat).');
    if (claim === 'iat') return fail('claims', 'The JWT is older than the longest token lifetime accepted (iat).');
    if (claim === 'exp') return fail('claims', 'The JWT has no expiry (exp is required).');
    return fail('claims', `The JWT claim "${claim}" is not acceptable.`);
  }
  if (e instanceof errors.JWKSNoMatchingKey) return fail('unknown-kid', kid ? `No trusted key has the JWT's kid "${kid.slice(0, 64)}".` : 'No trusted key fits the JWT (it has no kid).');
  if (e instanceof errors.JWKSMultipleMatchingKeys) return fail('unknown-kid', 'Several trusted keys fit the JWT; it must name one with kid.');
  if (e instanceof errors.JWSSignatureVerificationFailed) return fail('signature', 'The JWT signature does not verify.');
  if (e instanceof errors.JOSEAlgNotAllowed) return fail('algorithm', 'The JWT algorithm is not accepted.');
  if (e instanceof errors.JWKSTimeout) return fail('jwks-unavailable', 'The trusted keys (JWKS URL) could not be fetched in time.');
  if (e instanceof errors.JWKSInvalid) return fail('jwks-unavailable', 'The trusted keys (JWKS) are not a valid JSON Web Key Set.');
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return fail('malformed', 'The JWT is malformed.');
  if (e instanceof errors.JOSENotSupported || e instanceof errors.JWKInvalid) return fail('algorithm', 'The JWT key or algorithm is not supported.');
  if (e instanceof errors.JOSEError) return fail('malformed', `The JWT was refused (${e.code}).`);
  // fetch failures of a JWKS URL (connection refused, non-200) surface as plain errors.
  return fail('jwks-unavailable', 'The trusted keys (JWKS) could not be read.');
}

/** A JWKS file: read now, read again (at most every 30 s) when a kid is not found. */
function fileKeys(file: string): JWTVerifyGetKey {
  let set = createLocalJWKSet(readJwks(file));
  let mtime = mtimeOf(file);
  let lastCheck = Date.now();
  return async (header, token) => {
    try {
      return await set(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey) || Date.now() - lastCheck < 30_000) throw e;
      lastCheck = Date.now();
      const m = mtimeOf(file);
      if (m === mtime) throw e;
      mtime = m;
      set = createLocalJWKSet(readJwks(file));
      return set(header, token);
    }
  };
}

function remoteKeys(url: string, timeoutDuration: number, cooldownDuration: number): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), { timeoutDuration, cooldownDuration, cacheMaxAge: 10 * 60_000 });
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Read a JWKS file; throws with a one-line message when it is not one (the configuration check
 * calls `checkJwksFile` first, so at run time this only fails if the file changed under us).
 */
export function readJwks(file: string): JSONWebKeySet {
  const problem = checkJwksFile(file);
  if (problem) throw new Error(problem);
  return JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
}
