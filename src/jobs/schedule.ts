/**
 * Starts the job table (./table.ts) on node-cron, in the practice's timezone. node-cron's
 * noOverlap skips a tick while the previous run of the same job is still going; runJob's lease
 * also keeps a CLI run and a scheduled run apart.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { JobDeps } from './context.js';
import { runJob } from './runner.js';
import { JOBS } from './table.js';

/** A scheduled run in the audit trail: actor "scheduler" (kind system), action job-run, entity job/<name>. */
export async function recordSchedulerAudit(deps: Pick<JobDeps, 'store'>, job: string, outcome: 'ok' | 'failed' | 'skipped'): Promise<void> {
  await deps.store.audit.record({
    at: new Date().toISOString(), actor: 'scheduler', actorKind: 'system', clientAddress: null, action: 'job-run', entity: `job/${job}`, query: null,
    method: null, path: null, status: 0, outcome: outcome === 'failed' ? 'failure' : 'success', detail: outcome,
  });
}

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
      const r = await runJob(spec.name, deps, 'scheduled');
      // The audit trail has every job run: by the scheduler here, by an operator through the CLI, the API or the console.
      if (r.summary.reason === 'tick run by another instance') return;
      await recordSchedulerAudit(deps, spec.name, r.outcome).catch((e: unknown) => deps.logger?.error({ job: spec.name, err: (e as Error).message }, 'audit record failed'));
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
