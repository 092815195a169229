/**
 * A messages row as both engines read it (same columns on SQLite and PostgreSQL; JSON columns hold
 * text, but for `outputs`, which SQLite may hold gzipped: ./json-text.ts), and its mapping to the
 * store's types: one copy, so the engines cannot drift apart.
 */
import type { Issue } from '../domain/issues.js';
import type { AckMode, ContentType, MessageState, MessageSummary, ProcessingClaim, ProcessingRow, Source, StoredMessage } from './types.js';
import { parseJsonColumn } from './json-text.js';

export interface MessageRow {
  id: number;
  channel: string;
  source: Source;
  peer: string | null;
  content_type: ContentType;
  received_at: string;
  control_id: string | null;
  message_type: string | null;
  hl7_version: string | null;
  sending_application: string | null;
  sending_facility: string | null;
  content_hash: string;
  raw?: string;
  raw_bytes?: Buffer | null;
  charset: string | null;
  summary?: string | null;
  ack_mode: AckMode;
  state: MessageState;
  attempts: number;
  flow: string | null;
  /** JSON text, or (SQLite) its gzip: a large message's issues (./json-text.ts). */
  issues: string | Uint8Array | null;
  /** Text, or gzip bytes (SQLite, ../json-text.ts). */
  outputs?: string | Buffer | null;
  duplicate_of: number | null;
  resend_count: number;
  last_resend_at: string | null;
  commit_ack_code: string | null;
  commit_ack?: string | null;
  ack_code: string | null;
  http_status: number | null;
  ack?: string | null;
  http_body?: string | null;
  ack_sent_at: string | null;
  last_error: string | null;
  processed_at: string | null;
  updated_at: string;
  patient_mrn?: string | null;
  patient_name?: string | null;
}

export const parseJson = (s: string | null | undefined): unknown => (s === null || s === undefined ? null : JSON.parse(s));

export function toSummary(r: MessageRow): MessageSummary {
  return {
    id: r.id,
    channel: r.channel,
    source: r.source,
    peer: r.peer,
    contentType: r.content_type,
    receivedAt: r.received_at,
    controlId: r.control_id,
    messageType: r.message_type,
    hl7Version: r.hl7_version,
    sendingApplication: r.sending_application,
    sendingFacility: r.sending_facility,
    contentHash: r.content_hash,
    charset: r.charset ?? null,
    ackMode: r.ack_mode,
    state: r.state,
    attempts: r.attempts,
    flow: r.flow,
    issues: (parseJsonColumn(r.issues) as Issue[] | null) ?? [],
    duplicateOf: r.duplicate_of,
    resendCount: r.resend_count,
    lastResendAt: r.last_resend_at,
    commitAckCode: r.commit_ack_code,
    ackCode: r.ack_code,
    httpStatus: r.http_status ?? null,
    ackSentAt: r.ack_sent_at,
    lastError: r.last_error,
    processedAt: r.processed_at,
    updatedAt: r.updated_at,
    patientMrn: r.patient_mrn ?? null,
    patientName: r.patient_name ?? null,
  };
}

export function toMessage(r: MessageRow): StoredMessage {
  return {
    ...toSummary(r),
    raw: r.raw ?? '',
    // An HL7v2 row (it has a charset) without bytes was plain ASCII: its text is its bytes.
    rawBytes: r.raw_bytes ?? (r.charset != null && r.raw != null ? Buffer.from(r.raw, 'latin1') : null),
    summary: parseJson(r.summary),
    outputs: parseJsonColumn(r.outputs),
    commitAck: r.commit_ack ?? null,
    ack: r.ack ?? null,
    httpBody: r.http_body ?? null,
  };
}

/** The columns processing reads (ProcessingRow), without the outputs, ACKs and summary it replaces or does not need. */
export const PROCESSING_COLUMNS = 'm.id, m.channel, m.content_type, m.content_hash, m.message_type, m.raw, m.raw_bytes, m.state, m.issues, m.processed_at';

/**
 * The claim's order check, the same on both engines (m: the message to process, b: what it waits
 * for): the earliest earlier row of the same patient still 'received', read through the partial
 * index of migration 14. Only a row that is itself 'received' waits; rows without a patient
 * (PID-3 absent, FHIR and office posts) never do.
 */
export const BLOCKER_JOIN = `LEFT JOIN messages b ON b.id = (
    SELECT e.id FROM messages e
     WHERE m.state = 'received' AND e.patient_mrn = m.patient_mrn AND e.patient_mrn IS NOT NULL
       AND e.state = 'received' AND e.id < m.id
     ORDER BY e.patient_mrn, e.id LIMIT 1)`;

export type ClaimRow = Pick<MessageRow, 'id' | 'channel' | 'content_type' | 'content_hash' | 'message_type' | 'raw' | 'raw_bytes' | 'state' | 'issues' | 'processed_at'> & {
  blocker_id: number | null;
  blocker_attempts: number | null;
};

export function toProcessingRow(r: Omit<ClaimRow, 'blocker_id' | 'blocker_attempts'>): ProcessingRow {
  return {
    id: r.id,
    channel: r.channel,
    contentType: r.content_type,
    contentHash: r.content_hash,
    messageType: r.message_type,
    raw: r.raw ?? '',
    rawBytes: r.raw_bytes ?? null,
    state: r.state,
    issues: (parseJsonColumn(r.issues) as Issue[] | null) ?? [],
    processedAt: r.processed_at,
  };
}

export function toClaim(r: ClaimRow): ProcessingClaim {
  if (r.blocker_id !== null && r.blocker_id !== undefined) return { blockedBy: { id: r.blocker_id, attempts: r.blocker_attempts ?? 0 } };
  return { row: toProcessingRow(r) };
}
