/**
 * Plain HTTPS destination: POST the payload exactly as queued, with its own Content-Type and an
 * Idempotency-Key (the outbox key, the same on every retry) so the receiving tool can drop repeats.
 */
import type { AxiosInstance } from 'axios';
import type { HttpDestination } from '../delivery/config.js';
import type { AttemptOutcome } from '../delivery/outcome.js';
import { PartnerAuth } from './auth.js';
import { httpOutcome } from './fhir.js';
import { createHttp, send } from './http.js';

export class WebhookClient {
  readonly http: AxiosInstance;
  private readonly auth: PartnerAuth;

  constructor(private readonly dest: HttpDestination, private readonly now: () => Date = () => new Date()) {
    this.http = createHttp(dest);
    this.auth = new PartnerAuth(dest.auth, this.http, now);
  }

  async post(payload: string, contentType: string, idempotencyKey: string): Promise<AttemptOutcome> {
    for (let round = 0; round < 2; round++) {
      const auth = await this.auth.headers();
      if (auth.failure) return auth.failure;
      const r = await send(this.http, {
        method: 'POST', url: this.dest.url, body: payload,
        headers: { 'content-type': contentType, 'idempotency-key': idempotencyKey, ...auth.headers },
        credentialHeaders: auth.credentialHeaders,
      }, this.dest.maxRedirects);
      if (r.failure) return r.failure;
      if (r.answer.status === 401 && round === 0 && this.auth.unauthorized()) continue;
      return httpOutcome(r.answer, this.now());
    }
    return httpOutcome({ status: 401, headers: {}, body: '', url: this.dest.url }, this.now());
  }
}
