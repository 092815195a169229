/**
 * Start-up recovery: every message committed but not processed (state 'received': the process
 * died between commit and processing, or processing failed internally) is processed now, before
 * the listeners open, oldest first. Its acknowledgment went nowhere (the sender never got one and
 * will resend; the resend is then answered from the store), but nothing acknowledged is lost.
 */
import type { Pipeline } from './pipeline.js';

export interface RecoveryReport {
  processed: number;
  failed: number;
}

export async function recoverPending(pipeline: Pipeline, pageSize = 500): Promise<RecoveryReport> {
  const report: RecoveryReport = { processed: 0, failed: 0 };
  // Page by id, not by "still received": messages that fail again stay 'received', and a full page
  // of them must not hide the messages after it.
  let lastId = 0;
  for (;;) {
    const ids = await pipeline.store.processing.pendingIds(pageSize, lastId);
    if (!ids.length) break;
    for (const id of ids) {
      lastId = id;
      const a = await pipeline.processRecovered(id);
      if (a.state === 'received' || a.state === 'failed') report.failed++;
      else report.processed++;
    }
  }
  if (report.processed || report.failed) pipeline.log.info(report, 'recovered messages stored before the last stop');
  return report;
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
