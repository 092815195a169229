/**
 * Clearinghouse: claim Bundles (FHIR Claim plus what it references) over HTTPS. Every claim
 * carries an Idempotency-Key fixed when it was queued, so a retry after a timeout (when we cannot
 * know whether the first POST arrived) is recognised by the clearinghouse as the same submission.
 * The answer is read into one of: accepted (acknowledged, adjudication later), rejected (front-end
 * edits failed), or responded (a ClaimResponse came back).
 */
import type { AxiosInstance } from 'axios';
import type { Bundle, ClaimResponse, FhirResource } from 'fhir/r4.js';
import type { ClearinghouseDestination } from '../delivery/config.js';
import type { AttemptOutcome } from '../delivery/outcome.js';
import { PartnerAuth } from './auth.js';
import { FHIR_JSON, httpOutcome } from './fhir.js';
import { createHttp, send } from './http.js';

export type ClaimAnswerStatus = 'accepted' | 'rejected' | 'responded';

export interface ClaimAnswer {
  status: ClaimAnswerStatus;
  claimResponse?: ClaimResponse | undefined;
  /** The clearinghouse's own tracking id, when it sends one. */
  trackingId?: string | undefined;
}

export class ClearinghouseClient {
  readonly http: AxiosInstance;
  private readonly auth: PartnerAuth;

  constructor(private readonly dest: ClearinghouseDestination, private readonly now: () => Date = () => new Date()) {
    this.http = createHttp(dest);
    this.auth = new PartnerAuth(dest.auth, this.http, now);
  }

  /** POST a claim payload: a FHIR claim Bundle, or an X12 837P (contentType application/edi-x12). */
  async submit(claimBundle: string, idempotencyKey: string, contentType: string = FHIR_JSON): Promise<AttemptOutcome> {
    for (let round = 0; round < 2; round++) {
      const auth = await this.auth.headers();
      if (auth.failure) return auth.failure;
      const r = await send(this.http, {
        method: 'POST', url: this.dest.url, body: claimBundle,
        headers: { 'content-type': contentType, accept: contentType === FHIR_JSON ? `${FHIR_JSON}, application/json` : `${contentType}, application/json`, 'idempotency-key': idempotencyKey, ...auth.headers },
        credentialHeaders: auth.credentialHeaders,
      }, this.dest.maxRedirects);
      if (r.failure) return r.failure;
      if (r.answer.status === 401 && round === 0 && this.auth.unauthorized()) continue;
      return httpOutcome(r.answer, this.now());
    }
    return httpOutcome({ status: 401, headers: {}, body: '', url: this.dest.url }, this.now());
  }
}

/**
 * Read a clearinghouse answer (delivered or refused) into a claim status. A ClaimResponse (alone
 * or in a Bundle) is 'responded' unless its outcome is 'error'; a JSON `{ status: 'rejected' }`
 * or any 4xx is 'rejected'; anything else 2xx is 'accepted'.
 */
export function readClaimAnswer(httpStatus: number, body: string | null | undefined): ClaimAnswer {
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  const cr = findClaimResponse(json);
  const trackingId = typeof (json as { id?: unknown })?.id === 'string' && !cr ? (json as { id: string }).id : undefined;
  if (cr) return { status: cr.outcome === 'error' ? 'rejected' : 'responded', claimResponse: cr, trackingId: cr.id };
  if (httpStatus >= 400) return { status: 'rejected', trackingId };
  const s = (json as { status?: unknown })?.status;
  if (typeof s === 'string' && /^(rejected|denied|error)$/i.test(s)) return { status: 'rejected', trackingId };
  return { status: 'accepted', trackingId };
}

function findClaimResponse(json: unknown): ClaimResponse | undefined {
  const r = json as FhirResource | undefined;
  if (r?.resourceType === 'ClaimResponse') return r;
  if (r?.resourceType === 'Bundle') {
    return (r as Bundle).entry?.map((e) => e.resource).find((x): x is ClaimResponse => x?.resourceType === 'ClaimResponse');
  }
  return undefined;
}
