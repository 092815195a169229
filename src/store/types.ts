/**
 * The store interface: everything the gateway keeps, grouped by table family (one module each:
 * ./messages.ts, ./processing.ts, ./resources.ts, ./office-records.ts, ./outbox.ts, ./claims.ts,
 * ./reminders.ts, ./jobs.ts, ./x12.ts, ./eligibility.ts, ./control-ids.ts, ./audit.ts, ./console-sessions.ts; combined here), behind asynchronous methods that a second engine can
 * implement. Nothing above src/store/ writes SQL or knows which
 * engine runs: callers get a `Store` from `openStore` (./index.ts) and talk to it through these
 * types only.
 *
 * Engine-neutral conventions:
 * - Times are ISO-8601 UTC strings (`Date.toISOString()`), which sort as text; a `now` argument
 *   is a Date so tests can pin the clock.
 * - Row ids (messages, outbox items) are integers the engine assigns, ascending in commit order
 *   (keyset paging relies on it); resource ids and business keys are strings.
 * - JSON travels as objects (resources, summaries, issues, outputs); how it is stored is the engine's.
 * - Every method resolves once its write is durable (or, inside a transaction, once the
 *   transaction's commit is: see Store.transaction).
 */
import type { MessageStore } from './messages.js';
import type { ProcessingStore } from './processing.js';
import type { ResourceStore } from './resources.js';
import type { OfficeRecordStore } from './office-records.js';
import type { OutboxStore } from './outbox.js';
import type { ClaimSubmissionStore } from './claims.js';
import type { ReminderStore } from './reminders.js';
import type { JobStore } from './jobs.js';
import type { X12Store } from './x12.js';
import type { EligibilityStore } from './eligibility.js';
import type { ControlIdStore } from './control-ids.js';
import type { AuditStore } from './audit.js';
import type { ConsoleSessionStore } from './console-sessions.js';

export * from './messages.js';
export type * from './processing.js';
export type * from './resources.js';
export type * from './office-records.js';
export type * from './outbox.js';
export type * from './claims.js';
export type * from './reminders.js';
export type * from './jobs.js';
export type * from './x12.js';
export type * from './eligibility.js';
export type * from './control-ids.js';
export type * from './audit.js';
export type * from './console-sessions.js';
export { AUDIT_MAX_PAGE } from './audit.js';

export interface StoreTables {
  readonly messages: MessageStore;
  readonly processing: ProcessingStore;
  readonly resources: ResourceStore;
  readonly officeRecords: OfficeRecordStore;
  readonly outbox: OutboxStore;
  readonly claims: ClaimSubmissionStore;
  readonly reminders: ReminderStore;
  readonly jobs: JobStore;
  readonly x12: X12Store;
  readonly eligibility: EligibilityStore;
  readonly controlIds: ControlIdStore;
  readonly audit: AuditStore;
  readonly consoleSessions: ConsoleSessionStore;
}

/** The tables seen from inside a transaction: every write is part of it. */
export interface StoreTx extends StoreTables {
  /**
   * A nested unit inside the transaction: when `work` rejects, only its writes are undone (and the
   * rejection passes on); the transaction goes on.
   */
  savepoint<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
}

export interface Store extends StoreTables {
  /** Which engine ('sqlite', 'postgres') and where (a file path, ':memory:', a URL without its password): for the operator, never for branching. */
  readonly engine: string;
  readonly location: string;
  /**
   * Whether the engine stores a JsonText's gzip bytes as they are (./json-text.ts): SQLite does (a
   * BLOB in the JSON column, so a large output is a short write on the event loop), PostgreSQL
   * stores text. Processing asks its worker threads for the gzip only when this is true.
   */
  readonly storesGzipJson?: boolean;
  /**
   * Run `work` in one transaction: its writes commit together (one durable commit, one fsync) or
   * not at all; the promise resolves only after the commit. Work must use `tx` (not this store:
   * calls on the store wait until the transaction ends).
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /**
   * Resolves once every transaction committed so far is durable (SQLite fsyncs a commit's WAL off
   * the event loop, after the COMMIT: src/store/sqlite/wal-sync.ts; PostgreSQL's COMMIT is durable
   * when it returns). An answer read from the store outside a transaction waits for it first, so
   * nothing is acknowledged that a power loss could take back.
   */
  durable(): Promise<void>;
  /** Resolves when the store answers (health checks). */
  ping(): Promise<void>;
  readonly isOpen: boolean;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Called once the COMMIT is made (its writes are visible to the next transaction), possibly
   * before it is durable: `transaction()` itself resolves only once it is. The pipeline starts its
   * next group commit then, so commits are pipelined with the fsync of the one before.
   */
  onCommit?: () => void;
  /**
   * Nobody waits to see this transaction durable (#17: a processing commit of messages whose
   * senders want nothing after their commit ACK): SQLite resolves it at its COMMIT and asks for no
   * fsync of its own; the next transaction's fsync covers it, as does `durable()` and any read
   * outside a transaction (they start one when it is still owed), or a timer shortly after
   * (src/store/sqlite/wal-sync.ts, `dirty`). A crash before that loses it whole, never part of it.
   * PostgreSQL ignores it (its COMMIT is durable when it returns).
   */
  durableLater?: boolean;
}

export interface StoreConfig {
  /** SQLite: the database file, or ':memory:' (used when `url` is absent). */
  path: string;
  /**
   * PostgreSQL: a postgres:// URL (store.url or FRONTDESK_DATABASE_URL); when set, the store is on
   * PostgreSQL and `path` is not used. Frontdesk's own query parameters: `schema`, `pool`,
   * `statement_timeout` (src/store/pg/db.ts).
   */
  url?: string | undefined;
}
