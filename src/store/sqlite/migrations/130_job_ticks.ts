/**
 * 130: one row per scheduled job tick that ran. With several instances on one store, each one's
 * cron fires the same tick; the first to insert (job, tick) runs it and the others skip it, so a
 * claim batch or a reminder hand-off is never made twice. Purged with the job runs.
 */
import type { Migration } from './index.js';

export const m130JobTicks: Migration = {
  id: 130,
  name: 'job-ticks',
  sql: `
CREATE TABLE job_ticks (
  job              TEXT NOT NULL,
  tick             TEXT NOT NULL,
  holder           TEXT NOT NULL,
  claimed_at       TEXT NOT NULL,
  PRIMARY KEY (job, tick)
);
`,
};
