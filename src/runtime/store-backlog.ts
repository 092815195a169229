/**
 * A backlog that costs no memory (#17). Processing may run behind intake (enhanced mode: the
 * sender has its commit ACK and wants nothing more, MSH-16 NE), up to processing.maxBacklog
 * committed messages. Each one queued in memory cost about 1.5 KB of heap (its job, its promise,
 * the closures of its answer), so the gateway's RSS grew with the backlog, ~75 MB at 50,000.
 *
 * Now only a window of them (processing.queueWindow, 1,000 by default) is queued in memory. Past
 * it, a new message is left where it already is, committed in the store (state 'received'), and
 * only the range of ids it belongs to is kept here (two numbers and a count per run of this
 * instance's consecutive ids: one range while this instance is the only writer). As the window
 * drains to half, the next ids of the oldest range are read back from the store in id order
 * (ProcessingStore.unattemptedInRange) and queued as any new message is, the way start-up
 * recovery feeds its backlog in (./recovery.ts).
 *
 * What holds:
 * - Order: once messages are left in the store, every later one that may be is too, until the
 *   read-back has caught up, so they reach the queue in arrival (id) order. Per-patient order is
 *   the order check's anyway (claimForProcessing), whatever path a message takes.
 * - Only messages nobody waits for are left in the store: an original-mode or MSH-16 AL message
 *   owes its connection an application ACK (and the connection's ACKs leave in order), an HTTP
 *   post its answer, so those keep their promise in memory (bounded by connections x frames in
 *   flight); so do large messages prepared off the event loop. Their ids sit inside a range and
 *   are skipped at read-back (queued here, or no longer 'received').
 * - Exactly once: a message read back is processed through the same claim as any other; one
 *   processed meanwhile another way (a resend of it, another instance's takeover) is no longer
 *   'received' and is not read back, or is queued here already and shares that run.
 * - Nothing lost: what is left in the store is committed and 'received'; a restart's recovery
 *   processes it (the ranges die with the process, as the in-memory queue did).
 * - Back-pressure: processing.maxBacklog counts both (Pipeline.room).
 * - Its answer: nobody asks for it in the gateway (the MLLP intake does not, for such a message);
 *   a caller that does (tests, tools) gets a promise made then, resolved when it is processed.
 */
import type { Logger } from 'pino';
import type { BacklogRow } from '../store/index.js';

/** processing.queueWindow's default: messages (whose senders wait for nothing more) queued in memory at most. */
export const DEFAULT_QUEUE_WINDOW = 1000;

/** What the window needs of the pipeline. */
export interface BacklogHost<A> {
  /** The store's backlog in [fromId, toId], oldest first (ProcessingStore.unattemptedInRange). */
  read(fromId: number, toId: number, limit: number): Promise<BacklogRow[]>;
  /**
   * Queue a message read back, as a new one whose sender waits for nothing (it calls hold()).
   * `since`: when it was committed, near enough (see admittedAt): its wait counts from then.
   */
  queue(row: BacklogRow, since: number): Promise<A>;
  /** The run of a message queued or being processed here, if any. */
  running(id: number): Promise<A> | undefined;
  /** Its answer otherwise (processed: from the store; still 'received': processed now). */
  answerOf(id: number): Promise<A>;
}

/** A run of this instance's consecutive ids with messages left in the store; `left`: how many. */
interface Range {
  from: number;
  to: number;
  left: number;
}

/**
 * How far apart (ms) the commit times kept for the messages left in the store are (see
 * admittedAt): a message's wait is counted from the last mark at or before its id, at most this
 * much early, for a few numbers per second of backlog instead of one per message.
 */
export const MARK_EVERY_MS = 50;

/** How long a failed read-back waits before it is tried again (ms). */
const RETRY_MS = 1000;

export class StoreBacklog<A> {
  private readonly ranges: Range[] = [];
  /** The last id this instance committed (admit), and whether the last range still grows. */
  private lastSeen = 0;
  private open = false;
  private held = 0;
  private left = 0;
  private reading = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Answers asked for of messages in the store (see the file comment). */
  private readonly watchers = new Map<number, { promise: Promise<A>; resolve: (a: A) => void; reject: (e: Error) => void }>();
  /**
   * When messages left in the store were committed (#17, processing's share by the backlog's age):
   * one mark (id, time) per MARK_EVERY_MS, oldest first. Their wait counts from their commit, not
   * from the read-back: a message read back after 17 s in the store has waited 17 s.
   */
  private readonly marks: Array<{ id: number; at: number }> = [];

  constructor(readonly window: number, private readonly host: BacklogHost<A>, private readonly log: Logger, private readonly now: () => number = () => performance.now()) {}

  /** Messages whose senders wait for nothing more queued in memory (or being processed). */
  get inMemory(): number {
    return this.held;
  }

  /** Messages left in the store, not read back yet. */
  get inStore(): number {
    return this.left;
  }

  /**
   * A message this instance just committed, in commit order: whether it is left in the store
   * (true) or queued in memory by the caller. `mayLeave`: nobody waits for its processing and it is
   * processed on the event loop (see the file comment).
   */
  admit(id: number, mayLeave: boolean): boolean {
    // Out of order (not expected: commits resolve in order) or closing: in memory, as before.
    if (this.closed || id <= this.lastSeen) return false;
    if (id !== this.lastSeen + 1) this.open = false;
    this.lastSeen = id;
    if (!mayLeave || (!this.ranges.length && this.held < this.window)) return false;
    const last = this.ranges[this.ranges.length - 1];
    if (last && this.open) {
      last.to = id;
      last.left++;
    } else {
      this.ranges.push({ from: id, to: id, left: 1 });
      this.open = true;
    }
    this.left++;
    const at = this.now();
    const mark = this.marks[this.marks.length - 1];
    if (!mark || at - mark.at >= MARK_EVERY_MS) this.marks.push({ id, at });
    return true;
  }

  /**
   * When a message left in the store was committed, near enough: the time of the last mark at or
   * before its id (at most MARK_EVERY_MS early; undefined when there is none).
   */
  admittedAt(id: number): number | undefined {
    let lo = 0;
    let hi = this.marks.length - 1;
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.marks[mid]!.id <= id) {
        found = this.marks[mid]!.at;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** When the oldest message still left in the store was committed (undefined: none left). */
  oldestAt(): number | undefined {
    const r = this.ranges[0];
    return r ? this.admittedAt(r.from) : undefined;
  }

  /** Whether this message is in the store's backlog (not read back yet). */
  has(id: number): boolean {
    return this.ranges.some((r) => id >= r.from && id <= r.to);
  }

  /** A message whose sender waits for nothing was queued in memory. */
  hold(): void {
    this.held++;
  }

  /** ...and is done (processed, or its run rejected): the window may take the next ones. */
  release(): void {
    this.held--;
    this.refill();
  }

  /** The answer of a message left in the store (made when asked for). */
  answer(id: number): Promise<A> {
    const running = this.host.running(id);
    if (running) return running;
    if (!this.has(id)) return this.host.answerOf(id);
    let w = this.watchers.get(id);
    if (!w) {
      let resolve!: (a: A) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<A>((res, rej) => { resolve = res; reject = rej; });
      w = { promise, resolve, reject };
      this.watchers.set(id, w);
    }
    return w.promise;
  }

  /** The gateway's close: nothing more is read back (what is left is 'received': the next start's recovery). */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const e = new Error('gateway closing: the message stays committed and is processed at the next start');
    for (const w of this.watchers.values()) w.reject(e);
    this.watchers.clear();
  }

  private refill(): void {
    if (this.reading || this.closed || !this.ranges.length || this.held > this.window / 2) return;
    this.reading = true;
    void this.readBack().then(() => {
      this.reading = false;
    }, (e: unknown) => {
      this.reading = false;
      if (this.closed) return;
      // Nothing is lost (the messages stay 'received'); with the window empty nothing else would call refill.
      this.log.warn({ err: (e as Error).message }, 'reading the processing backlog from the store failed: trying again');
      this.retry = setTimeout(() => { this.retry = undefined; this.refill(); }, RETRY_MS);
      this.retry.unref();
    });
  }

  private async readBack(): Promise<void> {
    while (!this.closed && this.ranges.length && this.held <= this.window / 2) {
      const r = this.ranges[0]!;
      const from = r.from;
      // The range may grow while this reads (new messages left in the store): the next round reads those.
      const to = r.to;
      const want = Math.max(1, this.window - this.held);
      const rows = await this.host.read(from, to, want);
      if (this.closed) return;
      for (const row of rows) {
        // Queued here already (a resend of it made a run), or read back now: either way in memory.
        const run = this.host.running(row.id) ?? this.host.queue(row, this.admittedAt(row.id) ?? this.now());
        this.settleWatcher(row.id, run);
      }
      const next = rows.length < want ? to + 1 : rows[rows.length - 1]!.id + 1;
      const gone = Math.min(r.left, rows.length);
      r.left -= gone;
      this.left -= gone;
      r.from = next;
      // Asked-for answers of messages the read did not return: processed meanwhile some other way.
      for (const id of [...this.watchers.keys()]) if (id >= from && id < next) this.settleWatcher(id, this.host.answerOf(id));
      if (r.from > r.to) {
        // Done with the range; `left` counted messages processed some other way too: they are not in the store's backlog either.
        this.left -= r.left;
        this.ranges.shift();
        if (!this.ranges.length) this.open = false;
      }
      // Marks no message left needs: all before the last one at or before the oldest left.
      const oldest = this.ranges[0]?.from ?? Infinity;
      let drop = 0;
      while (drop < this.marks.length && (this.marks[drop + 1]?.id ?? Infinity) <= oldest) drop++;
      if (!this.ranges.length) drop = this.marks.length;
      if (drop) this.marks.splice(0, drop);
    }
  }

  private settleWatcher(id: number, answer: Promise<A>): void {
    const w = this.watchers.get(id);
    if (!w) return;
    this.watchers.delete(id);
    answer.then(w.resolve, w.reject);
  }
}
