/** Claim submissions (table claim_submissions, migrations 102-103) on SQLite. */
import type { Db } from './db.js';
import { stmt } from './statements.js';
import type { ClaimAnswer, ClaimSubmission } from '../types.js';

export function recordClaimQueued(db: Db, claimKey: string, claimId: string | undefined, outboxId: number, idempotencyKey: string, now: Date): void {
  stmt(db, `INSERT INTO claim_submissions (claim_key, claim_id, outbox_id, idempotency_key, status, submitted_at)
     VALUES (?, ?, ?, ?, 'queued', ?) ON CONFLICT (claim_key) DO NOTHING`,
  ).run(claimKey, claimId ?? null, outboxId, idempotencyKey, now.toISOString());
}

export function recordClaimAnswer(db: Db, a: ClaimAnswer, now: Date): void {
  stmt(db, `INSERT INTO claim_submissions (claim_key, claim_id, outbox_id, idempotency_key, status, billing_status, billing_record, response, submitted_at, answered_at)
     VALUES (@key, NULL, @outboxId, @idem, @status, @billing, @record, @response, @now, @now)
     ON CONFLICT (claim_key) DO UPDATE SET outbox_id = @outboxId, status = @status, billing_status = @billing, billing_record = @record,
                                           response = @response, answered_at = @now`,
  ).run({
    key: a.claimKey, outboxId: a.outboxId, idem: a.idempotencyKey, status: a.status, billing: a.billingStatus,
    record: a.billingRecord === undefined || a.billingRecord === null ? null : JSON.stringify(a.billingRecord), response: a.response, now: now.toISOString(),
  });
}

export function getClaimSubmission(db: Db, claimKey: string): ClaimSubmission | undefined {
  const r = stmt(db, 'SELECT * FROM claim_submissions WHERE claim_key = ?').get(claimKey) as Record<string, unknown> | undefined;
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

export function claimKeys(db: Db): string[] {
  return (stmt(db, 'SELECT claim_key FROM claim_submissions ORDER BY claim_key').all() as Array<{ claim_key: string }>).map((r) => r.claim_key);
}
