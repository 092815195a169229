/**
 * The one way the HTTP API reports a problem: an OperationOutcome (application/fhir+json) with
 * the status the error catalogue gives its worst issue (httpStatusOf), or an explicit one.
 */
import type { Response } from 'express';
import { httpStatusOf, issue, toOperationOutcome, type Issue } from '../domain/issues.js';
import type { ErrorCode } from '../domain/errors.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendFhir(res: Response, status: number, body: unknown): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

export function sendOutcome(res: Response, issues: readonly Issue[], status?: number): void {
  const s = status ?? httpStatusOf(issues);
  sendFhir(res, s === 200 && issues.some((i) => i.severity === 'error' || i.severity === 'fatal') ? 500 : s, toOperationOutcome(issues));
}

/** Shorthand: one issue, status from the catalogue. */
export function sendError(res: Response, code: ErrorCode, diagnostics: string, where?: string): void {
  sendOutcome(res, [issue(code, diagnostics, where)]);
}
