/**
 * Every PostgreSQL schema migration, forward only, applied in id order by ../db.ts (each in its own
 * transaction, under an advisory lock so that instances starting together migrate once).
 * Id 1 is the baseline (the SQLite schema as migrations 1-204 leave it); later ids follow the SQLite
 * numbering where a change is made to both engines (same id, same meaning).
 * One file per migration, imported here.
 */
import { m001Baseline } from './001_baseline.js';
import { m005HttpBody } from './005_http_body.js';
import { m010ConsoleIndexes } from './010_console_indexes.js';
import { m011MessageSearch } from './011_message_search.js';
import { m012MessageBrowserIndexes } from './012_message_browser_indexes.js';
import { m013ConsoleSessions } from './013_console_sessions.js';
import { m014ProcessingOrder } from './014_processing_order.js';
import { m015DropChannelControlIdIndex } from './015_drop_channel_control_id_index.js';
import { m016MessageAcksSent } from './016_message_acks_sent.js';
import { m017AttemptOutputsInOutcome } from './017_attempt_outputs_in_outcome.js';
import { m018OutcomeKeptTrigger } from './018_outcome_kept_trigger.js';
import { m105OutboxLeaseHolder } from './105_outbox_lease_holder.js';
import { m130JobTicks } from './130_job_ticks.js';
import { m301AuditEvents } from './301_audit_events.js';
import { m302ResourceHistory } from './302_resource_history.js';
import { m303SearchIndex } from './303_search_index.js';
import { m310SearchIndexQuantity } from './310_search_index_quantity.js';
import { m390SearchIndexResourcePlan } from './390_search_index_resource_plan.js';

export interface PgMigration {
  id: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: PgMigration[] = [
  m001Baseline,
  m005HttpBody,
  m010ConsoleIndexes,
  m011MessageSearch,
  m012MessageBrowserIndexes,
  m013ConsoleSessions,
  m014ProcessingOrder,
  m015DropChannelControlIdIndex,
  m016MessageAcksSent,
  m017AttemptOutputsInOutcome,
  m018OutcomeKeptTrigger,
  m105OutboxLeaseHolder,
  m130JobTicks,
  m301AuditEvents,
  m302ResourceHistory,
  m303SearchIndex,
  m310SearchIndexQuantity,
  m390SearchIndexResourcePlan,
];
