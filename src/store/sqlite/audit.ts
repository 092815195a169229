/** The audit trail (table audit_events, migration 301) on SQLite. */
import type { Db } from './db.js';
import { pageLimit, stmt } from './statements.js';
import { AUDIT_MAX_PAGE, type AuditAnswer, type AuditEntry, type AuditFilter, type AuditRow } from '../audit.js';
import { likePrefix } from './like.js';

/**
 * One audit row, committed with synchronous=NORMAL when it is its own transaction: in WAL mode the
 * commit is in the WAL file (the OS holds it) when this returns, so it survives the gateway
 * process dying right after (what the HTTP edge waits for before it answers: src/http/audit.ts),
 * without an fsync per row. Each fsync blocks this thread (1-5 ms on a loaded disk), and an audited
 * API answered no faster than one fsync per request. A power loss or OS crash may lose the rows
 * written since the last fsync'd commit (any message or resource commit, which are FULL, or a WAL
 * checkpoint, flushes them). Inside an open transaction the transaction's own setting applies.
 */
export function recordAudit(db: Db, e: AuditEntry): number {
  return withoutFsync(db, () => Number(stmt(db, `INSERT INTO audit_events (at, actor, actor_kind, client_address, action, entity, query, method, path, status, outcome, detail)
      VALUES (@at, @actor, @actorKind, @clientAddress, @action, @entity, @query, @method, @path, @status, @outcome, @detail)`).run(e).lastInsertRowid));
}

/** AuditStore.amend: the answer of a row written ahead of it, committed as the row was (recordAudit). */
export function amendAudit(db: Db, id: number, a: AuditAnswer): void {
  withoutFsync(db, () => stmt(db, 'UPDATE audit_events SET status = @status, outcome = @outcome, detail = @detail WHERE id = @id').run({ id, status: a.status, outcome: a.outcome, detail: a.detail }));
}

/** Runs `write` with synchronous=NORMAL when it is its own transaction (recordAudit says why). */
function withoutFsync<T>(db: Db, write: () => T): T {
  const own = !db.inTransaction;
  // Cached statements, not db.pragma(): that prepares its statement on every call (three per audited request).
  const prev = own ? (stmt(db, 'PRAGMA synchronous').pluck().get() as number) : undefined;
  const lower = own && prev !== undefined && prev > 1;
  if (lower) stmt(db, 'PRAGMA synchronous = NORMAL').run();
  try {
    return write();
  } finally {
    if (lower) stmt(db, prev === 3 ? 'PRAGMA synchronous = EXTRA' : 'PRAGMA synchronous = FULL').run();
  }
}

function where(f: AuditFilter): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.since) { parts.push('at >= @since'); params.since = f.since; }
  if (f.until) { parts.push('at < @until'); params.until = f.until; }
  if (f.actor) { parts.push('actor = @actor'); params.actor = f.actor; }
  if (f.action) { parts.push('action = @action'); params.action = f.action; }
  if (f.outcome) { parts.push('outcome = @outcome'); params.outcome = f.outcome; }
  if (f.clientAddress) { parts.push('client_address = @client'); params.client = f.clientAddress; }
  if (f.entity) {
    // 'Patient/' asks for every Patient; the prefix is escaped so a '%' or '_' in it matches itself.
    // `(@entity || '')`, not `@entity`: a bare bound pattern makes SQLite compile the statement
    // anew at every run (../search-sql.ts LIKE_BOUND says why; the plan is the same).
    if (f.entity.endsWith('/')) { parts.push("entity LIKE (@entity || '') ESCAPE '\\'"); params.entity = likePrefix(f.entity); }
    else { parts.push('entity = @entity'); params.entity = f.entity; }
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

interface Row {
  id: number; at: string; actor: string; actor_kind: string; client_address: string | null; action: string; entity: string | null;
  query: string | null; method: string | null; path: string | null; status: number; outcome: string; detail: string | null;
}

const toRow = (r: Row): AuditRow => ({
  id: r.id, at: r.at, actor: r.actor, actorKind: r.actor_kind as AuditRow['actorKind'], clientAddress: r.client_address, action: r.action,
  entity: r.entity, query: r.query, method: r.method, path: r.path, status: r.status, outcome: r.outcome as AuditRow['outcome'], detail: r.detail,
});

export function listAudit(db: Db, f: AuditFilter = {}): AuditRow[] {
  const w = where(f);
  // The page size is written into the SQL, not bound (./statements.ts pageLimit).
  const l = pageLimit(Math.min(Math.max(f.limit ?? 100, 1), AUDIT_MAX_PAGE));
  return l.cut(stmt(db, `SELECT * FROM audit_events ${w.sql} ORDER BY id DESC ${l.sql} OFFSET @offset`).all({
    ...w.params,
    offset: Math.max(f.offset ?? 0, 0),
  }) as Row[]).map(toRow);
}

export function countAudit(db: Db, f: AuditFilter = {}): number {
  const w = where(f);
  return (stmt(db, `SELECT count(*) AS n FROM audit_events ${w.sql}`).get(w.params) as { n: number }).n;
}

export function getAudit(db: Db, id: number): AuditRow | undefined {
  const r = stmt(db, 'SELECT * FROM audit_events WHERE id = ?').get(id) as Row | undefined;
  return r ? toRow(r) : undefined;
}

export function purgeAudit(db: Db, before: Date): number {
  return stmt(db, 'DELETE FROM audit_events WHERE at < ?').run(before.toISOString()).changes;
}
