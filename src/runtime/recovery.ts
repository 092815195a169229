/**
 * Start-up recovery: every message committed but not processed (state 'received': the process
 * died between commit and processing, or processing failed internally) is processed again, oldest
 * first. Its acknowledgment went nowhere (the sender never got one and will resend; the resend is
 * then answered from the store), but nothing acknowledged is lost.
 *
 * Behind the open listeners (#17): the backlog to recover is read before anything listens (ids
 * only: a new message committed after that is not recovery's), then fed into the pipeline's
 * processing queue ahead of new messages, a chunk at a time, while the listeners already answer.
 * Order still holds: the queue takes the recovered messages first, and the per-patient claim
 * (store: claimForProcessing) keeps a new message of a patient behind that patient's recovered
 * ones whatever the queue does. A new connection owes nothing to a recovered message, so its
 * original-mode ACK order is its own (a resend of a recovered message shares that message's run).
 *
 * A message that crashes the process must not loop: each recovered message's attempt is counted
 * in a commit before it is processed, after processing.maxAttempts it is 'failed'. Messages never
 * attempted are counted a chunk per commit (one fsync for many); one that was attempted before (it
 * may be the one that crashed the process) is counted and processed alone, the next counted only
 * after it, so a crash charges an attempt to the message that caused it and, at most once, to the
 * chunk queued with it.
 */
import type { Pipeline } from './pipeline.js';
import type { Store } from '../store/index.js';

export interface RecoveryReport {
  processed: number;
  failed: number;
}

/** A recovery running behind the listeners. */
export interface Recovery {
  /** Resolves when the backlog is done (or the gateway closed first); never rejects. */
  done: Promise<RecoveryReport>;
  /** Messages of the backlog not processed yet. */
  left(): number;
  /** Stop queueing (the gateway's close): what is left stays 'received' for the next start. */
  stop(): void;
}

/** Messages never attempted, counted in one commit and queued together. */
const CHUNK = 100;

/** The backlog at this moment (ids, oldest first): read before anything listens. */
export async function pendingBacklog(store: Pick<Store, 'processing'>, pageSize = 10_000): Promise<number[]> {
  const ids: number[] = [];
  // Page by id, not by "still received".
  for (let lastId = 0; ;) {
    const page = await store.processing.pendingIds(pageSize, lastId);
    if (!page.length) return ids;
    ids.push(...page);
    lastId = page[page.length - 1]!;
  }
}

/** Process a backlog read by pendingBacklog (or every pending message when none is given) through the pipeline's queue. */
export function startRecovery(pipeline: Pipeline, backlog?: number[]): Recovery {
  let stopped = false;
  let left = backlog?.length ?? 0;
  const report: RecoveryReport = { processed: 0, failed: 0 };
  const count = (state: string) => {
    if (state === 'received' || state === 'failed') report.failed++;
    else report.processed++;
    left--;
    pipeline.recoveryLeft = left;
  };
  const unfinished = (id: number, e: unknown) => {
    left--;
    pipeline.recoveryLeft = left;
    // Stays 'received': a resend or the next start processes it.
    if (!stopped) { report.failed++; pipeline.log.warn({ id, err: (e as Error).message }, 'recovered message not processed'); }
  };
  const run = async (): Promise<RecoveryReport> => {
    const ids = backlog ?? await pendingBacklog(pipeline.store);
    left = ids.length;
    pipeline.recoveryLeft = left;
    if (ids.length) pipeline.log.info({ count: ids.length, first: ids[0] }, 'recovering messages stored before the last stop');
    const maxAttempts = pipeline.config.processing.maxAttempts;
    // Queued and not yet answered: at most two chunks, so the queue never nears processing.maxBacklog.
    let outstanding: Array<Promise<void>> = [];
    const settle = async () => {
      const all = outstanding;
      outstanding = [];
      await Promise.all(all);
    };
    // Messages from here on are recovery's: nothing else runs them uncounted (Pipeline.wait).
    const next = (i: number) => { pipeline.recoveryNextId = ids[i] ?? Infinity; };
    next(0);
    for (let i = 0; i < ids.length && !stopped;) {
      const chunk = ids.slice(i, i + CHUNK);
      // Attempted before: alone (see the file comment). With maxAttempts 1 every message is (a
      // chunk's counted attempt would otherwise fail a message that was never tried).
      // Counted in one transaction (a read outside one would wait for each processing commit).
      const fresh = maxAttempts > 1 ? await pipeline.store.transaction((tx) => tx.processing.beginFirstAttempts(chunk)) : [];
      if (stopped) break;
      if (fresh.length) {
        // Handled at once (a commit that fails, or the gateway closing, rejects): never an unhandled rejection.
        // The patient picks the processing lane on PostgreSQL (Pipeline.runLane: several transactions at once).
        const answers = fresh.map(({ id, patientMrn }) => pipeline.processCounted(id, patientMrn).then((a) => count(a.state), (e: unknown) => unfinished(id, e)));
        i += fresh.length;
        next(i);
        await settle();
        outstanding.push(...answers);
      } else {
        await settle();
        if (stopped) break;
        await pipeline.processRecovered(chunk[0]!).then((a) => count(a.state), (e: unknown) => unfinished(chunk[0]!, e));
        i++;
        next(i);
      }
    }
    await settle();
    return report;
  };
  const done = run().catch((e: unknown) => {
    if (!stopped) pipeline.log.error({ err: (e as Error).message }, 'recovery stopped: what is left is processed at the next start');
    return report;
  }).then((r) => {
    pipeline.recoveryLeft = 0;
    pipeline.recoveryNextId = Infinity;
    if (r.processed || r.failed) pipeline.log.info(r, 'recovered messages stored before the last stop');
    return r;
  });
  return {
    done,
    left: () => left,
    stop: () => { stopped = true; },
  };
}

/** The whole recovery, awaited (tests, tools): every pending message processed. */
export function recoverPending(pipeline: Pipeline): Promise<RecoveryReport> {
  return startRecovery(pipeline).done;
}
/**
 * Takeover, for several instances on one store: every half `afterMs`, the messages committed but
 * never attempted for `afterMs` (the instance that stored them died before processing them) are
 * processed here, oldest first, through the pipeline like new ones. Two instances that take the
 * same message over, or race its owner, do not process it twice: processing reads the row locked
 * and answers an already-processed row from the store. Returns the function that stops the sweep.
 */
export function startTakeover(pipeline: Pipeline, afterMs: number, now: () => Date = () => new Date()): () => void {
  if (afterMs <= 0) return () => undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const sweep = async (): Promise<void> => {
    try {
      const ids = await pipeline.store.processing.orphanedIds(new Date(now().getTime() - afterMs), 200);
      if (ids.length) pipeline.log.info({ count: ids.length, first: ids[0] }, 'taking over messages left unprocessed by another instance');
      for (const id of ids) {
        if (stopped) break;
        // This instance's own backlog kept in the store (./store-backlog.ts) is not orphaned: it is read back in its turn.
        if (pipeline.backlog.has(id)) continue;
        await pipeline.process(id, 'recovery');
      }
    } catch (e) {
      if (!stopped) pipeline.log.warn({ err: (e as Error).message }, 'takeover sweep failed; trying again');
    }
    if (!stopped) timer = setTimeout(() => void sweep(), Math.max(1000, afterMs / 2)).unref();
  };
  timer = setTimeout(() => void sweep(), Math.max(1000, afterMs / 2)).unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
