/**
 * Runs one job once, never two of the same at a time: an in-process guard, plus a lease row in
 * job_locks so a CLI run and the gateway's schedule (two processes, one SQLite file) do not
 * overlap either. Every run is recorded in job_runs with its summary (or its failure).
 */
import { randomUUID } from 'node:crypto';
import type { JobRunRow, JobTrigger } from '../store/index.js';
import type { JobDeps, JobSummary } from './context.js';
import { jobSpec } from './table.js';

export type { JobRunRow, JobTrigger } from '../store/index.js';

export interface JobRunResult {
  job: string;
  outcome: 'ok' | 'failed' | 'skipped';
  summary: JobSummary;
}

/** A job that has not finished within this long is presumed dead (its process crashed) and its lease lapses. */
const LEASE_MS = 60 * 60_000;
const running = new Set<string>();
const holder = `${process.pid}-${randomUUID().slice(0, 8)}`;

export async function runJob(name: string, deps: JobDeps, trigger: JobTrigger = 'cli'): Promise<JobRunResult> {
  const spec = jobSpec(name);
  if (!spec) return { job: name, outcome: 'failed', summary: { error: `unknown job "${name}"` } };
  const now = (deps.now ?? (() => new Date()))();
  const record = (outcome: JobRunResult['outcome'], summary: JobSummary, started: string) =>
    deps.store.jobs.recordRun({ job: name, trigger, startedAt: started, finishedAt: (deps.now ?? (() => new Date()))().toISOString(), outcome, summary });
  // Several instances on one store: each cron fires the same tick; one of them runs it.
  if (trigger === 'scheduled' && !(await deps.store.jobs.claimTick(name, tickOf(now), holder, now))) {
    deps.logger?.debug({ job: name }, 'tick already run by another instance');
    return { job: name, outcome: 'skipped', summary: { reason: 'tick run by another instance' } };
  }
  // The in-process guard is taken before the lease is asked for: two runs started together in one
  // process must not both pass it while the lease write is on its way.
  const mine = !running.has(name);
  if (mine) running.add(name);
  if (!mine || !(await deps.store.jobs.takeLease(name, holder, new Date(now.getTime() + LEASE_MS), now))) {
    if (mine) running.delete(name);
    const summary = { reason: 'already running' };
    await record('skipped', summary, now.toISOString());
    deps.logger?.warn({ job: name, trigger }, 'job skipped: already running');
    return { job: name, outcome: 'skipped', summary };
  }
  try {
    const summary = await spec.run(deps);
    await record('ok', summary, now.toISOString());
    deps.logger?.info({ job: name, trigger, summary }, 'job finished');
    return { job: name, outcome: 'ok', summary };
  } catch (e) {
    // A job is an edge: it reports, it does not crash the gateway.
    const summary = { error: `${(e as Error).name}: ${(e as Error).message}` };
    await record('failed', summary, now.toISOString());
    deps.logger?.error({ job: name, trigger, err: summary.error }, 'job failed');
    return { job: name, outcome: 'failed', summary };
  } finally {
    running.delete(name);
    await deps.store.jobs.releaseLease(name, holder);
  }
}

/**
 * The scheduled tick a run is for: the second its cron fired (node-cron fires at the start of a
 * second; crons on several instances fire the same tick a few ms apart, never a second apart).
 */
function tickOf(now: Date): string {
  return now.toISOString().slice(0, 19);
}

export function recentJobRuns(deps: Pick<JobDeps, 'store'>, limit = 50): Promise<JobRunRow[]> {
  return deps.store.jobs.recentRuns(limit);
}
