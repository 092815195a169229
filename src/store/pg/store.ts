/**
 * The Store on PostgreSQL (the `pg` driver): several gateway instances on one database.
 *
 * - Outside a transaction every call takes a pooled connection for one statement (autocommit), or
 *   for a short BEGIN/COMMIT when a call needs several statements; calls do not wait for each other
 *   nor for open transactions (the server's row locks order what must be ordered).
 * - `transaction(work)` holds one connection from BEGIN to COMMIT and `tx` runs on it; savepoints
 *   nest inside it. A COMMIT resolves once PostgreSQL has flushed its WAL (synchronous_commit on,
 *   the server default): store-then-ACK holds as on SQLite.
 * - Opening is lazy: the pool connects and the schema is migrated on first use; `ping()` (which
 *   the composition root awaits before listening) reports a database that cannot be used in one line.
 */
import type { Resource } from 'fhir/r4.js';
import pg from 'pg';
import type {
  ControlIdMatch, NewMessage, ClaimSubmissionStore, JobStore, MessageStore, OfficeRecordStore, OutboxStore, ProcessingStore, ReminderStore, ResourceStore,
  Store, StoreTables, StoreTx, TransactionOptions, X12Store, ControlIdStore, EligibilityStore, AuditStore, ConsoleSessionStore,
} from '../types.js';
import { createPool, describePgError, migrate, parseTarget, searchPoolSize, type Atomic, type PgTarget, type Queryable } from './db.js';
import * as messages from './messages.js';
import * as outbox from './outbox.js';
import * as resources from './resources.js';
import * as claims from './claims.js';
import * as reminders from './reminders.js';
import * as jobs from './jobs.js';
import * as x12 from './x12.js';
import * as eligibility from './eligibility.js';
import * as controlIds from './control-ids.js';
import * as audit from './audit.js';
import { besideAudit } from '../audit.js';
import * as consoleSessions from './console-sessions.js';

/** A transaction's duplicate checks answered from its own rows (PgStore.tx). */
interface ControlIdCheck {
  /** Only frames stored so far, no savepoint: checks are answered from `own`. */
  on: boolean;
  /** The rows this transaction stored, by controlIdKey, oldest first, as findByControlId reads them. */
  own: Map<string, ControlIdMatch[]>;
  /** How many rows a check answered for a control id whose message is not stored yet. */
  counted: Map<string, number>;
}

const controlIdKey = (channel: string, controlId: string) => `${channel}\u0000${controlId}`;

/**
 * The checked inserts of a group commit's frames, sent together (#16): an insert made while the
 * check is on waits here until the event loop's next turn (setImmediate), so the frames the
 * pipeline stores one after the other without waiting for each (src/runtime/pipeline.ts flush)
 * travel in one statement (messages.insertMessagesIfRows) instead of one round trip each. Every
 * other call of the transaction sends them first (the statements reach the server in the order
 * they were made: ids, and so per-patient order, follow the frames' order), and so does a check of
 * a control id waiting here (its rows are then read as stored). When the statement fails or a
 * check in it does, every insert of it throws: the pipeline makes the commit again, each frame in
 * a savepoint, checked against the table.
 */
class PendingInserts {
  private rows: Array<{ m: NewMessage; rows: number; now: Date; key: string; resolve: (id: number) => void; reject: (e: Error) => void }> = [];
  readonly keys = new Set<string>();
  constructor(private readonly c: pg.PoolClient, private readonly check: ControlIdCheck) {}

  add(m: NewMessage, rows: number, now: Date | undefined, key: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.rows.push({ m, rows, now: now ?? new Date(), key, resolve, reject });
      this.keys.add(key);
      // Its failure reaches the inserts' callers; nobody else awaits this.
      if (this.rows.length === 1) setImmediate(() => { this.send().catch(() => undefined); });
    });
  }

  /** The transaction is being undone: what waits is never sent (not later, on a connection back in the pool). */
  discard(e: Error): void {
    const batch = this.rows;
    this.rows = [];
    this.keys.clear();
    for (const b of batch) b.reject(e);
  }

  /** Sends what waits (nothing: resolves at once); rejects when that failed. */
  async send(): Promise<void> {
    const batch = this.rows;
    if (!batch.length) return;
    this.rows = [];
    this.keys.clear();
    let ids: number[] | undefined;
    try {
      if (batch.length === 1) {
        const id = await messages.insertMessageIfRows(this.c, batch[0]!.m, batch[0]!.rows, batch[0]!.now);
        ids = id === undefined ? undefined : [id];
      } else {
        ids = await messages.insertMessagesIfRows(this.c, batch);
      }
    } catch (e) {
      this.check.on = false;
      for (const b of batch) b.reject(e as Error);
      throw e;
    }
    if (!ids) {
      this.check.on = false;
      const which = batch.map((b) => `control id ${JSON.stringify(b.m.controlId)} of channel ${b.m.channel}`).join(', or ');
      const e = new Error(`${which} is stored already (a resend, a reused control id, or another instance's): the frames are stored again, each checked against the table`);
      for (const b of batch) b.reject(e);
      throw e;
    }
    batch.forEach((b, i) => {
      const id = ids[i]!;
      const own = this.check.own.get(b.key) ?? [];
      own.push({ id, contentHash: b.m.contentHash, state: 'received', ackCode: null, ack: null, commitAck: b.m.commitAck?.text ?? null, duplicateOf: b.m.duplicateOf ?? null });
      this.check.own.set(b.key, own);
      b.resolve(id);
    });
  }
}

/** How a table call reaches the database: one statement, or several as one unit. */
interface Conn {
  run<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  atomic: Atomic;
  /** Where a single-condition search runs (PgStore.searchPool); `run` inside a transaction. */
  search<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** The search shapes named on the store's connections (one registry per store, shared by its transactions). */
  shapes: resources.SearchShapes;
}

function tables(c: Conn): StoreTables {
  const run = <T>(fn: (q: Queryable) => Promise<T>) => c.run(fn);
  const m: MessageStore = {
    insert: (x, now) => run((q) => messages.insertMessage(q, x, now)),
    get: (id) => run((q) => messages.getMessage(q, id)),
    findByControlId: (channel, controlId) => run((q) => messages.findByControlId(q, channel, controlId)),
    recordResend: (id, now) => run((q) => messages.recordResend(q, id, now)),
    list: (f) => run((q) => messages.listMessages(q, f)),
    count: (f) => run((q) => messages.countMessages(q, f)),
    matchingIds: (f, max) => run((q) => messages.matchingIds(q, f, max)),
    countsByChannelAndState: () => run((q) => messages.countsByChannelAndState(q)),
    channelStats: (today, hourAgo) => run((q) => messages.channelStats(q, today, hourAgo)),
  };
  const p: ProcessingStore = {
    recordAttempt: (a, now) => run((q) => messages.recordAttempt(q, a, now)),
    attemptsOf: (messageId) => run((q) => messages.attemptsOf(q, messageId)),
    getForProcessing: (id) => run((q) => messages.getForProcessing(q, id)),
    claimForProcessing: (id) => run((q) => messages.claimForProcessing(q, id)),
    beginAttempt: (id, now) => run((q) => messages.beginAttempt(q, id, now)),
    beginFirstAttempts: (ids, now) => run((q) => messages.beginFirstAttempts(q, ids, now)),
    recordOutcome: (id, o, now) => run((q) => messages.recordOutcome(q, id, o, now)),
    recordFailure: (id, error, state, now) => run((q) => messages.recordFailure(q, id, error, state, now)),
    resetForReplay: (id, now) => run((q) => messages.resetForReplay(q, id, now)),
    pendingIds: (limit, afterId) => run((q) => messages.pendingIds(q, limit, afterId)),
    orphanedIds: (before, limit) => run((q) => messages.orphanedIds(q, before, limit)),
    unattemptedInRange: (from, to, limit) => run((q) => messages.unattemptedInRange(q, from, to, limit)),
    markAcksSent: (ids, now) => run((q) => messages.markAcksSent(q, ids, now)),
  };
  const r: ResourceStore = {
    // One statement (./resources.ts): atomic without a transaction or savepoint of its own.
    upsert: (resource, messageId, now) => run((q) => resources.upsertResource(q, resource, messageId, now)),
    get: (type, id) => run((q) => resources.getResource(q, type, id)),
    replacedBy: (id) => run((q) => resources.patientReplacedBy(q, id)),
    findByIdentifier: (type, system, value) => run((q) => resources.findByIdentifier(q, type, system, value)),
    referencing: (reference) => run((q) => resources.referencingResources(q, reference)),
    findByElement: (type, element, value) => run((q) => resources.findByElement(q, type, element, value)),
    listOfType: <T extends Resource>(type: string) => run((q) => resources.listOfType<T>(q, type)),
    idsOfType: (type) => run((q) => resources.idsOfType(q, type)),
    count: (type) => run((q) => resources.countResources(q, type)),
    remove: (type, id, now) => c.atomic((q) => resources.removeResource(q, type, id, now)),
    history: (type, id, hq) => run((q) => resources.resourceHistory(q, type, id, hq)),
    typeHistory: (type, hq) => run((q) => resources.typeHistory(q, type, hq)),
    countHistory: (type, id, since) => run((q) => resources.countHistory(q, type, id, since)),
    version: (type, id, v) => run((q) => resources.resourceVersion(q, type, id, v)),
    search: (sq, o) => {
      const via = resources.singleLookup(sq) ? c.search : run;
      if (!o?.audit) return via((q) => resources.searchResources(q, c.shapes, sq));
      const entry = o.audit;
      // The row in the search's own statement where it can be; else both at once, on two connections.
      if (resources.auditInSearch(sq)) return via((q) => resources.searchResources(q, c.shapes, sq, entry));
      return besideAudit(run((q) => audit.recordAudit(q, entry)), via((q) => resources.searchResources(q, c.shapes, sq)));
    },
    reindex: (after, opts) => c.atomic((q) => resources.reindexResources(q, after, opts)),
  };
  const o: OfficeRecordStore = {
    replace: (messageId, records, now) => run((q) => resources.replaceOfficeRecords(q, messageId, records, now)),
    of: (messageId) => run((q) => resources.officeRecordsOf(q, messageId)),
  };
  const ob: OutboxStore = {
    enqueue: (item, now) => run((q) => outbox.enqueue(q, item, now)),
    claimDue: (opts) => run((q) => outbox.claimDue(q, opts)),
    renewLeases: (ids, holder, until, now) => run((q) => outbox.renewLeases(q, ids, holder, until, now)),
    reclaimAbandoned: (holder, now) => run((q) => outbox.reclaimAbandoned(q, holder, now)),
    markDelivered: (id, rep, now) => run((q) => outbox.markDelivered(q, id, rep, now)),
    scheduleRetry: (id, at, rep, now) => run((q) => outbox.scheduleRetry(q, id, at, rep, now)),
    markDead: (id, rep, now) => run((q) => outbox.markDead(q, id, rep, now)),
    replayDead: (id, now) => run((q) => outbox.replayDead(q, id, now)),
    replayAllDead: (filter, now) => run((q) => outbox.replayAllDead(q, filter, now)),
    get: (id) => run((q) => outbox.getOutboxItem(q, id)),
    getByKey: (key) => run((q) => outbox.getOutboxItemByKey(q, key)),
    list: (f) => run((q) => outbox.listOutbox(q, f)),
    attemptsOf: (id) => run((q) => outbox.attemptsOf(q, id)),
    counts: () => run((q) => outbox.outboxCounts(q)),
    lastErrors: () => run((q) => outbox.lastErrors(q)),
    purgeDelivered: (before) => run((q) => outbox.purgeDelivered(q, before)),
  };
  const cl: ClaimSubmissionStore = {
    recordQueued: (key, claimId, outboxId, idem, now) => run((q) => claims.recordClaimQueued(q, key, claimId, outboxId, idem, now)),
    recordAnswer: (a, now) => run((q) => claims.recordClaimAnswer(q, a, now)),
    get: (key) => run((q) => claims.getClaimSubmission(q, key)),
    keys: () => run((q) => claims.claimKeys(q)),
  };
  const rem: ReminderStore = {
    insertIfNew: (x) => run((q) => reminders.insertReminder(q, x)),
    cancel: (appointmentId) => run((q) => reminders.cancelReminders(q, appointmentId)),
    markHandedOff: (ids, opts) => run((q) => reminders.markRemindersHandedOff(q, ids, opts?.onlyReady ?? false)),
    list: (state) => run((q) => reminders.listReminders(q, state)),
    purgeBefore: (before) => run((q) => reminders.purgeReminders(q, before)),
  };
  const j: JobStore = {
    takeLease: (job, holder, until, now) => run((q) => jobs.takeJobLease(q, job, holder, until, now)),
    releaseLease: (job, holder) => run((q) => jobs.releaseJobLease(q, job, holder)),
    claimTick: (job, tick, holder, now) => run((q) => jobs.claimJobTick(q, job, tick, holder, now)),
    recordRun: (x) => run((q) => jobs.recordJobRun(q, x)),
    recentRuns: (limit) => run((q) => jobs.recentJobRuns(q, limit)),
    purgeRunsBefore: (before) => run((q) => jobs.purgeJobRuns(q, before)),
  };
  const x: X12Store = {
    allocateControlNumber: (counter) => run((q) => x12.allocateControlNumber(q, counter)),
    recordClaimsSent: (rows, now) => x12.recordClaimsSent(c.atomic, rows, now),
    recordClaimHeld: (claimId, destination, detail, total, now) => x12.recordClaimHeld(c.atomic, claimId, destination, detail, total, now),
    list: (limit) => run((q) => x12.listX12Claims(q, limit)),
    get: (claimId) => run((q) => x12.getX12Claim(q, claimId)),
    inTransaction: (g, t) => run((q) => x12.claimsInTransaction(q, g, t)),
    updateState: (claimId, state, source, detail, now, record, posting) => x12.updateX12ClaimState(c.atomic, claimId, state, source, detail, now, record, posting),
    claimRemittance: (originator, trace, amount, n, now) => run((q) => x12.claimRemittance(q, originator, trace, amount, n, now)),
    claimInboundFile: (sha, name, now) => run((q) => x12.claimInboundFile(q, sha, name, now)),
    finishInboundFile: (sha, kind, outcome) => run((q) => x12.finishInboundFile(q, sha, kind, outcome)),
  };
  const el: EligibilityStore = {
    recordInquiries: (rows, now) => run((q) => eligibility.recordInquiries(q, rows, now)),
    recordAnswer: (a, now) => eligibility.recordEligibilityAnswer(c.atomic, a, now),
    get: (trace) => run((q) => eligibility.getEligibility(q, trace)),
    forAppointment: (id) => run((q) => eligibility.eligibilityForAppointment(q, id)),
    list: (f) => run((q) => eligibility.listEligibility(q, f)),
    purgeBefore: (before) => run((q) => eligibility.purgeEligibility(q, before)),
  };
  const ids: ControlIdStore = {
    allocate: (req, now) => run((q) => controlIds.allocateControlId(q, req, now)),
    list: (destination) => run((q) => controlIds.listControlIds(q, destination)),
  };
  const au: AuditStore = {
    record: (e) => run((q) => audit.recordAudit(q, e)),
    amend: (id, a) => run((q) => audit.amendAudit(q, id, a)),
    list: (f) => run((q) => audit.listAudit(q, f)),
    count: (f) => run((q) => audit.countAudit(q, f)),
    get: (id) => run((q) => audit.getAudit(q, id)),
    purgeBefore: (before) => run((q) => audit.purgeAudit(q, before)),
  };
  const cs: ConsoleSessionStore = {
    create: (x) => run((q) => consoleSessions.createSession(q, x)),
    get: (h) => run((q) => consoleSessions.getSession(q, h)),
    touch: (h, seen, expires) => run((q) => consoleSessions.touchSession(q, h, seen, expires)),
    delete: (h) => run((q) => consoleSessions.deleteSession(q, h)),
    purgeExpired: (now) => run((q) => consoleSessions.purgeExpiredSessions(q, now)),
  };
  return { messages: m, processing: p, resources: r, officeRecords: o, outbox: ob, claims: cl, reminders: rem, jobs: j, x12: x, eligibility: el, controlIds: ids, audit: au, consoleSessions: cs };
}

/**
 * A checked-out connection whose server goes away between two statements (a transaction waiting on
 * the flow's work) emits 'error' with nobody listening, which would end the process: note it
 * instead; the statement that follows fails (no ACK) and the connection is discarded on release.
 */
function watchLoss(c: pg.PoolClient): { broken: boolean; done(): void } {
  const state = {
    broken: false,
    done: () => { c.removeListener('error', onError); },
  };
  const onError = () => { state.broken = true; };
  c.on('error', onError);
  return state;
}

export class PgStore implements Store {
  readonly engine = 'postgres';
  readonly location: string;
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
  readonly pool: pg.Pool;
  /**
   * Single-condition FHIR searches outside a transaction (an identifier, a birth date: most of
   * what an EHR asks) run here, on connections that keep one plan per statement (db.ts
   * createPool); the same pool as `pool` when that holds one connection.
   */
  readonly searchPool: pg.Pool;
  /** The search statements named on this store's pooled connections (resources.SearchShapes). */
  private readonly shapes = new resources.SearchShapes();
  private readonly ready: Promise<void>;
  private closed = false;
  private savepoints = 0;

  /** `onIdleError`: a pooled connection lost while idle (server restart, failover); the pool replaces it. */
  constructor(readonly target: PgTarget, onIdleError: (e: Error) => void = () => undefined) {
    this.location = target.schema === 'public' ? target.display : `${target.display} (schema ${target.schema})`;
    this.pool = createPool(target);
    this.pool.on('error', onIdleError);
    this.searchPool = searchPoolSize(target.poolSize) > 0 ? createPool(target, { searches: true }) : this.pool;
    if (this.searchPool !== this.pool) this.searchPool.on('error', onIdleError);
    this.ready = migrate(this.pool, target.schema).catch((e: unknown) => {
      throw new Error(describePgError(e, target));
    });
    // Rejections surface through every call (and ping); never as an unhandled rejection.
    this.ready.catch(() => undefined);
    const outside: Conn = {
      run: async (fn) => { await this.ready; return fn(this.pool); },
      search: async (fn) => { await this.ready; return fn(this.searchPool); },
      shapes: this.shapes,
      atomic: async (fn) => {
        await this.ready;
        const c = await this.pool.connect();
        const lost = watchLoss(c);
        try {
          await c.query('BEGIN');
          const v = await fn(c);
          await c.query('COMMIT');
          return v;
        } catch (e) {
          await c.query('ROLLBACK').catch(() => { lost.broken = true; });
          lost.broken = true;
          throw e;
        } finally {
          lost.done();
          c.release(lost.broken);
        }
      },
    };
    const t = tables(outside);
    this.messages = t.messages;
    this.processing = t.processing;
    this.resources = t.resources;
    this.officeRecords = t.officeRecords;
    this.outbox = t.outbox;
    this.claims = t.claims;
    this.reminders = t.reminders;
    this.jobs = t.jobs;
    this.x12 = t.x12;
    this.eligibility = t.eligibility;
    this.controlIds = t.controlIds;
    this.audit = t.audit;
    this.consoleSessions = t.consoleSessions;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** A COMMIT here returns once PostgreSQL has flushed it (synchronous_commit on). */
  async durable(): Promise<void> {}

  /** Whether a group commit's duplicate checks travel with its inserts (see tx); off only to measure the difference (bench/profile/mllp-pg.ts AB=1). */
  checksInOneTrip = true;

  async transaction<T>(work: (tx: StoreTx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    await this.ready;
    const c = await this.pool.connect();
    const lost = watchLoss(c);
    let rolledBack = false;
    const check: ControlIdCheck = { on: this.checksInOneTrip, own: new Map(), counted: new Map() };
    const pending = new PendingInserts(c, check);
    try {
      await c.query('BEGIN');
      try {
        const value = await work(this.tx(c, {}, check, pending));
        // Inserts nobody awaited still go before the COMMIT (a failure fails the commit).
        await pending.send();
        await c.query('COMMIT');
        opts.onCommit?.();
        return value;
      } catch (e) {
        pending.discard(e as Error);
        await c.query('ROLLBACK').then(() => { rolledBack = true; }, () => { lost.broken = true; });
        throw e;
      }
    } catch (e) {
      // A connection that failed mid-transaction may be dead: do not hand it to the next caller.
      // One that answered the ROLLBACK is alive (work that threw, the pipeline's redo of a group
      // commit with savepoints): a new connection for each would cost a connect and every prepared
      // statement again (the 501-failure recovery test: 8 s -> 78 s).
      if (!rolledBack) lost.broken = true;
      throw e;
    } finally {
      lost.done();
      c.release(lost.broken);
    }
  }

  /**
   * The transaction's calls on its connection. A savepoint that succeeded is released lazily: its
   * RELEASE goes to the server in one round trip with the next SAVEPOINT (a simple query of two
   * statements), and the COMMIT releases the last one; a ROLLBACK TO an earlier savepoint destroys
   * it anyway. `sp` (one per transaction, shared by nested savepoints) holds the one waiting.
   *
   * `check`: a group commit's frames without a round trip for their duplicate checks (#16). While
   * the transaction has only stored frames (findByControlId, insert, recordResend) and opened no
   * savepoint, findByControlId answers from the rows this transaction stored, without a round
   * trip, and notes how many it answered; the insert of a message with that control id then
   * checks in its own statement that the channel has exactly that many (insertMessageIfRows, or
   * insertMessagesIfRows for the frames sent together: `pending`), and throws when it has more: a resend or a reused control id that was committed before, or one
   * another instance stored meanwhile. Nothing of the transaction is then kept (the pipeline makes
   * the commit again with each frame in a savepoint, src/runtime/pipeline.ts flush), and inside a
   * savepoint, or after any other call, every check reads the table: so the resend is answered
   * from its stored row, the duplicate flagged, as when each check read the table.
   */
  private tx(c: pg.PoolClient, sp: { unreleased?: string | undefined }, check: ControlIdCheck, pending: PendingInserts): StoreTx {
    const savepoint = async <T>(fn: (q: pg.PoolClient) => Promise<T>): Promise<T> => {
      check.on = false;
      await pending.send();
      const name = `sp${++this.savepoints}`;
      const release = sp.unreleased;
      sp.unreleased = undefined;
      await c.query(release ? `RELEASE SAVEPOINT ${release}; SAVEPOINT ${name}` : `SAVEPOINT ${name}`);
      try {
        const v = await fn(c);
        // Releasing this one releases any savepoint still open inside it.
        sp.unreleased = name;
        return v;
      } catch (e) {
        // Rolling back to this one destroys every savepoint made after it.
        sp.unreleased = undefined;
        await c.query(`ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`).catch(() => undefined);
        throw e;
      }
    };
    // Inside the transaction a failed statement aborts it in PostgreSQL; each table call that can
    // fail on data (a unique key) is therefore what the caller wraps in tx.savepoint (as the
    // pipeline does per message), and multi-statement calls get a savepoint of their own.
    /**
     * `fn`'s statement queued on the connection right behind the inserts waiting (if any), both at
     * once: the order the calls were made in is the order the server sees (ids follow it).
     */
    const afterPending = async <T>(fn: () => Promise<T>): Promise<T> => {
      const sent = pending.send();
      const r = fn();
      r.catch(() => undefined);
      await sent;
      return r;
    };
    const inside: Conn = {
      run: (fn) => { check.on = false; return afterPending(() => fn(c)); },
      atomic: (fn) => savepoint(fn),
      search: (fn) => { check.on = false; return afterPending(() => fn(c)); },
      shapes: this.shapes,
    };
    const t = tables(inside);
    const m: MessageStore = {
      ...t.messages,
      findByControlId: async (channel, controlId) => {
        const key = controlIdKey(channel, controlId);
        // A row of this control id waiting to be sent is stored first, then counted as this transaction's.
        if (!check.on) return afterPending(() => messages.findByControlId(c, channel, controlId));
        if (pending.keys.has(key)) await pending.send();
        const own = check.own.get(key) ?? [];
        check.counted.set(key, own.length);
        return own.map((r) => ({ ...r }));
      },
      insert: async (x, now) => {
        const key = check.on && x.controlId != null ? controlIdKey(x.channel, x.controlId) : undefined;
        const counted = key === undefined ? undefined : check.counted.get(key);
        if (key === undefined || counted === undefined) {
          // Not checked through findByControlId here: whatever it stores, later checks read the table.
          if (x.controlId != null) check.on = false;
          return afterPending(() => messages.insertMessage(c, x, now));
        }
        check.counted.delete(key);
        return pending.add(x, counted, now, key);
      },
      recordResend: (id, now) => afterPending(() => messages.recordResend(c, id, now)),
    };
    return {
      ...t,
      messages: m,
      savepoint: <T>(work: (tx: StoreTx) => Promise<T>) => savepoint(() => work(this.tx(c, sp, check, pending))),
    };
  }

  async ping(): Promise<void> {
    await this.ready;
    try {
      await this.pool.query('SELECT 1');
    } catch (e) {
      throw new Error(describePgError(e, this.target));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.searchPool !== this.pool ? this.searchPool.end() : undefined]);
  }
}

/** Open the PostgreSQL store a postgres:// URL names (connects and migrates on first use: await ping() to know it works). */
export function openPgStore(url: string, onIdleError?: (e: Error) => void): PgStore {
  return new PgStore(parseTarget(url), onIdleError);
}
