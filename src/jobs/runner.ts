/**
 * Runs one job once, never two of the same at a time: an in-process guard, plus a lease row in
 * job_locks so a CLI run and the gateway's schedule (two processes, one SQLite file) do not
 * overlap either. Every run is recorded in job_runs with its summary (or its failure).
 */
import { randomUUID } from 'node:crypto';
import type { JobDeps, JobSummary } from './context.js';
import { jobSpec } from './table.js';

export type JobTrigger = 'scheduled' | 'cli' | 'api';

export interface JobRunResult {
  job: string;
  outcome: 'ok' | 'failed' | 'skipped';
  summary: JobSummary;
}

/** A job that has not finished within this long is presumed dead (its process crashed) and its lease lapses. */
const LEASE_MS = 60 * 60_000;
const running = new Set<string>();
const holder = `${process.pid}-${randomUUID().slice(0, 8)}`;

function takeLease(deps: JobDeps, job: string, now: Date): boolean {
  const until = new Date(now.getTime() + LEASE_MS).toISOString();
  const r = deps.db.prepare(
    `INSERT INTO job_locks (job, holder, lease_until) VALUES (?, ?, ?)
     ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
     WHERE job_locks.lease_until <= ?`,
  ).run(job, holder, until, now.toISOString());
  return r.changes === 1;
}

function releaseLease(deps: JobDeps, job: string): void {
  deps.db.prepare('DELETE FROM job_locks WHERE job = ? AND holder = ?').run(job, holder);
}

export async function runJob(name: string, deps: JobDeps, trigger: JobTrigger = 'cli'): Promise<JobRunResult> {
  const spec = jobSpec(name);
  if (!spec) return { job: name, outcome: 'failed', summary: { error: `unknown job "${name}"` } };
  const now = (deps.now ?? (() => new Date()))();
  const record = (outcome: JobRunResult['outcome'], summary: JobSummary, started: string) =>
    deps.db.prepare('INSERT INTO job_runs (job, trigger, started_at, finished_at, outcome, summary) VALUES (?, ?, ?, ?, ?, ?)')
      .run(name, trigger, started, (deps.now ?? (() => new Date()))().toISOString(), outcome, JSON.stringify(summary));
  if (running.has(name) || !takeLease(deps, name, now)) {
    const summary = { reason: 'already running' };
    record('skipped', summary, now.toISOString());
    deps.logger?.warn({ job: name, trigger }, 'job skipped: already running');
    return { job: name, outcome: 'skipped', summary };
  }
  running.add(name);
  try {
    const summary = await spec.run(deps);
    record('ok', summary, now.toISOString());
    deps.logger?.info({ job: name, trigger, summary }, 'job finished');
    return { job: name, outcome: 'ok', summary };
  } catch (e) {
    // A job is an edge: it reports, it does not crash the gateway.
    const summary = { error: `${(e as Error).name}: ${(e as Error).message}` };
    record('failed', summary, now.toISOString());
    deps.logger?.error({ job: name, trigger, err: summary.error }, 'job failed');
    return { job: name, outcome: 'failed', summary };
  } finally {
    running.delete(name);
    releaseLease(deps, name);
  }
}

export interface JobRunRow {
  job: string;
  trigger: JobTrigger;
  startedAt: string;
  finishedAt: string | null;
  outcome: JobRunResult['outcome'] | null;
  summary: JobSummary | null;
}

export function recentJobRuns(deps: Pick<JobDeps, 'db'>, limit = 50): JobRunRow[] {
  return (deps.db.prepare('SELECT * FROM job_runs ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, string | null>>).map((r) => ({
    job: r.job!, trigger: r.trigger as JobTrigger, startedAt: r.started_at!, finishedAt: r.finished_at ?? null,
    outcome: (r.outcome ?? null) as JobRunRow['outcome'], summary: r.summary ? (JSON.parse(r.summary) as JobSummary) : null,
  }));
}
