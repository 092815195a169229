/**
 * Claim submissions: what the clearinghouse answered, recorded against the claim
 * (table claim_submissions). A ClaimResponse is handed to billing (src/flows/claim-response.ts),
 * whose office billing-status record is kept with the claim.
 */
import type { ClaimResponse } from 'fhir/r4.js';
import { readClaimAnswer, type ClaimAnswerStatus } from '../clients/clearinghouse.js';
import { ERROR_CODES } from '../domain/errors.js';
import { claimResponseToBillingStatus } from '../flows/claim-response.js';
import type { ClaimSubmissionStore, OutboxItem } from '../store/index.js';
import type { AttemptOutcome } from './outcome.js';

/** Billing's reading of a ClaimResponse: the office billing status and the whole record. Default: billing's claimResponseToBillingStatus. */
export type BillingStatusOf = (cr: ClaimResponse) => { status: string; record?: unknown } | undefined;

export const billingStatusFromClaimResponse: BillingStatusOf = (cr) => {
  const r = claimResponseToBillingStatus(cr);
  return r.value ? { status: r.value.status, record: r.value } : undefined;
};

export type { ClaimSubmission } from '../store/index.js';

/**
 * After an attempt on a claim item: a final answer (delivered, or refused for good) is read and
 * stored; a transient failure changes nothing (the claim stays queued).
 */
export async function recordClaimAnswer(claims: ClaimSubmissionStore, item: OutboxItem, outcome: AttemptOutcome, final: boolean, now: Date, billingStatusOf?: BillingStatusOf): Promise<void> {
  if (!final) return;
  const body = outcome.partnerResponse ?? null;
  const httpStatus = Number(outcome.ok ? outcome.partnerStatus : outcome.partnerStatus ?? 0);
  // Retries used up on a transient answer (5xx, 429) is not the clearinghouse rejecting the claim:
  // it never took it. Only a delivery or a permanent refusal is read as its answer.
  const answer = outcome.ok || (outcome.partnerStatus && !ERROR_CODES[outcome.errorCode].retry)
    ? readClaimAnswer(httpStatus, body)
    : { status: 'failed' as const, claimResponse: undefined };
  let billing: string | undefined;
  let record: unknown;
  if (answer.claimResponse) {
    try {
      const b = (billingStatusOf ?? billingStatusFromClaimResponse)(answer.claimResponse);
      billing = b?.status;
      record = b?.record;
    } catch {
      billing = undefined;
    }
  }
  billing ??= answer.status === 'rejected' ? 'rejected' : answer.status === 'accepted' ? 'submitted' : answer.status === 'failed' ? 'submission-failed' : undefined;
  await claims.recordAnswer({
    claimKey: claimKeyOf(item), outboxId: item.id, idempotencyKey: item.idempotencyKey, status: answer.status,
    billingStatus: billing ?? null, billingRecord: record, response: body,
  }, now);
}

/** The claim an outbox item carries: its idempotency key is `claim:<key>` when the batch job queued it. */
export function claimKeyOf(item: Pick<OutboxItem, 'idempotencyKey'>): string {
  return item.idempotencyKey.startsWith('claim:') ? item.idempotencyKey.slice('claim:'.length) : item.idempotencyKey;
}
