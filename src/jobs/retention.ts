/**
 * Retention: delivered outbox rows (the payloads hold PHI) and their attempt history are deleted
 * after `jobs.retentionDays`; job history too. Pending, in-flight and dead rows are never purged:
 * they are still owed to a partner. Inbound messages belong to the gateway store and are not
 * touched here.
 */
import type { JobDeps, JobSummary } from './context.js';

export async function runRetention(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const before = new Date(now.getTime() - deps.config.jobs.retentionDays * 86_400_000);
  const delivered = await deps.store.outbox.purgeDelivered(before);
  const jobRuns = await deps.store.jobs.purgeRunsBefore(before);
  const reminders = await deps.store.reminders.purgeBefore(before);
  return { before: before.toISOString(), deliveredPurged: delivered, jobRunsPurged: jobRuns, remindersPurged: reminders };
}
