/**
 * Console sessions: an operator logs in with an API key that holds the "operator" scope (or "*")
 * from `http.auth.keys`; the console then knows them by a random session id in a cookie that is
 * HttpOnly, SameSite=Strict, Path=/console and Secure when the request came over TLS. Sessions
 * live in this process's memory (a restart logs everyone out), expire after an idle period and
 * after an absolute lifetime, and each carries its own CSRF token that every form posts back.
 * The key itself is never kept: only the key's name, which is what the audit trail records.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ApiKeyConfig } from '../config.js';

export const COOKIE = 'frontdesk_console';

export interface ConsoleSession {
  id: string;
  operator: string;
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

export class SessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly keys: Array<{ digest: Buffer; name: string }>;
  readonly idleMs: number;
  readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(keys: readonly ApiKeyConfig[], opts: SessionOptions = {}) {
    // Only keys that may act as an operator can open the console.
    this.keys = keys.filter((k) => k.scopes.includes('*') || k.scopes.includes('operator')).map((k) => ({ digest: digest(k.key), name: k.name }));
    this.idleMs = opts.idleMs ?? 30 * 60_000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 3600_000;
    this.now = opts.now ?? Date.now;
  }

  /** The operator a key belongs to (compared in constant time against every key), or undefined. */
  operatorFor(key: string): string | undefined {
    const d = digest(key);
    let found: string | undefined;
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && found === undefined) found = k.name;
    return found;
  }

  open(operator: string): ConsoleSession {
    this.sweep();
    const t = this.now();
    const s: ConsoleSession = { id: randomBytes(32).toString('base64url'), operator, csrf: randomBytes(32).toString('base64url'), createdAt: t, lastSeenAt: t };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session of this id, its idle clock restarted; undefined (and forgotten) when expired. */
  touch(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeenAt > this.idleMs || t - s.createdAt > this.maxAgeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeenAt = t;
    return s;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.sessions) if (t - s.lastSeenAt > this.idleMs || t - s.createdAt > this.maxAgeMs) this.sessions.delete(id);
  }
}

export function sessionIdOf(req: Request): string | undefined {
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

export function setSessionCookie(req: Request, res: Response, s: ConsoleSession, maxAgeMs: number): void {
  res.append('Set-Cookie', `${COOKIE}=${s.id}; ${cookieFlags(req)}; Max-Age=${Math.floor(maxAgeMs / 1000)}`);
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append('Set-Cookie', `${COOKIE}=; ${cookieFlags(req)}; Max-Age=0`);
}

/** Whether the posted token is this session's (constant time). */
export function csrfMatches(s: ConsoleSession, posted: unknown): boolean {
  if (typeof posted !== 'string' || posted.length !== s.csrf.length) return false;
  return timingSafeEqual(Buffer.from(posted), Buffer.from(s.csrf));
}
