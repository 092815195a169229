/**
 * The message store (table `messages`, migration 1). Synchronous (better-sqlite3); each write is
 * one statement or one transaction. Callers own the transaction boundaries that span several
 * tables (see src/runtime/pipeline.ts).
 */
import type { Db } from './db.js';
import { pageLimit, stmt } from './statements.js';
import { likePrefix } from './like.js';
import { MESSAGE_STATES } from '../messages.js';
import { errorCodeOf, type Issue } from '../../domain/issues.js';
import type { AckMode, AttemptReason, BacklogRow, ChannelStats, MessageSort, ContentType, ControlIdMatch, MessageFilter, MessageState, MessageSummary, NewAttempt, NewMessage, Outcome, ProcessingAttempt, ProcessingClaim, ProcessingRow, Source, StoredMessage } from '../types.js';

export { MESSAGE_STATES } from '../types.js';
export type { MessageState, ContentType, AckMode, Source, NewMessage, StoredMessage, MessageSummary, MessageFilter, ProcessingRow, Outcome } from '../types.js';

import { type ClaimRow, type MessageRow as Row, BLOCKER_JOIN, PROCESSING_COLUMNS, parseJson, toClaim, toProcessingRow, toSummary, toMessage } from '../message-rows.js';
import { jsonOrGzipColumn, parseJsonColumn } from '../json-text.js';

/** The last received_at written and the millisecond it is (a group commit's frames share one: ~1 µs each, #17). */
let lastAt: { ms: number; iso: string } | undefined;

function isoOf(now: Date): string {
  const ms = now.getTime();
  if (lastAt?.ms === ms) return lastAt.iso;
  const iso = now.toISOString();
  lastAt = { ms, iso };
  return iso;
}

export function insertMessage(db: Db, m: NewMessage, now: Date = new Date()): number {
  const at = isoOf(now);
  // Positional parameters, in the columns' order (#17): binding 23 named ones from an object looked
  // each name up in it, about 1.6 µs of the statement's 4.5 for every frame intake stores.
  const info = stmt(db, `
    INSERT INTO messages (channel, source, peer, content_type, received_at, control_id, message_type, hl7_version,
      sending_application, sending_facility, content_hash, raw, raw_bytes, charset, summary, patient_mrn, patient_name, ack_mode, state, duplicate_of, issues, commit_ack_code, commit_ack, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?)`).run(
    m.channel,
    m.source,
    m.peer ?? null,
    m.contentType,
    at, // received_at
    m.controlId ?? null,
    m.messageType ?? null,
    m.hl7Version ?? null,
    m.sendingApplication ?? null,
    m.sendingFacility ?? null,
    m.contentHash,
    m.raw,
    m.rawBytes ?? null,
    m.charset ?? null,
    m.summary === undefined ? null : JSON.stringify(m.summary),
    m.patientMrn || null,
    m.patientName ? m.patientName.toUpperCase() : null,
    m.ackMode,
    m.duplicateOf ?? null,
    m.issues?.length ? JSON.stringify(m.issues) : null,
    m.commitAck?.code ?? null,
    m.commitAck?.text ?? null,
    at, // updated_at
  );
  return Number(info.lastInsertRowid);
}

/**
 * When the acknowledgment left: migration 16's table (marks since), else the row's column (marks
 * made before it). The column is not written any more (markAcksSent).
 */
const ACK_SENT_AT = 'coalesce((SELECT a.at FROM message_acks_sent a WHERE a.message_id = messages.id), messages.ack_sent_at)';

export function getMessage(db: Db, id: number): StoredMessage | undefined {
  const r = stmt(db, `SELECT *, ${ACK_SENT_AT} AS ack_sent_at_now FROM messages WHERE id = ?`).get(id) as (Row & { ack_sent_at_now: string | null }) | undefined;
  if (r) r.ack_sent_at = r.ack_sent_at_now;
  return r ? toMessage(r) : undefined;
}

export function getForProcessing(db: Db, id: number): ProcessingRow | undefined {
  const r = stmt(db, `SELECT ${PROCESSING_COLUMNS} FROM messages m WHERE m.id = ?`).get(id) as ClaimRow | undefined;
  return r ? toProcessingRow(r) : undefined;
}

/**
 * getForProcessing with the per-patient order check (message-rows.ts BLOCKER_JOIN): one process
 * and one writer here, but a message prepared off the event loop, a recovery run or a replay can
 * still put an earlier message of a patient behind a later one on another channel.
 */
export function claimForProcessing(db: Db, id: number): ProcessingClaim | undefined {
  const r = stmt(db, `SELECT ${PROCESSING_COLUMNS}, b.id AS blocker_id, b.attempts AS blocker_attempts FROM messages m ${BLOCKER_JOIN} WHERE m.id = ?`).get(id) as ClaimRow | undefined;
  return r ? toClaim(r) : undefined;
}

/** Earlier rows of a channel with this control id (oldest first): exact resends and conflicts. */
export function findByControlId(db: Db, channel: string, controlId: string): ControlIdMatch[] {
  const rows = stmt(db, 'SELECT id, content_hash, state, ack_code, ack, commit_ack, duplicate_of FROM messages WHERE channel = ? AND control_id = ? ORDER BY id').all(channel, controlId) as Row[];
  return rows.map((r) => ({ id: r.id, contentHash: r.content_hash, state: r.state, ackCode: r.ack_code, ack: r.ack ?? null, commitAck: r.commit_ack ?? null, duplicateOf: r.duplicate_of }));
}

/** Count an exact resend answered from the stored ACK. */
export function recordResend(db: Db, id: number, now: Date = new Date()): void {
  stmt(db, 'UPDATE messages SET resend_count = resend_count + 1, last_resend_at = ?, updated_at = ? WHERE id = ?').run(now.toISOString(), now.toISOString(), id);
}

/** Count a processing attempt; committed before the flow runs, so a crash loop is visible and bounded. */
export function beginAttempt(db: Db, id: number, now: Date = new Date()): number {
  const r = stmt(db, 'UPDATE messages SET attempts = attempts + 1, updated_at = ? WHERE id = ? RETURNING attempts').get(now.toISOString(), id) as { attempts: number } | undefined;
  return r?.attempts ?? 0;
}

/** ProcessingStore.beginFirstAttempts: in-process, a statement per id costs no round trip. */
export function beginFirstAttempts(db: Db, ids: readonly number[], now: Date = new Date()): Array<{ id: number; patientMrn: string | null }> {
  const read = stmt(db, 'SELECT attempts, state, patient_mrn FROM messages WHERE id = ?');
  const counted: Array<{ id: number; patientMrn: string | null }> = [];
  for (const id of ids) {
    const r = read.get(id) as { attempts: number; state: string; patient_mrn: string | null } | undefined;
    if (!r || r.attempts !== 0 || r.state !== 'received') break;
    counted.push({ id, patientMrn: r.patient_mrn });
  }
  const count = stmt(db, 'UPDATE messages SET attempts = attempts + 1, updated_at = ? WHERE id = ?');
  for (const c of counted) count.run(now.toISOString(), c.id);
  return counted;
}

export function recordOutcome(db: Db, id: number, o: Outcome, now: Date = new Date()): void {
  const at = now.toISOString();
  // The attempts that point at the outcome replaced here (migration 17) get its issues and outputs
  // from the trigger of migration 18, in this statement. Positional parameters, in the SET's order
  // (#17): binding named ones from an object looks each name up in it (as insertMessage's did).
  stmt(db, `UPDATE messages SET state = ?, flow = ?, issues = ?, outputs = ?, ack_code = ?, http_status = ?, ack = ?, http_body = ?,
      last_error = ?, processed_at = ?, updated_at = ?, attempts = attempts + ? WHERE id = ?`).run(
    o.state,
    o.flow ?? null,
    o.issuesJson ? jsonOrGzipColumn(o.issuesJson) : o.issues.length ? JSON.stringify(o.issues) : null,
    jsonOrGzipColumn(o.outputs),
    o.ackCode ?? null,
    o.httpStatus ?? null,
    o.ack ?? null,
    o.httpBody ?? null,
    o.lastError ?? null,
    at, // processed_at
    at, // updated_at
    o.countAttempt ? 1 : 0,
    id,
  );
  // The error codes of this (latest) outcome, for the console's error-code search (migration 11).
  // A first outcome has no earlier codes to remove.
  if (!o.first) stmt(db, 'DELETE FROM message_error_codes WHERE message_id = ?').run(id);
  const codes = new Set(o.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(errorCodeOf).filter((c): c is NonNullable<typeof c> => c !== undefined));
  const add = stmt(db, 'INSERT OR IGNORE INTO message_error_codes (message_id, code) VALUES (?, ?)');
  for (const c of codes) add.run(id, c);
}

/**
 * Record when acknowledgments left (batched by the caller: one transaction for many ids), in
 * migration 16's narrow table: an UPDATE of the message row rewrote all of its ~12 KB. A mark for
 * an id with no message is not kept (as the UPDATE changed nothing then); a second mark replaces the first.
 */
export function markAcksSent(db: Db, ids: readonly number[], now: Date = new Date()): void {
  const mark = stmt(db, `INSERT INTO message_acks_sent (message_id, at) SELECT id, @at FROM messages WHERE id = @id
    ON CONFLICT (message_id) DO UPDATE SET at = excluded.at`);
  const at = now.toISOString();
  db.transaction(() => { for (const id of ids) mark.run({ id, at }); })();
}

/** Record an internal failure without changing the state (it will be retried). */
export function recordFailure(db: Db, id: number, error: string, state: MessageState, now: Date = new Date()): void {
  stmt(db, 'UPDATE messages SET last_error = ?, state = ?, updated_at = ? WHERE id = ?').run(error, state, now.toISOString(), id);
}

/** Put a message back to `received` for replay (its outputs are rewritten by the next run). */
export function resetForReplay(db: Db, id: number, now: Date = new Date()): boolean {
  const r = stmt(db, "UPDATE messages SET state = 'received', attempts = 0, last_error = NULL, updated_at = ? WHERE id = ?").run(now.toISOString(), id);
  return r.changes > 0;
}

/** Ids of messages committed but not processed (oldest first): what recovery processes at start. */
export function pendingIds(db: Db, limit = 10_000, afterId = 0): number[] {
  // Page sizes in these statements are written into the SQL, not bound (./statements.ts pageLimit).
  const l = pageLimit(limit);
  return l.cut(stmt(db, `SELECT id FROM messages WHERE state = 'received' AND id > ? ORDER BY id ${l.sql}`).all(afterId) as Array<{ id: number }>).map((r) => r.id);
}

/** ProcessingStore.unattemptedInRange (the range is read on messages_state: state, id). */
export function unattemptedInRange(db: Db, fromId: number, toId: number, limit: number): BacklogRow[] {
  const l = pageLimit(limit);
  return l.cut(stmt(db, `SELECT id, channel, patient_mrn AS patientMrn FROM messages WHERE state = 'received' AND id >= ? AND id <= ? AND attempts = 0 ORDER BY id ${l.sql}`).all(fromId, toId) as BacklogRow[]);
}

/** Committed, never attempted, received before the cut-off (oldest first): what a dead instance left behind. */
export function orphanedIds(db: Db, receivedBefore: Date, limit = 500): number[] {
  const l = pageLimit(limit);
  return l.cut(stmt(db, `SELECT id FROM messages WHERE state = 'received' AND attempts = 0 AND received_at < ? ORDER BY id ${l.sql}`).all(receivedBefore.toISOString()) as Array<{ id: number }>).map((r) => r.id);
}

function where(f: MessageFilter): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  // A known state is written into the SQL (one of five: a closed set), not bound: the planner
  // compares a bound state with the partial index messages_unprocessed_patient's
  // `state = 'received'` (exprCompareVariable), which marks the parameter, so the statement was
  // compiled again at every run (as a bound LIMIT: ./statements.ts pageLimit). An unknown one
  // stays bound (it matches no row).
  if (f.state) {
    if (MESSAGE_STATES.includes(f.state)) parts.push(`state = '${f.state}'`);
    else { parts.push('state = @state'); params.state = f.state; }
  }
  if (f.channel) { parts.push('channel = @channel'); params.channel = f.channel; }
  if (f.messageType) {
    // 'ADT' matches every ADT event; 'ADT^A04' one event.
    if (f.messageType.includes('^')) { parts.push('message_type = @type'); params.type = f.messageType; }
    else { parts.push("(message_type = @type OR message_type LIKE @typePrefix ESCAPE '\\')"); params.type = f.messageType; params.typePrefix = likePrefix(`${f.messageType}^`); }
  }
  if (f.controlId) { parts.push('control_id = @controlId'); params.controlId = f.controlId; }
  if (f.since) { parts.push('received_at >= @since'); params.since = f.since; }
  if (f.until) { parts.push('received_at < @until'); params.until = f.until; }
  if (f.afterId !== undefined) { parts.push('id > @afterId'); params.afterId = f.afterId; }
  if (f.patientMrn) { parts.push('patient_mrn = @mrn'); params.mrn = f.patientMrn; }
  if (f.patientName) {
    // A prefix as a range on the index (LIKE would not use it): 'SMITH' <= name < 'SMITI'.
    const p = f.patientName.toUpperCase();
    parts.push('patient_name >= @namePrefix AND patient_name < @nameEnd');
    params.namePrefix = p;
    params.nameEnd = p.slice(0, -1) + String.fromCodePoint(p.codePointAt(p.length - 1)! + 1);
  }
  if (f.errorCode) { parts.push('id IN (SELECT message_id FROM message_error_codes WHERE code = @errorCode)'); params.errorCode = f.errorCode; }
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

/** Newest first, unless the filter sorts otherwise. */
export function listMessages(db: Db, f: MessageFilter = {}): MessageSummary[] {
  const w = where(f);
  const l = pageLimit(Math.min(Math.max(f.limit ?? 100, 1), 1000));
  const rows = l.cut(stmt(db, `SELECT ${SUMMARY_COLUMNS} FROM messages ${w.sql} ${orderBy(f)} ${l.sql} OFFSET @offset`).all({
    ...w.params,
    offset: Math.max(f.offset ?? 0, 0),
  }) as Row[]);
  return rows.map(toSummary);
}

export function countMessages(db: Db, f: MessageFilter = {}): number {
  const w = where(f);
  return (stmt(db, `SELECT count(*) AS n FROM messages ${w.sql}`).get(w.params) as { n: number }).n;
}

/** Ids matching a filter, oldest first (replay of a filtered set). */
export function matchingIds(db: Db, f: MessageFilter, max = 10_000): number[] {
  const w = where(f);
  const l = pageLimit(max);
  return l.cut(stmt(db, `SELECT id FROM messages ${w.sql} ORDER BY id ${l.sql}`).all(w.params) as Array<{ id: number }>).map((r) => r.id);
}

/** Rows per channel and state (metrics gauges). */
export function countsByChannelAndState(db: Db): Array<{ channel: string; state: MessageState; count: number }> {
  return stmt(db, 'SELECT channel, state, count(*) AS count FROM messages GROUP BY channel, state').all() as Array<{ channel: string; state: MessageState; count: number }>;
}

/**
 * The console's dashboard counts (index messages_channel_state, migration 10, covers the totals;
 * received_at the rest). INDEXED BY: left to itself the planner walks the (channel, state) index
 * for the GROUP BY and reads every row for its received_at (18 s on 1,000,000 messages).
 */
export function channelStats(db: Db, today: Date, hourAgo: Date): ChannelStats {
  type R = { channel: string; state: MessageState; n: number; dups: number };
  const totals = stmt(db, 'SELECT channel, state, count(*) AS n, count(duplicate_of) AS dups FROM messages GROUP BY channel, state').all() as R[];
  const todays = stmt(db, 'SELECT channel, state, count(*) AS n, count(duplicate_of) AS dups FROM messages INDEXED BY messages_received_at WHERE received_at >= ? GROUP BY channel, state').all(today.toISOString()) as R[];
  const key = (r: { channel: string; state: string }) => `${r.channel}\u0000${r.state}`;
  const todayOf = new Map(todays.map((r) => [key(r), r]));
  return {
    byState: totals.map((r) => ({ channel: r.channel, state: r.state, total: r.n, today: todayOf.get(key(r))?.n ?? 0, duplicatesTotal: r.dups, duplicatesToday: todayOf.get(key(r))?.dups ?? 0 })),
    lastHour: stmt(db, 'SELECT channel, count(*) AS count FROM messages INDEXED BY messages_received_at WHERE received_at >= ? GROUP BY channel').all(hourAgo.toISOString()) as Array<{ channel: string; count: number }>,
    oldestUnprocessed: stmt(db, "SELECT channel, min(received_at) AS receivedAt FROM messages INDEXED BY messages_state WHERE state = 'received' GROUP BY channel").all() as Array<{ channel: string; receivedAt: string }>,
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
  /** JSON text, or its gzip (a large message's, ../json-text.ts). */
  issues: string | Uint8Array | null;
  outputs: string | Buffer | null;
  error: string | null;
  mapping_version: string | null;
}

/** Keep one processing attempt (table processing_attempts, migration 3); returns its seq. */
export function recordAttempt(db: Db, a: NewAttempt, now: Date = new Date()): number {
  // Positional parameters, in the columns' order (#17: as recordOutcome's).
  const r = stmt(db, `
    INSERT INTO processing_attempts (message_id, seq, reason, at, state, flow, ack_code, http_status, ack, http_body, issues, outputs, in_outcome, error, mapping_version)
    VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM processing_attempts WHERE message_id = ?), ?, ?, ?, ?,
      ?, ?, ?, ?, ?, ?, ?, ?, ?)
    RETURNING seq`).get(
    a.messageId,
    a.messageId, // the seq's subquery
    a.reason,
    now.toISOString(),
    a.state,
    a.flow ?? null,
    a.ackCode ?? null,
    a.httpStatus ?? null,
    a.ack ?? null,
    a.httpBody ?? null,
    // By reference (migration 17): read from the message's row while they are its outcome.
    a.inOutcome ? null : a.issuesJson ? jsonOrGzipColumn(a.issuesJson) : a.issues.length ? JSON.stringify(a.issues) : null,
    a.inOutcome ? null : jsonOrGzipColumn(a.outputs),
    a.inOutcome ? 1 : 0,
    a.error ?? null,
    a.mappingVersion ?? null,
  ) as { seq: number };
  return r.seq;
}

/** Every attempt of a message, oldest first. */
export function attemptsOf(db: Db, messageId: number): ProcessingAttempt[] {
  // An attempt whose issues and outputs are its message's outcome (in_outcome) reads them there.
  const rows = stmt(db, `SELECT a.message_id, a.seq, a.reason, a.at, a.state, a.flow, a.ack_code, a.http_status, a.ack, a.http_body, a.error, a.mapping_version,
      CASE WHEN a.in_outcome THEN m.issues ELSE a.issues END AS issues, CASE WHEN a.in_outcome THEN m.outputs ELSE a.outputs END AS outputs
    FROM processing_attempts a LEFT JOIN messages m ON a.in_outcome AND m.id = a.message_id WHERE a.message_id = ? ORDER BY a.seq`).all(messageId) as AttemptRow[];
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
    issues: (parseJsonColumn(r.issues) as Issue[] | null) ?? [],
    outputs: parseJsonColumn(r.outputs),
    error: r.error,
    mappingVersion: r.mapping_version,
  }));
}
