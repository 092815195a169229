/**
 * The console's one call into the audit trail: revealing a message's PHI, replays, dead-letter
 * replays and job runs started from the console all come through `auditConsoleAction`, so that
 * switching to the gateway's audit trail (the FHIR server issue, #18) changes this file only.
 *
 * Until that trail is on main, each action is written to the gateway log at info level: who (the
 * operator's key name), what (action and entity: a message id, a delivery id, a job name, a
 * filter), when and the outcome. Never PHI: ids and names of things, not their content.
 */
import type { Logger } from 'pino';

export type ConsoleAction = 'reveal-phi' | 'replay-message' | 'replay-messages' | 'replay-dry-run' | 'replay-delivery' | 'replay-dead-letters' | 'run-job' | 'login' | 'login-failed' | 'logout';

export interface ConsoleAuditEvent {
  operator: string;
  action: ConsoleAction;
  /** What was acted on: `Message/12`, `Delivery/4`, `Job/retention`, `Destination/ehr`, or a filter. */
  entity: string;
  outcome: 'ok' | 'failed';
  /** The client's address. */
  client?: string | undefined;
  detail?: string | undefined;
}

export interface ConsoleAudit {
  record(e: ConsoleAuditEvent): Promise<void>;
}

export function logAudit(log: Logger): ConsoleAudit {
  return {
    async record(e) {
      log.info({ audit: true, ...e, at: new Date().toISOString() }, 'console action');
    },
  };
}
