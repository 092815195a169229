/**
 * Operator replay: process a stored message again from its raw bytes (or text), with today's
 * flows, configuration and mappings: the mapping files are read from disk again before each
 * replay (reloadMappings), whether the replay comes from the CLI or over HTTP.
 *
 * History is kept: every processing attempt is a row of processing_attempts (outcome, ACK,
 * issues, outputs, mapping version), so a replay that now answers AE does not erase the AA the
 * sender got. The message row holds the latest outcome. A message processed before attempts were
 * kept has its stored outcome saved as attempt 1 ('before-history') before its first replay.
 *
 * Outputs are rewritten (resources upserted by deterministic id, office records replaced), and
 * outbox items are idempotent by message, destination and payload hash, so a replay that yields
 * the same output queues nothing twice. The new ACK is stored; it is not sent to the original
 * sender (their conversation is over).
 *
 * `dryRun` computes what a replay would produce and diffs it against the stored outputs, writing
 * nothing.
 */
import type { MessageFilter } from '../store/index.js';
import { reloadMappings } from '../mapping/version.js';
import { jsonDiff, type JsonChange } from './json-diff.js';
import type { Answer, Pipeline } from './pipeline.js';

/** Save the outcome of a message processed before attempts were kept, so its replay cannot erase it. */
async function keepOutcomeBeforeHistory(pipeline: Pipeline, id: number): Promise<void> {
  if ((await pipeline.store.processing.attemptsOf(id)).length) return;
  const m = await pipeline.store.messages.get(id);
  if (!m || m.state === 'received') return;
  await pipeline.store.processing.recordAttempt({
    messageId: id, reason: 'before-history', state: m.state, flow: m.flow ?? undefined, ackCode: m.ackCode ?? undefined, httpStatus: m.httpStatus ?? undefined, ack: m.ack ?? undefined, httpBody: m.httpBody ?? undefined,
    issues: m.issues, outputs: m.outputs ?? undefined, error: m.lastError ?? undefined,
  }, m.processedAt ? new Date(m.processedAt) : new Date());
}

/** Replay one message (reads the mappings on disk first unless the caller just did). */
export async function replayOne(pipeline: Pipeline, id: number, opts: { mappingsLoaded?: boolean } = {}): Promise<Answer | undefined> {
  if (!(await pipeline.store.messages.get(id))) return undefined;
  if (!opts.mappingsLoaded) reloadMappings();
  // Saved first: a crash between the two leaves the outcome both saved and still current.
  await keepOutcomeBeforeHistory(pipeline, id);
  await pipeline.store.processing.resetForReplay(id);
  pipeline.log.info({ id }, 'replay');
  return pipeline.process(id, 'replay');
}

export interface ReplaySummary {
  matched: number;
  /** Hash of the mapping files the replay ran with. */
  mappingVersion: string;
  results: Array<{ id: number; state: string; ackCode?: string | undefined; status?: number | undefined }>;
}

/** Replay every message matching the filter (oldest first), at most `max`, all with the mappings on disk now. */
export async function replayMatching(pipeline: Pipeline, filter: MessageFilter, max = 1000): Promise<ReplaySummary> {
  const mappingVersion = reloadMappings();
  const ids = await pipeline.store.messages.matchingIds(filter, max);
  const results: ReplaySummary['results'] = [];
  for (const id of ids) {
    const a = await replayOne(pipeline, id, { mappingsLoaded: true });
    if (a) results.push({ id, state: a.state, ackCode: a.ackCode, status: a.httpStatus });
  }
  return { matched: ids.length, mappingVersion, results };
}

export interface DryRun {
  id: number;
  /** Stored (latest) outcome and what a replay would give now. */
  before: { state: string; code: string | null };
  after: { state: string; code: string | null };
  /** Differences of the outputs (FHIR bundle and office records), stored -> now. */
  changes: JsonChange[];
}

/** What replaying would change, per message, without writing anything. */
export async function dryRun(pipeline: Pipeline, ids: readonly number[]): Promise<{ mappingVersion: string; results: Array<DryRun | { id: number; missing: true }> }> {
  const mappingVersion = reloadMappings();
  const results: Array<DryRun | { id: number; missing: true }> = [];
  for (const id of ids) {
    const m = await pipeline.store.messages.get(id);
    const now = m ? await pipeline.preview(id) : undefined;
    if (!m || !now) {
      results.push({ id, missing: true });
      continue;
    }
    const stored = (m.outputs ?? {}) as { bundle?: unknown; office?: unknown };
    const beforeOut = m.outputs ? { bundle: stored.bundle, office: stored.office } : null;
    const afterOut = now.outputs ? { bundle: now.outputs.bundle, office: now.outputs.office } : null;
    results.push({
      id,
      before: { state: m.state, code: m.ackCode ?? (m.httpStatus === null ? null : String(m.httpStatus)) },
      after: { state: now.state, code: now.code ?? null },
      changes: jsonDiff(beforeOut, afterOut),
    });
  }
  return { mappingVersion, results };
}

/** Ids for a dry run by filter (same selection as replayMatching). */
export function matchingForReplay(pipeline: Pipeline, filter: MessageFilter, max = 1000): Promise<number[]> {
  return pipeline.store.messages.matchingIds(filter, max);
}
