/**
 * The delivery outbox (tables outbox, outbox_attempts) on PostgreSQL: same states and rules as
 * ../sqlite/outbox.ts, written for several instances on one database.
 * - claimDue locks its rows with FOR UPDATE SKIP LOCKED: instances claiming at the same time get
 *   disjoint rows and never wait for each other. A row is never claimed while an older row of the
 *   same destination and ordering key is undelivered (pending, in-flight anywhere, or dead), so
 *   per-patient order holds across instances. An in-flight row whose lease ran out (its instance
 *   died) is due again for any instance.
 * - Each write is one statement (the attempt row is written by the same statement as the state
 *   change), so it is atomic without a transaction of its own.
 */
import type { Queryable } from './db.js';
import type { AttemptReport, ClaimOptions, EnqueueItem, LeaseHolder, ListFilter, OutboxAttempt, OutboxItem, OutboxState } from '../types.js';

import { type OutboxRow as Row, MAX_RESPONSE_CHARS, toItem, iso, clip } from '../outbox-rows.js';

/** Idempotent on the key: an existing row's id comes back and nothing changes (two instances racing on one key get one row). */
export async function enqueue(db: Queryable, item: EnqueueItem, now: Date = new Date()): Promise<number> {
  const t = iso(now);
  const ins = await db.query<{ id: number }>(
    `INSERT INTO outbox (destination, kind, payload, content_type, idempotency_key, ordering_key, message_id,
                         state, attempts, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [item.destination, item.kind, item.payload, item.contentType, item.idempotencyKey, item.orderingKey ?? null, item.messageId ?? null, t],
  );
  if (ins.rows[0]) return ins.rows[0].id;
  return (await db.query<{ id: number }>('SELECT id FROM outbox WHERE idempotency_key = $1', [item.idempotencyKey])).rows[0]!.id;
}

/** Lease the due rows, oldest first (one statement: select with SKIP LOCKED, then update what it locked). */
export async function claimDue(db: Queryable, opts: ClaimOptions = {}): Promise<OutboxItem[]> {
  const now = opts.now ?? new Date();
  const t = iso(now);
  const limit = opts.limit ?? 20;
  const leaseUntil = iso(new Date(now.getTime() + (opts.leaseMs ?? 120_000)));
  if (opts.destinations && opts.destinations.length === 0) return [];
  const params: unknown[] = [t, leaseUntil, limit, opts.holder?.instance ?? null, opts.holder?.boot ?? null];
  let filter = '';
  if (opts.destinations) {
    params.push([...opts.destinations]);
    filter += ` AND o.destination = ANY($${params.length}::text[])`;
  }
  if (opts.holdFirstAttempt?.length) {
    // Held: never tried at all (a replayed row has attempts reset but keeps its history, so it goes at once).
    params.push([...opts.holdFirstAttempt]);
    filter += ` AND NOT (o.attempts = 0 AND o.destination = ANY($${params.length}::text[])
                 AND NOT EXISTS (SELECT 1 FROM outbox_attempts h WHERE h.outbox_id = o.id))`;
  }
  const rows = (await db.query<Row>(
    `WITH due AS (
       SELECT o.id FROM outbox o
        WHERE ((o.state = 'pending' AND o.next_attempt_at <= $1) OR (o.state = 'in-flight' AND o.lease_until <= $1))
          ${filter}
          AND (o.ordering_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM outbox b
                 WHERE b.destination = o.destination AND b.ordering_key = o.ordering_key
                   AND b.id < o.id AND b.state <> 'delivered'))
        ORDER BY o.next_attempt_at, o.id
        LIMIT $3
        FOR UPDATE OF o SKIP LOCKED)
     UPDATE outbox SET state = 'in-flight', attempts = outbox.attempts + 1, lease_until = $2, lease_owner = $4, lease_boot = $5, updated_at = $1
       FROM due WHERE outbox.id = due.id
     RETURNING outbox.*`,
    params,
  )).rows;
  return rows.map(toItem).sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : a.id - b.id));
}

/** Extend the leases this holder still holds on these rows (one statement). */
export async function renewLeases(db: Queryable, ids: readonly number[], holder: LeaseHolder, until: Date, now: Date = new Date()): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db.query(
    `UPDATE outbox SET lease_until = $1, updated_at = $2
      WHERE id = ANY($3::bigint[]) AND state = 'in-flight' AND lease_owner = $4 AND lease_boot = $5`,
    [iso(until), iso(now), [...ids], holder.instance, holder.boot],
  );
  return r.rowCount ?? 0;
}

/** What the operator reads on a row taken back from a dead run. */
const RECLAIMED = 'interrupted: the gateway stopped during this attempt; taken back at restart';

/** Rows left in flight by earlier boots of this instance (never another instance's): pending again, due now. */
export async function reclaimAbandoned(db: Queryable, holder: LeaseHolder, now: Date = new Date()): Promise<number> {
  const t = iso(now);
  const r = await db.query(
    `UPDATE outbox SET state = 'pending', lease_until = NULL, lease_owner = NULL, lease_boot = NULL,
            next_attempt_at = $1, updated_at = $1, last_error_code = 'DELIVERY_TRANSIENT', last_error = $2
      WHERE state = 'in-flight' AND lease_owner = $3 AND (lease_boot IS NULL OR lease_boot <> $4)`,
    [t, RECLAIMED, holder.instance, holder.boot],
  );
  return r.rowCount ?? 0;
}

/** The state change and its attempt row in one statement. */
async function finish(db: Queryable, id: number, outcome: OutboxAttempt['outcome'], set: string, extra: unknown[], rep: AttemptReport, t: string): Promise<void> {
  await db.query(
    `WITH u AS (UPDATE outbox SET ${set}, lease_until = NULL, lease_owner = NULL, lease_boot = NULL, updated_at = $2, partner_status = $4, partner_response = $5 WHERE id = $1 RETURNING id, attempts)
     INSERT INTO outbox_attempts (outbox_id, attempt, at, outcome, error_code, error, partner_status, partner_response)
     SELECT id, attempts, $2, $3, $6, $7, $4, $5 FROM u`,
    [id, t, outcome, rep.partnerStatus ?? null, clip(rep.partnerResponse), rep.errorCode ?? null, clip(rep.error), ...extra],
  );
}

export async function markDelivered(db: Queryable, id: number, rep: AttemptReport = {}, now: Date = new Date()): Promise<void> {
  await finish(db, id, 'delivered', `state = 'delivered', delivered_at = $2`, [], rep, iso(now));
}

export async function scheduleRetry(db: Queryable, id: number, nextAttemptAt: Date, rep: AttemptReport, now: Date = new Date()): Promise<void> {
  await finish(db, id, 'retry', `state = 'pending', next_attempt_at = $8, last_error_code = $6, last_error = $7`, [iso(nextAttemptAt)], rep, iso(now));
}

export async function markDead(db: Queryable, id: number, rep: AttemptReport, now: Date = new Date()): Promise<void> {
  await finish(db, id, 'dead', `state = 'dead', dead_at = $2, last_error_code = $6, last_error = $7`, [], rep, iso(now));
}

export async function replayDead(db: Queryable, id: number, now: Date = new Date()): Promise<boolean> {
  const r = await db.query(
    `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, dead_at = NULL, updated_at = $1 WHERE id = $2 AND state = 'dead'`,
    [iso(now), id],
  );
  return r.rowCount === 1;
}

export async function replayAllDead(db: Queryable, filter: { destination?: string } = {}, now: Date = new Date()): Promise<number> {
  const r = filter.destination === undefined
    ? await db.query(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, dead_at = NULL, updated_at = $1 WHERE state = 'dead'`, [iso(now)])
    : await db.query(`UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, dead_at = NULL, updated_at = $1 WHERE state = 'dead' AND destination = $2`, [iso(now), filter.destination]);
  return r.rowCount ?? 0;
}

export async function getOutboxItem(db: Queryable, id: number): Promise<OutboxItem | undefined> {
  const r = (await db.query<Row>('SELECT * FROM outbox WHERE id = $1', [id])).rows[0];
  return r ? toItem(r) : undefined;
}

export async function getOutboxItemByKey(db: Queryable, idempotencyKey: string): Promise<OutboxItem | undefined> {
  const r = (await db.query<Row>('SELECT * FROM outbox WHERE idempotency_key = $1', [idempotencyKey])).rows[0];
  return r ? toItem(r) : undefined;
}

export async function listOutbox(db: Queryable, f: ListFilter = {}): Promise<OutboxItem[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.state) { params.push(f.state); where.push(`state = $${params.length}`); }
  if (f.destination) { params.push(f.destination); where.push(`destination = $${params.length}`); }
  if (f.messageId !== undefined) { params.push(f.messageId); where.push(`message_id = $${params.length}`); }
  params.push(f.limit ?? 100);
  const rows = (await db.query<Row>(`SELECT * FROM outbox ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id LIMIT $${params.length}`, params)).rows;
  return rows.map(toItem);
}

export async function attemptsOf(db: Queryable, id: number): Promise<OutboxAttempt[]> {
  const rows = (await db.query<{ attempt: number; at: string; outcome: OutboxAttempt['outcome']; error_code: string | null; error: string | null; partner_status: string | null; partner_response: string | null }>(
    'SELECT attempt, at, outcome, error_code, error, partner_status, partner_response FROM outbox_attempts WHERE outbox_id = $1 ORDER BY id', [id])).rows;
  return rows.map((r) => ({ attempt: r.attempt, at: r.at, outcome: r.outcome, errorCode: r.error_code, error: r.error, partnerStatus: r.partner_status, partnerResponse: r.partner_response }));
}

export async function outboxCounts(db: Queryable): Promise<Array<{ destination: string; state: OutboxState; count: number }>> {
  return (await db.query<{ destination: string; state: OutboxState; count: number }>('SELECT destination, state, COUNT(*) AS count FROM outbox GROUP BY destination, state ORDER BY destination, state')).rows;
}

/** Per destination, its latest failed attempt (outbox_attempts outcome retry or dead). */
export async function lastErrors(db: Queryable): Promise<Array<{ destination: string; at: string; errorCode: string | null; error: string | null }>> {
  return (await db.query<{ destination: string; at: string; errorCode: string | null; error: string | null }>(`
    SELECT DISTINCT ON (o.destination) o.destination AS destination, a.at AS at, a.error_code AS "errorCode", a.error AS error
      FROM outbox_attempts a JOIN outbox o ON o.id = a.outbox_id
     WHERE a.outcome <> 'delivered'
     ORDER BY o.destination, a.id DESC`)).rows;
}

export async function purgeDelivered(db: Queryable, before: Date): Promise<number> {
  return (await db.query(`DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < $1`, [iso(before)])).rowCount ?? 0;
}
