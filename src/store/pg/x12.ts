/** X12 tables (control numbers, claims, remittances, inbound files) on PostgreSQL. */
import type { Atomic, Queryable } from './db.js';
import type { X12ClaimRow, X12ClaimState } from '../x12.js';

/** ISA-13 and GS-06 are at most nine digits; the counter wraps to 1 after 999999999. */
const MAX_CONTROL = 999_999_999;

/** One statement: two instances allocating at once get two numbers (the row lock orders them). */
export async function allocateControlNumber(db: Queryable, counter: string): Promise<number> {
  return (await db.query<{ last_value: number }>(`INSERT INTO x12_control_numbers (counter, last_value) VALUES ($1, 1)
    ON CONFLICT (counter) DO UPDATE SET last_value = CASE WHEN x12_control_numbers.last_value >= $2 THEN 1 ELSE x12_control_numbers.last_value + 1 END
    RETURNING last_value`, [counter, MAX_CONTROL])).rows[0]!.last_value;
}

export async function recordClaimsSent(atomic: Atomic, rows: Array<Pick<X12ClaimRow, 'claimId' | 'interchange' | 'groupControl' | 'transactionControl' | 'destination' | 'total'>>, now: Date): Promise<void> {
  const at = now.toISOString();
  await atomic(async (db) => {
    for (const r of rows) {
      // A claim held before and now sent: one row, whose history still says why it waited.
      const before = (await db.query<{ history: string }>("DELETE FROM x12_claims WHERE claim_id = $1 AND state = 'held' AND interchange = '' RETURNING history", [r.claimId])).rows[0];
      const history = [...(before ? (JSON.parse(before.history) as unknown[]) : []), { at, state: 'sent', source: '837P' }];
      await db.query(`INSERT INTO x12_claims (claim_id, interchange, group_control, transaction_control, destination, total, state, submitted_at, updated_at, history)
                      VALUES ($1, $2, $3, $4, $5, $6, 'sent', $7, $7, $8)`,
      [r.claimId, r.interchange, r.groupControl, r.transactionControl, r.destination, r.total, at, JSON.stringify(history)]);
    }
  });
}

export async function recordClaimHeld(atomic: Atomic, claimId: string, destination: string, detail: string, total: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await atomic(async (db) => {
    const row = (await db.query<{ detail: string | null; history: string }>("SELECT detail, history FROM x12_claims WHERE claim_id = $1 AND interchange = '' FOR UPDATE", [claimId])).rows[0];
    if (!row) {
      await db.query(`INSERT INTO x12_claims (claim_id, interchange, group_control, transaction_control, destination, total, state, detail, submitted_at, updated_at, history)
                      VALUES ($1, '', '', '', $2, $3, 'held', $4, $5, $5, $6)`, [claimId, destination, total, detail, at, JSON.stringify([{ at, state: 'held', source: 'edits', detail }])]);
      return;
    }
    const history = JSON.parse(row.history) as Array<Record<string, unknown>>;
    if (row.detail !== detail) history.push({ at, state: 'held', source: 'edits', detail });
    await db.query("UPDATE x12_claims SET state = 'held', detail = $1, total = $2, destination = $3, updated_at = $4, history = $5 WHERE claim_id = $6 AND interchange = ''",
      [detail, total, destination, at, JSON.stringify(history), claimId]);
  });
}

function rowOf(r: Record<string, unknown>): X12ClaimRow {
  return {
    claimId: r.claim_id as string, interchange: r.interchange as string, groupControl: r.group_control as string,
    transactionControl: r.transaction_control as string, destination: r.destination as string, total: r.total as string,
    state: r.state as X12ClaimState, detail: (r.detail as string | null) ?? null, submittedAt: r.submitted_at as string,
    updatedAt: r.updated_at as string, billingRecord: r.billing_record ? (JSON.parse(r.billing_record as string) as Record<string, unknown>) : null,
    postingRecord: r.posting_record ? (JSON.parse(r.posting_record as string) as Record<string, unknown>) : null, history: JSON.parse(r.history as string) as X12ClaimRow['history'],
  };
}

export async function listX12Claims(db: Queryable, limit = 100): Promise<X12ClaimRow[]> {
  return (await db.query('SELECT * FROM x12_claims ORDER BY submitted_at DESC, claim_id LIMIT $1', [limit])).rows.map(rowOf);
}

export async function getX12Claim(db: Queryable, claimId: string): Promise<X12ClaimRow[]> {
  return (await db.query('SELECT * FROM x12_claims WHERE claim_id = $1 ORDER BY submitted_at DESC', [claimId])).rows.map(rowOf);
}

export async function claimsInTransaction(db: Queryable, groupControl: string, transactionControl: string): Promise<X12ClaimRow[]> {
  return (await db.query('SELECT * FROM x12_claims WHERE group_control = $1 AND transaction_control = $2', [groupControl, transactionControl])).rows.map(rowOf);
}

export async function updateX12ClaimState(atomic: Atomic, claimId: string, state: X12ClaimState, source: string, detail: string | undefined, now: Date, billingRecord?: Record<string, unknown>, postingRecord?: Record<string, unknown>): Promise<boolean> {
  return atomic(async (db) => {
    const row = (await db.query("SELECT * FROM x12_claims WHERE claim_id = $1 AND interchange <> '' ORDER BY submitted_at DESC LIMIT 1 FOR UPDATE", [claimId])).rows[0] as Record<string, unknown> | undefined;
    if (!row) return false;
    const r = rowOf(row);
    const at = now.toISOString();
    r.history.push({ at, state, source, ...(detail ? { detail } : {}) });
    await db.query('UPDATE x12_claims SET state = $1, detail = $2, updated_at = $3, history = $4, billing_record = COALESCE($5, billing_record), posting_record = COALESCE($6, posting_record) WHERE claim_id = $7 AND interchange = $8',
      [state, detail ?? null, at, JSON.stringify(r.history), billingRecord ? JSON.stringify(billingRecord) : null, postingRecord ? JSON.stringify(postingRecord) : null, claimId, r.interchange]);
    return true;
  });
}

export async function claimRemittance(db: Queryable, originator: string, trace: string, amount: string, claims: number, now: Date): Promise<boolean> {
  const r = await db.query('INSERT INTO x12_remittances (originator, trace, amount, claims, posted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
    [originator, trace, amount, claims, now.toISOString()]);
  return r.rowCount === 1;
}

export async function claimInboundFile(db: Queryable, sha256: string, name: string, now: Date): Promise<boolean> {
  return (await db.query("INSERT INTO x12_inbound_files (sha256, name, outcome, picked_up_at) VALUES ($1, $2, 'picked-up', $3) ON CONFLICT DO NOTHING",
    [sha256, name, now.toISOString()])).rowCount === 1;
}

export async function finishInboundFile(db: Queryable, sha256: string, kind: string | undefined, outcome: string): Promise<void> {
  await db.query('UPDATE x12_inbound_files SET kind = $1, outcome = $2 WHERE sha256 = $3', [kind ?? null, outcome, sha256]);
}
