/**
 * The store interface, audit trail: one row per access to PHI or operator action (FHIR read,
 * search, write, delete; message read, replay, reveal; dead-letter replay; job run; failed
 * authentication). Who (key name, JWT client id, operator), from where (client address), what
 * (action, entity, query), when and with what outcome. The query may hold PHI (a search by name):
 * it lives here, in the store, and never in the logs. Served as FHIR AuditEvent (src/http/audit-events.ts)
 * and by `frontdesk audit`.
 */

/** How the actor proved who it is. */
export type AuditActorKind = 'api-key' | 'jwt' | 'session' | 'cli' | 'system' | 'anonymous';

export interface AuditEntry {
  /** ISO-8601 UTC. */
  at: string;
  /** Key name, JWT client id, operator name; '(unauthenticated)' when no credential matched. */
  actor: string;
  actorKind: AuditActorKind;
  /** The client's network address (IP), when the access came over the network. */
  clientAddress: string | null;
  /**
   * What was done: a FHIR interaction (read, vread, search, history, create, update, patch,
   * delete, transaction, batch, operation) or an operator action (message-read, message-list,
   * message-replay, reveal, deadletter-replay, job-run, login, ...).
   */
  action: string;
  /** What it touched: `Patient/123`, `Patient/123/_history/2`, `message/45`, `outbox/7`, `job/retention`; null for a system-wide search. */
  entity: string | null;
  /** The search or filter, as sent (may hold PHI; stays in the audit table). */
  query: string | null;
  /** HTTP method and path (no query string), when over HTTP. */
  method: string | null;
  path: string | null;
  /** HTTP status, or 0 for non-HTTP actions. */
  status: number;
  /** 'success' (status < 400), 'failure' otherwise. */
  outcome: 'success' | 'failure';
  /** A short note (never PHI): the reason of a failure, the count of a bulk action. */
  detail: string | null;
}

export interface AuditRow extends AuditEntry {
  id: number;
}

export interface AuditFilter {
  /** at >= since, at < until (ISO). */
  since?: string | undefined;
  until?: string | undefined;
  actor?: string | undefined;
  /** Exact entity (`Patient/123`), or a type prefix when it ends with '/' (`Patient/`). */
  entity?: string | undefined;
  action?: string | undefined;
  outcome?: 'success' | 'failure' | undefined;
  clientAddress?: string | undefined;
  /** Newest first; bounded by the engine (at most 1000). */
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Largest page of audit rows one call returns. */
export const AUDIT_MAX_PAGE = 1000;

/** What an answer turned out to be, for a row written ahead of it (AuditStore.amend). */
export type AuditAnswer = Pick<AuditEntry, 'status' | 'outcome' | 'detail'>;

export interface AuditStore {
  /** Append one entry; resolves with its id once durable. */
  record(entry: AuditEntry): Promise<number>;
  /**
   * Correct the answer of a row written ahead of it (src/http/audit.ts `auditAhead`: a search's
   * row is written while the search runs, as the 200 it is about to be), when the answer turned
   * out different: the search failed, the client hung up. Resolves once durable, as `record`. The
   * only change a row ever takes; nothing else updates the table.
   */
  amend(id: number, answer: AuditAnswer): Promise<void>;
  /** Newest first. */
  list(filter?: AuditFilter): Promise<AuditRow[]>;
  count(filter?: AuditFilter): Promise<number>;
  get(id: number): Promise<AuditRow | undefined>;
  /** Retention: delete entries recorded before `before`. */
  purgeBefore(before: Date): Promise<number>;
}

/**
 * A search with its audit row beside it, where an engine cannot write both in one statement: both
 * at once, resolving once both are done (ResourceStore.search's `audit`). If the row failed, that
 * error (the row is not written); if only the search failed, its error with the row's `auditId`.
 */
export async function besideAudit<T extends object>(row: Promise<number>, work: Promise<T>): Promise<T & { auditId: number }> {
  const [r, w] = await Promise.allSettled([row, work]);
  if (r.status === 'rejected') throw r.reason;
  if (w.status === 'rejected') throw Object.assign(w.reason instanceof Error ? w.reason : new Error(String(w.reason)), { auditId: r.value });
  return { ...w.value, auditId: r.value };
}
