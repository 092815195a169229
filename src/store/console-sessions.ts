/**
 * The store interface, console sessions (table console_sessions): one row per logged-in console
 * operator, so a session outlives a restart of the gateway and is shared by every instance on the
 * same store. Only the SHA-256 of the cookie's random token is kept: a reader of the database
 * cannot log in with what it finds there. Expiry (idle and absolute) is decided by the console
 * (src/console/session.ts), which keeps `expiresAt` current; the store deletes what has expired.
 */

export interface ConsoleSessionRecord {
  /** Hex SHA-256 of the session token the browser holds in its cookie. */
  tokenHash: string;
  /** Who is logged in: an API key's name, or the OAuth subject. What the audit trail records. */
  operator: string;
  /** How they logged in: 'key', or 'oauth:<provider name>'. */
  via: string;
  /** ISO-8601 UTC. */
  createdAt: string;
  lastSeenAt: string;
  /** When the session ends unless used again (the earlier of the idle and the absolute limit). */
  expiresAt: string;
}

export interface ConsoleSessionStore {
  create(s: ConsoleSessionRecord): Promise<void>;
  /** The session of this token hash, expired or not (the caller decides), or undefined. */
  get(tokenHash: string): Promise<ConsoleSessionRecord | undefined>;
  /** Record a use: the new last-seen time and expiry. False when the session is gone. */
  touch(tokenHash: string, lastSeenAt: string, expiresAt: string): Promise<boolean>;
  /** Logout. True when there was such a session. */
  delete(tokenHash: string): Promise<boolean>;
  /** Delete every session whose expiry is before `now`; how many. */
  purgeExpired(now: Date): Promise<number>;
}
