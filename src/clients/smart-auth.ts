/**
 * SMART Backend Services (HL7 FHIR SMART App Launch 2.x, "client-confidential-asymmetric"):
 * POST the token endpoint with grant_type=client_credentials and a client_assertion JWT signed
 * with our private key (RS384 or ES384), header kid = the key id registered with the EHR.
 * The access token is cached until shortly before it expires; concurrent callers share one fetch.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AxiosInstance } from 'axios';
import { importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { ERROR_CODES } from '../domain/errors.js';
import type { HttpAuth } from '../delivery/config.js';
import { failed, type Failed } from '../delivery/outcome.js';
import { jsonBody, send } from './http.js';

type SmartAuth = Extract<HttpAuth, { type: 'smart-backend' }>;

export type TokenResult = { token: string; failure?: undefined } | { token?: undefined; failure: Failed };

/** The assertion lives at most five minutes (the SMART spec's ceiling). */
const ASSERTION_LIFETIME_S = 300;
/** Renew this long before the token's own expiry, so a request never leaves with a dying token. */
const RENEW_BEFORE_MS = 60_000;

export class SmartTokenProvider {
  private cached: { token: string; renewAt: number } | undefined;
  private inflight: Promise<TokenResult> | undefined;
  private key: CryptoKey | KeyObject | Uint8Array | undefined;

  constructor(
    private readonly auth: SmartAuth,
    private readonly http: AxiosInstance,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A valid access token, from cache or freshly fetched. */
  async token(): Promise<TokenResult> {
    const t = this.now().getTime();
    if (this.cached && t < this.cached.renewAt) return { token: this.cached.token };
    this.inflight ??= this.fetch().finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  /** Forget the cached token (the server answered 401 to it). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async signingKey(): Promise<CryptoKey | KeyObject | Uint8Array> {
    if (this.key) return this.key;
    const a = this.auth;
    if (a.privateJwk) this.key = await importJWK(a.privateJwk as JWK, a.alg);
    else this.key = await importPKCS8(a.privateKeyPem ?? readFileSync(a.privateKeyFile!, 'utf8'), a.alg);
    return this.key;
  }

  private async fetch(): Promise<TokenResult> {
    const a = this.auth;
    let assertion: string;
    try {
      const key = await this.signingKey();
      const iat = Math.floor(this.now().getTime() / 1000);
      assertion = await new SignJWT({})
        .setProtectedHeader({ alg: a.alg, typ: 'JWT', ...(a.kid ? { kid: a.kid } : {}) })
        .setIssuer(a.clientId)
        .setSubject(a.clientId)
        .setAudience(a.tokenUrl)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ASSERTION_LIFETIME_S)
        .setJti(randomUUID())
        .sign(key);
    } catch (e) {
      // A key that cannot be read or used is configuration, not the message: keep it queued (transient) so it goes out once the key is fixed.
      return { failure: failed('DELIVERY_TRANSIENT', `SMART private key unusable (${(e as { code?: string }).code ?? (e as Error).name})`) };
    }
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: a.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    const r = await send(this.http, {
      method: 'POST', url: a.tokenUrl, body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    }, 0);
    // Whatever went wrong at the token endpoint (a redirect we do not follow, an oversized answer)
    // is about our credentials or its configuration, never this message: transient, like a refusal below.
    if (r.failure) return { failure: { ...r.failure, errorCode: ERROR_CODES[r.failure.errorCode].retry ? r.failure.errorCode : 'DELIVERY_TRANSIENT', error: `token endpoint: ${r.failure.error}` } };
    const body = jsonBody(r.answer) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (r.answer.status !== 200 || typeof body?.access_token !== 'string') {
      // A refused token request is about our credentials, not this message: transient, so it is delivered once they are fixed.
      const err = typeof body?.error === 'string' ? ` ${body.error}` : '';
      return { failure: failed('DELIVERY_TRANSIENT', `token endpoint HTTP ${r.answer.status}${err}`, { partnerStatus: String(r.answer.status), partnerResponse: r.answer.body }) };
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    const renewAt = this.now().getTime() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 2);
    this.cached = { token: body.access_token, renewAt };
    return { token: body.access_token };
  }
}
