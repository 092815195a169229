/** Job runs and job leases (tables job_runs, job_locks) on PostgreSQL. */
import type { Queryable } from './db.js';
import type { JobRunRow, JobSummary, JobTrigger } from '../types.js';

/** One statement decides between instances: the insert, or the update of a lapsed lease, succeeds for one of them. */
export async function takeJobLease(db: Queryable, job: string, holder: string, until: Date, now: Date): Promise<boolean> {
  const r = await db.query(`INSERT INTO job_locks (job, holder, lease_until) VALUES ($1, $2, $3)
     ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
     WHERE job_locks.lease_until <= $4`, [job, holder, until.toISOString(), now.toISOString()]);
  return r.rowCount === 1;
}

export async function releaseJobLease(db: Queryable, job: string, holder: string): Promise<void> {
  await db.query('DELETE FROM job_locks WHERE job = $1 AND holder = $2', [job, holder]);
}

/** The primary key decides between instances: one insert succeeds. */
export async function claimJobTick(db: Queryable, job: string, tick: string, holder: string, now: Date): Promise<boolean> {
  return (await db.query('INSERT INTO job_ticks (job, tick, holder, claimed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (job, tick) DO NOTHING',
    [job, tick, holder, now.toISOString()])).rowCount === 1;
}

export async function recordJobRun(db: Queryable, r: JobRunRow): Promise<void> {
  await db.query('INSERT INTO job_runs (job, trigger, started_at, finished_at, outcome, summary) VALUES ($1, $2, $3, $4, $5, $6)',
    [r.job, r.trigger, r.startedAt, r.finishedAt, r.outcome, r.summary === null ? null : JSON.stringify(r.summary)]);
}

export async function recentJobRuns(db: Queryable, limit = 50): Promise<JobRunRow[]> {
  return (await db.query<Record<string, string | null>>('SELECT * FROM job_runs ORDER BY id DESC LIMIT $1', [limit])).rows.map((r) => ({
    job: r.job!, trigger: r.trigger as JobTrigger, startedAt: r.started_at!, finishedAt: r.finished_at ?? null,
    outcome: (r.outcome ?? null) as JobRunRow['outcome'], summary: r.summary ? (JSON.parse(r.summary) as JobSummary) : null,
  }));
}

export async function purgeJobRuns(db: Queryable, before: Date): Promise<number> {
  await db.query('DELETE FROM job_ticks WHERE claimed_at < $1', [before.toISOString()]);
  return (await db.query('DELETE FROM job_runs WHERE started_at < $1', [before.toISOString()])).rowCount ?? 0;
}
