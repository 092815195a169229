/**
 * 18 (#17): the copy that keeps an attempt's history (migration 17: an attempt's issues and
 * outputs kept by reference to its message's outcome) made by the schema instead of by the store's
 * code: whenever a message's issues or outputs are replaced after it had an outcome, the attempts
 * that pointed at them get the old ones first. Whatever writes the row (a gateway of a version
 * before 17 on the same file, a CLI, SQL by hand) then keeps the history, not only this version's
 * recordOutcome. A first outcome (processed_at still NULL) has no attempt pointing at it: the
 * trigger does not run then (the store's first-run statements stay as few as without it).
 */
import type { Migration } from './index.js';

export const m018OutcomeKeptTrigger: Migration = {
  id: 18,
  name: 'outcome-kept-trigger',
  sql: `
CREATE TRIGGER messages_outcome_kept AFTER UPDATE OF issues, outputs ON messages
  WHEN OLD.processed_at IS NOT NULL
BEGIN
  UPDATE processing_attempts SET issues = OLD.issues, outputs = OLD.outputs, in_outcome = 0
   WHERE message_id = OLD.id AND in_outcome = 1;
END;
`,
};
