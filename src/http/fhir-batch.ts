/**
 * Batch Bundles (R4 http.html#transaction, Bundle.type = batch) posted to `POST /fhir`, beside
 * transaction Bundles (which go through the flows, all or nothing). Each entry of a batch is its
 * own interaction with its own outcome: it is answered by the app in process exactly as the same
 * request sent alone (./inject.ts: the caller's credentials, so authentication, scopes per
 * interaction and the audit trail apply per entry; GET, POST, PUT, DELETE and their conditional
 * forms through entry.request.ifMatch / ifNoneMatch / ifNoneExist / ifModifiedSince). A failed
 * entry does not undo the others. The answer is a batch-response Bundle, one entry per request
 * entry in the same order, each with `response.status` ("201 Created"), location, etag,
 * lastModified, the resource (as `Prefer: return=` asks) or an OperationOutcome in
 * `response.outcome` for an error.
 */
import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from 'fhir/r4.js';
import { issue, toOperationOutcome } from '../domain/issues.js';
import { audit } from './audit.js';
import { bodyText, FHIR_TYPES } from './body.js';
import { inject } from './inject.js';
import { sendError, sendFhir } from './outcome.js';

/** Entries in one batch, at most (each is a full request). */
export const MAX_BATCH_ENTRIES = 1000;

/** Headers of the batch request every entry carries (who is asking, and how answers are wanted). */
const CARRIED = ['authorization', 'x-api-key', 'accept', 'prefer', 'x-forwarded-for', 'forwarded', 'host'];
/** Bundle.entry.request elements -> the HTTP header each one is. */
const CONDITIONAL: Record<string, string> = { ifMatch: 'if-match', ifNoneMatch: 'if-none-match', ifNoneExist: 'if-none-exist', ifModifiedSince: 'if-modified-since' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Patient/1`, `/Patient?x=y`, `https://host/fhir/Patient/1` -> `Patient/1` (undefined when it leaves the FHIR base). */
function entryPath(url: string): string | undefined {
  let u = url.trim();
  const abs = /^https?:\/\/[^/]+(\/.*)?$/i.exec(u);
  if (abs) {
    const path = abs[1] ?? '/';
    const i = path.indexOf('/fhir/');
    if (i < 0) return undefined;
    u = path.slice(i + '/fhir/'.length);
  }
  u = u.replace(/^\/+/, '');
  const path = u.split('?')[0]!;
  if (path === '' || path.split('/').some((s) => s === '..' || s === '.')) return undefined;
  return u;
}

const outcomeEntry = (status: number, diagnostics: string, where: string): BundleEntry => ({
  response: { status: `${status} ${STATUS_CODES[status] ?? ''}`.trim(), outcome: toOperationOutcome([issue(status === 405 ? 'METHOD_NOT_ALLOWED' : 'FHIR_BUNDLE_RULE', diagnostics, where)]) },
});

/** Route handler for POST /fhir: a batch Bundle is answered here; anything else goes on (next) to the transaction route. */
export function batchHandler() {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const ct = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!FHIR_TYPES.includes(ct)) return next();
    let bundle: unknown;
    try {
      bundle = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    } catch {
      return next();
    }
    if (!isObj(bundle) || bundle.resourceType !== 'Bundle' || bundle.type !== 'batch') return next();
    const text = bodyText(req, res, FHIR_TYPES);
    if (text === undefined) return;
    const entries = bundle.entry === undefined ? [] : bundle.entry;
    audit(req, res, { action: 'batch', detail: `${Array.isArray(entries) ? entries.length : 0} entries` });
    if (!Array.isArray(entries)) return sendError(res, 'FHIR_STRUCTURE', 'Bundle.entry must be an array.', 'Bundle.entry');
    if (entries.length > MAX_BATCH_ENTRIES) return sendError(res, 'TOO_LARGE', `A batch holds at most ${MAX_BATCH_ENTRIES} entries; this one holds ${entries.length}.`, 'Bundle.entry');

    const carried: Record<string, string> = {};
    for (const h of CARRIED) {
      const v = req.get(h);
      if (v !== undefined) carried[h] = v;
    }
    const base = req.baseUrl; // '/fhir'
    const out: BundleEntry[] = [];
    for (const [i, e] of entries.entries()) {
      const where = `Bundle.entry[${i}]`;
      if (!isObj(e) || !isObj(e.request)) { out.push(outcomeEntry(400, 'A batch entry needs a request (method and url).', `${where}.request`)); continue; }
      const method = typeof e.request.method === 'string' ? e.request.method.toUpperCase() : '';
      const url = typeof e.request.url === 'string' ? entryPath(e.request.url) : undefined;
      if (!['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(method)) { out.push(outcomeEntry(400, `request.method "${String(e.request.method)}" is not an HTTP verb of FHIR (GET, POST, PUT, DELETE, PATCH, HEAD).`, `${where}.request.method`)); continue; }
      if (url === undefined) {
        // An empty url is the system endpoint: a batch or transaction inside a batch is not served.
        out.push(outcomeEntry(400, `request.url "${String(e.request.url ?? '')}" is not a path under the FHIR base (Type, Type/id, Type?criteria); a batch or transaction cannot be nested.`, `${where}.request.url`));
        continue;
      }
      const headers: Record<string, string> = { ...carried };
      for (const [k, h] of Object.entries(CONDITIONAL)) if (typeof e.request[k] === 'string') headers[h] = e.request[k] as string;
      let body: string | undefined;
      if (e.resource !== undefined && (method === 'POST' || method === 'PUT' || method === 'PATCH')) {
        body = JSON.stringify(e.resource);
        headers['content-type'] = 'application/fhir+json';
      }
      const r = await inject(req.app as never, { method, url: `${base}/${url}`, headers, body, remoteAddress: req.socket.remoteAddress, encrypted: (req.socket as { encrypted?: boolean }).encrypted });
      out.push(responseEntry(r.status, r.headers, r.body));
    }
    const answer: Bundle = { resourceType: 'Bundle', type: 'batch-response', ...(out.length ? { entry: out } : {}) };
    sendFhir(res, 200, answer);
  };
}

function responseEntry(status: number, headers: Record<string, string>, text: string): BundleEntry {
  let body: Resource | undefined;
  try {
    body = text ? (JSON.parse(text) as Resource) : undefined;
  } catch {
    body = undefined;
  }
  const response: NonNullable<BundleEntry['response']> = { status: `${status} ${STATUS_CODES[status] ?? ''}`.trim() };
  if (headers.location) response.location = headers.location;
  if (headers['content-location'] && !response.location) response.location = headers['content-location'];
  if (headers.etag) response.etag = headers.etag;
  if (headers['last-modified']) response.lastModified = new Date(headers['last-modified']).toISOString();
  const isOutcome = body?.resourceType === 'OperationOutcome';
  // An error, or a write answered as `Prefer: return=OperationOutcome`: the outcome goes in response.outcome.
  if (isOutcome) response.outcome = body as OperationOutcome;
  return { ...(body && !isOutcome ? { resource: body } : {}), response };
}
