/** 130: as SQLite migration 130: one row per scheduled job tick that ran; the first instance to insert it runs the tick. */
import type { PgMigration } from './index.js';

export const m130JobTicks: PgMigration = {
  id: 130,
  name: 'job-ticks',
  sql: `
CREATE TABLE job_ticks (
  job              TEXT COLLATE "C" NOT NULL,
  tick             TEXT COLLATE "C" NOT NULL,
  holder           TEXT COLLATE "C" NOT NULL,
  claimed_at       TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (job, tick)
);
`,
};
