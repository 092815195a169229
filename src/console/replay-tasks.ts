/**
 * Replays of a filtered set started from the console run in the background, one message after
 * the other (as `POST /messages/replay` does), while the page shows their progress. Tasks live in
 * this process's memory; the last 20 are kept for their pages.
 */
import { randomBytes } from 'node:crypto';
import { reloadMappings } from '../mapping/version.js';
import { replayOne } from '../runtime/replay.js';
import type { Pipeline } from '../runtime/pipeline.js';

export interface ReplayTask {
  id: string;
  operator: string;
  /** The filter as in the URL (for the page's "back to the messages" link). */
  query: string;
  total: number;
  done: number;
  byState: Record<string, number>;
  failed: number;
  startedAt: string;
  finishedAt: string | null;
}

export class ReplayTasks {
  private readonly tasks = new Map<string, ReplayTask>();

  constructor(private readonly pipeline: Pipeline, private readonly onReplay?: () => void) {}

  start(operator: string, query: string, ids: readonly number[]): ReplayTask {
    const t: ReplayTask = { id: randomBytes(9).toString('base64url'), operator, query, total: ids.length, done: 0, byState: {}, failed: 0, startedAt: new Date().toISOString(), finishedAt: null };
    this.tasks.set(t.id, t);
    while (this.tasks.size > 20) this.tasks.delete(this.tasks.keys().next().value!);
    void this.run(t, ids);
    return t;
  }

  get(id: string): ReplayTask | undefined {
    return this.tasks.get(id);
  }

  private async run(t: ReplayTask, ids: readonly number[]): Promise<void> {
    reloadMappings();
    for (const id of ids) {
      try {
        const a = await replayOne(this.pipeline, id, { mappingsLoaded: true });
        const state = a?.state ?? 'missing';
        t.byState[state] = (t.byState[state] ?? 0) + 1;
      } catch (e) {
        // One message that cannot be replayed does not stop the others; it is counted and logged (no PHI).
        t.failed++;
        this.pipeline.log.error({ id, err: (e as Error).message }, 'console replay failed');
      }
      t.done++;
    }
    t.finishedAt = new Date().toISOString();
    this.onReplay?.();
  }
}
