/** Claim submissions (table claim_submissions) on PostgreSQL. */
import type { Queryable } from './db.js';
import type { ClaimAnswer, ClaimSubmission } from '../types.js';

export async function recordClaimQueued(db: Queryable, claimKey: string, claimId: string | undefined, outboxId: number, idempotencyKey: string, now: Date): Promise<void> {
  await db.query(`INSERT INTO claim_submissions (claim_key, claim_id, outbox_id, idempotency_key, status, submitted_at)
     VALUES ($1, $2, $3, $4, 'queued', $5) ON CONFLICT (claim_key) DO NOTHING`, [claimKey, claimId ?? null, outboxId, idempotencyKey, now.toISOString()]);
}

export async function recordClaimAnswer(db: Queryable, a: ClaimAnswer, now: Date): Promise<void> {
  await db.query(`INSERT INTO claim_submissions (claim_key, claim_id, outbox_id, idempotency_key, status, billing_status, billing_record, response, submitted_at, answered_at)
     VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (claim_key) DO UPDATE SET outbox_id = $2, status = $4, billing_status = $5, billing_record = $6, response = $7, answered_at = $8`, [
    a.claimKey, a.outboxId, a.idempotencyKey, a.status, a.billingStatus,
    a.billingRecord === undefined || a.billingRecord === null ? null : JSON.stringify(a.billingRecord), a.response, now.toISOString(),
  ]);
}

export async function getClaimSubmission(db: Queryable, claimKey: string): Promise<ClaimSubmission | undefined> {
  const r = (await db.query<Record<string, unknown>>('SELECT * FROM claim_submissions WHERE claim_key = $1', [claimKey])).rows[0];
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

export async function claimKeys(db: Queryable): Promise<string[]> {
  return (await db.query<{ claim_key: string }>('SELECT claim_key FROM claim_submissions ORDER BY claim_key')).rows.map((r) => r.claim_key);
}
