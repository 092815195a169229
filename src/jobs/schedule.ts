/**
 * Starts the job table (./table.ts) on node-cron, in the practice's timezone. node-cron's
 * noOverlap skips a tick while the previous run of the same job is still going; runJob's lease
 * also keeps a CLI run and a scheduled run apart.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { JobDeps } from './context.js';
import { runJob } from './runner.js';
import { JOBS } from './table.js';

export interface ScheduledJob {
  name: string;
  schedule: string;
  timezone: string;
  nextRun: Date | null;
}

export interface Jobs {
  stop(): void;
  /** What is scheduled (for the log line at start and the operator). */
  readonly scheduled: ScheduledJob[];
}

export function startJobs(deps: JobDeps): Jobs {
  const tz = deps.config.jobs.timezone;
  const tasks: ScheduledTask[] = [];
  const scheduled: ScheduledJob[] = [];
  for (const spec of JOBS) {
    const setting = deps.config.jobs.settings[spec.name] ?? { enabled: true };
    if (!setting.enabled) continue;
    const schedule = setting.schedule ?? spec.schedule;
    const task = cron.schedule(schedule, async () => {
      await runJob(spec.name, deps, 'scheduled');
    }, { name: `frontdesk-${spec.name}`, timezone: tz, noOverlap: true });
    tasks.push(task);
    scheduled.push({ name: spec.name, schedule, timezone: tz, nextRun: task.getNextRun() });
  }
  deps.logger?.info({ jobs: scheduled.map((s) => `${s.name} "${s.schedule}"`), timezone: tz }, 'jobs scheduled');
  return {
    scheduled,
    stop() {
      for (const t of tasks) {
        void t.stop();
        void t.destroy();
      }
    },
  };
}
