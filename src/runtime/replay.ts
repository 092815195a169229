/**
 * Operator replay: process a stored message again from its raw text, with today's flows and
 * configuration. Outputs are rewritten (resources upserted by deterministic id, office records
 * replaced), and outbox items are idempotent by message, destination and payload hash, so a
 * replay that yields the same output queues nothing twice. The new ACK is stored; it is not sent
 * to the original sender (their conversation is over).
 */
import { getMessage, matchingIds, resetForReplay, type MessageFilter } from '../store/sqlite/messages.js';
import type { Answer, Pipeline } from './pipeline.js';

export async function replayOne(pipeline: Pipeline, id: number): Promise<Answer | undefined> {
  if (!getMessage(pipeline.db, id)) return undefined;
  resetForReplay(pipeline.db, id);
  pipeline.log.info({ id }, 'replay');
  return pipeline.process(id);
}

export interface ReplaySummary {
  matched: number;
  results: Array<{ id: number; state: string; ackCode?: string | undefined; status?: number | undefined }>;
}

/** Replay every message matching the filter (oldest first), at most `max`. */
export async function replayMatching(pipeline: Pipeline, filter: MessageFilter, max = 1000): Promise<ReplaySummary> {
  const ids = matchingIds(pipeline.db, filter, max);
  const results: ReplaySummary['results'] = [];
  for (const id of ids) {
    const a = await replayOne(pipeline, id);
    if (a) results.push({ id, state: a.state, ackCode: a.ackCode, status: a.status });
  }
  return { matched: ids.length, results };
}
