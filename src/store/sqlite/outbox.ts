/**
 * The delivery outbox: what the gateway has accepted and still owes a partner.
 *
 * States: pending -> in-flight -> delivered | pending (retry) | dead; dead -> pending (replay).
 * - enqueue is idempotent on the idempotency key, so re-processing a message adds nothing.
 * - claimDue leases due rows to one worker. A row is not claimed while an older row for the same
 *   destination and ordering key (the patient) is undelivered (pending, in-flight or dead): an
 *   A08 never overtakes its A04, even when the A04 is waiting for a retry or sits in dead letter.
 * - An in-flight row whose lease ran out (the worker died mid-send) is due again. Leases name their
 *   holder (instance and boot): the live worker renews them, a restarted instance takes back what
 *   its earlier boots left in flight (reclaimAbandoned).
 * Every function is synchronous (better-sqlite3) and each write is one transaction. Statements are
 * prepared once per connection (./statements.ts): a delivery runs the same few for every row.
 */
import type { Db } from './db.js';
import { pageLimit, stmt } from './statements.js';
import type { AttemptReport, ClaimOptions, EnqueueItem, LeaseHolder, ListFilter, OutboxAttempt, OutboxItem, OutboxState } from '../types.js';

export type { OutboxState, EnqueueItem, OutboxItem, OutboxAttempt, AttemptReport, ClaimOptions, LeaseHolder, ListFilter } from '../types.js';

import { type OutboxRow as Row, MAX_RESPONSE_CHARS, toItem, iso, clip } from '../outbox-rows.js';

/**
 * Add an item to deliver. Idempotent on `idempotencyKey`: the same key again returns the id of the
 * row already there (whatever its state) and changes nothing.
 */
export function enqueue(db: Db, item: EnqueueItem, now: Date = new Date()): number {
  const t = iso(now);
  return db.transaction(() => {
    stmt(db,
      `INSERT INTO outbox (destination, kind, payload, content_type, idempotency_key, ordering_key, message_id,
                           state, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING`,
    ).run(item.destination, item.kind, item.payload, item.contentType, item.idempotencyKey,
      item.orderingKey ?? null, item.messageId ?? null, t, t, t);
    const row = stmt(db, 'SELECT id FROM outbox WHERE idempotency_key = ?').get(item.idempotencyKey) as { id: number };
    return row.id;
  }).immediate();
}

/**
 * Lease the due rows, oldest first, respecting per-destination, per-ordering-key order.
 * The returned rows are in-flight with `attempts` already incremented.
 */
export function claimDue(db: Db, opts: ClaimOptions = {}): OutboxItem[] {
  const now = opts.now ?? new Date();
  const t = iso(now);
  const limit = pageLimit(opts.limit ?? 20);
  const leaseUntil = iso(new Date(now.getTime() + (opts.leaseMs ?? 120_000)));
  return db.transaction(() => {
    const params: unknown[] = [t, t];
    let filter = '';
    if (opts.destinations) {
      if (opts.destinations.length === 0) return [];
      filter += ` AND o.destination IN (${opts.destinations.map(() => '?').join(',')})`;
      params.push(...opts.destinations);
    }
    if (opts.holdFirstAttempt?.length) {
      // Held: never tried at all (a replayed row has attempts reset but keeps its history, so it goes at once).
      filter += ` AND NOT (o.attempts = 0 AND o.destination IN (${opts.holdFirstAttempt.map(() => '?').join(',')})
                   AND NOT EXISTS (SELECT 1 FROM outbox_attempts h WHERE h.outbox_id = o.id))`;
      params.push(...opts.holdFirstAttempt);
    }
    // The page size is in the SQL, not bound (./statements.ts pageLimit: a bound LIMIT made this
    // statement, the drain's every round, compile again at every run).
    const rows = limit.cut(stmt(db,
      `SELECT o.* FROM outbox o
        WHERE ((o.state = 'pending' AND o.next_attempt_at <= ?) OR (o.state = 'in-flight' AND o.lease_until <= ?))
          ${filter}
          AND (o.ordering_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM outbox b
                 WHERE b.destination = o.destination AND b.ordering_key = o.ordering_key
                   AND b.id < o.id AND b.state <> 'delivered'))
        ORDER BY o.next_attempt_at, o.id
        ${limit.sql}`,
    ).all(...params) as Row[]);
    const owner = opts.holder?.instance ?? null;
    const boot = opts.holder?.boot ?? null;
    const lease = stmt(db,
      `UPDATE outbox SET state = 'in-flight', attempts = attempts + 1, lease_until = ?, lease_owner = ?, lease_boot = ?, updated_at = ? WHERE id = ?`,
    );
    for (const r of rows) lease.run(leaseUntil, owner, boot, t, r.id);
    return rows.map((r) => toItem({ ...r, state: 'in-flight', attempts: r.attempts + 1, lease_until: leaseUntil, lease_owner: owner, lease_boot: boot, updated_at: t }));
  }).immediate();
}

/** Extend the leases this holder still holds on these rows. */
export function renewLeases(db: Db, ids: readonly number[], holder: LeaseHolder, until: Date, now: Date = new Date()): number {
  if (ids.length === 0) return 0;
  const renew = stmt(db,
    `UPDATE outbox SET lease_until = ?, updated_at = ?
      WHERE id = ? AND state = 'in-flight' AND lease_owner = ? AND lease_boot = ?`,
  );
  return db.transaction(() => {
    let n = 0;
    for (const id of ids) n += renew.run(iso(until), iso(now), id, holder.instance, holder.boot).changes;
    return n;
  }).immediate();
}

/** What the operator reads on a row taken back from a dead run. */
const RECLAIMED = 'interrupted: the gateway stopped during this attempt; taken back at restart';

/**
 * Rows left in flight by earlier boots of this instance: pending again, due now. next_attempt_at
 * is kept (it was due when the row was leased, so it is not after now): the row keeps its place at
 * the head of the queue instead of going behind everything that became due while the gateway was down.
 */
export function reclaimAbandoned(db: Db, holder: LeaseHolder, now: Date = new Date()): number {
  const t = iso(now);
  return stmt(db,
    `UPDATE outbox SET state = 'pending', lease_until = NULL, lease_owner = NULL, lease_boot = NULL,
            next_attempt_at = MIN(next_attempt_at, ?), updated_at = ?, last_error_code = 'DELIVERY_TRANSIENT', last_error = ?
      WHERE state = 'in-flight' AND lease_owner = ? AND (lease_boot IS NULL OR lease_boot <> ?)`,
  ).run(t, t, RECLAIMED, holder.instance, holder.boot).changes;
}

function recordAttempt(db: Db, id: number, outcome: OutboxAttempt['outcome'], rep: AttemptReport, t: string): void {
  stmt(db,
    `INSERT INTO outbox_attempts (outbox_id, attempt, at, outcome, error_code, error, partner_status, partner_response)
     SELECT id, attempts, ?, ?, ?, ?, ?, ? FROM outbox WHERE id = ?`,
  ).run(t, outcome, rep.errorCode ?? null, clip(rep.error), rep.partnerStatus ?? null, clip(rep.partnerResponse), id);
}

/** The partner accepted the item (HTTP 2xx, AA/CA). */
export function markDelivered(db: Db, id: number, rep: AttemptReport = {}, now: Date = new Date()): void {
  const t = iso(now);
  db.transaction(() => {
    stmt(db,
      `UPDATE outbox SET state = 'delivered', lease_until = NULL, lease_owner = NULL, lease_boot = NULL, delivered_at = ?, updated_at = ?,
              partner_status = ?, partner_response = ?
        WHERE id = ?`,
    ).run(t, t, rep.partnerStatus ?? null, clip(rep.partnerResponse), id);
    recordAttempt(db, id, 'delivered', rep, t);
  }).immediate();
}

/** A transient failure: try again at `nextAttemptAt`. */
export function scheduleRetry(db: Db, id: number, nextAttemptAt: Date, rep: AttemptReport, now: Date = new Date()): void {
  const t = iso(now);
  db.transaction(() => {
    stmt(db,
      `UPDATE outbox SET state = 'pending', lease_until = NULL, lease_owner = NULL, lease_boot = NULL, next_attempt_at = ?, updated_at = ?,
              last_error_code = ?, last_error = ?, partner_status = ?, partner_response = ?
        WHERE id = ?`,
    ).run(iso(nextAttemptAt), t, rep.errorCode ?? null, clip(rep.error), rep.partnerStatus ?? null, clip(rep.partnerResponse), id);
    recordAttempt(db, id, 'retry', rep, t);
  }).immediate();
}

/** A permanent failure, or retries exhausted: dead letter, keeping the partner's answer. */
export function markDead(db: Db, id: number, rep: AttemptReport, now: Date = new Date()): void {
  const t = iso(now);
  db.transaction(() => {
    stmt(db,
      `UPDATE outbox SET state = 'dead', lease_until = NULL, lease_owner = NULL, lease_boot = NULL, dead_at = ?, updated_at = ?,
              last_error_code = ?, last_error = ?, partner_status = ?, partner_response = ?
        WHERE id = ?`,
    ).run(t, t, rep.errorCode ?? null, clip(rep.error), rep.partnerStatus ?? null, clip(rep.partnerResponse), id);
    recordAttempt(db, id, 'dead', rep, t);
  }).immediate();
}

/**
 * Put a dead item back in the queue, due now, with a fresh attempt budget. The attempt history
 * and the last answer stay. Returns false when the id is not a dead item.
 */
export function replayDead(db: Db, id: number, now: Date = new Date()): boolean {
  const t = iso(now);
  const r = stmt(db,
    `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, dead_at = NULL, updated_at = ?
      WHERE id = ? AND state = 'dead'`,
  ).run(t, t, id);
  return r.changes === 1;
}

/** Replay every dead item (optionally of one destination). Returns how many. */
export function replayAllDead(db: Db, filter: { destination?: string } = {}, now: Date = new Date()): number {
  const t = iso(now);
  const r = filter.destination === undefined
    ? stmt(db, `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, dead_at = NULL, updated_at = ? WHERE state = 'dead'`).run(t, t)
    : stmt(db, `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, dead_at = NULL, updated_at = ? WHERE state = 'dead' AND destination = ?`).run(t, t, filter.destination);
  return r.changes;
}

export function getOutboxItem(db: Db, id: number): OutboxItem | undefined {
  const r = stmt(db, 'SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
  return r ? toItem(r) : undefined;
}

export function getOutboxItemByKey(db: Db, idempotencyKey: string): OutboxItem | undefined {
  const r = stmt(db, 'SELECT * FROM outbox WHERE idempotency_key = ?').get(idempotencyKey) as Row | undefined;
  return r ? toItem(r) : undefined;
}

const OUTBOX_STATES: readonly OutboxState[] = ['pending', 'in-flight', 'delivered', 'dead'];

export function listOutbox(db: Db, f: ListFilter = {}): OutboxItem[] {
  const where: string[] = [];
  const params: unknown[] = [];
  // A known state is written into the SQL, not bound (a closed set; see MESSAGE_STATES in
  // ./messages.ts where(): the partial indexes on state marked a bound one, and the statement
  // was compiled again at every run). An unknown one stays bound (it matches no row).
  if (f.state) {
    if (OUTBOX_STATES.includes(f.state)) where.push(`state = '${f.state}'`);
    else { where.push('state = ?'); params.push(f.state); }
  }
  if (f.destination) { where.push('destination = ?'); params.push(f.destination); }
  if (f.messageId !== undefined) { where.push('message_id = ?'); params.push(f.messageId); }
  const limit = pageLimit(f.limit ?? 100);
  const rows = limit.cut(stmt(db,
    `SELECT * FROM outbox ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id ${limit.sql}`,
  ).all(...params) as Row[]);
  return rows.map(toItem);
}

export function attemptsOf(db: Db, id: number): OutboxAttempt[] {
  const rows = stmt(db,
    'SELECT attempt, at, outcome, error_code, error, partner_status, partner_response FROM outbox_attempts WHERE outbox_id = ? ORDER BY id',
  ).all(id) as Array<{ attempt: number; at: string; outcome: OutboxAttempt['outcome']; error_code: string | null; error: string | null; partner_status: string | null; partner_response: string | null }>;
  return rows.map((r) => ({ attempt: r.attempt, at: r.at, outcome: r.outcome, errorCode: r.error_code, error: r.error, partnerStatus: r.partner_status, partnerResponse: r.partner_response }));
}

/** Counts per destination and state, for /metrics and the operator. */
export function outboxCounts(db: Db): Array<{ destination: string; state: OutboxState; count: number }> {
  return stmt(db, 'SELECT destination, state, COUNT(*) AS count FROM outbox GROUP BY destination, state ORDER BY destination, state').all() as Array<{ destination: string; state: OutboxState; count: number }>;
}

/** Per destination, its latest failed attempt (outbox_attempts outcome retry or dead). */
export function lastErrors(db: Db): Array<{ destination: string; at: string; errorCode: string | null; error: string | null }> {
  return stmt(db, `
    SELECT o.destination AS destination, a.at AS at, a.error_code AS errorCode, a.error AS error
    FROM outbox_attempts a JOIN outbox o ON o.id = a.outbox_id
    WHERE a.id IN (SELECT max(a2.id) FROM outbox_attempts a2 JOIN outbox o2 ON o2.id = a2.outbox_id WHERE a2.outcome <> 'delivered' GROUP BY o2.destination)
    ORDER BY o.destination`).all() as Array<{ destination: string; at: string; errorCode: string | null; error: string | null }>;
}

/**
 * Retention: delete delivered rows older than `before` (and their attempts). Pending, in-flight and
 * dead rows are never purged: they are still owed.
 */
export function purgeDelivered(db: Db, before: Date): number {
  return stmt(db, `DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?`).run(iso(before)).changes;
}
