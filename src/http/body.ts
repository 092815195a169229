/**
 * Request bodies: read raw (bounded by `http.bodyLimitBytes`), so the message store keeps exactly
 * what was sent, and checked against the media types each endpoint takes (415 otherwise).
 * express.json() alone would ignore application/fhir+json (it needs `type`), and would lose the
 * original text; reading raw avoids both.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { sendError } from './outcome.js';

export const FHIR_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir'];
export const JSON_TYPES = ['application/json', 'application/fhir+json'];
export const HL7_TYPES = ['application/hl7-v2', 'x-application/hl7-v2+er7', 'application/edi-hl7', 'text/plain'];

export function rawBody(limitBytes: number): RequestHandler {
  const read = express.raw({ type: () => true, limit: limitBytes });
  // A request without a body (no Content-Length, no Transfer-Encoding: every GET a client sends)
  // has nothing to read: next at once, req.body left undefined as body-parser leaves it (without
  // adding the property: one more on a request object grows its property store, ~1 KB a request).
  return (req, res, next) => {
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return next();
    return read(req, res, next);
  };
}

/** The body as text when its Content-Type is one of `types`; otherwise answers 415 and returns undefined. */
export function bodyText(req: Request, res: Response, types: readonly string[]): string | undefined {
  const ct = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(ct)) {
    sendError(res, 'MEDIA_TYPE', `Content-Type "${ct || '(none)'}" is not accepted here; send one of ${types.join(', ')}.`);
    return undefined;
  }
  const b = req.body as unknown;
  const text = Buffer.isBuffer(b) ? b.toString('utf8') : '';
  if (text.trim() === '') {
    sendError(res, 'INPUT_UNREADABLE', 'The request body is empty.');
    return undefined;
  }
  return text;
}

/** The body as received (bytes) when its Content-Type is one of `types`; otherwise answers 415 (or 400 when empty) and returns undefined. */
export function bodyBytes(req: Request, res: Response, types: readonly string[]): Buffer | undefined {
  const ct = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(ct)) {
    sendError(res, 'MEDIA_TYPE', `Content-Type "${ct || '(none)'}" is not accepted here; send one of ${types.join(', ')}.`);
    return undefined;
  }
  const b = req.body as unknown;
  const bytes = Buffer.isBuffer(b) ? b : Buffer.alloc(0);
  if (!bytes.some((x) => x !== 0x20 && x !== 0x09 && x !== 0x0a && x !== 0x0d)) {
    sendError(res, 'INPUT_UNREADABLE', 'The request body is empty.');
    return undefined;
  }
  return bytes;
}

/** Parse a JSON body; answers 400 and returns undefined when it is not JSON. */
export function parseJsonBody(res: Response, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    sendError(res, 'JSON_INVALID', `Body is not valid JSON: ${(e as Error).message}`);
    return undefined;
  }
}
