/**
 * The message store and processing attempts (tables messages, processing_attempts) on PostgreSQL.
 * Same rows and meanings as ../sqlite/messages.ts; JSON columns hold text.
 */
import { named, type Queryable } from './db.js';
import { errorCodeOf, type Issue } from '../../domain/issues.js';
import type { AckMode, AttemptReason, BacklogRow, ChannelStats, MessageSort, ContentType, ControlIdMatch, MessageFilter, MessageState, MessageSummary, NewAttempt, NewMessage, Outcome, ProcessingAttempt, ProcessingClaim, ProcessingRow, Source, StoredMessage } from '../types.js';

import { type ClaimRow, type MessageRow as Row, PROCESSING_COLUMNS, parseJson, toClaim, toProcessingRow, toSummary, toMessage } from '../message-rows.js';
import { jsonColumn } from '../json-text.js';

const INSERT_COLUMNS = `channel, source, peer, content_type, received_at, control_id, message_type, hl7_version,
      sending_application, sending_facility, content_hash, raw, raw_bytes, charset, summary, ack_mode, state, duplicate_of, issues, commit_ack_code, commit_ack, updated_at,
      patient_mrn, patient_name`;

/** A new row's values, $1-$22 (state 'received' and updated_at = received_at in the statement). */
function insertValues(m: NewMessage, at: string): unknown[] {
  return [
    m.channel, m.source, m.peer ?? null, m.contentType, at, m.controlId ?? null, m.messageType ?? null, m.hl7Version ?? null,
    m.sendingApplication ?? null, m.sendingFacility ?? null, m.contentHash, m.raw, m.rawBytes ?? null, m.charset ?? null,
    m.summary === undefined ? null : JSON.stringify(m.summary), m.ackMode, m.duplicateOf ?? null,
    m.issues?.length ? JSON.stringify(m.issues) : null, m.commitAck?.code ?? null, m.commitAck?.text ?? null,
    m.patientMrn || null, m.patientName ? m.patientName.toUpperCase() : null,
  ];
}

export async function insertMessage(db: Queryable, m: NewMessage, now: Date = new Date()): Promise<number> {
  const r = await db.query<{ id: number }>(named('insert_message', `
    INSERT INTO messages (${INSERT_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'received', $17, $18, $19, $20, $5, $21, $22)
    RETURNING id`, insertValues(m, now.toISOString())));
  return r.rows[0]!.id;
}

/**
 * insertMessage, only while the channel has exactly `rows` rows with the message's control id (as
 * this statement sees them): the duplicate check and the store of a new message in one round trip
 * (./store.ts, a group commit's frames). undefined when the count differs (a row stored meanwhile,
 * or one the caller did not know of): nothing is written then.
 */
export async function insertMessageIfRows(db: Queryable, m: NewMessage, rows: number, now: Date = new Date()): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(named('insert_message_if_rows', `
    INSERT INTO messages (${INSERT_COLUMNS})
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::bytea, $14, $15, $16, 'received', $17::bigint, $18, $19, $20, $5, $21, $22
     WHERE (SELECT count(*) FROM messages WHERE channel = $1 AND control_id = $6) = $23::bigint
    RETURNING id`, [...insertValues(m, now.toISOString()), rows]));
  return r.rows[0]?.id;
}

/**
 * insertMessageIfRows for several messages in one statement (./store.ts: the frames of a group
 * commit, one round trip instead of one each): each row only while its channel has exactly its
 * count of rows with its control id (as the statement sees them: the table before it), or without
 * that check where the count is null. Rows are numbered in the given order (unnest's order, which
 * the identity column follows: per-patient order is id order). The ids in that order, or undefined
 * when a check failed: some rows may have been written then, and the caller undoes the transaction.
 * The keys (channel, control id) of the checked rows must differ: a row's check cannot see another
 * row of the same statement.
 */
export async function insertMessagesIfRows(db: Queryable, batch: ReadonlyArray<{ m: NewMessage; rows: number | null; now: Date }>): Promise<number[] | undefined> {
  const cols: unknown[][] = Array.from({ length: 23 }, () => []);
  for (const b of batch) {
    const v = [...insertValues(b.m, b.now.toISOString()), b.rows];
    for (let i = 0; i < 23; i++) cols[i]!.push(v[i]);
  }
  const r = await db.query<{ id: number; control_id: string | null; content_hash: string }>(named('insert_messages_if_rows', `
    INSERT INTO messages (${INSERT_COLUMNS})
    SELECT x.channel, x.source, x.peer, x.content_type, x.at, x.control_id, x.message_type, x.hl7_version, x.sending_application, x.sending_facility,
        x.content_hash, x.raw, x.raw_bytes, x.charset, x.summary, x.ack_mode, 'received', x.duplicate_of, x.issues, x.commit_ack_code, x.commit_ack, x.at,
        x.patient_mrn, x.patient_name
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
        $12::text[], $13::bytea[], $14::text[], $15::text[], $16::text[], $17::bigint[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::bigint[])
        WITH ORDINALITY AS x(channel, source, peer, content_type, at, control_id, message_type, hl7_version, sending_application, sending_facility,
        content_hash, raw, raw_bytes, charset, summary, ack_mode, duplicate_of, issues, commit_ack_code, commit_ack, patient_mrn, patient_name, rows, ord)
     WHERE x.rows IS NULL OR (SELECT count(*) FROM messages e WHERE e.channel = x.channel AND e.control_id = x.control_id) = x.rows
     ORDER BY x.ord
    RETURNING id, control_id, content_hash`, cols));
  if (r.rows.length !== batch.length) return undefined;
  const rows = r.rows.sort((a, b) => a.id - b.id);
  // The ids must follow the given order (per-patient order); checked, never assumed.
  rows.forEach((x, i) => {
    const m = batch[i]!.m;
    if (x.content_hash !== m.contentHash || x.control_id !== (m.controlId ?? null)) throw new Error('the rows of a multi-row insert were numbered out of their order');
  });
  return rows.map((x) => x.id);
}

/** When the acknowledgment left: migration 16's table (marks since), else the row's column (marks made before it). */
const ACK_SENT_AT = 'coalesce((SELECT a.at FROM message_acks_sent a WHERE a.message_id = messages.id), messages.ack_sent_at)';

export async function getMessage(db: Queryable, id: number): Promise<StoredMessage | undefined> {
  const r = (await db.query<Row & { ack_sent_at_now: string | null }>(`SELECT *, ${ACK_SENT_AT} AS ack_sent_at_now FROM messages WHERE id = $1`, [id])).rows[0];
  if (r) r.ack_sent_at = r.ack_sent_at_now;
  return r ? toMessage(r) : undefined;
}

/**
 * The row processing reads, locked (FOR UPDATE) until the processing transaction ends: two
 * instances that try the same message (a resend racing its original, a takeover racing a slow
 * owner) run one after the other, and the second finds it processed and answers from the row.
 */
export async function getForProcessing(db: Queryable, id: number): Promise<ProcessingRow | undefined> {
  const r = (await db.query<ClaimRow>(`SELECT ${PROCESSING_COLUMNS} FROM messages m WHERE m.id = $1 FOR UPDATE`, [id])).rows[0];
  return r ? toProcessingRow(r) : undefined;
}

/**
 * getForProcessing with the per-patient order check (message-rows.ts BLOCKER_JOIN), in one
 * statement: the row is locked (FOR UPDATE OF m: a resend racing its original, a takeover racing a
 * slow owner run one after the other), the earlier rows of the patient are only read, never
 * locked or waited for. A row being processed by another instance right now is still 'received'
 * to this statement until that instance commits, so it counts as in flight: no later message of
 * its patient passes it. One that commits after this statement began is seen at the next claim.
 */
export async function claimForProcessing(db: Queryable, id: number): Promise<ProcessingClaim | undefined> {
  const r = (await db.query<ClaimRow>(named('claim_for_processing', `SELECT ${PROCESSING_COLUMNS}, b.id AS blocker_id, b.attempts AS blocker_attempts
    FROM messages m ${LATERAL_BLOCKER} WHERE m.id = $1 FOR UPDATE OF m`, [id]))).rows[0];
  return r ? toClaim(r) : undefined;
}

/**
 * message-rows.ts BLOCKER_JOIN (the same rows and meaning: the earliest earlier row of the patient
 * still 'received'), as a LATERAL subquery. Joined on `b.id = (subquery)`, the plan a connection
 * makes while the table is new (and keeps: a named statement) hashed a sequential scan of the whole
 * table for every claim (test/store/pg-plans.test.ts); this form can only look up the one row.
 */
const LATERAL_BLOCKER = `LEFT JOIN LATERAL (
    SELECT e.id, e.attempts FROM messages e
     WHERE m.state = 'received' AND e.patient_mrn = m.patient_mrn AND e.patient_mrn IS NOT NULL
       AND e.state = 'received' AND e.id < m.id
     ORDER BY e.patient_mrn, e.id LIMIT 1) b ON true`;

/**
 * Sorted here, not by the statement: with ORDER BY id, the plan a connection makes while the table
 * is new (and keeps: a named statement) took the (channel, id) index and read every row of the
 * channel for each check (test/store/pg-plans.test.ts).
 */
export async function findByControlId(db: Queryable, channel: string, controlId: string): Promise<ControlIdMatch[]> {
  const rows = (await db.query<Row>(named('find_by_control_id', 'SELECT id, content_hash, state, ack_code, ack, commit_ack, duplicate_of FROM messages WHERE channel = $1 AND control_id = $2', [channel, controlId]))).rows;
  return rows.sort((a, b) => a.id - b.id).map((r) => ({ id: r.id, contentHash: r.content_hash, state: r.state, ackCode: r.ack_code, ack: r.ack ?? null, commitAck: r.commit_ack ?? null, duplicateOf: r.duplicate_of }));
}

export async function recordResend(db: Queryable, id: number, now: Date = new Date()): Promise<void> {
  await db.query(named('record_resend', 'UPDATE messages SET resend_count = resend_count + 1, last_resend_at = $1, updated_at = $1 WHERE id = $2', [now.toISOString(), id]));
}

export async function beginAttempt(db: Queryable, id: number, now: Date = new Date()): Promise<number> {
  const r = (await db.query<{ attempts: number }>('UPDATE messages SET attempts = attempts + 1, updated_at = $1 WHERE id = $2 RETURNING attempts', [now.toISOString(), id])).rows[0];
  return r?.attempts ?? 0;
}

/**
 * ProcessingStore.beginFirstAttempts in one round trip (a statement per id was two hundred round
 * trips per chunk of a hundred): the ids' rows in the given order, cut at the first one that is not
 * a never-attempted 'received' row (or is missing), counted; the UPDATE checks the row again as it
 * writes it (another instance may have processed it since the read).
 */
export async function beginFirstAttempts(db: Queryable, ids: readonly number[], now: Date = new Date()): Promise<Array<{ id: number; patientMrn: string | null }>> {
  if (!ids.length) return [];
  const r = await db.query<{ id: number; patient_mrn: string | null }>(named('begin_first_attempts', `WITH want AS (
      SELECT w.id, w.ord, (m.attempts = 0 AND m.state = 'received') IS TRUE AS fresh
        FROM unnest($1::bigint[]) WITH ORDINALITY AS w(id, ord) LEFT JOIN messages m ON m.id = w.id),
    cut AS (SELECT coalesce(min(ord) FILTER (WHERE NOT fresh), 9223372036854775807) AS at FROM want)
    UPDATE messages m SET attempts = m.attempts + 1, updated_at = $2
      FROM want, cut WHERE m.id = want.id AND want.ord < cut.at AND m.attempts = 0 AND m.state = 'received'
    RETURNING m.id, m.patient_mrn`, [[...ids], now.toISOString()]));
  return r.rows.map((x) => ({ id: x.id, patientMrn: x.patient_mrn })).sort((a, b) => a.id - b.id);
}

/**
 * The outcome and the error codes of this (latest) outcome, for the console's error-code search
 * (migration 11), in one statement: the codes no longer there are deleted, the new ones inserted
 * (those kept are left as they are: a row deleted and inserted again by one statement would clash).
 */
export async function recordOutcome(db: Queryable, id: number, o: Outcome, now: Date = new Date()): Promise<void> {
  const codes = [...new Set(o.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(errorCodeOf).filter((c): c is NonNullable<typeof c> => c !== undefined))];
  // The attempts that point at the outcome replaced here (migration 17) get its issues and outputs
  // from the trigger of migration 18.
  await db.query(named('record_outcome', `WITH outcome AS (
      UPDATE messages SET state = $2, flow = $3, issues = $4, outputs = $5, ack_code = $6, http_status = $7, ack = $8,
        last_error = $9, processed_at = $10, updated_at = $10, attempts = attempts + $11, http_body = $12 WHERE id = $1),
    gone AS (DELETE FROM message_error_codes WHERE message_id = $1 AND code <> ALL($13::text[]))
    INSERT INTO message_error_codes (message_id, code) SELECT $1, unnest($13::text[]) ON CONFLICT DO NOTHING`, [
    id, o.state, o.flow ?? null, o.issuesJson ? jsonColumn(o.issuesJson) : o.issues.length ? JSON.stringify(o.issues) : null, jsonColumn(o.outputs),
    o.ackCode ?? null, o.httpStatus ?? null, o.ack ?? null, o.lastError ?? null, now.toISOString(), o.countAttempt ? 1 : 0, o.httpBody ?? null, codes,
  ]));
}

/** One statement for many ids. */
export async function markAcksSent(db: Queryable, ids: readonly number[], now: Date = new Date()): Promise<void> {
  if (!ids.length) return;
  // Migration 16's table, as on SQLite: an id with no message is not kept, a second mark replaces the first.
  await db.query(`INSERT INTO message_acks_sent (message_id, at) SELECT id, $1 FROM messages WHERE id = ANY($2::bigint[])
    ON CONFLICT (message_id) DO UPDATE SET at = excluded.at`, [now.toISOString(), [...ids]]);
}

export async function recordFailure(db: Queryable, id: number, error: string, state: MessageState, now: Date = new Date()): Promise<void> {
  await db.query('UPDATE messages SET last_error = $1, state = $2, updated_at = $3 WHERE id = $4', [error, state, now.toISOString(), id]);
}

export async function resetForReplay(db: Queryable, id: number, now: Date = new Date()): Promise<boolean> {
  const r = await db.query("UPDATE messages SET state = 'received', attempts = 0, last_error = NULL, updated_at = $1 WHERE id = $2", [now.toISOString(), id]);
  return (r.rowCount ?? 0) > 0;
}

export async function pendingIds(db: Queryable, limit = 10_000, afterId = 0): Promise<number[]> {
  return (await db.query<{ id: number }>("SELECT id FROM messages WHERE state = 'received' AND id > $1 ORDER BY id LIMIT $2", [afterId, limit])).rows.map((r) => r.id);
}

/** ProcessingStore.unattemptedInRange. */
export async function unattemptedInRange(db: Queryable, fromId: number, toId: number, limit: number): Promise<BacklogRow[]> {
  return (await db.query<BacklogRow>(
    "SELECT id, channel, patient_mrn AS \"patientMrn\" FROM messages WHERE state = 'received' AND id >= $1 AND id <= $2 AND attempts = 0 ORDER BY id LIMIT $3",
    [fromId, toId, limit],
  )).rows.map((r) => ({ id: Number(r.id), channel: r.channel, patientMrn: r.patientMrn }));
}

/** Committed, never attempted, received before the cut-off (oldest first): what a dead instance left behind. */
export async function orphanedIds(db: Queryable, receivedBefore: Date, limit = 500): Promise<number[]> {
  return (await db.query<{ id: number }>("SELECT id FROM messages WHERE state = 'received' AND attempts = 0 AND received_at < $1 ORDER BY id LIMIT $2", [receivedBefore.toISOString(), limit])).rows.map((r) => r.id);
}

function where(f: MessageFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => { params.push(v); return `$${params.length}`; };
  if (f.state) parts.push(`state = ${p(f.state)}`);
  if (f.channel) parts.push(`channel = ${p(f.channel)}`);
  if (f.messageType) {
    // 'ADT' matches every ADT event; 'ADT^A04' one event.
    if (f.messageType.includes('^')) parts.push(`message_type = ${p(f.messageType)}`);
    else parts.push(`(message_type = ${p(f.messageType)} OR message_type LIKE ${p(`${f.messageType.replace(/[\\%_]/g, '\\$&')}^%`)})`);
  }
  if (f.controlId) parts.push(`control_id = ${p(f.controlId)}`);
  if (f.since) parts.push(`received_at >= ${p(f.since)}`);
  if (f.until) parts.push(`received_at < ${p(f.until)}`);
  if (f.afterId !== undefined) parts.push(`id > ${p(f.afterId)}`);
  if (f.patientMrn) parts.push(`patient_mrn = ${p(f.patientMrn)}`);
  if (f.patientName) {
    // A prefix as a range on the index (COLLATE C, as the baseline): 'SMITH' <= name < 'SMITI'.
    const pre = f.patientName.toUpperCase();
    parts.push(`patient_name >= ${p(pre)} AND patient_name < ${p(pre.slice(0, -1) + String.fromCodePoint(pre.codePointAt(pre.length - 1)! + 1))}`);
  }
  if (f.errorCode) parts.push(`id IN (SELECT message_id FROM message_error_codes WHERE code = ${p(f.errorCode)})`);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

const SUMMARY_COLUMNS = `id, channel, source, peer, content_type, received_at, control_id, message_type, hl7_version, sending_application,
  sending_facility, content_hash, charset, ack_mode, state, attempts, flow, issues, duplicate_of, resend_count, last_resend_at, commit_ack_code,
  ack_code, http_status, ${ACK_SENT_AT} AS ack_sent_at, last_error, processed_at, updated_at, patient_mrn, patient_name`;

const SORT_COLUMNS: Record<MessageSort, string> = { received: 'id', channel: 'channel', state: 'state', type: 'message_type' };

function orderBy(f: MessageFilter): string {
  const dir = f.descending === false ? 'ASC' : 'DESC';
  const col = SORT_COLUMNS[f.sort ?? 'received'];
  return col === 'id' ? `ORDER BY id ${dir}` : `ORDER BY ${col} ${dir}, id DESC`;
}

export async function listMessages(db: Queryable, f: MessageFilter = {}): Promise<MessageSummary[]> {
  const w = where(f);
  const n = w.params.length;
  const rows = (await db.query<Row>(`SELECT ${SUMMARY_COLUMNS} FROM messages ${w.sql} ${orderBy(f)} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...w.params, Math.min(Math.max(f.limit ?? 100, 1), 1000), Math.max(f.offset ?? 0, 0)])).rows;
  return rows.map(toSummary);
}

export async function countMessages(db: Queryable, f: MessageFilter = {}): Promise<number> {
  const w = where(f);
  return (await db.query<{ n: number }>(`SELECT count(*) AS n FROM messages ${w.sql}`, w.params)).rows[0]!.n;
}

export async function matchingIds(db: Queryable, f: MessageFilter, max = 10_000): Promise<number[]> {
  const w = where(f);
  return (await db.query<{ id: number }>(`SELECT id FROM messages ${w.sql} ORDER BY id LIMIT $${w.params.length + 1}`, [...w.params, max])).rows.map((r) => r.id);
}

export async function countsByChannelAndState(db: Queryable): Promise<Array<{ channel: string; state: MessageState; count: number }>> {
  return (await db.query<{ channel: string; state: MessageState; count: number }>('SELECT channel, state, count(*) AS count FROM messages GROUP BY channel, state')).rows;
}

/** The console's dashboard counts (index messages_channel_state, migration 10). */
export async function channelStats(db: Queryable, today: Date, hourAgo: Date): Promise<ChannelStats> {
  type R = { channel: string; state: MessageState; n: number; dups: number; today: number; dups_today: number };
  const byState = (await db.query<R>(`SELECT channel, state, count(*) AS n, count(duplicate_of) AS dups,
      count(*) FILTER (WHERE received_at >= $1) AS today, count(duplicate_of) FILTER (WHERE received_at >= $1) AS dups_today
      FROM messages GROUP BY channel, state`, [today.toISOString()])).rows;
  const lastHour = (await db.query<{ channel: string; count: number }>('SELECT channel, count(*) AS count FROM messages WHERE received_at >= $1 GROUP BY channel', [hourAgo.toISOString()])).rows;
  const oldest = (await db.query<{ channel: string; receivedAt: string }>(`SELECT channel, min(received_at) AS "receivedAt" FROM messages WHERE state = 'received' GROUP BY channel`)).rows;
  return {
    byState: byState.map((r) => ({ channel: r.channel, state: r.state, total: r.n, today: r.today, duplicatesTotal: r.dups, duplicatesToday: r.dups_today })),
    lastHour,
    oldestUnprocessed: oldest,
  };
}

interface AttemptRow {
  message_id: number;
  seq: number;
  reason: AttemptReason;
  at: string;
  state: MessageState;
  flow: string | null;
  ack_code: string | null;
  http_status: number | null;
  ack: string | null;
  http_body: string | null;
  issues: string | null;
  outputs: string | null;
  error: string | null;
  mapping_version: string | null;
}

export async function recordAttempt(db: Queryable, a: NewAttempt, now: Date = new Date()): Promise<number> {
  const r = await db.query<{ seq: number }>(named('record_attempt', `
    INSERT INTO processing_attempts (message_id, seq, reason, at, state, flow, ack_code, http_status, ack, issues, outputs, error, mapping_version, http_body, in_outcome)
    VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM processing_attempts WHERE message_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
    RETURNING seq`, [
    a.messageId, a.reason, now.toISOString(), a.state, a.flow ?? null, a.ackCode ?? null, a.httpStatus ?? null, a.ack ?? null,
    // By reference (migration 17): read from the message's row while they are its outcome.
    a.inOutcome ? null : a.issuesJson ? jsonColumn(a.issuesJson) : a.issues.length ? JSON.stringify(a.issues) : null, a.inOutcome ? null : jsonColumn(a.outputs),
    a.error ?? null, a.mappingVersion ?? null, a.httpBody ?? null, a.inOutcome === true,
  ]));
  return r.rows[0]!.seq;
}

export async function attemptsOf(db: Queryable, messageId: number): Promise<ProcessingAttempt[]> {
  // An attempt whose issues and outputs are its message's outcome (in_outcome) reads them there.
  const rows = (await db.query<AttemptRow>(`SELECT a.message_id, a.seq, a.reason, a.at, a.state, a.flow, a.ack_code, a.http_status, a.ack, a.http_body, a.error, a.mapping_version,
      CASE WHEN a.in_outcome THEN m.issues ELSE a.issues END AS issues, CASE WHEN a.in_outcome THEN m.outputs ELSE a.outputs END AS outputs
    FROM processing_attempts a LEFT JOIN messages m ON a.in_outcome AND m.id = a.message_id WHERE a.message_id = $1 ORDER BY a.seq`, [messageId])).rows;
  return rows.map((r) => ({
    messageId: r.message_id,
    seq: r.seq,
    reason: r.reason,
    at: r.at,
    state: r.state,
    flow: r.flow,
    ackCode: r.ack_code,
    httpStatus: r.http_status ?? null,
    ack: r.ack,
    httpBody: r.http_body ?? null,
    issues: (parseJson(r.issues) as Issue[] | null) ?? [],
    outputs: parseJson(r.outputs),
    error: r.error,
    mappingVersion: r.mapping_version,
  }));
}
