/**
 * The processing pipeline every edge (MLLP listener, HTTP API, replay, recovery) goes through:
 *
 *   receive(inbound)  -> commit the raw message (store-then-ACK): resolves only once the row is on
 *                        disk; rejects nothing: a store failure comes back as `{ ok: false }` and
 *                        the edge sends no acknowledgment at all.
 *                        Exact resends (same channel, MSH-10 and content) are not stored again:
 *                        they get the stored answer. Same MSH-10 with other content is stored,
 *                        flagged (duplicate_of + a DUPLICATE_CONFLICT warning) and processed.
 *   answer            -> processing result: state, issues, outputs, and the answer the edge's
 *                        renderer made of them (./answers.ts: the application ACK from src/hl7/ack.ts,
 *                        the HTTP status and body from src/http/answer.ts), stored with the outcome.
 *
 * Group commit: writes arriving in the same event-loop turn (many connections), and while the
 * previous commit was running, share one store transaction, so one fsync covers them all; each
 * message is processed in its own savepoint so one message's failure does not undo the others.
 * Frames are stored without one (a store is one write); when one fails, the commit is made again
 * with each frame's store in a savepoint, so that failure too is its frame's alone. The store is reached only through its interface (src/store/types.ts).
 * On PostgreSQL, where a message's processing is round trips to the server rather than CPU here,
 * processing has transactions of its own instead, several at once (runLane), and intake's commits
 * only store frames.
 *
 * Off the event loop: a new HL7v2 message of `processing.offloadBytes` or more is parsed, mapped
 * and validated in a worker thread (./offload.ts) before its processing commit; inside the commit
 * the stored resources that run read are checked again (changed: the message runs again there).
 * Meanwhile intake goes on and other channels are processed; on the same channel, later messages
 * wait for it, so a channel's messages are still processed in arrival order.
 *
 * The processing queue holds at most processing.queueWindow messages whose senders wait for
 * nothing more (MSH-16 NE); later ones wait in the store, committed, and are read back in id order
 * as the window drains (./store-backlog.ts): the backlog up to processing.maxBacklog costs no memory.
 *
 * Per-patient order, across channels and across instances on one store: a message is claimed for
 * processing only when no earlier message of its patient (PID-3.1) is still unprocessed anywhere
 * (store: claimForProcessing). Otherwise it waits in the queue and is tried again shortly (other
 * patients' messages go on meanwhile). What it waits for is processed by whoever holds it: its
 * own instance, the takeover sweep when that instance died, or, when it already failed an attempt
 * and no one is on it, this instance (so a patient never waits for a restart; after
 * processing.maxAttempts it is 'failed' and its patient's later messages go on).
 */
import { performance } from 'node:perf_hooks';
import { isAscii } from 'node:buffer';
import { constants as zlibConstants, gzipSync } from 'node:zlib';
import { defaultBillingProvider } from '../billing/identity.js';
import { DEFAULT_VALIDATION_MODE } from '../hl7/tolerance.js';
import type { Logger } from 'pino';
import { issue, type Issue } from '../domain/issues.js';
import type { AckMode, ContentType, MessageState, Source, Store, StoreTables, StoredMessage, StoreTx } from '../store/index.js';
import type { ChannelConfig, GatewayConfig } from '../config.js';
import type { FlowContext, FlowOutput, IntakeRun } from '../flows/types.js';
import { contentHash, readHl7Header, type Hl7Header } from './intake-header.js';
import { decodeHl7, type Charset } from '../hl7/charset.js';
import { mappingVersion } from '../mapping/version.js';
import type { AttemptReason, ProcessingBlocker } from '../store/processing.js';
import { processHl7 } from '../flows/hl7v2/index.js';
import { processFhirTransaction } from '../flows/fhir-transaction/index.js';
import { processOfficeRecord } from '../flows/office/index.js';
import type { AnswerRenderers, RunOutcome } from './answers.js';
import { persistOutput, type EntryOutcome } from './persist.js';
import type { Metrics } from './metrics.js';
import { outboundHl7Settings } from '../delivery/outbound-settings.js';
import { storeReader, withStoredLookup } from '../flows/stored-lookup.js';
import { flowForChannel, type Hl7Processing } from '../flows/hl7v2/index.js';
import { bundleText, defaultWorkers, entriesFromText, ProcessingPool, type OutputJson, type Prepared } from './offload.js';
import { JsonText } from '../store/json-text.js';
import { eventLoopPause } from './pause.js';
import { StoreBacklog } from './store-backlog.js';
import type { BundleEntry, Resource } from 'fhir/r4.js';

/**
 * Processing time one commit takes at most (ms, checked between messages). Small enough that a
 * commit ACK waits little behind earlier messages' processing (#17: p99 <= 5 ms at 100 msg/s),
 * large enough that the fsync is shared by many results.
 */
export const PROCESS_BUDGET_MS = 4;

/**
 * Intake ahead of processing (#17): while frames keep arriving (a commit stored some in the last
 * INTAKE_BUSY_MS), a commit that has frames to store takes no processing, and processing-only
 * commits get a share of the event loop's time (processShare: PROCESS_SHARE with no backlog, up
 * to PROCESS_SHARE_MAX as the backlog grows), so a burst is committed and answered (commit ACK) at
 * intake speed while processing runs behind, and a steady stream is processed as it comes instead
 * of behind a backlog at processing.maxBacklog. When intake is quiet, processing takes all the
 * time there is.
 */
export const INTAKE_BUSY_MS = 20;

export const PROCESS_SHARE = 0.2;

/**
 * Processing's share while intake is busy grows with the backlog (#17 soak): with PROCESS_SHARE
 * alone, and processing-only commits that came only when no frame was queued, a steady 1,000 msg/s
 * kept the backlog at its bound (50,000: 50 s between commit ACK and processing) though processing's
 * CPU would have kept up. The share is the larger of two rules, at least PROCESS_SHARE and at most
 * PROCESS_SHARE_MAX:
 * - the backlog's age: once the oldest waiting message was committed more than SHARE_AGE_FROM_MS
 *   ago, the share rises from PROCESS_SHARE, linearly, to PROCESS_SHARE_MAX at twice that age. A
 *   steady stream's lag settles at a few seconds (the age whose share keeps up), whatever the rate;
 *   a burst of a few seconds ends before its oldest message is that old, so processing keeps to
 *   the gaps intake leaves while it lasts;
 * - the backlog's count, a floor: PROCESS_SHARE_MAX * waiting / (SHARE_FULL_AT * maxBacklog). Alone
 *   (before the age rule), a steady 1,000 msg/s settled at ~17,000 waiting (~17 s of lag).
 * Once the share is above PROCESS_SHARE, processing also takes its turn while frames are queued
 * (processingFirst). Below that processing keeps to the gaps, as before: a share that grew from the
 * first waiting message on cost a 2 s enhanced-mode burst over 8 connections a quarter to a half of
 * its msg/s (mllp-ab.ts, 4 alternating rounds; docs/runtime.md, fifth round).
 */
export const PROCESS_SHARE_MAX = 0.8;
export const SHARE_FULL_AT = 0.4;
/** The oldest waiting message's age (ms since its commit) from which processing's share rises (see PROCESS_SHARE_MAX). */
export const SHARE_AGE_FROM_MS = 3000;

/**
 * Processing's share of the event loop while intake is busy, with `waiting` messages behind, the
 * oldest committed `oldestAgeMs` ago (see PROCESS_SHARE_MAX).
 */
export function processShare(waiting: number, maxBacklog: number, oldestAgeMs = 0): number {
  const full = Math.max(1, maxBacklog * SHARE_FULL_AT);
  const byCount = PROCESS_SHARE_MAX * Math.min(1, waiting / full);
  const over = (oldestAgeMs - SHARE_AGE_FROM_MS) / SHARE_AGE_FROM_MS;
  const byAge = over > 0 ? PROCESS_SHARE + (PROCESS_SHARE_MAX - PROCESS_SHARE) * Math.min(1, over) : 0;
  return Math.max(PROCESS_SHARE, byCount, byAge);
}

/**
 * Processing a commit of NE messages holds before it gives way to frames that arrived (ms; see
 * flush, `giveWay`). Not 0: a commit per message while frames keep coming wrote each index and
 * table page a processing run touches once per message instead of once per commit (more WAL for
 * the next commit ACK's fsync to write): at a steady 100 msg/s behind a backlog, the ACK's p99
 * doubled in alternating runs.
 */
export const GIVE_WAY_AFTER_MS = 1;

export interface Inbound {
  channel: ChannelConfig;
  source: Source;
  peer?: string | undefined;
  contentType: ContentType;
  /**
   * The message as received. HL7v2 edges pass the bytes: they are decoded here by MSH-18 (or the
   * channel's default encoding) and stored as received beside their text (src/hl7/charset.ts).
   */
  raw: string | Buffer;
  /** HTTP Idempotency-Key: the control id of a FHIR or office post (a retried POST gets the stored answer). */
  idempotencyKey?: string | undefined;
  /** Office endpoints: the recordType the endpoint takes. */
  recordType?: string | undefined;
  /**
   * Frames of one connection handed over together (src/mllp/intake.ts): they are in one commit, in
   * their order, and once one of them cannot be stored none after it is (its connection is
   * dropped, so the sender resends from there: a later frame stored without it would be processed
   * before the resent one).
   */
  sequence?: FrameSequence | undefined;
}

/** See Inbound.sequence. */
export interface FrameSequence {
  failed: boolean;
}

export interface Answer {
  id: number;
  state: MessageState;
  issues: Issue[];
  /** HL7: application ACK code and text (absent when processing could not finish: send nothing). */
  ackCode?: string | undefined;
  ack?: string | undefined;
  /** HTTP intake: the status and body to answer with. */
  httpStatus?: number | undefined;
  body?: unknown;
  /** Answered from the store (an exact resend), not processed again. */
  resend: boolean;
  channel?: string | undefined;
}

export type Reception =
  | { ok: false; issues: Issue[] }
  | {
      ok: true;
      id: number;
      resend: boolean;
      header?: Hl7Header | undefined;
      /** HL7v2: the character set the message was read with; ACKs go back in it. */
      charset?: Charset | undefined;
      /** Enhanced mode: the commit ACK to send now (the row is committed). */
      commitAck?: string | undefined;
      /** Resolves when processing is done; rejects only when the processing transaction could not commit. */
      answer: Promise<Answer>;
    };

export interface PipelineHooks {
  /** Test-only: called after the commit, before processing (see FRONTDESK_TEST_HOOK). */
  afterCommit?: (id: number) => Promise<void>;
}

interface StoreJob {
  inbound: Inbound;
  resolve: (r: Stored) => void;
  reject: (e: Error) => void;
}

type Stored =
  | { kind: 'new'; id: number; header?: Hl7Header | undefined; charset?: Charset | undefined; commitAck?: string | undefined; answer?: Answer | undefined }
  | { kind: 'resend'; id: number; header?: Hl7Header | undefined; charset?: Charset | undefined; row: Pick<StoredMessage, 'state' | 'ack' | 'commitAck'> };

interface ProcessJob {
  id: number;
  reason: AttemptReason;
  resolve: (a: Answer) => void;
  reject: (e: Error) => void;
  /** The channel it arrived on (new messages): later messages of the channel wait while this one is not ready. */
  channel?: string | undefined;
  /** False while its run is being prepared off the event loop. */
  ready: boolean;
  prepared?: Prepared | undefined;
  /** The attempt is already counted (recovery counts it in a commit of its own first). */
  attemptCounted?: boolean | undefined;
  /** Recovered at start: queued ahead of the messages that arrived since. */
  front?: boolean | undefined;
  /** Waiting for an earlier message of its patient: not taken before this time (ms), and how many times it waited. */
  notBefore?: number | undefined;
  waits?: number | undefined;
  /** The earlier message of its patient it waits for: once that one is processed, it is tried again at once. */
  waitFor?: number | undefined;
  /** PostgreSQL: the processing lane (by patient) whose transactions run it. */
  lane: number;
  /** PID-3.1 as stored (the order check's key, patient_mrn), when known: see BlockedPatients. */
  patient?: string | undefined;
  /**
   * Its sender wants nothing after the commit ACK (ProcessHint.awaited false): a commit of such
   * jobs alone need not be durable before it resolves (see flush, `durableLater`).
   */
  lazy?: boolean | undefined;
  /** When it was committed (performance.now(); a message read back from the store: see StoreBacklog.admittedAt): the backlog's age (processShare). */
  since: number;
}

/** A store or processing run failed in a commit made without savepoints: that commit is made again with them. */
class CarefulRedo extends Error {
  /** `processing`: the message whose processing threw (its run is not repeated: its failure is recorded). */
  constructor(override readonly cause: Error, readonly processing?: number) {
    super(cause.message);
  }
}

/** One turn of the event loop (its sockets read, its timers run). */
const turn = () => new Promise<void>((r) => setImmediate(r));

/** Processing jobs one commit takes at most (its PROCESS_BUDGET_MS ends it long before, and the rest goes back). */
const MAX_TAKE = 1024;

/** processOne's answer when an earlier message of the same patient is still unprocessed. */
interface Waiting {
  waitFor: ProcessingBlocker;
}
const isWaiting = (a: Answer | Waiting): a is Waiting => 'waitFor' in a;

/**
 * The patients a processing transaction found blocked (an earlier message unprocessed), so that
 * the transaction's other jobs of that patient go back to wait without asking the store (#17, ACK
 * latency: the bench's messages are all one patient, and a processing commit of ~1,000 jobs spent
 * its time on claims that each found the patient blocked, holding the event loop for 14.7 ms).
 * The store answers a job "wait for B" with B the earliest unprocessed message of its patient
 * before it; B is then also the earliest before any later message of the patient, as long as B is
 * unprocessed: so a job of the patient with an id above B's waits for B without a claim, until a
 * run of B in this transaction (processed or failed) forgets it. The key is the order check's
 * (patient_mrn, stored from the header's PID-3.1 as the job's hint has it); a job without one asks
 * the store. It only ever makes a job wait, never lets one go: a wait for a B another instance
 * processed meanwhile is a retry, as a claim made a moment earlier would have been.
 */
class BlockedPatients {
  private readonly byPatient = new Map<string, ProcessingBlocker>();

  /** Waiting when a job of this job's patient was found blocked by an earlier message in this transaction. */
  known(job: ProcessJob): Waiting | undefined {
    const b = job.patient === undefined ? undefined : this.byPatient.get(job.patient);
    return b && job.id > b.id ? { waitFor: b } : undefined;
  }

  /** What this transaction made of a job: the store's answer, or a failure recorded. */
  note(job: ProcessJob, a: Answer | Waiting): void {
    if (job.patient === undefined) return;
    const b = this.byPatient.get(job.patient);
    if (isWaiting(a)) {
      if (!b || a.waitFor.id < b.id) this.byPatient.set(job.patient, a.waitFor);
    } else if (b?.id === job.id) {
      this.byPatient.delete(job.patient);
    }
  }
}

/** How long a message waiting for an earlier one of its patient waits before it is tried again (ms): 10, 20, 40 ... 500. */
const waitDelay = (waits: number) => Math.min(500, 10 * 2 ** Math.min(waits, 6));

/** Where a new message came from and how big it is (decides processing off the event loop). */
interface ProcessHint {
  channel?: string | undefined;
  bytes?: number | undefined;
  /** PID-3.1 as intake read it: picks the processing lane on PostgreSQL. */
  patient?: string | null | undefined;
  /**
   * A sender waits for this message's processing (original mode, an application ACK asked for,
   * an HTTP post): not held back for intake's sake, since intake waits on it (see mayProcess).
   */
  awaited?: boolean | undefined;
  /** When it was committed, if earlier than now (a message read back from the store's backlog). */
  since?: number | undefined;
}

/**
 * PostgreSQL: processing transactions running at once beside intake's commits, each on a pooled
 * connection of its own (the pool has 10 by default: `pool` in store.url), a patient's messages
 * always in the same one.
 */
export const LANES = 4;

/** Processing time one lane transaction takes at most (ms, checked between messages). */
export const LANE_BUDGET_MS = 50;

/**
 * The lane of a patient (FNV-1a of PID-3.1). Messages without one (FHIR and office posts, HL7v2
 * without PID-3, resends and replays) wait for nothing at the order check, or are ordered by it
 * whatever lane runs them; they all go to the first lane, in their order.
 */
export function laneOf(patient: string | null | undefined): number {
  if (!patient) return 0;
  let h = 0x811c9dc5;
  for (let k = 0; k < patient.length; k++) h = Math.imul(h ^ patient.charCodeAt(k), 0x01000193);
  return (h >>> 0) % LANES;
}

export class Pipeline {
  private storeQueue: StoreJob[] = [];
  private processQueue: ProcessJob[] = [];
  private readonly inFlight = new Map<number, Promise<Answer>>();
  private ackSent: number[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  /** The commit in progress: the next flush waits for it and takes everything queued meanwhile. */
  private flushing: Promise<void> | undefined;
  private ackWrite: Promise<void> = Promise.resolve();
  private readonly channels: Map<string, ChannelConfig>;
  /** Intake edges waiting for processing to catch up (back-pressure). */
  private roomWaiters: Array<() => void> = [];
  /** Worker threads for large messages, started at the first one. */
  private pool: ProcessingPool | undefined;
  /** Outbox items the transaction in progress queued, per channel: counted (and onQueued told) once it commits. */
  private queuedNow: Array<[channel: string, items: number]> = [];
  private onQueued: (() => void) | undefined;
  /** When a commit last stored frames, and before when the next processing may run while intake is busy (performance.now() ms). */
  private lastIntakeAt = -Infinity;
  private processNotBefore = 0;
  private processTimer: NodeJS.Timeout | undefined;
  /**
   * Messages whose processing run threw in a commit made without savepoints (undone, see flush):
   * the next commit that takes one records its failed attempt from this error instead of running
   * it again (whether the redo reaches it or, past the processing budget, a later commit does).
   */
  private readonly thrown = new Map<number, Error>();
  /** Queued messages whose sender waits for their processing (ProcessHint.awaited). */
  private awaitedJobs = 0;
  /**
   * Commits that stored frames, numbered as they are made, and the last of them that is durable (or
   * failed; their fsyncs end in commit order): a processing commit waits once for those made before
   * it (see mayProcess), so those frames' commit ACKs are not held behind a processing run.
   * `deferUntil`: the commit a processing commit waits for (0: none waits).
   */
  private intakeMade = 0;
  private intakeDone = 0;
  private deferUntil = 0;
  private deferredOnce = false;
  private closing = false;
  /** PostgreSQL: processing in transactions of its own, LANES at once (see runLane). */
  private readonly concurrent: boolean;
  /** The lane transactions running (PostgreSQL), by lane. */
  private readonly lanes: Array<Promise<void> | undefined> = [];
  /** Recovered messages still to process (./recovery.ts keeps it; /health shows it). */
  recoveryLeft = 0;
  /** The first id of the start-up backlog recovery has not queued yet (Infinity when none is left). */
  recoveryNextId = Infinity;
  /** Past a window, messages whose senders wait for nothing more wait in the store, not in memory (./store-backlog.ts). */
  readonly backlog: StoreBacklog<Answer>;

  constructor(
    readonly store: Store,
    readonly config: GatewayConfig,
    readonly log: Logger,
    readonly metrics: Metrics,
    /** How the edges answer (the composition root passes them: src/composition.ts). */
    private readonly render: AnswerRenderers,
    readonly hooks: PipelineHooks = {},
  ) {
    this.channels = new Map(config.channels.map((c) => [c.name, c]));
    this.concurrent = store.engine === 'postgres';
    this.backlog = new StoreBacklog<Answer>(config.processing.queueWindow, {
      read: (from, to, limit) => this.store.processing.unattemptedInRange(from, to, limit),
      queue: (row, since) => this.process(row.id, 'received', { channel: row.channel, patient: row.patientMrn, awaited: false, since }),
      running: (id) => this.inFlight.get(id),
      answerOf: (id) => this.process(id),
    }, log);
    this.hl7Settings = outboundHl7Settings(config);
    // Hash the mapping files now, as they are loaded for this run (recorded with every attempt).
    mappingVersion();
  }

  /** MLLP destinations' `hl7` settings, for channels that send them generated HL7v2. */
  private readonly hl7Settings: ReturnType<typeof outboundHl7Settings>;

  channel(name: string): ChannelConfig {
    return this.channels.get(name) ?? { name, source: {}, destinations: [], validation: DEFAULT_VALIDATION_MODE };
  }

  /** Store, then process. See the file comment. */
  async receive(inbound: Inbound): Promise<Reception> {
    let stored: Stored;
    try {
      stored = await new Promise<Stored>((resolve, reject) => {
        this.storeQueue.push({ inbound, resolve, reject });
        this.schedule();
      });
    } catch (e) {
      this.metrics.inc('store_failures', inbound.channel.name);
      this.log.error({ channel: inbound.channel.name, err: (e as Error).message }, 'store failed: message not acknowledged');
      return { ok: false, issues: [issue('STORE_FAILED', 'The message could not be stored; it was not acknowledged. Send it again.')] };
    }
    if (stored.kind === 'resend') {
      this.metrics.inc('resends', inbound.channel.name);
      this.log.info({ channel: inbound.channel.name, id: stored.id }, 'exact resend answered from the store');
      const row = stored.row;
      const answer = row.state === 'received' ? this.process(stored.id) : this.answerFromRow(stored.id, true);
      return { ok: true, id: stored.id, resend: true, header: stored.header, charset: stored.charset, commitAck: row.commitAck ?? undefined, answer };
    }
    this.metrics.inc('received', inbound.channel.name);
    this.log.info({ channel: inbound.channel.name, id: stored.id, type: stored.header?.messageType, controlId: stored.header?.controlId }, 'message committed');
    if (stored.answer) {
      // Processed in the commit that stored it (processInSameCommit).
      const a = stored.answer;
      if (a.state === 'processed') this.metrics.inc('processed', inbound.channel.name);
      else if (a.state !== 'received') this.metrics.inc('errored', inbound.channel.name);
      return { ok: true, id: stored.id, resend: false, header: stored.header, charset: stored.charset, commitAck: stored.commitAck, answer: Promise.resolve(a) };
    }
    const after = this.hooks.afterCommit;
    // Only a commit ACK with MSH-16 NE (table 0155) leaves the sender waiting for nothing more.
    const h = stored.header;
    const awaited = !(stored.commitAck !== undefined && h?.ackMode === 'enhanced' && h.appAckType === 'NE');
    const hint: ProcessHint = { channel: inbound.channel.name, bytes: inbound.raw.length, patient: stored.header?.patientMrn, awaited };
    if (!after && this.backlog.admit(stored.id, !awaited && !this.offloads(hint.bytes))) {
      // Left in the store, read back in order when the window has room: no job, no promise (its answer is made if asked for).
      const { backlog } = this;
      const id = stored.id;
      return { ok: true, id, resend: false, header: stored.header, charset: stored.charset, commitAck: stored.commitAck, get answer() { return backlog.answer(id); } };
    }
    const answer = after ? after(stored.id).then(() => this.process(stored.id, 'received', hint)) : this.process(stored.id, 'received', hint);
    // Its sender wants nothing more: the edge may never look at the answer (src/mllp/intake.ts).
    if (!awaited) answer.catch(() => undefined);
    return { ok: true, id: stored.id, resend: false, header: stored.header, charset: stored.charset, commitAck: stored.commitAck, answer };
  }

  /** Process a stored message (new, recovered or replayed). Concurrent calls for one id share one run. */
  process(id: number, reason: AttemptReason = 'received', hint?: ProcessHint, attemptCounted = false, front = false): Promise<Answer> {
    const running = this.inFlight.get(id);
    // Its commit may be one nobody waited to see durable (a job of an NE sender, `durableLater`):
    // this caller (a resend, a replay) is answered only once it is.
    if (running) return running.then(async (a) => { await this.store.durable(); return a; });
    // Nothing is taken from the queue any more: the message stays committed for the next start.
    if (this.closing) return Promise.reject(new Error('gateway closing: the message stays committed and is processed at the next start'));
    const offload = this.offloads(hint?.bytes);
    const p = new Promise<Answer>((resolve, reject) => {
      const job: ProcessJob = { id, reason, resolve, reject, channel: hint?.channel, ready: !offload, attemptCounted, front, lane: laneOf(hint?.patient), patient: hint?.patient || undefined, lazy: hint?.awaited === false, since: hint?.since ?? performance.now() };
      if (front) {
        // Recovery: ahead of every message queued since the start, behind the recovered ones before it.
        const at = this.processQueue.findIndex((j) => !j.front);
        if (at < 0) this.processQueue.push(job);
        else this.processQueue.splice(at, 0, job);
      } else {
        this.processQueue.push(job);
      }
      if (!offload) {
        this.schedule();
        return;
      }
      void this.prepareOffThread(job).finally(() => {
        job.ready = true;
        this.schedule();
      });
    });
    this.inFlight.set(id, p);
    if (hint?.awaited) this.awaitedJobs++;
    // Counted against the store backlog's window (nobody else may be there to see its run fail: handled here).
    const lazy = hint?.awaited === false;
    if (lazy) this.backlog.hold();
    const clear = () => {
      this.inFlight.delete(id);
      if (hint?.awaited) this.awaitedJobs--;
      if (lazy) this.backlog.release();
    };
    p.then(clear, clear);
    return p;
  }

  /** A new HL7v2 message of this size is prepared off the event loop (processing.offloadBytes). */
  private offloads(bytes: number | undefined): boolean {
    const limit = this.config.processing.offloadBytes;
    return bytes !== undefined && limit > 0 && bytes >= limit;
  }

  /** Messages committed and waiting for processing: queued in memory, and left in the store (what maxBacklog bounds). */
  waiting(): number {
    return this.processQueue.length + this.backlog.inStore;
  }

  /**
   * How long (ms) the oldest message waiting for processing has waited since its commit: the head
   * of the queue (jobs are queued in commit order; one put back behind, waiting for its patient,
   * is not looked for) or the oldest left in the store, whichever is older. 0 with none waiting.
   */
  oldestAge(now: number): number {
    const head = this.processQueue[0]?.since;
    const stored = this.backlog.oldestAt();
    const oldest = head === undefined ? stored : stored === undefined ? head : Math.min(head, stored);
    return oldest === undefined ? 0 : Math.max(0, now - oldest);
  }

  /** Processing's share now (processShare of this backlog's count and age). */
  private share(now: number): number {
    return processShare(this.waiting(), this.config.processing.maxBacklog, this.oldestAge(now));
  }

  /**
   * Parse, map and validate a large message in a worker thread (reading stored resources outside
   * any transaction); the commit checks them again. Any failure here only means the message is
   * processed in its commit, as a small one is.
   */
  private async prepareOffThread(job: ProcessJob): Promise<void> {
    try {
      const row = await this.store.processing.getForProcessing(job.id);
      if (!row || row.contentType !== 'hl7v2' || row.state !== 'received') return;
      const channel = this.channel(row.channel);
      const { raw, intake, ctx } = this.prepareRun(row, channel);
      const flow = row.messageType ? flowForChannel(channel, row.messageType)?.name : undefined;
      this.pool ??= new ProcessingPool({ size: this.config.processing.workers, extraProfileDir: this.config.profiles.extraDir, log: this.log });
      const read = async (type: string, rid: string) => (await this.store.resources.get(type, rid))?.resource;
      job.prepared = await this.pool.precompute(read, { raw, channel, ctx, intake, flow, mappingVersion: mappingVersion(), gzip: this.store.storesGzipJson === true });
    } catch (e) {
      this.log.warn({ id: job.id, err: (e as Error).message }, 'processing off the event loop failed: processing in the commit');
    }
  }

  /**
   * Resolves when processing is not too far behind intake (fewer than processing.maxBacklog
   * committed messages waiting): an intake edge waits for it before taking the next frame, so a
   * sender faster than processing is slowed down by TCP instead of growing the gateway's memory.
   */
  room(): Promise<void> {
    if (this.waiting() < this.config.processing.maxBacklog) return Promise.resolve();
    return new Promise((r) => this.roomWaiters.push(r));
  }

  /**
   * Called after each commit that queued outbox items (the composition root wakes the delivery
   * worker with it, so a delivery does not wait for the worker's next poll).
   */
  whenQueued(fn: () => void): void {
    this.onQueued = fn;
  }

  /**
   * Stop (the gateway's close): no new processing starts, the commit in progress finishes, and
   * the worker threads stop. Messages still waiting for processing stay committed ('received'):
   * the next start processes them (recovery), so a long backlog does not hold up a shutdown.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.backlog.close();
    if (this.processTimer) clearTimeout(this.processTimer);
    while (this.flushing) await this.flushing.catch(() => undefined);
    await Promise.all(this.lanes.filter((l) => l !== undefined));
    const left = this.processQueue.splice(0);
    for (const j of left) j.reject(new Error('gateway closing: the message stays committed and is processed at the next start'));
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Note that an acknowledgment left (written in small batches: not worth an fsync per message). */
  noteAckSent(id: number): void {
    this.ackSent.push(id);
    this.ackTimer ??= setTimeout(() => this.flushAckSent(), 50);
  }

  /** Write pending bookkeeping (await before closing the store). */
  flushAckSent(): Promise<void> {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const ids = this.ackSent;
    this.ackSent = [];
    if (!ids.length) return this.ackWrite;
    this.ackWrite = this.ackWrite.then(async () => {
      if (!this.store.isOpen) return;
      try {
        // In a transaction: its fsync runs off the event loop (a statement of its own fsyncs on it).
        // Nobody waits for these marks to be durable (bookkeeping of what already left, and lost
        // anyway when a crash comes before this batch is written): no fsync of their own, the next
        // commit's covers them (durableLater). Their own fsync was one more on the disk every 50 ms,
        // and a commit whose ACK a sender waits for, made while it ran, waited for it and then its own.
        await this.store.transaction((tx) => tx.processing.markAcksSent(ids), { durableLater: true });
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'could not record ack_sent_at');
      }
    });
    return this.ackWrite;
  }

  /** The stored answer of a message (exact resends, operator views). */
  async answerFromRow(id: number, resend: boolean, tables: StoreTables = this.store): Promise<Answer> {
    const row = (await tables.messages.get(id))!;
    // Read outside a transaction: answered only once the outcome read is durable.
    if (tables === this.store) await this.store.durable();
    const a: Answer = { id, state: row.state, issues: row.issues, resend };
    if (row.contentType === 'hl7v2') {
      if (row.ack) { a.ack = row.ack; a.ackCode = row.ackCode ?? undefined; }
    } else if (row.httpBody) {
      a.httpStatus = row.httpStatus ?? undefined;
      a.body = JSON.parse(row.httpBody) as unknown;
    } else {
      // No stored answer (processing failed internally, e.g. a retried POST of a 'failed' message):
      // still an answer that says so, never an empty body.
      a.issues = [...row.issues, issue('INTERNAL', `The request is stored (message ${id}, state ${row.state}) but its processing failed; an operator can replay it.`)];
      const h = this.render.http(row.contentType, { state: row.state, issues: a.issues, entries: [] });
      a.httpStatus = h.status;
      a.body = h.body;
    }
    return a;
  }

  private schedule(): void {
    if (this.concurrent) this.dispatch();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      // A commit still running schedules the next flush when its COMMIT is made, which then takes
      // everything queued meanwhile (bigger batches under load, never two flushes competing). The
      // next flush does not wait for the previous one's fsync (SQLite runs it off the event loop:
      // src/store/sqlite/wal-sync.ts): commits are pipelined, each answered once it is durable.
      this.flushScheduled = false;
      if (this.flushing) return;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.flushing = undefined;
        if (this.waiting() < this.config.processing.maxBacklog) for (const w of this.roomWaiters.splice(0)) w();
        // (Processing held back for intake has a timer of its own: no spinning here.)
        // (A processing commit waiting for an intake commit's fsync is scheduled by intakeSynced.)
        if (this.storeQueue.length || (!this.processTimer && !this.deferUntil && !this.closing && this.processQueue.some((j) => j.ready && !j.notBefore && !(this.concurrent && j.front)))) this.schedule();
      };
      this.flushing = this.flush(release).finally(release);
    });
  }

  /**
   * One transaction, so one fsync, for everything queued during this event-loop turn: the raw
   * messages that just arrived (each in a savepoint) and the processing of messages committed
   * earlier (each in a savepoint). Nothing is resolved before the COMMIT returns; if the COMMIT
   * fails, every job fails and the edges acknowledge nothing.
   */
  private async flush(committed: () => void): Promise<void> {
    const now = performance.now();
    let stores: StoreJob[] = [];
    // Processing's turn comes while frames are queued too (they wait for this commit, which gives
    // way to them after GIVE_WAY_AFTER_MS): a steady stream nearly always has frames queued at a
    // flush, and processing that waited for a flush without any was starved, not shared (#17 soak).
    let procs = this.storeQueue.length > 0 && this.processingFirst(now) ? this.takeReady() : [];
    if (!procs.length) {
      stores = this.storeQueue;
      this.storeQueue = [];
      if (stores.length) this.lastIntakeAt = now;
      // PostgreSQL: processing runs in transactions of its own (runLane), never in intake's commit.
      procs = this.mayProcess(stores.length > 0, now) ? this.takeReady() : [];
    }
    if (!stores.length && !procs.length) return;
    const stored: Array<Stored | Error> = [];
    const answers: Array<Answer | Waiting> = [];
    let started = performance.now();
    let queued = false;
    let didCommit = false;
    /**
     * Each frame's store and each message's processing in a savepoint of its own: only when the
     * commit is made again after one of them failed without. A savepoint per message cost about a
     * third of intake's CPU and of processing's (SQLite journals every page a savepoint touches).
     * So the commit is first made without them; when a store or a processing run throws, the whole
     * transaction is undone (no answer has been given from it) and made again with them, so the
     * failure is that message's alone, as it always was: a store failure answers that frame with
     * nothing, a processing failure is recorded as that message's failed attempt.
     */
    let careful = false;
    /** This commit's number among those that stored frames (0: not made, or stored none). */
    let intakeNo = 0;
    /**
     * Processing only, of messages whose senders want nothing after their commit ACK (MSH-16 NE):
     * nobody waits for this commit to be durable, so it asks for no fsync of its own and the next
     * commit's fsync covers it (#17). Its own fsync was one more on the disk per processing commit,
     * and a commit ACK whose commit came while it ran waited for it and then its own (two fsyncs):
     * at a steady 100 msg/s most commit ACKs that waited long waited so. A crash before that later
     * fsync loses this commit whole: its messages stay unprocessed and the next start processes
     * them (once: nothing of the lost commit was read outside a transaction or delivered, since such
     * reads wait for it to be durable, src/store/sqlite/store.ts).
     */
    const durableLater = !stores.length && procs.every((j) => j.lazy === true);
    /**
     * The same commits give way to frames (#17, ACK latency): once GIVE_WAY_AFTER_MS of processing
     * is in the commit, the event loop gets a turn between two messages' runs, and when frames
     * arrived in it, the rest goes back to the head of the queue and this commit is made at once,
     * so those frames are committed next instead of waiting out PROCESS_BUDGET_MS of processing
     * (awaits inside a commit are microtasks: without a turn no socket is read until the COMMIT).
     * Only for these: a sender waiting for processing (original mode) would get its answer later,
     * in more commits each with its own fsync.
     */
    const giveWay = durableLater && procs.length > 1;
    const transaction = () => this.store.transaction(async (tx) => {
      started = performance.now();
      this.queuedNow = [];
      if (!careful && this.concurrent && stores.length > 1) {
        // PostgreSQL: each frame's store is begun once the one before it has made its insert,
        // without waiting for that insert's round trip, so the inserts, in the frames' order, go to
        // the server in one statement (src/store/pg/store.ts PendingInserts).
        const all: Array<Promise<Stored>> = [];
        for (const j of stores) {
          await new Promise<void>((made) => {
            const p = this.storeOne(tx, j.inbound, made);
            p.then(() => made(), () => made());
            all.push(p);
          });
        }
        try {
          stored.push(...(await Promise.all(all)));
        } catch (e) {
          throw new CarefulRedo(e as Error);
        }
      }
      for (const j of stores) {
        if (!careful && this.concurrent && stores.length > 1) break;
        if (!careful) {
          try {
            stored.push(await this.storeOne(tx, j.inbound));
          } catch (e) {
            throw new CarefulRedo(e as Error);
          }
          continue;
        }
        const seq = j.inbound.sequence;
        if (seq?.failed) {
          stored.push(new Error('not stored: an earlier frame of its connection could not be stored'));
          continue;
        }
        try {
          stored.push(await tx.savepoint((sp) => this.storeOne(sp, j.inbound)));
        } catch (e) {
          stored.push(e as Error);
          if (seq) seq.failed = true;
        }
      }
      const blocked = new BlockedPatients();
      for (let k = 0; k < procs.length; k++) {
        // A commit takes at most PROCESS_BUDGET_MS of processing: the frames stored in it (and
        // those arriving meanwhile, which wait for its end) get their commit ACKs after it, so a
        // backlog is worked off in short commits instead of one long one. What is left goes back
        // to the head of the queue untouched, in its order, for the next commit.
        if (k > 0 && performance.now() - started > PROCESS_BUDGET_MS) {
          this.processQueue.unshift(...procs.splice(k));
          break;
        }
        if (k > 0 && giveWay && performance.now() - started > GIVE_WAY_AFTER_MS) {
          await turn();
          if (this.storeQueue.length) {
            this.processQueue.unshift(...procs.splice(k));
            break;
          }
        }
        const j = procs[k]!;
        const known = blocked.known(j);
        if (known) {
          answers.push(known);
          continue;
        }
        const run = async (t: StoreTx) => {
          const a = await this.processOne(t, j.id, { reason: j.reason, prepared: j.prepared, attemptCounted: j.attemptCounted });
          blocked.note(j, a);
          return a;
        };
        const threw = this.takeThrown(j.id);
        if (threw) {
          answers.push(await this.failure(tx, j.id, threw, j.attemptCounted ?? false, j.reason));
          blocked.note(j, answers[answers.length - 1]!);
          continue;
        }
        if (!careful) {
          try {
            answers.push(await run(tx));
          } catch (e) {
            throw new CarefulRedo(e as Error, j.id);
          }
          continue;
        }
        try {
          answers.push(await tx.savepoint(run));
        } catch (e) {
          // The savepoint is rolled back; record the failure (the message stays stored).
          answers.push(await this.failure(tx, j.id, e as Error, j.attemptCounted ?? false, j.reason));
          blocked.note(j, answers[answers.length - 1]!);
        }
      }
      if (!answers.some(isWaiting)) await this.processInSameCommit(tx, stores, stored, started, careful);
    }, {
      onCommit: () => {
        didCommit = true;
        if (stores.length && !intakeNo) intakeNo = ++this.intakeMade;
        // Processing had its turn (the event loop's time up to the COMMIT): while intake is busy,
        // the next comes after (1 / share - 1) times as long, the share growing with the backlog's count and age.
        const at = performance.now();
        if (procs.length) this.processNotBefore = at + (at - started) * (1 / this.share(at) - 1);
        for (const [channel, items] of this.queuedNow) this.metrics.inc('queued', channel, items);
        queued = this.queuedNow.length > 0;
        this.queuedNow = [];
        committed();
      },
      durableLater,
    });
    try {
      try {
        await transaction();
      } catch (e) {
        if (!(e instanceof CarefulRedo)) throw e;
        this.log.warn({ err: e.cause.message, stores: stores.length, processing: procs.length }, 'a store or processing run failed: the commit is made again with each message in a savepoint');
        careful = true;
        if (e.processing !== undefined) this.thrown.set(e.processing, e.cause);
        stored.length = 0;
        answers.length = 0;
        await transaction();
      }
    } catch (e) {
      if (intakeNo) this.intakeSynced(intakeNo);
      // The commit failed, or its fsync did: nothing of this turn is known to be durable. New
      // messages get no ACK (the sender retries: a resend of a row that did reach the file is
      // answered from it, after its own commit's fsync); messages being processed get no answer
      // (recovery and resends process them, or answer what was stored).
      this.log.error({ err: (e as Error).message, stores: stores.length, processing: procs.map((j) => j.id) }, 'commit failed');
      // A run's error kept for the redo is forgotten with it: when the store itself failed (a lost
      // database connection throws in the run first, then in the redo), that error is not the
      // message's, and recording it later as a failed attempt would answer AR for a message that
      // was never wrong (the next attempt runs it again instead).
      for (const j of procs) this.thrown.delete(j.id);
      // (After the COMMIT the flag belongs to the next flush already.)
      if (!didCommit) this.queuedNow = [];
      for (const j of stores) j.reject(e as Error);
      for (const j of procs) j.reject(e as Error);
      return;
    }
    if (queued) this.onQueued?.();
    stores.forEach((j, i) => {
      const r = stored[i]!;
      if (r instanceof Error) j.reject(r);
      else j.resolve(r);
    });
    // The commit ACKs of these frames go out in the microtasks that follow; a processing commit
    // that waited for this one is scheduled behind them (setImmediate).
    if (intakeNo) this.intakeSynced(intakeNo);
    this.settle(procs, answers);
  }

  /**
   * A commit that stored frames is durable (or failed): a processing commit that waited for it (and
   * for those before it) may start. Not when none is syncing any more: under pipelined intake
   * commits there may always be one, and a processing commit waits for those made before it only.
   */
  private intakeSynced(no: number): void {
    if (no > this.intakeDone) this.intakeDone = no;
    if (this.deferUntil && this.intakeDone >= this.deferUntil) {
      this.deferUntil = 0;
      this.schedule();
    }
  }

  /**
   * After a processing commit: each job gets its answer (counted), or, waiting behind an earlier
   * message of its patient, goes back to wait for it (`beforeWait` says where it waits then).
   */
  private settle(jobs: ProcessJob[], answers: Array<Answer | Waiting>, beforeWait?: (job: ProcessJob) => void): void {
    this.releaseWaiters(answers);
    jobs.forEach((j, i) => {
      const a = answers[i]!;
      if (isWaiting(a)) {
        beforeWait?.(j);
        this.wait(j, a.waitFor);
        return;
      }
      if (a.resend) { /* answered from the store: counted when it was processed */ }
      else if (a.state === 'processed') this.metrics.inc('processed', a.channel ?? '');
      else if (a.state !== 'received') this.metrics.inc('errored', a.channel ?? '');
      j.resolve(a);
    });
  }

  /**
   * A job whose patient has an earlier message still unprocessed goes back into the queue, to be
   * tried again after a short wait (longer each time). When that earlier message already failed an
   * attempt and this instance is not processing it, nobody else is bound to: this instance
   * processes it (again), so the patient's queue moves on (a takeover of a never-tried message is
   * the takeover sweep's: its owner may still be about to process it; one start-up recovery has not
   * queued yet is recovery's).
   */
  private wait(job: ProcessJob, blocker: ProcessingBlocker): void {
    const waits = (job.waits ?? 0) + 1;
    const delay = waitDelay(waits);
    job.waits = waits;
    job.notBefore = Date.now() + delay;
    job.waitFor = blocker.id;
    this.processQueue.push(job);
    if (waits === 1 || waits % 50 === 0) this.log.debug({ id: job.id, waitFor: blocker.id, waits }, 'waiting for an earlier message of the same patient');
    // Not a message start-up recovery has yet to queue (or a newer one, while it runs): recovery
    // processes it with its attempt counted first; run from here uncounted, a message that crashes
    // the process would crash every restart before recovery reached it. One recovery has queued
    // already and that failed again is taken here, as at any time (recovery may be waiting on its
    // patient's later messages).
    if (blocker.attempts > 0 && !this.inFlight.has(blocker.id) && blocker.id < this.recoveryNextId) void this.process(blocker.id, 'recovery').catch(() => undefined);
    setTimeout(() => {
      job.notBefore = undefined;
      this.schedule();
    }, delay).unref();
  }

  /**
   * Jobs waiting for one of these (now processed) messages of their patient are tried again at the
   * next commit instead of after their delay (up to 500 ms: a patient's next message would wait
   * that long after its blocker was done).
   */
  private releaseWaiters(answers: ReadonlyArray<Answer | Waiting | undefined>): void {
    const done = new Set<number>();
    for (const a of answers) if (a && !isWaiting(a) && a.state !== 'received') done.add(a.id);
    if (!done.size) return;
    let any = false;
    for (const j of this.processQueue) {
      if (j.notBefore !== undefined && j.waitFor !== undefined && done.has(j.waitFor)) {
        j.notBefore = undefined;
        any = true;
      }
    }
    if (any) this.schedule();
  }

  /** The error a message's run threw in an undone commit (once: it is forgotten here). */
  private takeThrown(id: number): Error | undefined {
    const e = this.thrown.get(id);
    if (e) this.thrown.delete(id);
    return e;
  }

  /**
   * Whether this commit takes processing before the frames queued (they go in the next commit):
   * while intake is busy and the backlog has raised processing's share above PROCESS_SHARE (see
   * PROCESS_SHARE_MAX), once that share allows (processNotBefore), and not while a
   * processing commit waits for intake's fsyncs (deferUntil, see mayProcess). Not when every commit
   * takes processing anyway (a sender waits for it, recovery, the backlog bound: with the frames,
   * in one commit and one fsync).
   */
  private processingFirst(now: number): boolean {
    if (this.concurrent || this.deferUntil || this.awaitedJobs > 0 || this.recoveryLeft > 0) return false;
    if (now < this.processNotBefore || now - this.lastIntakeAt >= INTAKE_BUSY_MS) return false;
    const waiting = this.waiting();
    const bound = this.config.processing.maxBacklog;
    if (waiting >= bound || this.share(now) <= PROCESS_SHARE) return false;
    return this.mayProcess(false, now);
  }

  /**
   * Whether this commit may take processing (see INTAKE_BUSY_MS): not with frames to store while
   * intake is busy, and while intake is busy only once processing's share of time allows; when it
   * does not, a timer comes back for the processing left. Always when processing is at its bound
   * (intake waits for room then) or start-up recovery has messages left, and never once closing.
   */
  private mayProcess(hasStores: boolean, now: number): boolean {
    if (this.closing) return false;
    const atBound = this.waiting() >= this.config.processing.maxBacklog;
    const busy = now - this.lastIntakeAt < INTAKE_BUSY_MS;
    // While start-up recovery has messages left, every commit takes processing (at most
    // PROCESS_BUDGET_MS of it, so a commit ACK waits at most that much longer): the backlog is
    // worked off beside intake, not only in the gaps a busy intake leaves, behind open listeners.
    // So does a sender waiting for processing (original mode): its next frame comes only after
    // its application ACK, so holding processing back would hold that intake back too (original
    // mode over 8 connections ran at processing's 20% share of an otherwise idle event loop).
    if (atBound || this.recoveryLeft > 0 || this.awaitedJobs > 0 || (!busy && !hasStores) || (!hasStores && now >= this.processNotBefore)) {
      // A processing-only commit while frames stored by earlier commits wait for their fsync: it
      // waits for those fsyncs first (once: it goes ahead after them, whatever later commit is
      // syncing then, so intake cannot starve it). Started at once, its run held the event loop when the fsync
      // ended, and the commit ACKs of those frames left only after it: at a steady 100 msg/s every
      // commit ACK waited for the processing of the message before it (#17, p99 ACK latency).
      // Not when a sender waits for the processing (original mode: its answer would wait for the
      // fsync and then the run, instead of both at once), at the backlog bound, or in recovery.
      if (!hasStores && this.intakeMade > this.intakeDone && !this.deferredOnce && !atBound && this.recoveryLeft <= 0 && this.awaitedJobs === 0 && !this.concurrent) {
        this.deferredOnce = true;
        this.deferUntil = this.intakeMade;
        return false;
      }
      this.deferredOnce = false;
      return true;
    }
    if (!this.processTimer && this.processQueue.some((j) => j.ready && !j.notBefore)) {
      const wait = Math.max(1, Math.min(this.processNotBefore - now, INTAKE_BUSY_MS));
      this.processTimer = setTimeout(() => {
        this.processTimer = undefined;
        this.schedule();
      }, wait);
    }
    return false;
  }

  /**
   * Caught up (nothing older waits to be processed): the messages this commit stores are processed
   * in it too, in arrival order, while the commit's processing budget lasts. One commit, so one
   * fsync, holds both the raw message and its outcome (original mode: the application ACK follows
   * one commit instead of two). Never with the test hook that pauses between commit and processing,
   * never for a message processed off the event loop (it and every later one take the usual way,
   * so the order holds), and not when processing must wait (an earlier message of the patient is
   * not processed yet, here or on another instance; nor after an older job of this commit had to
   * wait): those go the usual way. A failure inside is recorded like any other.
   */
  private async processInSameCommit(tx: StoreTx, stores: StoreJob[], stored: Array<Stored | Error>, started: number, careful: boolean): Promise<void> {
    if (this.hooks.afterCommit || this.processQueue.length > 0 || this.backlog.inStore > 0 || this.closing) return;
    const limit = this.config.processing.offloadBytes;
    for (let i = 0; i < stored.length; i++) {
      const r = stored[i]!;
      if (r instanceof Error || r.kind !== 'new') continue;
      // A commit ACK leaves as soon as the frame is durable: never after processing (it and every
      // later one take the usual way, so the order holds). Original mode waits for processing anyway.
      if (r.commitAck !== undefined) return;
      if (performance.now() - started > PROCESS_BUDGET_MS) return;
      if (limit > 0 && stores[i]!.inbound.raw.length >= limit) return;
      const threw = this.takeThrown(r.id);
      if (threw) {
        r.answer = await this.failure(tx, r.id, threw, false, 'received');
        continue;
      }
      if (!careful) {
        // Without a savepoint: a throw makes the whole commit again with them (see flush).
        let a: Answer | Waiting;
        try {
          a = await this.processOne(tx, r.id, { reason: 'received' });
        } catch (e) {
          throw new CarefulRedo(e as Error, r.id);
        }
        if (isWaiting(a)) return;
        r.answer = a;
        continue;
      }
      try {
        const a = await tx.savepoint((sp) => this.processOne(sp, r.id, { reason: 'received' }));
        if (isWaiting(a)) return;
        r.answer = a;
      } catch (e) {
        r.answer = await this.failure(tx, r.id, e as Error, false, 'received');
      }
    }
  }

  /**
   * The processing jobs this commit (or on PostgreSQL this lane's transaction) takes: the ready
   * ones, in queue order, up to MAX_TAKE, except that a job of a channel whose earlier message is
   * still being prepared off the event loop waits behind it, and a job waiting for an earlier
   * message of its patient waits out its delay (without holding up its channel: other patients'
   * messages go on). In place: the jobs left keep their order and the queue is not copied. Taking
   * every ready job into new arrays made two or three arrays of the whole queue per commit (a
   * 50,000-message backlog: ~400 KB each, straight into V8's large-object space, freed only by a
   * full collection), so the heap swung by 100-150 MB at the backlog bound in the soak; a commit
   * processes what its budget allows anyway and puts the rest back.
   */
  private takeReady(lane?: number): ProcessJob[] {
    const q = this.processQueue;
    const take: ProcessJob[] = [];
    const waiting = new Set<string>();
    let kept = 0;
    let i = 0;
    for (; i < q.length && take.length < MAX_TAKE; i++) {
      const j = q[i]!;
      if (j.notBefore !== undefined) {
        q[kept++] = j;
      } else if (!j.ready || (j.channel !== undefined && waiting.has(j.channel))) {
        if (j.channel !== undefined) waiting.add(j.channel);
        q[kept++] = j;
      } else if (lane !== undefined ? !j.front || j.lane !== lane : this.concurrent && j.front) {
        // PostgreSQL: a lane takes its recovered jobs, intake's commits the others.
        q[kept++] = j;
      } else {
        take.push(j);
      }
    }
    // The jobs kept are q[0, kept), those not looked at q[i, end): close the gap the taken left.
    if (take.length) q.splice(kept, i - kept);
    return take;
  }

  /** Whether the stored resources an off-thread run read are, inside this transaction, still what it read. */
  private async stillSame(tx: StoreTables, known: ReadonlyMap<string, string>, pause: () => Promise<void> | undefined): Promise<boolean> {
    for (const [key, seen] of known) {
      await pause();
      const slash = key.indexOf('/');
      const now = (await tx.resources.get(key.slice(0, slash), key.slice(slash + 1)))?.resource ?? null;
      if (JSON.stringify(now) !== seen) return false;
    }
    return true;
  }

  /** `made`: called once the frame's insert is made (before its answer), see flush. */
  private async storeOne(tx: StoreTx, inb: Inbound, made?: () => void): Promise<Stored> {
    const decoded = typeof inb.raw === 'string' ? undefined : decodeHl7(inb.raw, inb.channel.encoding);
    const raw = decoded ? decoded.text : (inb.raw as string);
    const charset = decoded?.charset;
    const hash = contentHash(raw);
    const header = inb.contentType === 'hl7v2' ? readHl7Header(raw) : undefined;
    const controlId = header ? header.controlId : inb.idempotencyKey;
    const issues: Issue[] = [...(decoded?.issues ?? [])];
    let duplicateOf: number | undefined;
    if (controlId !== undefined) {
      const earlier = await tx.messages.findByControlId(inb.channel.name, controlId);
      const same = earlier.find((r) => r.contentHash === hash);
      if (same) {
        await tx.messages.recordResend(same.id);
        return { kind: 'resend', id: same.id, header, charset, row: { state: same.state, ack: same.ack, commitAck: same.commitAck } };
      }
      if (earlier.length) {
        duplicateOf = earlier[0]!.id;
        issues.push(issue('DUPLICATE_CONFLICT', `Control id "${controlId}" was already used by message ${duplicateOf} with different content; this one is kept and processed too.`, header ? 'MSH.10' : 'Idempotency-Key', 'warning'));
      }
    }
    const ackMode: AckMode = header ? header.ackMode : 'none';
    const commitAck = header ? this.render.commitAck(header.message, ackMode, header.acceptAckType) : undefined;
    const inserted = tx.messages.insert({
      channel: inb.channel.name,
      source: inb.source,
      peer: inb.peer,
      contentType: inb.contentType,
      raw,
      // Plain ASCII bytes are their text in every supported MSH-18 set: stored once, as the text
      // (the store reads them back as bytes), instead of twice (measured: about 10% of intake's CPU).
      rawBytes: decoded && !isAscii(inb.raw as Buffer) ? (inb.raw as Buffer) : undefined,
      charset,
      contentHash: hash,
      controlId,
      messageType: header ? header.messageType : inb.recordType ?? (inb.contentType === 'fhir' ? 'Bundle' : undefined),
      hl7Version: header?.version,
      sendingApplication: header?.sendingApplication,
      sendingFacility: header?.sendingFacility,
      summary: header?.summary,
      patientMrn: header?.patientMrn,
      patientName: header?.patientName,
      ackMode,
      duplicateOf,
      issues,
      commitAck,
    });
    made?.();
    const id = await inserted;
    return { kind: 'new', id, header, charset, commitAck: commitAck?.text };
  }

  /** One message, inside a savepoint. */
  private async processOne(tx: StoreTx, id: number, opts: { attemptCounted?: boolean | undefined; reason?: AttemptReason; prepared?: Prepared | undefined; queued?: Array<[channel: string, items: number]> | undefined } = {}): Promise<Answer | Waiting> {
    // The outbox items this run queues are its transaction's: intake's commit (queuedNow) or, on PostgreSQL, a lane's.
    const queuedIn = opts.queued ?? this.queuedNow;
    const reason = opts.reason ?? 'received';
    const claim = await tx.processing.claimForProcessing(id);
    if (!claim) throw new Error(`message ${id} not found`);
    // An earlier message of the same patient is still unprocessed (here or on another instance).
    if (claim.blockedBy) return { waitFor: claim.blockedBy };
    const row = claim.row;
    // Exactly once: a message already processed (a resend racing its original) is answered
    // from the store. Replay and recovery reset or find the state 'received' first.
    if (row.state !== 'received') return { ...(await this.answerFromRow(id, true, tx)), channel: row.channel };
    // The attempt is counted by recordOutcome's UPDATE: it runs in this savepoint, so a beginAttempt
    // here would only ever be committed together with the outcome (a throw rolls both back, and
    // failure() counts the attempt then).
    const countAttempt = !opts.attemptCounted;
    // Never given an outcome: nothing of an earlier run to keep or clear (Outcome.first).
    const first = row.processedAt === null;
    const channel = this.channel(row.channel);
    const { raw, intake, ctx } = this.prepareRun(row, channel);
    // Flows read stored resources synchronously; the store answers asynchronously, or at once in a
    // SQLite transaction, which then runs the flow once (see stored-lookup.ts).
    const read = storeReader(tx.resources);
    if (row.contentType === 'hl7v2') {
      // Intake issues (the duplicate flag) travel with the message.
      // Prepared off the event loop (a large message) and still true to the store: taken as it is.
      let p: Hl7Processing | undefined;
      let json: OutputJson | undefined;
      /** The worker's text (and gzip) of the run's issues, and how many they were: stored as they are while no issue is added. */
      let issuesJson: { json: JsonText; count: number } | undefined;
      const pause = eventLoopPause();
      const prepared = opts.prepared;
      if (prepared && prepared.raw === raw && (await this.stillSame(tx, prepared.known, pause))) {
        const { readable, json: serialized, issuesText, issuesGzip, ...run } = prepared.run;
        if (issuesText !== undefined) {
          run.issues = JSON.parse(issuesText) as Issue[];
          issuesJson = { json: new JsonText(issuesText, issuesGzip ? Buffer.from(issuesGzip.buffer, issuesGzip.byteOffset, issuesGzip.byteLength) : undefined), count: run.issues.length };
        }
        const message = readable ? readHl7Header(raw).message : undefined;
        p = { ...run, ...(message ? { message } : {}) };
        json = serialized;
        if (json?.entrySpans && p.output) p.output.bundle.entry = (await entriesFromText(json, pause)) as BundleEntry[];
      }
      p ??= await withStoredLookup(read, (lookup) => processHl7(raw, channel, { ...ctx, lookup }, intake));
      let entries: EntryOutcome[] = [];
      let queued = 0;
      /** The Bundle's and the office records' texts as persisting stored them (the worker's Bundle text when it made one). */
      let bundleJson: string | undefined;
      let officeJson: string | undefined;
      if (p.output) {
        const r = await persistOutput(tx, { messageId: id, raw, rawContentType: 'application/hl7-v2', output: p.output, destinations: channel.destinations, outbound: { settings: this.hl7Settings, ctx }, first, bundleJson: json ? () => bundleText(json!) : undefined });
        entries = r.entries;
        queued = r.queued;
        p.issues.push(...r.issues);
        if (!json) bundleJson = r.bundleJson();
        officeJson = r.officeJson;
      }
      const { code: ackCode, text: ack } = this.render.hl7(p.message, { state: p.state, issues: p.issues, output: p.output, entries });
      // A large output's rows are each a long synchronous write: the event loop gets a turn between them.
      await pause();
      const outputs = outputsJson(p.output, entries, json, bundleJson, officeJson);
      // Between the outputs' text (or gzip) and each row, and before the COMMIT's page writes: a
      // turn each, so no two of these long steps share one (10,000 OBX: 40-140 ms each).
      await pause();
      // The outcome and its attempt row store the same issues: their text is made once (~2 KB for an ADT^A04).
      const issuesText = issuesJson && issuesJson.count === p.issues.length ? issuesJson.json : issuesTextOf(p.issues);
      await tx.processing.recordOutcome(id, { state: p.state, flow: p.flow, issues: p.issues, issuesJson: issuesText, outputs, ackCode, ack, countAttempt, first });
      await pause();
      // Its issues and outputs are the outcome's just recorded: kept once, in the message's row (inOutcome).
      await tx.processing.recordAttempt({ messageId: id, reason, state: p.state, flow: p.flow, ackCode, ack, issues: p.issues, issuesJson: issuesText, outputs, inOutcome: true, mappingVersion: mappingVersion() });
      await pause();
      if (queued) queuedIn.push([channel.name, queued]);
      this.log.info({ channel: channel.name, id, state: p.state, ack: ackCode, flow: p.flow, issues: p.issues.length }, 'message processed');
      return { id, state: p.state, issues: p.issues, ackCode, ack, resend: false, channel: channel.name };
    }
    const endpoint = row.contentType;
    const p: IntakeRun = endpoint === 'fhir'
      ? await processFhirTransaction(tx.resources, row.raw, row.contentHash, ctx)
      : await withStoredLookup(read, (lookup) => processOfficeRecord(row.raw, row.messageType ?? undefined, { ...ctx, lookup }));
    const issues = [...intake, ...p.issues];
    let entries: EntryOutcome[] = [];
    if (p.output) {
      const r = await persistOutput(tx, { messageId: id, raw: row.raw, rawContentType: 'application/json', output: p.output, destinations: channel.destinations, outbound: { settings: this.hl7Settings, ctx }, first });
      entries = r.entries;
      issues.push(...r.issues);
      if (r.queued) queuedIn.push([channel.name, r.queued]);
    }
    const { status: httpStatus, body } = this.render.http(endpoint, { state: p.state, issues, output: p.output, entries });
    const outputs = outputsOf(p.output, entries);
    const httpBody = JSON.stringify(body);
    const issuesJson = issuesTextOf(issues);
    await tx.processing.recordOutcome(id, { state: p.state, issues, issuesJson, outputs, httpStatus, httpBody, countAttempt, first });
    await tx.processing.recordAttempt({ messageId: id, reason, state: p.state, httpStatus, httpBody, issues, issuesJson, outputs, inOutcome: true, mappingVersion: mappingVersion() });
    this.log.info({ channel: channel.name, id, state: p.state, status: httpStatus }, 'request processed');
    return { id, state: p.state, issues, httpStatus, body, resend: false, channel: channel.name };
  }

  /**
   * What processing the stored message now would produce, without writing anything (replay
   * --dry-run): the same decoding, flow and lookup as processOne, no persist, no outcome.
   */
  async preview(id: number): Promise<{ state: MessageState; code?: string | undefined; issues: Issue[]; outputs?: { bundle: unknown; office: unknown } | undefined } | undefined> {
    const row = await this.store.processing.getForProcessing(id);
    if (!row) return undefined;
    const channel = this.channel(row.channel);
    const { raw, intake, ctx } = this.prepareRun(row, channel);
    const read = async (type: string, rid: string) => (await this.store.resources.get(type, rid))?.resource;
    if (row.contentType === 'hl7v2') {
      const p = await withStoredLookup(read, (lookup) => processHl7(raw, channel, { ...ctx, lookup }, intake));
      const code = this.render.hl7(p.message, { state: p.state, issues: p.issues, output: p.output, entries: [] }).code;
      return { state: p.state, code, issues: p.issues, outputs: p.output ? { bundle: p.output.bundle, office: p.output.office } : undefined };
    }
    const p: IntakeRun = row.contentType === 'fhir'
      ? await processFhirTransaction(this.store.resources, row.raw, row.contentHash, ctx)
      : await withStoredLookup(read, (lookup) => processOfficeRecord(row.raw, row.messageType ?? undefined, { ...ctx, lookup }));
    const issues = [...intake, ...p.issues];
    const code = String(this.render.http(row.contentType, { state: p.state, issues, output: p.output, entries: [] }).status);
    return { state: p.state, code, issues, outputs: p.output ? { bundle: p.output.bundle, office: p.output.office } : undefined };
  }

  /**
   * What a run (first, replay, recovery or dry-run preview) starts from: the text decoded again
   * from the stored bytes with the channel's encoding of this moment (a replay after an operator
   * fixed a wrong default encoding reads the message right), the intake issues that travel with it
   * (only intake's: an earlier run's errors would answer AE again after a fix), and the flow context.
   */
  private prepareRun(row: { raw: string; rawBytes?: Buffer | null | undefined; issues: Issue[] }, channel: ChannelConfig): { raw: string; intake: Issue[]; ctx: Omit<FlowContext, 'lookup'> } {
    let intake = row.issues.filter(isIntakeIssue);
    let raw = row.raw;
    if (row.rawBytes) {
      const d = decodeHl7(row.rawBytes, channel.encoding);
      raw = d.text;
      intake = [...intake.filter((i) => !isCharsetIssue(i)), ...d.issues];
    }
    const billingProvider = defaultBillingProvider(this.config.billing);
    const ctx: Omit<FlowContext, 'lookup'> = { timezone: this.config.practice.timezone, ...(billingProvider ? { billingProvider } : {}) };
    return { raw, intake, ctx };
  }

  /** An internal error while processing: count it; after max attempts the message is 'failed'. */
  private async failure(tx: StoreTables, id: number, e: Error, attemptCounted = false, reason: AttemptReason = 'received'): Promise<Answer> {
    const row = await tx.messages.get(id);
    const attempts = !row ? 0 : attemptCounted ? row.attempts : await tx.processing.beginAttempt(id);
    const state: MessageState = attempts >= this.config.processing.maxAttempts ? 'failed' : 'received';
    this.log.error({ id, attempts, state, err: e.message, stack: e.stack }, 'processing failed (internal error)');
    const issues = [issue('INTERNAL', `Internal error while processing (attempt ${attempts}); the message is kept${state === 'received' ? ' and will be processed again' : ''}.`)];
    if (row) {
      await tx.processing.recordFailure(id, e.message.slice(0, 500), state);
      await tx.processing.recordAttempt({ messageId: id, reason, state, issues, error: e.message.slice(0, 500), mappingVersion: mappingVersion() });
    }
    const run: RunOutcome = { state, issues, entries: [] };
    if (row?.contentType === 'hl7v2') {
      // The renderer answers AR: the sender may try again later (table 0008); the stored message is not lost either way.
      const { code, text } = this.render.hl7(readHl7Header(row.raw).message, run);
      return { id, state, issues, ackCode: code, ack: text, resend: false, channel: row.channel };
    }
    const { status, body } = this.render.http(row?.contentType === 'office' ? 'office' : 'fhir', run);
    return { id, state, issues, httpStatus: status, body, resend: false, channel: row?.channel };
  }

  /**
   * Recovery of a message attempted before: count the attempt in its own commit first, so a message
   * that crashes the process cannot loop forever; then through the queue, ahead of new messages.
   */
  async processRecovered(id: number): Promise<Answer> {
    const attempts = await this.store.processing.beginAttempt(id);
    if (attempts > this.config.processing.maxAttempts) {
      await this.store.processing.recordFailure(id, `gave up after ${attempts - 1} attempts`, 'failed');
      return this.answerFromRow(id, false);
    }
    return this.processCounted(id);
  }

  /** Recovery: a message whose attempt is counted already, queued ahead of new messages (its patient picks its lane on PostgreSQL). */
  processCounted(id: number, patient?: string | null): Promise<Answer> {
    return this.process(id, 'recovery', { patient }, true, true);
  }

  /** PostgreSQL: start a transaction on every idle lane that has a job ready. */
  private dispatch(): void {
    // Lanes take start-up recovery's jobs only (queued while recoveryLeft > 0).
    if (this.closing || this.recoveryLeft <= 0) return;
    const limit = LANES;
    let running = 0;
    for (const l of this.lanes) if (l !== undefined) running++;
    // Called at every message queued and every frame: no scan of the queue when no lane may start.
    if (running >= limit) return;
    // The lanes takeReady would give a job to now (a lane started with nothing to take would
    // start again at once, for ever: a job held behind its channel's earlier message is not ready).
    const ready = new Set<number>();
    const waiting = new Set<string>();
    for (const j of this.processQueue) {
      if (j.notBefore !== undefined) continue;
      if (!j.ready || (j.channel !== undefined && waiting.has(j.channel))) {
        if (j.channel !== undefined) waiting.add(j.channel);
        continue;
      }
      if (j.front && this.lanes[j.lane] === undefined) ready.add(j.lane);
      if (ready.size >= limit - running) break;
    }
    for (let lane = 0; lane < LANES && running < limit; lane++) {
      if (this.lanes[lane] || !ready.has(lane)) continue;
      running++;
      const run = this.runLane(lane).catch((e: unknown) => {
        this.log.error({ lane, err: (e as Error).message }, 'processing lane stopped');
      }).finally(() => {
        this.lanes[lane] = undefined;
        this.dispatch();
      });
      this.lanes[lane] = run;
    }
  }

  /**
   * PostgreSQL: the jobs of one lane, in queue order, in transactions of their own on a pooled
   * connection of their own (each message in a savepoint, at most LANE_BUDGET_MS of them per
   * commit), beside intake's commits instead of inside them. On PostgreSQL a message's processing is
   * a dozen round trips to the server: inside intake's commit (as on SQLite, where processing is
   * CPU in this process) it held every commit ACK behind it, and the share processing was given
   * there (PROCESS_SHARE of the time, counted in wall time) starved it while intake was busy: a
   * commit held one or two messages, and a backlog grew behind enhanced-mode senders (#17, the
   * crash harness's stall). Order: a patient's messages are all in one lane (laneOf), run in
   * queue order, and the order check (claimForProcessing) still holds a message whose earlier one
   * is in another transaction, as it does across instances; the original-mode ACKs of a connection
   * leave in arrival order whatever order they are processed in (src/mllp/intake.ts).
   */
  private async runLane(lane: number): Promise<void> {
    while (!this.closing) {
      const jobs = this.takeReady(lane);
      if (!jobs.length) return;
      if (this.waiting() < this.config.processing.maxBacklog) for (const w of this.roomWaiters.splice(0)) w();
      const answers: Array<Answer | Waiting> = [];
      const queued: Array<[channel: string, items: number]> = [];
      try {
        await this.store.transaction(async (tx) => {
          const started = performance.now();
          const blocked = new BlockedPatients();
          for (let k = 0; k < jobs.length; k++) {
            if (k > 0 && (this.closing || performance.now() - started > LANE_BUDGET_MS)) {
              // What is left goes back to the head of the queue, in its order.
              this.processQueue.unshift(...jobs.splice(k));
              break;
            }
            const j = jobs[k]!;
            const known = blocked.known(j);
            if (known) {
              answers.push(known);
              continue;
            }
            try {
              const a = await tx.savepoint((sp) => this.processOne(sp, j.id, { reason: j.reason, prepared: j.prepared, attemptCounted: j.attemptCounted, queued }));
              blocked.note(j, a);
              answers.push(a);
            } catch (e) {
              answers.push(await this.failure(tx, j.id, e as Error, j.attemptCounted ?? false, j.reason));
              blocked.note(j, answers[answers.length - 1]!);
            }
          }
        });
      } catch (e) {
        this.log.error({ err: (e as Error).message, processing: jobs.map((j) => j.id) }, 'processing commit failed');
        for (const j of jobs) j.reject(e as Error);
        continue;
      }
      // Outbox items this commit queued: counted, and the delivery worker woken.
      for (const [channel, items] of queued) this.metrics.inc('queued', channel, items);
      if (queued.length) this.onQueued?.();
      // A job behind an earlier message of its patient (another instance's, or one that failed)
      // goes the queue's way from here, in intake's commits (the order check keeps it behind that one).
      this.settle(jobs, answers, (j) => { j.front = false; });
    }
  }
}

/** Issues storeOne records at intake (the duplicate flag); everything else comes from a processing run. */
const INTAKE_CODES: ReadonlySet<string> = new Set(['DUPLICATE_CONFLICT', 'HL7_CHARSET']);
function isIntakeIssue(i: Issue): boolean {
  return INTAKE_CODES.has(i.details?.coding?.[0]?.code ?? '');
}
function isCharsetIssue(i: Issue): boolean {
  return i.details?.coding?.[0]?.code === 'HL7_CHARSET';
}

/** The issues' JSON text, made once for the outcome and its attempt row (none: the columns stay NULL, as for an empty list). */
function issuesTextOf(issues: readonly Issue[]): JsonText | undefined {
  return issues.length ? new JsonText(JSON.stringify(issues)) : undefined;
}

function outputsOf(output: FlowOutput | undefined, entries: EntryOutcome[]): unknown {
  if (!output) return undefined;
  return { bundle: output.bundle, office: output.office, stored: storedOf(entries) };
}

function storedOf(entries: EntryOutcome[]): unknown[] {
  return entries.map((e) => ({ resourceType: e.resourceType, id: e.id, versionId: e.versionId, status: e.status }));
}

/**
 * outputsOf as the text JSON.stringify would make of it, made once for the outcome and its attempt
 * row, from the worker's serialized Bundle and office records when the run was off the event loop
 * (key order and content as outputsOf's), else from the Bundle's text persisting made of its
 * stored resources' texts (`bundleJson`, ./bundle-text.ts) and the office records' as stored (`officeJson`). A merge notes what it re-pointed in its office record
 * while persisting, so office records with a merge instruction are serialized here, after that.
 * When the worker gzipped the Bundle's text (the store keeps outputs gzipped: Store.storesGzipJson),
 * the outputs are that gzip member between two small ones made here: the same text, gzipped.
 */
function outputsJson(output: FlowOutput | undefined, entries: EntryOutcome[], json: OutputJson | undefined, bundleJson?: string, officeJson?: string): JsonText | undefined {
  if (!output) return undefined;
  const merged = output.office.some((r) => r.recordType === 'merge-instruction');
  const office = json && !merged ? json.office : officeJson ?? JSON.stringify(output.office);
  const tail = `,"office":${office},"stored":${JSON.stringify(storedOf(entries))}}`;
  if (json?.bundleGzip) {
    const fast = { level: zlibConstants.Z_BEST_SPEED };
    return new JsonText(undefined, Buffer.concat([gzipSync(OUTPUTS_HEAD, fast), json.bundleGzip, gzipSync(tail, fast)]));
  }
  const bundle = json ? bundleText(json) : bundleJson ?? JSON.stringify(output.bundle);
  return new JsonText(`${OUTPUTS_HEAD}${bundle}${tail}`);
}

const OUTPUTS_HEAD = '{"bundle":';
