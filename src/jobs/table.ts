/**
 * Every scheduled job, in one table. Schedules are node-cron expressions read in the practice's
 * timezone (jobs.timezone, default practice.timezone); `jobs.<name>.schedule` overrides one,
 * `jobs.<name>.enabled: false` turns one off. Each can run once: `frontdesk job run <name>`.
 */
import type { JobName } from '../delivery/config.js';
import { runClaimBatch } from './claim-batch.js';
import type { JobDeps, JobSummary } from './context.js';
import { runEligibility } from './eligibility.js';
import { runReminders } from './reminders.js';
import { runRetention } from './retention.js';
import { withWorker } from './with-worker.js';
import { runX12Pickup } from './x12-pickup.js';

export interface JobSpec {
  name: JobName;
  /** Default schedule (cron, practice timezone). */
  schedule: string;
  description: string;
  run(deps: JobDeps): Promise<JobSummary>;
}

export const JOBS: readonly JobSpec[] = [
  { name: 'claim-batch', schedule: '0 18 * * 1-5', description: 'Submit pending claims to the clearinghouse (weekdays 18:00).', run: runClaimBatch },
  { name: 'drain-retries', schedule: '*/5 * * * *', description: 'Retry due deliveries (every 5 minutes; the worker also polls).', run: (d) => withWorker(d, async (w) => ({ ...(await w.drain()) })) },
  { name: 'eligibility', schedule: '0 17 * * *', description: "Eligibility inquiries (270 or CoverageEligibilityRequest) for tomorrow's appointments (daily 17:00).", run: runEligibility },
  { name: 'reminders', schedule: '0 * * * *', description: 'Reminder hand-off records for appointments within the lead time (hourly).', run: runReminders },
  { name: 'retention', schedule: '30 2 * * *', description: 'Purge delivered outbox rows older than the retention period (daily 02:30).', run: runRetention },
  { name: 'x12-pickup', schedule: '*/15 * * * *', description: "Pick up the clearinghouses' 999, 277CA, 835 and 271 files from their inbox folders, once each (every 15 minutes).", run: runX12Pickup },
];

export function jobSpec(name: string): JobSpec | undefined {
  return JOBS.find((j) => j.name === name);
}
