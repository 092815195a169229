/**
 * 17 (#17): an attempt's issues and outputs kept by reference. The attempt that made a message's
 * current outcome stored the same issues and outputs as the `messages` row (an ADT^A04: ~9 KB of
 * the ~12 KB row, written twice per message, a third of the pages a commit wrote). With
 * `in_outcome` = 1 the attempt's `issues` and `outputs` are NULL and read from its message's row;
 * before an outcome replaces them (a replay, a recovery run), the store copies them into the
 * attempts that point at them (`in_outcome` back to 0), so the history of what was done is kept.
 */
import type { Migration } from './index.js';

export const m017AttemptOutputsInOutcome: Migration = {
  id: 17,
  name: 'attempt-outputs-in-outcome',
  sql: `
ALTER TABLE processing_attempts ADD COLUMN in_outcome INTEGER NOT NULL DEFAULT 0;
`,
};
