/**
 * Content negotiation for the FHIR API (R4 http.html#mime-type): the server produces FHIR JSON
 * only. `_format` (json, application/json, application/fhir+json) or an Accept that allows JSON
 * is served; an Accept or `_format` asking only for something else (XML, turtle, HTML) gets 406.
 */
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './outcome.js';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

function acceptsJson(accept: string): boolean {
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p))) return false;
    return type === '*/*' || type === 'application/*' || JSON_FORMATS.has(type ?? '');
  });
}

/** Whether the request's query string may hold `_format` (also percent-encoded): most requests have none, and express parses the query string anew at every read of req.query. */
const mayHoldFormat = (url: string) => url.includes('_format') || url.includes('%5F') || url.includes('%5f');

export function negotiate(req: Request, res: Response, next: NextFunction): void {
  const asked = mayHoldFormat(req.url) ? req.query._format : undefined;
  const format = typeof asked === 'string' ? asked.toLowerCase().split(';')[0]!.trim() : undefined;
  if (format !== undefined && !JSON_FORMATS.has(format)) {
    return sendError(res, 'NOT_ACCEPTABLE', `_format "${asked as string}" is not produced here; this server speaks FHIR JSON (_format=json).`, '_format');
  }
  const accept = req.get('accept');
  if (format === undefined && accept && !acceptsJson(accept)) {
    return sendError(res, 'NOT_ACCEPTABLE', `Accept "${accept}" allows no format produced here; ask for application/fhir+json.`, 'Accept');
  }
  next();
}
