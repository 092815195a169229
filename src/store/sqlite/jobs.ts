/** Job runs and job leases (tables job_runs, job_locks, migration 102) on SQLite. */
import type { Db } from './db.js';
import { pageLimit, stmt } from './statements.js';
import type { JobRunRow, JobSummary, JobTrigger } from '../types.js';

export function takeJobLease(db: Db, job: string, holder: string, until: Date, now: Date): boolean {
  return stmt(db, `INSERT INTO job_locks (job, holder, lease_until) VALUES (?, ?, ?)
     ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
     WHERE job_locks.lease_until <= ?`).run(job, holder, until.toISOString(), now.toISOString()).changes === 1;
}

export function releaseJobLease(db: Db, job: string, holder: string): void {
  stmt(db, 'DELETE FROM job_locks WHERE job = ? AND holder = ?').run(job, holder);
}

export function claimJobTick(db: Db, job: string, tick: string, holder: string, now: Date): boolean {
  return stmt(db, 'INSERT INTO job_ticks (job, tick, holder, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (job, tick) DO NOTHING')
    .run(job, tick, holder, now.toISOString()).changes === 1;
}

export function recordJobRun(db: Db, r: JobRunRow): void {
  stmt(db, 'INSERT INTO job_runs (job, trigger, started_at, finished_at, outcome, summary) VALUES (?, ?, ?, ?, ?, ?)')
    .run(r.job, r.trigger, r.startedAt, r.finishedAt, r.outcome, r.summary === null ? null : JSON.stringify(r.summary));
}

export function recentJobRuns(db: Db, limit = 50): JobRunRow[] {
  // The page size is written into the SQL, not bound (./statements.ts pageLimit).
  const l = pageLimit(limit);
  return l.cut(stmt(db, `SELECT * FROM job_runs ORDER BY id DESC ${l.sql}`).all() as Array<Record<string, string | null>>).map((r) => ({
    job: r.job!, trigger: r.trigger as JobTrigger, startedAt: r.started_at!, finishedAt: r.finished_at ?? null,
    outcome: (r.outcome ?? null) as JobRunRow['outcome'], summary: r.summary ? (JSON.parse(r.summary) as JobSummary) : null,
  }));
}

export function purgeJobRuns(db: Db, before: Date): number {
  stmt(db, 'DELETE FROM job_ticks WHERE claimed_at < ?').run(before.toISOString());
  return stmt(db, 'DELETE FROM job_runs WHERE started_at < ?').run(before.toISOString()).changes;
}
