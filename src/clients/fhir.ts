/**
 * FHIR destination: POST a transaction Bundle of conditional writes to the EHR's base URL.
 * 2xx: delivered. 401: the token is renewed once and the request repeated. Other answers are
 * classified by status (src/delivery/retry.ts); the body (an OperationOutcome, usually) is kept.
 */
import type { AxiosInstance } from 'axios';
import type { FhirResource } from 'fhir/r4.js';
import type { FhirDestination } from '../delivery/config.js';
import { delivered, failed, type AttemptOutcome } from '../delivery/outcome.js';
import { classifyHttpStatus, parseRetryAfter } from '../delivery/retry.js';
import { PartnerAuth } from './auth.js';
import { prepareTransaction } from './fhir-transaction.js';
import { createHttp, isOperationOutcome, jsonBody, send, type HttpAnswer } from './http.js';

export const FHIR_JSON = 'application/fhir+json';

export class FhirClient {
  readonly http: AxiosInstance;
  private readonly auth: PartnerAuth;

  constructor(private readonly dest: FhirDestination, private readonly now: () => Date = () => new Date()) {
    this.http = createHttp(dest);
    this.auth = new PartnerAuth(dest.auth, this.http, now);
  }

  /** Deliver a FHIR resource or Bundle (JSON text) as one transaction of conditional writes. */
  async deliver(payload: string): Promise<AttemptOutcome> {
    let resource: FhirResource;
    try {
      resource = JSON.parse(payload) as FhirResource;
    } catch {
      return failed('JSON_INVALID', 'outbox payload is not JSON');
    }
    if (typeof resource?.resourceType !== 'string') return failed('FHIR_RESOURCE_TYPE', 'outbox payload has no resourceType');
    const tx = prepareTransaction(resource, this.dest.writeMode);
    return this.post(this.dest.baseUrl, JSON.stringify(tx.value));
  }

  /** POST a body to a URL of this partner with its credentials; one renewal on 401. */
  async post(url: string, body: string, extraHeaders: Record<string, string> = {}): Promise<AttemptOutcome> {
    for (let round = 0; round < 2; round++) {
      const auth = await this.auth.headers();
      if (auth.failure) return auth.failure;
      const r = await send(this.http, {
        method: 'POST', url, body,
        headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON, ...extraHeaders, ...auth.headers },
        credentialHeaders: auth.credentialHeaders,
      }, this.dest.maxRedirects);
      if (r.failure) return r.failure;
      if (r.answer.status === 401 && round === 0 && this.auth.unauthorized()) continue;
      return httpOutcome(r.answer, this.now());
    }
    return failed('INTERNAL', 'unreachable');
  }
}

/** Classify an HTTP answer: delivered, transient (with Retry-After) or the partner's refusal. */
export function httpOutcome(a: HttpAnswer, now: Date): AttemptOutcome {
  const code = classifyHttpStatus(a.status);
  if (code === undefined) return delivered(String(a.status), a.body);
  const oo = isOperationOutcome(jsonBody(a)) ? ' with OperationOutcome' : '';
  return failed(code, `HTTP ${a.status}${oo}`, {
    partnerStatus: String(a.status),
    partnerResponse: a.body,
    retryAfterMs: a.status === 429 || a.status === 503 ? parseRetryAfter(a.headers['retry-after'], now) : undefined,
  });
}
