/**
 * Console sessions: an operator logs in with an API key that holds the "operator" scope (or "*")
 * from `http.auth.keys` (or through the configured OAuth server, ./oauth.ts); the console then
 * knows them by a random token in a cookie that is HttpOnly, SameSite=Strict, Path=/console and
 * Secure when the request came over TLS. Sessions are kept in the store (table console_sessions),
 * so a restart of the gateway does not log anyone out and every instance on the store knows them;
 * only the token's SHA-256 is stored. A session expires after an idle period and after an
 * absolute lifetime. Its CSRF token is derived from the session token (a different hash of it),
 * so it needs no storage and cannot be computed from what the store holds.
 * The key itself is never kept: only the key's name, which is what the audit trail records.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ApiKeyConfig } from '../config.js';
import type { ConsoleSessionStore } from '../store/index.js';

export const COOKIE = 'frontdesk_console';

export interface ConsoleSession {
  /** Hex SHA-256 of the cookie's token: the session's key in the store. */
  tokenHash: string;
  operator: string;
  /** 'key' or 'oauth:<provider>'. */
  via: string;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionOptions {
  /** Idle expiry (default 30 minutes). */
  idleMs?: number | undefined;
  /** Absolute lifetime (default 12 hours). */
  maxAgeMs?: number | undefined;
  /** The clock (tests move it). */
  now?: (() => number) | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
export const tokenHashOf = (token: string) => createHash('sha256').update(token).digest('hex');
// A different hash of the token: not derivable from the stored hash.
const csrfOf = (token: string) => createHash('sha256').update(`frontdesk-console-csrf\0${token}`).digest('base64url');

export class SessionStore {
  private readonly keys: Array<{ digest: Buffer; name: string }>;
  readonly idleMs: number;
  readonly maxAgeMs: number;
  private readonly now: () => number;
  /** A use is written to the store only when the last one written is this old (a page polls every few seconds). */
  private readonly touchEveryMs: number;

  /**
   * `oauthVia`: the `via` of sessions opened through the OAuth login configured now (`oauth:<name>`),
   * undefined when none is: a stored session is honoured only while the way it was opened still
   * exists (a key removed from the configuration, or an OAuth login taken out, ends its sessions at
   * the next restart instead of letting them run to their expiry).
   */
  constructor(private readonly store: ConsoleSessionStore, keys: readonly ApiKeyConfig[], opts: SessionOptions = {}, private readonly oauthVia?: string) {
    // Only keys that may act as an operator can open the console.
    this.keys = keys.filter((k) => k.scopes.includes('*') || k.scopes.includes('operator')).map((k) => ({ digest: digest(k.key), name: k.name }));
    this.idleMs = opts.idleMs ?? 30 * 60_000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 3600_000;
    this.now = opts.now ?? Date.now;
    this.touchEveryMs = Math.min(60_000, Math.floor(this.idleMs / 10));
  }

  /** The operator a key belongs to (compared in constant time against every key), or undefined. */
  operatorFor(key: string): string | undefined {
    const d = digest(key);
    let found: string | undefined;
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && found === undefined) found = k.name;
    return found;
  }

  private expiry(createdAt: number, lastSeenAt: number): number {
    return Math.min(lastSeenAt + this.idleMs, createdAt + this.maxAgeMs);
  }

  /** A new session, stored; the token (for the cookie) is returned once and never kept. */
  async open(operator: string, via = 'key'): Promise<{ session: ConsoleSession; token: string }> {
    const t = this.now();
    await this.store.purgeExpired(new Date(t));
    const token = randomBytes(32).toString('base64url');
    const session: ConsoleSession = { tokenHash: tokenHashOf(token), operator, via, csrf: csrfOf(token), createdAt: t, lastSeenAt: t };
    const iso = (ms: number) => new Date(ms).toISOString();
    await this.store.create({ tokenHash: session.tokenHash, operator, via, createdAt: iso(t), lastSeenAt: iso(t), expiresAt: iso(this.expiry(t, t)) });
    return { session, token };
  }

  /** The live session of this token, its idle clock restarted; undefined (and deleted) when expired or unknown. */
  async touch(token: string | undefined): Promise<ConsoleSession | undefined> {
    if (!token || token.length > 200) return undefined;
    const hash = tokenHashOf(token);
    const row = await this.store.get(hash);
    if (!row) return undefined;
    const t = this.now();
    const createdAt = Date.parse(row.createdAt);
    const lastSeenAt = Date.parse(row.lastSeenAt);
    if (t >= Date.parse(row.expiresAt) || t - lastSeenAt > this.idleMs || t - createdAt > this.maxAgeMs || !this.stillAllowed(row.via, row.operator)) {
      await this.store.delete(hash);
      return undefined;
    }
    if (t - lastSeenAt >= this.touchEveryMs) {
      if (!(await this.store.touch(hash, new Date(t).toISOString(), new Date(this.expiry(createdAt, t)).toISOString()))) return undefined;
    }
    return { tokenHash: hash, operator: row.operator, via: row.via, csrf: csrfOf(token), createdAt, lastSeenAt: t };
  }

  private stillAllowed(via: string, operator: string): boolean {
    if (via === 'key') return this.keys.some((k) => k.name === operator);
    return via === this.oauthVia;
  }

  async close(s: ConsoleSession): Promise<void> {
    await this.store.delete(s.tokenHash);
  }
}

export function sessionTokenOf(req: Request): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === COOKIE) return part.slice(i + 1).trim();
  }
  return undefined;
}

function cookieFlags(req: Request): string {
  // Secure only when this request came over TLS: over plain HTTP a Secure cookie would never come back.
  return `Path=/console; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`;
}

export function setSessionCookie(req: Request, res: Response, token: string, maxAgeMs: number): void {
  res.append('Set-Cookie', `${COOKIE}=${token}; ${cookieFlags(req)}; Max-Age=${Math.floor(maxAgeMs / 1000)}`);
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append('Set-Cookie', `${COOKIE}=; ${cookieFlags(req)}; Max-Age=0`);
}

/** Whether the posted token is this session's (constant time). */
export function csrfMatches(s: ConsoleSession, posted: unknown): boolean {
  if (typeof posted !== 'string' || posted.length !== s.csrf.length) return false;
  return timingSafeEqual(Buffer.from(posted), Buffer.from(s.csrf));
}
