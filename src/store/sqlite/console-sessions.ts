/** Console sessions (table console_sessions, migration 13) on SQLite. */
import type { Db } from './db.js';
import { stmt } from './statements.js';
import type { ConsoleSessionRecord } from '../console-sessions.js';

interface Row { token_hash: string; operator: string; via: string; created_at: string; last_seen_at: string; expires_at: string }

const toRecord = (r: Row): ConsoleSessionRecord => ({
  tokenHash: r.token_hash, operator: r.operator, via: r.via, createdAt: r.created_at, lastSeenAt: r.last_seen_at, expiresAt: r.expires_at,
});

export function createSession(db: Db, s: ConsoleSessionRecord): void {
  stmt(db, `INSERT INTO console_sessions (token_hash, operator, via, created_at, last_seen_at, expires_at)
    VALUES (@tokenHash, @operator, @via, @createdAt, @lastSeenAt, @expiresAt)`).run(s);
}

export function getSession(db: Db, tokenHash: string): ConsoleSessionRecord | undefined {
  const r = stmt(db, 'SELECT * FROM console_sessions WHERE token_hash = ?').get(tokenHash) as Row | undefined;
  return r ? toRecord(r) : undefined;
}

export function touchSession(db: Db, tokenHash: string, lastSeenAt: string, expiresAt: string): boolean {
  return stmt(db, 'UPDATE console_sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?').run(lastSeenAt, expiresAt, tokenHash).changes > 0;
}

export function deleteSession(db: Db, tokenHash: string): boolean {
  return stmt(db, 'DELETE FROM console_sessions WHERE token_hash = ?').run(tokenHash).changes > 0;
}

export function purgeExpiredSessions(db: Db, now: Date): number {
  return stmt(db, 'DELETE FROM console_sessions WHERE expires_at < ?').run(now.toISOString()).changes;
}
