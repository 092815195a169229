/**
 * Every schema migration, forward only, applied in id order by ../db.ts.
 * Ids 1-99: gateway runtime (messages, resources, office records).
 * Ids 100-199: delivery (outbox, dead letters, job runs).
 * Ids 200-299: X12 (control numbers, claims sent and their acknowledgements, eligibility checks).
 * Ids 300-399: the HTTP API (audit trail, FHIR versions and search indexes).
 * One file per migration, imported here.
 */
import { m001Messages } from './001_messages.js';
import { m002RawBytes } from './002_raw_bytes.js';
import { m003ProcessingAttempts } from './003_processing_attempts.js';
import { m004HttpStatus } from './004_http_status.js';
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
import { m101Outbox } from './101_outbox.js';
import { m102DeliveryRecords } from './102_delivery_records.js';
import { m103ClaimBillingRecord } from './103_claim_billing_record.js';
import { m104OutboxUndeliveredIndex } from './104_outbox_undelivered_index.js';
import { m105OutboxLeaseHolder } from './105_outbox_lease_holder.js';
import { m120Hl7ControlIds } from './120_hl7_control_ids.js';
import { m130JobTicks } from './130_job_ticks.js';
import { m201X12 } from './201_x12.js';
import { m202X12BillingRecord } from './202_x12_billing_record.js';
import { m203X12InboundFiles } from './203_x12_inbound_files.js';
import { m204Eligibility } from './204_eligibility.js';
import { m301AuditEvents } from './301_audit_events.js';
import { m302ResourceHistory } from './302_resource_history.js';
import { m303SearchIndex } from './303_search_index.js';
import { m310SearchIndexQuantity } from './310_search_index_quantity.js';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  m001Messages,
  m002RawBytes,
  m003ProcessingAttempts,
  m004HttpStatus,
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
  m101Outbox,
  m102DeliveryRecords,
  m103ClaimBillingRecord,
  m104OutboxUndeliveredIndex,
  m105OutboxLeaseHolder,
  m120Hl7ControlIds,
  m130JobTicks,
  m201X12,
  m202X12BillingRecord,
  m203X12InboundFiles,
  m204Eligibility,
  m301AuditEvents,
  m302ResourceHistory,
  m303SearchIndex,
  m310SearchIndexQuantity,
];
