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
  /**
   * Claim one scheduled tick of a job (`tick`: the minute it is for, as ISO text): true for the
   * first caller only, so instances whose crons fire the same tick run it once between them.
   */
  claimTick(job: string, tick: string, holder: string, now: Date): Promise<boolean>;
  recordRun(run: JobRunRow): Promise<void>;
  /** Newest first. */
  recentRuns(limit?: number): Promise<JobRunRow[]>;
  /** Retention: delete runs started before `before` (and the ticks claimed before it). */
  purgeRunsBefore(before: Date): Promise<number>;
}

