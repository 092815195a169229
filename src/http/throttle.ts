/**
 * Throttling of failed authentication per client address: after `maxFailures` unknown or missing
 * credentials within `windowMs`, the address is locked out for `lockoutMs`: every request from it
 * that needs credentials gets 429 with Retry-After (a right key too, so a guesser learns nothing
 * while locked), and the lockout is logged once (address and count, never the key tried).
 * State is in memory, per process, bounded to `maxTracked` addresses (the oldest are forgotten).
 */
import type { Logger } from 'pino';

export interface ThrottleOptions {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
  maxTracked?: number;
  now?: () => number;
}

interface Entry {
  /** Failure times inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
}

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxTracked: number;

  constructor(private readonly opts: ThrottleOptions, private readonly log?: Logger) {
    this.now = opts.now ?? Date.now;
    this.maxTracked = opts.maxTracked ?? 10_000;
  }

  /** Seconds the address must still wait (0 when it may try). */
  retryAfter(address: string): number {
    const e = this.entries.get(address);
    if (!e) return 0;
    const left = e.lockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Record a failed authentication; true when it locks the address out. */
  fail(address: string): boolean {
    const t = this.now();
    let e = this.entries.get(address);
    if (!e) {
      if (this.entries.size >= this.maxTracked) this.entries.delete(this.entries.keys().next().value as string);
      e = { failures: [], lockedUntil: 0 };
    } else {
      this.entries.delete(address); // re-insert: the map's order is the order of last activity
    }
    this.entries.set(address, e);
    e.failures = e.failures.filter((f) => t - f < this.opts.windowMs);
    e.failures.push(t);
    if (e.failures.length >= this.opts.maxFailures && e.lockedUntil <= t) {
      e.lockedUntil = t + this.opts.lockoutMs;
      this.log?.warn({ client: address, failures: e.failures.length, lockoutSeconds: Math.ceil(this.opts.lockoutMs / 1000) }, 'authentication throttled: too many failed attempts');
      e.failures = [];
      return true;
    }
    return false;
  }
}
