/** Console sessions (table console_sessions, migration 13) on PostgreSQL. */
import type { Queryable } from './db.js';
import type { ConsoleSessionRecord } from '../console-sessions.js';

interface Row { token_hash: string; operator: string; via: string; created_at: string; last_seen_at: string; expires_at: string }

const toRecord = (r: Row): ConsoleSessionRecord => ({
  tokenHash: r.token_hash, operator: r.operator, via: r.via, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at,
});

export async function createSession(db: Queryable, s: ConsoleSessionRecord): Promise<void> {
  await db.query(`INSERT INTO console_sessions (token_hash, operator, via, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.tokenHash, s.operator, s.via, s.createdAt, s.lastSeenAt, s.expiresAt]);
}

export async function getSession(db: Queryable, tokenHash: string): Promise<ConsoleSessionRecord | undefined> {
  const r = (await db.query<Row>('SELECT * FROM console_sessions WHERE token_hash = $1', [tokenHash])).rows[0];
  return r ? toRecord(r) : undefined;
}

export async function touchSession(db: Queryable, tokenHash: string, lastSeenAt: string, expiresAt: string): Promise<boolean> {
  return ((await db.query('UPDATE console_sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3', [lastSeenAt, expiresAt, tokenHash])).rowCount ?? 0) > 0;
}

export async function deleteSession(db: Queryable, tokenHash: string): Promise<boolean> {
  return ((await db.query('DELETE FROM console_sessions WHERE token_hash = $1', [tokenHash])).rowCount ?? 0) > 0;
}

export async function purgeExpiredSessions(db: Queryable, now: Date): Promise<number> {
  return (await db.query('DELETE FROM console_sessions WHERE expires_at < $1', [now.toISOString()])).rowCount ?? 0;
}
