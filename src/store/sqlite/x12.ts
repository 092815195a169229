/** X12 tables on SQLite (migration 201): durable control numbers and the claims sent in 837Ps with their states. */
import type { Db } from './db.js';
import type { X12ClaimRow, X12ClaimSent, X12ClaimState } from '../x12.js';
import { pageLimit, stmt } from './statements.js';

/** ISA-13 and GS-06 are at most nine digits; the counter wraps to 1 after 999999999. */
const MAX_CONTROL = 999_999_999;

/** Allocate the next value of a named counter, committed before it is returned (never reused). */
export function allocateControlNumber(db: Db, counter: string): number {
  return db.transaction(() => {
    const row = db.prepare('SELECT last_value FROM x12_control_numbers WHERE counter = ?').get(counter) as { last_value: number } | undefined;
    const next = row ? (row.last_value >= MAX_CONTROL ? 1 : row.last_value + 1) : 1;
    db.prepare('INSERT INTO x12_control_numbers (counter, last_value) VALUES (?, ?) ON CONFLICT(counter) DO UPDATE SET last_value = excluded.last_value').run(counter, next);
    return next;
  }).immediate();
}

export function recordClaimsSent(db: Db, rows: X12ClaimSent[], now: Date): void {
  const at = now.toISOString();
  const ins = db.prepare(`INSERT INTO x12_claims (claim_id, interchange, group_control, transaction_control, destination, total, state, detail, submitted_at, updated_at, history)
                          VALUES (@claimId, @interchange, @groupControl, @transactionControl, @destination, @total, 'sent', @detail, @at, @at, @history)`);
  const held = db.prepare("SELECT history FROM x12_claims WHERE claim_id = ? AND state = 'held' AND interchange = ''");
  const drop = db.prepare("DELETE FROM x12_claims WHERE claim_id = ? AND state = 'held' AND interchange = ''");
  db.transaction(() => {
    for (const r of rows) {
      // A claim held before and now sent: one row, whose history still says why it waited.
      const before = held.get(r.claimId) as { history: string } | undefined;
      const history = [...(before ? (JSON.parse(before.history) as unknown[]) : []), { at, state: 'sent', source: '837P', ...(r.detail ? { detail: r.detail } : {}) }];
      if (before) drop.run(r.claimId);
      ins.run({ claimId: r.claimId, interchange: r.interchange, groupControl: r.groupControl, transactionControl: r.transactionControl, destination: r.destination, total: r.total, detail: r.detail ?? null, at, history: JSON.stringify(history) });
    }
  })();
}

export function recordClaimHeld(db: Db, claimId: string, destination: string, detail: string, total: string, now: Date): void {
  const at = now.toISOString();
  db.transaction(() => {
    const row = db.prepare("SELECT detail, history FROM x12_claims WHERE claim_id = ? AND interchange = ''").get(claimId) as { detail: string | null; history: string } | undefined;
    if (!row) {
      db.prepare(`INSERT INTO x12_claims (claim_id, interchange, group_control, transaction_control, destination, total, state, detail, submitted_at, updated_at, history)
                  VALUES (?, '', '', '', ?, ?, 'held', ?, ?, ?, ?)`).run(claimId, destination, total, detail, at, at, JSON.stringify([{ at, state: 'held', source: 'edits', detail }]));
      return;
    }
    const history = JSON.parse(row.history) as Array<Record<string, unknown>>;
    if (row.detail !== detail) history.push({ at, state: 'held', source: 'edits', detail });
    db.prepare("UPDATE x12_claims SET state = 'held', detail = ?, total = ?, destination = ?, updated_at = ?, history = ? WHERE claim_id = ? AND interchange = ''")
      .run(detail, total, destination, at, JSON.stringify(history), claimId);
  })();
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

export function listX12Claims(db: Db, limit = 100): X12ClaimRow[] {
  // Cached, with the page size written into the SQL, not bound (./statements.ts pageLimit).
  const l = pageLimit(limit);
  return l.cut(stmt(db, `SELECT * FROM x12_claims ORDER BY submitted_at DESC, claim_id ${l.sql}`).all() as Array<Record<string, unknown>>).map(rowOf);
}

/** Every submission of one claim (CLM-01), the latest first. */
export function getX12Claim(db: Db, claimId: string): X12ClaimRow[] {
  return (db.prepare('SELECT * FROM x12_claims WHERE claim_id = ? ORDER BY submitted_at DESC').all(claimId) as Array<Record<string, unknown>>).map(rowOf);
}

/** The claims an interchange/group/transaction carried (a 999 answers by GS-06/ST-02). */
export function claimsInTransaction(db: Db, groupControl: string, transactionControl: string): X12ClaimRow[] {
  return (db.prepare('SELECT * FROM x12_claims WHERE group_control = ? AND transaction_control = ?').all(groupControl, transactionControl) as Array<Record<string, unknown>>).map(rowOf);
}

/** Move a claim's latest submission (never a held row: an answer is for what was sent) to a new state, keeping the history. */
export function updateX12ClaimState(db: Db, claimId: string, state: X12ClaimState, source: string, detail: string | undefined, now: Date, billingRecord?: Record<string, unknown>, postingRecord?: Record<string, unknown>): boolean {
  return db.transaction(() => {
    const row = db.prepare("SELECT * FROM x12_claims WHERE claim_id = ? AND interchange != '' ORDER BY submitted_at DESC LIMIT 1").get(claimId) as Record<string, unknown> | undefined;
    if (!row) return false;
    const r = rowOf(row);
    const at = now.toISOString();
    r.history.push({ at, state, source, ...(detail ? { detail } : {}) });
    db.prepare('UPDATE x12_claims SET state = ?, detail = ?, updated_at = ?, history = ?, billing_record = COALESCE(?, billing_record), posting_record = COALESCE(?, posting_record) WHERE claim_id = ? AND interchange = ?')
      .run(state, detail ?? null, at, JSON.stringify(r.history), billingRecord ? JSON.stringify(billingRecord) : null, postingRecord ? JSON.stringify(postingRecord) : null, claimId, r.interchange);
    return true;
  })();
}

export function claimRemittance(db: Db, originator: string, trace: string, amount: string, claims: number, now: Date): boolean {
  const r = db.prepare('INSERT INTO x12_remittances (originator, trace, amount, claims, posted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
    .run(originator, trace, amount, claims, now.toISOString());
  return r.changes === 1;
}

export function claimInboundFile(db: Db, sha256: string, name: string, now: Date): boolean {
  return db.prepare("INSERT INTO x12_inbound_files (sha256, name, outcome, picked_up_at) VALUES (?, ?, 'picked-up', ?) ON CONFLICT DO NOTHING")
    .run(sha256, name, now.toISOString()).changes === 1;
}

export function finishInboundFile(db: Db, sha256: string, kind: string | undefined, outcome: string): void {
  db.prepare('UPDATE x12_inbound_files SET kind = ?, outcome = ? WHERE sha256 = ?').run(kind ?? null, outcome, sha256);
}
