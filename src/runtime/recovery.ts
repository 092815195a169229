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
