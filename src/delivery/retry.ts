/**
 * Retry policy by error code. A failure is transient or permanent because of its code (the
 * catalogue's `retry` flag), and the code comes from structured facts: a Node error code
 * (ECONNREFUSED, ETIMEDOUT...), an HTTP status, an MSA-1 acknowledgment code. Never from text.
 */
import { ERROR_CODES, type ErrorCode } from '../domain/errors.js';
import type { RetryPolicyConfig } from './config.js';
import type { Failed } from './outcome.js';

/** Socket and DNS error codes after which the same request may well succeed later. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ETIMEOUT', 'ERR_NETWORK', 'ECANCELED',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPROTO',
  // TLS: the partner's certificate is expired or does not verify. Not this message's fault; the
  // partner (or our CA file) gets fixed, and the message goes out then.
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A network-level failure (no HTTP answer). ENOTFOUND is kept transient: DNS outages are common
 * and a wrong host name is a configuration error the operator sees in last_error anyway.
 */
export function classifyNetworkError(code: string | undefined): ErrorCode {
  if (code === 'ERR_BAD_RESPONSE') return 'TOO_LARGE'; // axios: the answer exceeded maxResponseBytes
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code) ? 'DELIVERY_TRANSIENT' : 'INTERNAL';
}

/**
 * An HTTP status: 408 (request timeout), 425 (too early), 429 (too many requests) and 5xx are
 * transient; every other 4xx is the partner's final word on this payload.
 */
export function classifyHttpStatus(status: number): ErrorCode | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'DELIVERY_TRANSIENT';
  if (status === 412) return 'PRECONDITION_FAILED';
  return 'DELIVERY_REJECTED';
}

/**
 * MSA-1 acknowledgment code (HL7 table 0008). AA/CA: accepted. AE (application error), AR
 * (application reject) and CR (commit reject) are the partner's answer about this message: sending
 * the same bytes again gives the same answer, so they go to dead letter with the ACK kept (the
 * operator replays once the partner is fixed). CE (commit error) says the partner could not commit
 * it to storage just now (HL7 v2.5.1 2.9.3): transient, retried.
 */
export function classifyAckCode(code: string): ErrorCode | undefined {
  switch (code) {
    case 'AA':
    case 'CA':
      return undefined;
    case 'CE':
      return 'DELIVERY_TRANSIENT';
    default:
      return 'DELIVERY_REJECTED';
  }
}

/** HTTP Retry-After: delta-seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now: Date): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now.getTime());
}

export type RetryDecision = { action: 'retry'; at: Date } | { action: 'dead'; reason: string };

/** Longest wait we accept from a partner's Retry-After, so a typo on their side cannot park a message for a year. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * What to do after a failed attempt number `attempt` (1 = the first send).
 * Exponential backoff base * 2^(attempt-1), capped, with `jitter` of it randomised; a partner's
 * Retry-After is honoured when it asks for longer.
 */
export function decideRetry(f: Failed, attempt: number, policy: RetryPolicyConfig, now: Date, random: () => number = Math.random): RetryDecision {
  if (!ERROR_CODES[f.errorCode].retry) return { action: 'dead', reason: `${f.errorCode} is permanent` };
  if (attempt >= policy.maxAttempts) return { action: 'dead', reason: `gave up after ${attempt} attempt(s)` };
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  let delay = exp * (1 - policy.jitter) + exp * policy.jitter * random();
  if (f.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(f.retryAfterMs, MAX_RETRY_AFTER_MS));
  return { action: 'retry', at: new Date(now.getTime() + Math.round(delay)) };
}
