/**
 * The Store on SQLite (better-sqlite3): synchronous inside, Promises outside.
 *
 * One connection serves the whole process, so a transaction owns it while it runs: between BEGIN
 * and COMMIT its work awaits (store calls, flow code), and any other caller's statement would
 * otherwise land inside that open transaction. Calls on the store therefore wait until no
 * transaction is open; calls on the transaction's `tx` run at once. Write transactions start
 * with BEGIN IMMEDIATE, so a second process on the same file (the CLI beside a running gateway)
 * waits for the write lock (busy_timeout) instead of failing half-way.
 *
 * A transaction's fsync runs off the event loop (#17): its COMMIT is made with synchronous=NORMAL
 * (in WAL mode: the commit's frames are written to the WAL file, the OS holds them, no fsync), then
 * the WAL file is fsync'd in libuv's thread pool (./wal-sync.ts) and `transaction()` resolves only
 * after that, so what it resolves is on disk exactly as with synchronous=FULL (which is the
 * same fsync of the same file, made on this thread). Meanwhile the connection is free: the next
 * transaction runs while this one's fsync is in flight (it sees this one's writes, and its own
 * fsync, which covers both, comes after), and the event loop reads frames and answers /health
 * instead of waiting 1-5 ms per commit on a loaded disk. Statements outside a transaction keep
 * synchronous=FULL (each fsync'd before it returns).
 */
import type { Resource } from 'fhir/r4.js';
import type {
  ClaimSubmissionStore, JobStore, MessageStore, OfficeRecordStore, OutboxStore, ProcessingStore, ReminderStore, ResourceStore,
  Store, StoreTables, StoreTx, TransactionOptions, X12Store, ControlIdStore, EligibilityStore, AuditStore, ConsoleSessionStore,
} from '../types.js';
import { openDatabase, type Db } from './db.js';
import { stmt } from './statements.js';
import { WalSync } from './wal-sync.js';
import { Checkpointer } from './checkpointer.js';

const SAVEPOINT = 'fd_sp';
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

/** Audit rows written outside transactions between two checkpoint requests (~4 WAL pages each: ~2 MB). */
export const AUDIT_ROWS_PER_CHECKPOINT = 128;
/** Quiet time after the last audit row before a checkpoint is asked for. */
export const AUDIT_IDLE_MS = 200;

/** Runs a synchronous statement function: the store waits for an open transaction; a tx does not. */
type Runner = <T>(fn: (db: Db) => T) => Promise<T>;

/** A call that writes search index rows: the search index module is loaded first (once; ./resources.ts says why it is lazy). */
const withSearchIndex = <T>(call: () => Promise<T>): Promise<T> => (resources.searchIndexLoaded() ? call() : resources.loadSearchIndex().then(call));

function tables(run: Runner): StoreTables {
  const m: MessageStore = {
    insert: (x, now) => run((db) => messages.insertMessage(db, x, now)),
    get: (id) => run((db) => messages.getMessage(db, id)),
    findByControlId: (channel, controlId) => run((db) => messages.findByControlId(db, channel, controlId)),
    recordResend: (id, now) => run((db) => messages.recordResend(db, id, now)),
    list: (f) => run((db) => messages.listMessages(db, f)),
    count: (f) => run((db) => messages.countMessages(db, f)),
    matchingIds: (f, max) => run((db) => messages.matchingIds(db, f, max)),
    countsByChannelAndState: () => run((db) => messages.countsByChannelAndState(db)),
    channelStats: (today, hourAgo) => run((db) => messages.channelStats(db, today, hourAgo)),
  };
  const p: ProcessingStore = {
    recordAttempt: (a, now) => run((db) => messages.recordAttempt(db, a, now)),
    attemptsOf: (messageId) => run((db) => messages.attemptsOf(db, messageId)),
    getForProcessing: (id) => run((db) => messages.getForProcessing(db, id)),
    claimForProcessing: (id) => run((db) => messages.claimForProcessing(db, id)),
    beginAttempt: (id, now) => run((db) => messages.beginAttempt(db, id, now)),
    beginFirstAttempts: (ids, now) => run((db) => messages.beginFirstAttempts(db, ids, now)),
    recordOutcome: (id, o, now) => run((db) => messages.recordOutcome(db, id, o, now)),
    recordFailure: (id, error, state, now) => run((db) => messages.recordFailure(db, id, error, state, now)),
    resetForReplay: (id, now) => run((db) => messages.resetForReplay(db, id, now)),
    pendingIds: (limit, afterId) => run((db) => messages.pendingIds(db, limit, afterId)),
    orphanedIds: (before, limit) => run((db) => messages.orphanedIds(db, before, limit)),
    unattemptedInRange: (from, to, limit) => run((db) => messages.unattemptedInRange(db, from, to, limit)),
    markAcksSent: (ids, now) => run((db) => messages.markAcksSent(db, ids, now)),
  };
  const r: ResourceStore = {
    upsert: (resource, messageId, now) => withSearchIndex(() => run((db) => resources.upsertResource(db, resource, messageId, now))),
    get: (type, id) => run((db) => resources.getResource(db, type, id)),
    replacedBy: (id) => run((db) => resources.patientReplacedBy(db, id)),
    findByIdentifier: (type, system, value) => run((db) => resources.findByIdentifier(db, type, system, value)),
    referencing: (reference) => run((db) => resources.referencingResources(db, reference)),
    findByElement: (type, element, value) => run((db) => resources.findByElement(db, type, element, value)),
    listOfType: <T extends Resource>(type: string) => run((db) => resources.listOfType<T>(db, type)),
    idsOfType: (type) => run((db) => resources.idsOfType(db, type)),
    count: (type) => run((db) => resources.countResources(db, type)),
    remove: (type, id, now) => run((db) => resources.removeResource(db, type, id, now)),
    history: (type, id, q) => run((db) => resources.resourceHistory(db, type, id, q)),
    typeHistory: (type, q) => run((db) => resources.typeHistory(db, type, q)),
    countHistory: (type, id, since) => run((db) => resources.countHistory(db, type, id, since)),
    version: (type, id, v) => run((db) => resources.resourceVersion(db, type, id, v)),
    // SQLite writes the row beside the search (one connection, no round trip to save).
    search: (q, o) => (o?.audit ? besideAudit(au.record(o.audit), run((db) => resources.searchResources(db, q))) : run((db) => resources.searchResources(db, q))),
    reindex: (after, opts) => withSearchIndex(() => run((db) => resources.reindexResources(db, after, opts))),
  };
  const o: OfficeRecordStore = {
    replace: (messageId, records, now, opts) => run((db) => resources.replaceOfficeRecords(db, messageId, records, now, opts)),
    of: (messageId) => run((db) => resources.officeRecordsOf(db, messageId)),
  };
  const q: OutboxStore = {
    enqueue: (item, now) => run((db) => outbox.enqueue(db, item, now)),
    claimDue: (opts) => run((db) => outbox.claimDue(db, opts)),
    renewLeases: (ids, holder, until, now) => run((db) => outbox.renewLeases(db, ids, holder, until, now)),
    reclaimAbandoned: (holder, now) => run((db) => outbox.reclaimAbandoned(db, holder, now)),
    markDelivered: (id, rep, now) => run((db) => outbox.markDelivered(db, id, rep, now)),
    scheduleRetry: (id, at, rep, now) => run((db) => outbox.scheduleRetry(db, id, at, rep, now)),
    markDead: (id, rep, now) => run((db) => outbox.markDead(db, id, rep, now)),
    replayDead: (id, now) => run((db) => outbox.replayDead(db, id, now)),
    replayAllDead: (filter, now) => run((db) => outbox.replayAllDead(db, filter, now)),
    get: (id) => run((db) => outbox.getOutboxItem(db, id)),
    getByKey: (key) => run((db) => outbox.getOutboxItemByKey(db, key)),
    list: (f) => run((db) => outbox.listOutbox(db, f)),
    attemptsOf: (id) => run((db) => outbox.attemptsOf(db, id)),
    counts: () => run((db) => outbox.outboxCounts(db)),
    lastErrors: () => run((db) => outbox.lastErrors(db)),
    purgeDelivered: (before) => run((db) => outbox.purgeDelivered(db, before)),
  };
  const c: ClaimSubmissionStore = {
    recordQueued: (key, claimId, outboxId, idem, now) => run((db) => claims.recordClaimQueued(db, key, claimId, outboxId, idem, now)),
    recordAnswer: (a, now) => run((db) => claims.recordClaimAnswer(db, a, now)),
    get: (key) => run((db) => claims.getClaimSubmission(db, key)),
    keys: () => run((db) => claims.claimKeys(db)),
  };
  const rem: ReminderStore = {
    insertIfNew: (x) => run((db) => reminders.insertReminder(db, x)),
    cancel: (appointmentId) => run((db) => reminders.cancelReminders(db, appointmentId)),
    markHandedOff: (ids, opts) => run((db) => reminders.markRemindersHandedOff(db, ids, opts?.onlyReady ?? false)),
    list: (state) => run((db) => reminders.listReminders(db, state)),
    purgeBefore: (before) => run((db) => reminders.purgeReminders(db, before)),
  };
  const j: JobStore = {
    takeLease: (job, holder, until, now) => run((db) => jobs.takeJobLease(db, job, holder, until, now)),
    releaseLease: (job, holder) => run((db) => jobs.releaseJobLease(db, job, holder)),
    claimTick: (job, tick, holder, now) => run((db) => jobs.claimJobTick(db, job, tick, holder, now)),
    recordRun: (x) => run((db) => jobs.recordJobRun(db, x)),
    recentRuns: (limit) => run((db) => jobs.recentJobRuns(db, limit)),
    purgeRunsBefore: (before) => run((db) => jobs.purgeJobRuns(db, before)),
  };
  const x: X12Store = {
    allocateControlNumber: (counter) => run((db) => x12.allocateControlNumber(db, counter)),
    recordClaimsSent: (rows, now) => run((db) => x12.recordClaimsSent(db, rows, now)),
    recordClaimHeld: (claimId, destination, detail, total, now) => run((db) => x12.recordClaimHeld(db, claimId, destination, detail, total, now)),
    list: (limit) => run((db) => x12.listX12Claims(db, limit)),
    get: (claimId) => run((db) => x12.getX12Claim(db, claimId)),
    inTransaction: (g, t) => run((db) => x12.claimsInTransaction(db, g, t)),
    updateState: (claimId, state, source, detail, now, record, posting) => run((db) => x12.updateX12ClaimState(db, claimId, state, source, detail, now, record, posting)),
    claimRemittance: (originator, trace, amount, claims, now) => run((db) => x12.claimRemittance(db, originator, trace, amount, claims, now)),
    claimInboundFile: (sha, name, now) => run((db) => x12.claimInboundFile(db, sha, name, now)),
    finishInboundFile: (sha, kind, outcome) => run((db) => x12.finishInboundFile(db, sha, kind, outcome)),
  };
  const el: EligibilityStore = {
    recordInquiries: (rows, now) => run((db) => eligibility.recordInquiries(db, rows, now)),
    recordAnswer: (a, now) => run((db) => eligibility.recordEligibilityAnswer(db, a, now)),
    get: (trace) => run((db) => eligibility.getEligibility(db, trace)),
    forAppointment: (id) => run((db) => eligibility.eligibilityForAppointment(db, id)),
    list: (f) => run((db) => eligibility.listEligibility(db, f)),
    purgeBefore: (before) => run((db) => eligibility.purgeEligibility(db, before)),
  };
  const ids: ControlIdStore = {
    allocate: (req, now) => run((db) => controlIds.allocateControlId(db, req, now)),
    list: (destination) => run((db) => controlIds.listControlIds(db, destination)),
  };
  const au: AuditStore = {
    record: (e) => run((db) => audit.recordAudit(db, e)),
    amend: (id, a) => run((db) => audit.amendAudit(db, id, a)),
    list: (f) => run((db) => audit.listAudit(db, f)),
    count: (f) => run((db) => audit.countAudit(db, f)),
    get: (id) => run((db) => audit.getAudit(db, id)),
    purgeBefore: (before) => run((db) => audit.purgeAudit(db, before)),
  };
  const cs: ConsoleSessionStore = {
    create: (x) => run((db) => consoleSessions.createSession(db, x)),
    get: (h) => run((db) => consoleSessions.getSession(db, h)),
    touch: (h, seen, expires) => run((db) => consoleSessions.touchSession(db, h, seen, expires)),
    delete: (h) => run((db) => consoleSessions.deleteSession(db, h)),
    purgeExpired: (now) => run((db) => consoleSessions.purgeExpiredSessions(db, now)),
  };
  return { messages: m, processing: p, resources: r, officeRecords: o, outbox: q, claims: c, reminders: rem, jobs: j, x12: x, eligibility: el, controlIds: ids, audit: au, consoleSessions: cs };
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  /** A JsonText's gzip bytes are stored as a BLOB in its JSON column (../json-text.ts). */
  readonly storesGzipJson = true;
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
  /** Settles when the open transaction ends; undefined when none is open. */
  private busy: Promise<void> | undefined;
  private readonly txTables: StoreTables;
  /** The WAL file's fsync off the event loop; undefined when there is no WAL file (':memory:', another journal mode). Tests reach it through test/support/sqlite.ts to inject a failing fsync. */
  readonly walSync: WalSync | undefined;
  /** WAL checkpoints in a worker thread once the WAL grows (./checkpointer.ts). */
  private readonly checkpointer: Checkpointer | undefined;
  /** Fires when audit rows pause (see the constructor). */
  private auditIdle: NodeJS.Timeout | undefined;

  /** The connection: for this engine's own modules and tests that inject faults (test/support/sqlite.ts). */
  constructor(readonly db: Db, readonly location: string, opts: SqliteStoreOptions = {}) {
    const outside: Runner = async (fn) => {
      while (this.busy) await this.busy;
      // Nothing outside a transaction reads (or writes after) a commit whose fsync is still running.
      const syncing = this.walSync?.pending();
      if (syncing) {
        await syncing.catch(() => undefined);
        while (this.busy) await this.busy;
      }
      return fn(this.db);
    };
    const inside: Runner = async (fn) => fn(this.db);
    const t = tables(outside);
    this.messages = t.messages;
    this.processing = t.processing;
    // A search's audit row goes through this.audit (below), which counts rows for the checkpointer.
    this.resources = { ...t.resources, search: (q, o) => (o?.audit ? besideAudit(this.audit.record(o.audit), t.resources.search(q)) : t.resources.search(q)) };
    this.officeRecords = t.officeRecords;
    this.outbox = t.outbox;
    this.claims = t.claims;
    this.reminders = t.reminders;
    this.jobs = t.jobs;
    this.x12 = t.x12;
    this.eligibility = t.eligibility;
    this.controlIds = t.controlIds;
    // Audit rows are the one steady write outside transactions (every API read and search makes
    // one): every AUDIT_ROWS_PER_CHECKPOINT of them counts as a commit for the checkpointer, so a
    // gateway answering only reads neither grows the WAL without end (once the worker runs, the
    // connection no longer checkpoints) nor, before it runs, checkpoints inside an audit row's
    // COMMIT on the event loop (SQLite's automatic checkpoint, with its fsync, every ~250 rows).
    // A checkpoint made while rows keep coming cannot take the whole WAL, and SQLite writes the WAL
    // from its start again only after one did: so also one when the rows pause (AUDIT_IDLE_MS).
    // The idle timer is armed at the first row after a pause and, when it fires, armed again for
    // what is left of AUDIT_IDLE_MS after the last row (a row does not move the timer: moving a
    // timer per row, setTimeout's refresh, cost more per audited request than the row's own checks).
    let rows = 0;
    let lastRow = 0;
    const checkpoint = () => { rows = 0; if (this.db.open) this.holdFor(this.checkpointer?.afterCommit()); };
    const idle = () => {
      const left = lastRow + AUDIT_IDLE_MS - performance.now();
      if (left > 1) {
        (this.auditIdle = setTimeout(idle, left)).unref();
        return;
      }
      this.auditIdle = undefined;
      checkpoint();
    };
    this.audit = {
      ...t.audit,
      record: async (e) => {
        const id = await t.audit.record(e);
        if (this.checkpointer && !this.db.inTransaction) {
          if (++rows >= AUDIT_ROWS_PER_CHECKPOINT) checkpoint();
          lastRow = performance.now();
          if (!this.auditIdle) (this.auditIdle = setTimeout(idle, AUDIT_IDLE_MS)).unref();
        }
        return id;
      },
    };
    this.consoleSessions = t.consoleSessions;
    const txTables = tables(inside);
    // A transaction owns the connection while it runs: its reads may be answered at once.
    this.txTables = {
      ...txTables,
      resources: {
        ...txTables.resources,
        getSync: (type, id) => resources.getResource(this.db, type, id),
        // In steps, the caller's pause between them: the transaction owns the connection meanwhile
        // (calls on the store wait for it), so the steps still write as one statement sequence.
        upsert: (resource, messageId, now, opts) => withSearchIndex(async () => {
          const steps = resources.upsertResourceSteps(this.db, resource, messageId, now);
          for (;;) {
            const s = steps.next();
            if (s.done) return s.value;
            await opts?.pause?.();
          }
        }),
      },
    };
    const wal = location !== ':memory:' && location !== '' && String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    this.walSync = wal ? new WalSync(`${db.name}-wal`) : undefined;
    this.checkpointer = wal ? new Checkpointer(db, `${db.name}-wal`, opts.walLimitBytes, opts.checkpointIntervalMs) : undefined;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  async transaction<T>(work: (tx: StoreTx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    while (this.busy) await this.busy;
    let done!: () => void;
    this.busy = new Promise<void>((r) => { done = r; });
    let value: T;
    // FULL again after the COMMIT (or ROLLBACK): only this transaction's fsync is taken off the loop.
    // Plucked: the cached statement is shared with the audit rows' write (./audit.ts), which plucks
    // it, and pluck() is a mode of the statement. Read as a row here, after the first audit row the
    // level read back as a number had no `synchronous` field: no transaction deferred its fsync any
    // more, and every COMMIT fsync'd on the event loop (#17; from the first audited API request or
    // scheduled job run on).
    const deferSync = this.walSync !== undefined && stmt(this.db, 'PRAGMA synchronous').pluck().get() === 2;
    try {
      if (deferSync) stmt(this.db, 'PRAGMA synchronous = NORMAL').run();
      stmt(this.db, 'BEGIN IMMEDIATE').run();
      try {
        value = await work(this.tx());
        stmt(this.db, 'COMMIT').run();
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      if (deferSync && this.db.open) stmt(this.db, 'PRAGMA synchronous = FULL').run();
      this.busy = undefined;
      done();
    }
    opts.onCommit?.();
    this.holdFor(this.checkpointer?.afterCommit());
    if (deferSync) {
      if (opts.durableLater) this.walSync!.dirty();
      else await this.walSync!.sync();
    }
    return value;
  }

  /**
   * No transaction starts, and no call on the store runs, until `work` settles (the checkpointer's
   * checkpoint of all of the WAL in its worker, which no write overtakes meanwhile).
   * Set in the same turn as the COMMIT's end, before any waiter resumes.
   */
  private holdFor(work: Promise<void> | undefined): void {
    if (!work) return;
    const held: Promise<void> = work.then(() => { if (this.busy === held) this.busy = undefined; });
    this.busy = held;
  }

  /** Resolves once every transaction committed so far is on disk (their fsyncs, off the event loop, are done). */
  async durable(): Promise<void> {
    await this.walSync?.pending();
  }

  private tx(): StoreTx {
    return {
      ...this.txTables,
      savepoint: async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
        // One name for every savepoint: they nest strictly (each awaited before the next), and
        // RELEASE / ROLLBACK TO act on the innermost of that name, so the statements are prepared once.
        const name = SAVEPOINT;
        stmt(this.db, `SAVEPOINT ${name}`).run();
        try {
          const value = await work(this.tx());
          stmt(this.db, `RELEASE ${name}`).run();
          return value;
        } catch (e) {
          if (this.db.inTransaction) this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
          throw e;
        }
      },
    };
  }

  async ping(): Promise<void> {
    // Not waiting for an open transaction: SELECT 1 reads nothing and changes nothing, so it may
    // run on the connection while a long processing commit (a 10,000-OBX ORU) holds it, and
    // /health answers meanwhile instead of after the commit.
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    while (this.busy) await this.busy;
    clearTimeout(this.auditIdle);
    await this.walSync?.close();
    await this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }
}

/** Open (creating and migrating when needed) the SQLite store at `path` (a file, or ':memory:'). */
export interface SqliteStoreOptions {
  /** The WAL size past which a checkpoint takes all of it (./checkpointer.ts LIMIT_BYTES); tests make it small. */
  walLimitBytes?: number;
  /** At most one worker checkpoint per this many ms (./checkpointer.ts CHECKPOINT_INTERVAL_MS; 0: after every commit). */
  checkpointIntervalMs?: number;
}

export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(openDatabase(path), path, opts);
}
