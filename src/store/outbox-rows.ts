/**
 * An outbox row as both engines read it (same columns on SQLite and PostgreSQL) and its mapping to
 * OutboxItem: one copy, so the engines cannot drift apart.
 */
import type { OutboxItem, OutboxState } from './types.js';

/** Partner answers are kept for the operator, but bounded: a misbehaving partner cannot fill the disk. */
export const MAX_RESPONSE_CHARS = 64_000;

export interface OutboxRow {
  id: number;
  destination: string;
  kind: string;
  payload: string;
  content_type: string;
  idempotency_key: string;
  ordering_key: string | null;
  message_id: number | null;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  lease_owner: string | null;
  lease_boot: string | null;
  last_error_code: string | null;
  last_error: string | null;
  partner_status: string | null;
  partner_response: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  dead_at: string | null;
}

export function toItem(r: OutboxRow): OutboxItem {
  return {
    id: r.id,
    destination: r.destination,
    kind: r.kind,
    payload: r.payload,
    contentType: r.content_type,
    idempotencyKey: r.idempotency_key,
    orderingKey: r.ordering_key,
    messageId: r.message_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    leaseHolder: r.state === 'in-flight' && r.lease_owner !== null ? { instance: r.lease_owner, boot: r.lease_boot ?? '' } : null,
    lastErrorCode: r.last_error_code,
    lastError: r.last_error,
    partnerStatus: r.partner_status,
    partnerResponse: r.partner_response,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at,
    deadAt: r.dead_at,
  };
}

export const iso = (d: Date): string => d.toISOString();
export const clip = (s: string | undefined): string | null => (s === undefined ? null : s.length > MAX_RESPONSE_CHARS ? s.slice(0, MAX_RESPONSE_CHARS) : s);
