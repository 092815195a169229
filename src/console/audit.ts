/**
 * The console's one call into the audit trail (the store's audit table, src/store/audit.ts, the
 * same rows GET /fhir/AuditEvent and `frontdesk audit` show): reading a message, revealing its PHI,
 * replays, dead-letter replays, job runs, logins and logouts. The actor is the operator (the name
 * of the key they logged in with), of kind `session`; the client address and the request's method
 * and path are kept with it. The row is written before the action's answer: a reveal whose record
 * cannot be written is refused (the caller decides), not done unrecorded.
 */
import type { Request } from 'express';
import type { AuditEntry, AuditStore } from '../store/index.js';

/** What the console does, in the audit trail's vocabulary (src/store/audit.ts). */
export const CONSOLE_ACTIONS = {
  'message-list': 'message-list',
  'message-read': 'message-read',
  reveal: 'reveal',
  'message-replay': 'message-replay',
  'message-replay-dry-run': 'message-replay-dry-run',
  'deadletter-replay': 'deadletter-replay',
  'job-run': 'job-run',
  login: 'login',
  logout: 'logout',
} as const;
export type ConsoleAction = keyof typeof CONSOLE_ACTIONS;

export interface ConsoleAuditEvent {
  /** The operator's key name; '(unauthenticated)' for a failed login. */
  operator: string;
  action: ConsoleAction;
  /** `message/12`, `outbox/4`, `job/retention`; none for a list or a bulk action. */
  entity?: string | undefined;
  /** The filter of a list or bulk action, as in the URL (may hold PHI: audit table only). */
  query?: string | undefined;
  outcome: 'success' | 'failure';
  /** A short note without PHI (a count, a reason). */
  detail?: string | undefined;
}

export interface ConsoleAudit {
  record(req: Request, e: ConsoleAuditEvent): Promise<void>;
}

/** The audit trail in the store. */
export function storeAudit(store: AuditStore): ConsoleAudit {
  return {
    async record(req, e) {
      const entry: AuditEntry = {
        at: new Date().toISOString(),
        actor: e.operator,
        actorKind: e.operator === '(unauthenticated)' ? 'anonymous' : 'session',
        clientAddress: req.ip ?? req.socket.remoteAddress ?? null,
        action: CONSOLE_ACTIONS[e.action],
        entity: e.entity ?? null,
        query: e.query ?? null,
        method: req.method,
        path: req.originalUrl.split('?')[0] ?? null,
        // Recorded before the answer: the status the action is about to give.
        status: e.outcome === 'success' ? 200 : e.action === 'login' ? 401 : 400,
        outcome: e.outcome,
        detail: e.detail ?? null,
      };
      await store.record(entry);
    },
  };
}
