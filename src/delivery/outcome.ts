/**
 * What one delivery attempt came to. Clients never throw: they return an outcome whose
 * `errorCode` (from the catalogue, src/domain/errors.ts) decides what happens next. The retry
 * decision reads the code's `retry` flag, never the message text.
 */
import type { ErrorCode } from '../domain/errors.js';

export interface Delivered {
  ok: true;
  /** HTTP status ('201') or ACK code ('AA', 'CA'). */
  partnerStatus: string;
  /** The partner's answer as received (body, ACK message), bounded by the store. */
  partnerResponse?: string | undefined;
}

export interface Failed {
  ok: false;
  errorCode: ErrorCode;
  /** Short, PHI-free description for the operator ('HTTP 503', 'ECONNREFUSED', 'no ACK within 30000 ms'). */
  error: string;
  partnerStatus?: string | undefined;
  partnerResponse?: string | undefined;
  /** The partner asked us to wait this long (HTTP Retry-After on 429/503). */
  retryAfterMs?: number | undefined;
}

export type AttemptOutcome = Delivered | Failed;

export const delivered = (partnerStatus: string, partnerResponse?: string): Delivered => ({ ok: true, partnerStatus, partnerResponse });

export function failed(errorCode: ErrorCode, error: string, extra: Omit<Failed, 'ok' | 'errorCode' | 'error'> = {}): Failed {
  return { ok: false, errorCode, error, ...extra };
}
