/** The store interface, jobs: job runs (history) and the lease that keeps two processes from running one job at once. */
export type JobTrigger = 'scheduled' | 'cli' | 'api';
export type JobOutcome = 'ok' | 'failed' | 'skipped';
export type JobSummary = Record<string, number | string | string[]>;

export interface JobRunRow {
  job: string;
  trigger: JobTrigger;
  startedAt: string;
  finishedAt: string | null;
  outcome: JobOutcome | null;
  summary: JobSummary | null;
}

export interface JobStore {
  /** Take the job's lease until `until` unless another holder's lease is still running at `now`; true when taken. */
  takeLease(job: string, holder: string, until: Date, now: Date): Promise<boolean>;
  releaseLease(job: string, holder: string): Promise<void>;
  recordRun(run: JobRunRow): Promise<void>;
  /** Newest first. */
  recentRuns(limit?: number): Promise<JobRunRow[]>;
  /** Retention: delete runs started before `before`. */
  purgeRunsBefore(before: Date): Promise<number>;
}

