/**
 * Retention: delivered outbox rows (the payloads hold PHI) and their attempt history are deleted
 * after `jobs.retentionDays`; job history too. Pending, in-flight and dead rows are never purged:
 * they are still owed to a partner. Inbound messages belong to the gateway store and are not
 * touched here.
 */
import { purgeDelivered } from '../store/sqlite/outbox.js';
import type { JobDeps, JobSummary } from './context.js';

export async function runRetention(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const before = new Date(now.getTime() - deps.config.jobs.retentionDays * 86_400_000);
  const delivered = purgeDelivered(deps.db, before);
  const jobRuns = deps.db.prepare('DELETE FROM job_runs WHERE started_at < ?').run(before.toISOString()).changes;
  const reminders = deps.db.prepare('DELETE FROM reminders WHERE starts_at < ?').run(before.toISOString()).changes;
  return { before: before.toISOString(), deliveredPurged: delivered, jobRunsPurged: jobRuns, remindersPurged: reminders };
}
