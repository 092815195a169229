/**
 * Claim submissions: what the clearinghouse answered, recorded against the claim
 * (table claim_submissions). A ClaimResponse is handed to billing (src/flows/claim-response.ts),
 * whose office billing-status record is kept with the claim.
 */
import type { ClaimResponse } from 'fhir/r4.js';
import { readClaimAnswer, type ClaimAnswerStatus } from '../clients/clearinghouse.js';
import { ERROR_CODES } from '../domain/errors.js';
import { claimResponseToBillingStatus } from '../flows/claim-response.js';
import type { Db } from '../store/sqlite/db.js';
import type { OutboxItem } from '../store/sqlite/outbox.js';
import type { AttemptOutcome } from './outcome.js';

/** Billing's reading of a ClaimResponse: the office billing status and the whole record. Default: billing's claimResponseToBillingStatus. */
export type BillingStatusOf = (cr: ClaimResponse) => { status: string; record?: unknown } | undefined;

export const billingStatusFromClaimResponse: BillingStatusOf = (cr) => {
  const r = claimResponseToBillingStatus(cr);
  return r.value ? { status: r.value.status, record: r.value } : undefined;
};

export interface ClaimSubmission {
  claimKey: string;
  claimId: string | null;
  outboxId: number | null;
  idempotencyKey: string;
  status: 'queued' | ClaimAnswerStatus | 'failed';
  billingStatus: string | null;
  /** The office billing-status record (recordType "billing-status") built by billing from a ClaimResponse. */
  billingRecord: Record<string, unknown> | null;
  response: string | null;
  submittedAt: string;
  answeredAt: string | null;
}

/** Note a claim as queued for the clearinghouse (the batch job does this when it enqueues). */
export function recordClaimQueued(db: Db, claimKey: string, claimId: string | undefined, outboxId: number, idempotencyKey: string, now: Date): void {
  db.prepare(
    `INSERT INTO claim_submissions (claim_key, claim_id, outbox_id, idempotency_key, status, submitted_at)
     VALUES (?, ?, ?, ?, 'queued', ?) ON CONFLICT (claim_key) DO NOTHING`,
  ).run(claimKey, claimId ?? null, outboxId, idempotencyKey, now.toISOString());
}

/**
 * After an attempt on a claim item: a final answer (delivered, or refused for good) is read and
 * stored; a transient failure changes nothing (the claim stays queued).
 */
export function recordClaimAnswer(db: Db, item: OutboxItem, outcome: AttemptOutcome, final: boolean, now: Date, billingStatusOf?: BillingStatusOf): void {
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
  const key = claimKeyOf(item);
  db.prepare(
    `INSERT INTO claim_submissions (claim_key, claim_id, outbox_id, idempotency_key, status, billing_status, billing_record, response, submitted_at, answered_at)
     VALUES (@key, NULL, @outboxId, @idem, @status, @billing, @record, @response, @now, @now)
     ON CONFLICT (claim_key) DO UPDATE SET outbox_id = @outboxId, status = @status, billing_status = @billing, billing_record = @record,
                                           response = @response, answered_at = @now`,
  ).run({
    key, outboxId: item.id, idem: item.idempotencyKey, status: answer.status, billing: billing ?? null,
    record: record === undefined ? null : JSON.stringify(record), response: body, now: now.toISOString(),
  });
}

/** The claim an outbox item carries: its idempotency key is `claim:<key>` when the batch job queued it. */
export function claimKeyOf(item: Pick<OutboxItem, 'idempotencyKey'>): string {
  return item.idempotencyKey.startsWith('claim:') ? item.idempotencyKey.slice('claim:'.length) : item.idempotencyKey;
}

export function getClaimSubmission(db: Db, claimKey: string): ClaimSubmission | undefined {
  const r = db.prepare('SELECT * FROM claim_submissions WHERE claim_key = ?').get(claimKey) as Record<string, unknown> | undefined;
  if (!r) return undefined;
  return {
    claimKey: r.claim_key as string, claimId: r.claim_id as string | null, outboxId: r.outbox_id as number | null,
    idempotencyKey: r.idempotency_key as string, status: r.status as ClaimSubmission['status'],
    billingStatus: r.billing_status as string | null,
    billingRecord: r.billing_record ? (JSON.parse(r.billing_record as string) as Record<string, unknown>) : null,
    response: r.response as string | null,
    submittedAt: r.submitted_at as string, answeredAt: r.answered_at as string | null,
  };
}
