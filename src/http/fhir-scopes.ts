/**
 * SMART scopes enforced on the FHIR API, per interaction and resource type (src/auth/scopes.ts
 * for the scope model). The permission each route needs is a table (FHIR_ROUTE_PERMISSION) beside
 * the route table of src/http/fhir.ts:
 *
 *   read, vread, instance _history          r        create (also If-None-Exist)   c
 *   search, type _history                   s        update (also conditional)     u
 *   $validate                               any scope on the type (it reads and writes nothing stored)
 *   delete (also conditional)               d        metadata                      none (authenticated)
 *   transaction Bundle: every entry by its request (POST c, PUT/PATCH u, DELETE d, GET/HEAD of
 *   Type/id r, of Type?query s); an entry without a request (the flows upsert it) c and u; one
 *   entry short of its scope refuses the whole transaction (403 naming each scope missing).
 *   batch Bundle: each entry is answered as the same request sent alone (src/http/fhir-batch.ts),
 *   so each is checked here as its own interaction and gets its own 403 in the batch-response.
 *
 * A 403 is an OperationOutcome naming the scope missing (`system/Patient.r`), with RFC 6750's
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`; it is audited as the
 * interaction it refused.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Principal } from './auth.js';
import { FhirAccess, scopeFor, type Permission } from '../auth/scopes.js';
import { audit } from './audit.js';
import { sendError } from './outcome.js';

/** What each FHIR route (by its name in FHIR_ROUTES) needs; 'bundle' is decided per entry. */
export const FHIR_ROUTE_PERMISSION: Readonly<Record<string, Permission | 'none' | 'any' | 'bundle'>> = {
  metadata: 'none',
  transaction: 'bundle',
  // A batch entry is answered as the same request sent alone (src/http/fhir-batch.ts), through this check.
  batch: 'none',
  historyType: 's',
  history: 'r',
  vread: 'r',
  validate: 'any',
  search: 's',
  create: 'c',
  update: 'u',
  conditionalUpdate: 'u',
  delete: 'd',
  conditionalDelete: 'd',
  read: 'r',
};

/** The audit trail's action for a refused route. */
const ACTION: Record<string, string> = {
  historyType: 'history-type', history: 'history-instance', validate: 'operation', conditionalUpdate: 'update', conditionalDelete: 'delete',
};

function accessOf(res: Response): FhirAccess {
  return (res.locals.principal as Principal | undefined)?.access ?? FhirAccess.none();
}

/** The scopes an entry of a transaction or batch Bundle needs, as [type, permission] pairs (empty: nothing to check). */
export function entryNeeds(entry: unknown): Array<[string, Permission]> {
  const e = (entry && typeof entry === 'object' ? entry : {}) as { request?: { method?: unknown; url?: unknown }; resource?: { resourceType?: unknown } };
  const method = typeof e.request?.method === 'string' ? e.request.method.toUpperCase() : undefined;
  const url = typeof e.request?.url === 'string' ? e.request.url : '';
  // "Patient/123", "Patient?identifier=x", "/Patient", "http://host/fhir/Patient/1": the type is the segment before id or query.
  const path = url.split('?')[0]!.replace(/^.*\/fhir\//, '').replace(/^\//, '');
  const urlType = /^([A-Z][A-Za-z]+)/.exec(path)?.[1];
  const resType = typeof e.resource?.resourceType === 'string' ? e.resource.resourceType : undefined;
  const type = urlType ?? resType;
  if (!type) return [];
  const isInstance = /^[A-Z][A-Za-z]+\/[^/?]+/.test(path);
  switch (method) {
    case 'POST': return [[type, 'c']];
    case 'PUT': case 'PATCH': return [[type, 'u']];
    case 'DELETE': return [[type, 'd']];
    case 'GET': case 'HEAD': return [[type, isInstance && !url.includes('?') ? 'r' : 's']];
    case undefined: return [[type, 'c'], [type, 'u']];
    default: return [[type, 'u']];
  }
}

/** The scopes missing for a Bundle's entries (each once, in entry order). */
export function bundleMissing(access: FhirAccess, bundle: unknown): string[] {
  const entries = (bundle as { entry?: unknown } | null)?.entry;
  const missing = new Set<string>();
  for (const e of Array.isArray(entries) ? entries : []) {
    for (const [type, perm] of entryNeeds(e)) if (!access.allows(type, perm)) missing.add(scopeFor(type, perm));
  }
  return [...missing];
}

function forbid(req: Request, res: Response, action: string, entity: string | undefined, missing: string[], why?: string): void {
  const p = res.locals.principal as Principal | undefined;
  const who = p ? `${p.kind === 'jwt' ? 'Client' : 'Key'} "${p.name}"` : 'The caller';
  audit(req, res, { action, ...(entity ? { entity } : {}), detail: `missing scope ${missing.join(' ')}`.slice(0, 200) });
  res.set('WWW-Authenticate', `Bearer realm="frontdesk", error="insufficient_scope", scope="${missing.join(' ')}"`);
  const ignored = p?.access.ignored.length ? ` (held but not served: ${p.access.ignored.slice(0, 3).join(', ')}; Frontdesk grants system/ scopes only)` : '';
  sendError(res, 'AUTH_FORBIDDEN', `${who} lacks the scope ${missing.join(', ')}${why ? ` ${why}` : ''}${ignored}.`);
}

/** Middleware for one FHIR route: 403 unless the caller's scopes allow it on the URL's type. */
export function fhirScope(route: string): RequestHandler {
  const need = FHIR_ROUTE_PERMISSION[route] ?? 'any';
  return (req: Request, res: Response, next: NextFunction) => {
    if (need === 'none') return next();
    const access = accessOf(res);
    if (need === 'bundle') {
      let bundle: unknown;
      try {
        const b = req.body as unknown;
        bundle = JSON.parse(Buffer.isBuffer(b) ? b.toString('utf8') : '');
      } catch {
        return next(); // not JSON: the route answers 400
      }
      // A batch's entries are each checked as their own request (its own 403 in the batch-response).
      if ((bundle as { type?: unknown } | null)?.type === 'batch') return next();
      const missing = bundleMissing(access, bundle);
      return missing.length ? forbid(req, res, 'transaction', undefined, missing, 'for the entries of this transaction') : next();
    }
    const type = String(req.params.type ?? '');
    const id = req.params.id === undefined ? undefined : String(req.params.id);
    const entity = id ? `${type}/${id}`.slice(0, 200) : type.slice(0, 64);
    if (need === 'any') {
      return access.touches(type) ? next() : forbid(req, res, ACTION[route] ?? route, entity, [scopeFor(type, 'c')], `for ${String(req.params.operation ?? 'this operation').slice(0, 32)} (any scope on ${type} will do)`);
    }
    if (access.allows(type, need)) return next();
    forbid(req, res, ACTION[route] ?? route, entity, [scopeFor(type, need)], `to ${ACTION[route] ?? route} ${type}`);
  };
}
