/**
 * 17 (#17, as SQLite's migration 17): an attempt's issues and outputs kept by reference while they
 * are its message's current outcome (`in_outcome`): NULL in the attempt row, read from `messages`;
 * copied into the attempt before an outcome replaces them (a replay, a recovery run), so the
 * history is kept. The outcome's ~9 KB (ADT^A04) was stored twice per message.
 */
import type { PgMigration } from './index.js';

export const m017AttemptOutputsInOutcome: PgMigration = {
  id: 17,
  name: 'attempt-outputs-in-outcome',
  sql: `
ALTER TABLE processing_attempts ADD COLUMN in_outcome BOOLEAN NOT NULL DEFAULT false;
`,
};
