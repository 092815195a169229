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

/**
 * A searchset Bundle (200) written straight to node's response: no ETag of the body (express
 * hashes every body it sends to make one, and answers 304 when a request names it; a search
 * answer is `no-store` and its entries carry their versions), no media-type lookups. The audit
 * trail's hold on `end` applies as to any answer.
 */
export function sendSearchset(res: Response, bundle: unknown): void {
  const text = JSON.stringify(bundle);
  res.statusCode = 200;
  res.setHeader('Content-Type', FHIR_JSON);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (res.req.method === 'HEAD') res.end();
  else res.end(text);
}

export function sendOutcome(res: Response, issues: readonly Issue[], status?: number): void {
  const s = status ?? httpStatusOf(issues);
  sendFhir(res, s === 200 && issues.some((i) => i.severity === 'error' || i.severity === 'fatal') ? 500 : s, toOperationOutcome(issues));
}

/** Shorthand: one issue, status from the catalogue. */
export function sendError(res: Response, code: ErrorCode, diagnostics: string, where?: string): void {
  sendOutcome(res, [issue(code, diagnostics, where)]);
}
