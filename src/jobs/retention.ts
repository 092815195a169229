/**
 * Retention: delivered outbox rows (the payloads hold PHI) and their attempt history are deleted
 * after `jobs.retentionDays`; job history, reminders and eligibility checks (their answers name the
 * patient's plan and benefits) of appointments that long past too. Pending, in-flight and dead rows are never purged:
 * they are still owed to a partner. Inbound messages belong to the gateway store and are not
 * touched here. Audit entries older than `jobs.auditRetentionDays` (default 2190, six years) go too, and console
 * sessions that have expired (a login also purges them; this catches a console nobody opens).
 */
import type { JobDeps, JobSummary } from './context.js';

export async function runRetention(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const before = new Date(now.getTime() - deps.config.jobs.retentionDays * 86_400_000);
  const delivered = await deps.store.outbox.purgeDelivered(before);
  const jobRuns = await deps.store.jobs.purgeRunsBefore(before);
  const reminders = await deps.store.reminders.purgeBefore(before);
  const eligibility = await deps.store.eligibility.purgeBefore(before.toISOString().slice(0, 10));
  // The audit trail is kept far longer than the data it describes: HIPAA asks six years of audit
  // documentation (45 CFR 164.316(b)(2)), so its own horizon (jobs.auditRetentionDays).
  const auditBefore = new Date(now.getTime() - deps.config.jobs.auditRetentionDays * 86_400_000);
  const audit = await deps.store.audit.purgeBefore(auditBefore);
  const sessions = await deps.store.consoleSessions.purgeExpired(now);
  return { before: before.toISOString(), deliveredPurged: delivered, jobRunsPurged: jobRuns, remindersPurged: reminders, eligibilityPurged: eligibility, auditBefore: auditBefore.toISOString(), auditPurged: audit, consoleSessionsPurged: sessions };
}
