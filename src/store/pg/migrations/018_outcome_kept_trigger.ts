/**
 * 18 (#17, as SQLite's migration 18): the attempts that point at a message's outcome (migration 17)
 * get its old issues and outputs whenever the row's are replaced after it had an outcome, by a
 * trigger: an instance of an older version on the same database (several instances, one upgraded
 * first) or SQL by hand keeps the history too, not only this version's recordOutcome. Not for a
 * first outcome (processed_at still NULL): nothing points at it yet.
 */
import type { PgMigration } from './index.js';

export const m018OutcomeKeptTrigger: PgMigration = {
  id: 18,
  name: 'outcome-kept-trigger',
  sql: `
CREATE FUNCTION messages_outcome_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE processing_attempts SET issues = OLD.issues, outputs = OLD.outputs, in_outcome = false
   WHERE message_id = OLD.id AND in_outcome;
  RETURN NULL;
END
$$;
CREATE TRIGGER messages_outcome_kept AFTER UPDATE OF issues, outputs ON messages
  FOR EACH ROW WHEN (OLD.processed_at IS NOT NULL) EXECUTE FUNCTION messages_outcome_kept();
`,
};
