/** The store interface, outbox: what the gateway accepted and still owes a partner (and every attempt). */
export type OutboxState = 'pending' | 'in-flight' | 'delivered' | 'dead';

export interface EnqueueItem {
  destination: string;
  kind: string;
  payload: string;
  contentType: string;
  idempotencyKey: string;
  orderingKey?: string;
  messageId?: number;
}

export interface OutboxItem {
  id: number;
  destination: string;
  kind: string;
  payload: string;
  contentType: string;
  idempotencyKey: string;
  orderingKey: string | null;
  messageId: number | null;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string;
  leaseUntil: string | null;
  /** Who leased it while in-flight (null when not leased, or leased without a holder). */
  leaseHolder: LeaseHolder | null;
  lastErrorCode: string | null;
  lastError: string | null;
  partnerStatus: string | null;
  partnerResponse: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  deadAt: string | null;
}

export interface OutboxAttempt {
  attempt: number;
  at: string;
  outcome: 'delivered' | 'retry' | 'dead';
  errorCode: string | null;
  error: string | null;
  partnerStatus: string | null;
  partnerResponse: string | null;
}

/** What a partner said (or what went wrong) on one attempt. */
export interface AttemptReport {
  partnerStatus?: string | undefined;
  partnerResponse?: string | undefined;
  errorCode?: string | undefined;
  error?: string | undefined;
}

/**
 * Who holds a lease: the instance (stable across restarts: a gateway's configured name) and the
 * boot (a fresh id for each process run). A restarted instance knows that rows leased by its
 * earlier boots have nobody working on them.
 */
export interface LeaseHolder {
  instance: string;
  boot: string;
}

export interface ClaimOptions {
  now?: Date;
  /** Maximum rows to lease. */
  limit?: number;
  /** How long the worker may hold a row before another may take it over. */
  leaseMs?: number;
  /** Recorded on the leased rows, so renewLeases and reclaimAbandoned can tell whose they are. */
  holder?: LeaseHolder;
  /** Only these destinations (all when absent). */
  destinations?: readonly string[];
  /** Leave out first attempts to these destinations (batch destinations, sent by their job); their retries still count. */
  holdFirstAttempt?: readonly string[];
}

export interface ListFilter {
  state?: OutboxState;
  destination?: string;
  messageId?: number;
  limit?: number;
}

export interface OutboxStore {
  /** Idempotent on idempotencyKey: the same key again resolves to the id already there and changes nothing. */
  enqueue(item: EnqueueItem, now?: Date): Promise<number>;
  /**
   * Lease the due rows, oldest first, never one while an older row of the same destination and
   * ordering key is undelivered. Returned rows are in-flight with `attempts` incremented.
   */
  claimDue(opts?: ClaimOptions): Promise<OutboxItem[]>;
  /**
   * Extend the leases of in-flight rows this holder still holds (its work on them is alive) to
   * `until`; rows no longer in-flight or held by someone else are left alone. Resolves to how many.
   */
  renewLeases(ids: readonly number[], holder: LeaseHolder, until: Date, now?: Date): Promise<number>;
  /**
   * At start: put the rows that earlier boots of `holder.instance` left in flight back to pending,
   * due now (their process is gone; the attempt already counted stays counted, so a row that was
   * sent before the crash may go out a second time, with the same idempotency key). Rows of other
   * instances, and of this boot, are untouched. Resolves to how many.
   */
  reclaimAbandoned(holder: LeaseHolder, now?: Date): Promise<number>;
  markDelivered(id: number, rep?: AttemptReport, now?: Date): Promise<void>;
  scheduleRetry(id: number, nextAttemptAt: Date, rep: AttemptReport, now?: Date): Promise<void>;
  markDead(id: number, rep: AttemptReport, now?: Date): Promise<void>;
  /** Put a dead item back, due now, with a fresh attempt budget; false when it is not dead. */
  replayDead(id: number, now?: Date): Promise<boolean>;
  replayAllDead(filter?: { destination?: string }, now?: Date): Promise<number>;
  get(id: number): Promise<OutboxItem | undefined>;
  getByKey(idempotencyKey: string): Promise<OutboxItem | undefined>;
  list(f?: ListFilter): Promise<OutboxItem[]>;
  attemptsOf(id: number): Promise<OutboxAttempt[]>;
  counts(): Promise<Array<{ destination: string; state: OutboxState; count: number }>>;
  /** Per destination, the latest failed attempt (retry or dead) still on record: what the partner or the network said last. */
  lastErrors(): Promise<Array<{ destination: string; at: string; errorCode: string | null; error: string | null }>>;
  /** Retention: delete delivered rows older than `before` (and their attempts); owed rows are never purged. */
  purgeDelivered(before: Date): Promise<number>;
}

