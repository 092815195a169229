/**
 * The FHIR REST interactions on stored resources (R4 http.html): read (410 Gone after a delete),
 * vread, instance and type history, create (with If-None-Exist), update (PUT, with If-Match; an
 * update to an unknown id creates it), delete (a tombstone version), and their conditional forms
 * by search (PUT /{type}?criteria, DELETE /{type}?criteria). Every write is validated against the
 * R4 base definition (and its meta.profile), versioned (meta.versionId, meta.lastUpdated, ETag,
 * Last-Modified) and answered as `Prefer: return=` asks (minimal, representation, OperationOutcome).
 * A delete of a resource that current resources still refer to (through an indexed reference
 * parameter) is refused with 409 naming them, as HAPI does by default: no dangling references.
 */
import type { Request, Response } from 'express';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4.js';
import { errorsOnly, issue, toOperationOutcome } from '../domain/issues.js';
import { serverAssignedId } from '../fhir/ids.js';
import type { Store, ResourceVersion } from '../store/index.js';
import { validateResource } from '../validation/index.js';
import { audit, queryOf } from './audit.js';
import { bodyText, FHIR_TYPES, parseJsonBody } from './body.js';
import { sendError, sendFhir, sendOutcome } from './outcome.js';

export const TYPE = /^[A-Z][A-Za-z]+$/;
export const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Find the ids a conditional interaction's criteria select; answers 400 and returns undefined when it cannot. */
export type CriteriaResolver = (type: string, query: string, res: Response) => Promise<string[] | undefined>;

/** The resource as served: with its version and time in meta. */
export function withMeta(resource: Resource, versionId: number, lastUpdated: string): Resource {
  return { ...resource, meta: { ...(resource.meta ?? {}), versionId: String(versionId), lastUpdated } };
}

/** What we store: the client's resource without the server-owned meta elements. */
function forStore(resource: Resource, id: string): Resource {
  const { meta, ...rest } = resource;
  const m = { ...(meta ?? {}) };
  delete m.versionId;
  delete m.lastUpdated;
  return { ...rest, id, ...(Object.keys(m).length ? { meta: m } : {}) } as Resource;
}

function versionHeaders(res: Response, versionId: number, lastUpdated: string): void {
  res.set('ETag', `W/"${versionId}"`);
  res.set('Last-Modified', new Date(lastUpdated).toUTCString());
}

/** `W/"3"`, `"3"` or `3` -> 3. */
export function etagVersion(h: string): number | undefined {
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(h);
  return m ? Number(m[1]) : undefined;
}

/** Answer a write as `Prefer: return=` asks (default: representation). */
function sendWritten(req: Request, res: Response, status: number, type: string, id: string, resource: Resource, versionId: number, lastUpdated: string, note?: string): void {
  versionHeaders(res, versionId, lastUpdated);
  res.location(`${req.baseUrl}/${type}/${id}/_history/${versionId}`);
  const prefer = /return=(minimal|representation|OperationOutcome)/i.exec(req.get('prefer') ?? '')?.[1]?.toLowerCase();
  if (prefer === 'minimal') return void res.status(status).end();
  if (prefer === 'operationoutcome') return sendFhir(res, status, toOperationOutcome([issue('MAP_INFO', note ?? `${type}/${id} version ${versionId} stored.`)]));
  sendFhir(res, status, withMeta(resource, versionId, lastUpdated));
}

/** Read the body as a resource of `type`, validated; answers the error and returns undefined when it is not one. */
function resourceBody(req: Request, res: Response, type: string): Resource | undefined {
  const text = bodyText(req, res, FHIR_TYPES);
  if (text === undefined) return undefined;
  const body = parseJsonBody(res, text) as Resource | undefined;
  if (body === undefined) return undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    sendError(res, 'FHIR_STRUCTURE', 'The body must be a FHIR resource (a JSON object).');
    return undefined;
  }
  if (body.resourceType !== type) {
    sendOutcome(res, [issue('FHIR_RESOURCE_TYPE', `The body is a ${String(body.resourceType ?? 'resource without resourceType')}, but the URL says ${type}.`, 'resourceType')], 400);
    return undefined;
  }
  const issues = errorsOnly(validateResource(body, { otherwise: 'base' }));
  if (issues.length) {
    sendOutcome(res, issues, 422);
    return undefined;
  }
  return body;
}

/** Current resources referring to `type/id` (at most a few): a delete of a resource still referred to is refused. */
export type Referrers = (type: string, id: string) => Promise<string[]>;

export function restHandlers(store: Store, resolve: CriteriaResolver, referrers: Referrers) {
  /** 409 naming who still refers to it (R4 http.html#delete: a server may refuse a delete that breaks referential integrity); true when refused. */
  const stillReferred = async (res: Response, type: string, id: string): Promise<boolean> => {
    const refs = await referrers(type, id);
    if (!refs.length) return false;
    sendError(res, 'VERSION_CONFLICT', `${type}/${id} is referred to by ${refs.join(', ')}${refs.length >= 5 ? ' and possibly more' : ''}; delete or re-point those first.`);
    return true;
  };

  const gone = async (res: Response, type: string, id: string): Promise<void> => {
    const [last] = await store.resources.history(type, id, { limit: 1 });
    if (last?.deleted) {
      versionHeaders(res, last.versionId, last.lastUpdated);
      return sendError(res, 'GONE', `${type}/${id} was deleted (version ${last.versionId}, ${last.lastUpdated}).`);
    }
    sendError(res, 'NOT_FOUND', `No resource ${type}/${id}.`);
  };

  const badTypeOrId = (res: Response, type: string, id?: string): boolean => {
    if (!TYPE.test(type)) { sendError(res, 'NOT_FOUND', `"${type}" is not a resource type.`); return true; }
    if (id !== undefined && !ID.test(id)) { sendOutcome(res, [issue('SEARCH_PARAM_INVALID', `"${id}" is not a FHIR id ([A-Za-z0-9-.]{1,64}).`, 'id')], 400); return true; }
    return false;
  };

  /** Create or update `id` in one transaction, checking If-Match against the stored version. */
  const write = async (req: Request, res: Response, type: string, id: string, body: Resource, ifMatch: number | undefined, mustBeNew = false) => {
    const resource = forStore(body, id);
    const r = await store.transaction(async (tx) => {
      const cur = await tx.resources.get(type, id);
      if (mustBeNew && cur) return { conflict: `${type}/${id} exists already.` } as const;
      if (ifMatch !== undefined && cur?.versionId !== ifMatch) return { stale: cur?.versionId } as const;
      return { done: await tx.resources.upsert(resource, null) } as const;
    });
    if ('conflict' in r) return sendError(res, 'VERSION_CONFLICT', String(r.conflict));
    if ('stale' in r) return sendError(res, 'PRECONDITION_FAILED', `If-Match asks for version ${ifMatch} of ${type}/${id}; the current version is ${r.stale ?? 'none (not stored)'}.`, 'If-Match');
    const d = r.done;
    sendWritten(req, res, d.outcome === 'created' ? 201 : 200, type, id, resource, d.versionId, d.lastUpdated,
      d.outcome === 'unchanged' ? `${type}/${id} unchanged (same content as version ${d.versionId}).` : undefined);
  };

  return {
    read: async (req: Request, res: Response) => {
      const type = String(req.params.type);
      const id = String(req.params.id);
      audit(req, res, { action: 'read', entity: `${type}/${id}`.slice(0, 200) });
      if (badTypeOrId(res, type, id)) return;
      const found = await store.resources.get(type, id);
      if (!found) return gone(res, type, id);
      versionHeaders(res, found.versionId, found.lastUpdated);
      if (req.get('if-none-match') && etagVersion(req.get('if-none-match')!) === found.versionId) return void res.status(304).end();
      sendFhir(res, 200, withMeta(found.resource, found.versionId, found.lastUpdated));
    },

    vread: async (req: Request, res: Response) => {
      const type = String(req.params.type);
      const id = String(req.params.id);
      const vid = String(req.params.vid);
      audit(req, res, { action: 'vread', entity: `${type}/${id}/_history/${vid}`.slice(0, 200) });
      if (badTypeOrId(res, type, id)) return;
      const v = /^\d+$/.test(vid) ? await store.resources.version(type, id, Number(vid)) : undefined;
      if (!v) return sendError(res, 'NOT_FOUND', `No version ${vid} of ${type}/${id}.`);
      versionHeaders(res, v.versionId, v.lastUpdated);
      if (v.deleted) return sendError(res, 'GONE', `Version ${vid} of ${type}/${id} is its deletion.`);
      sendFhir(res, 200, withMeta(v.resource!, v.versionId, v.lastUpdated));
    },

    history: async (req: Request, res: Response) => {
      const type = req.params.type === undefined ? undefined : String(req.params.type);
      const id = req.params.id === undefined ? undefined : String(req.params.id);
      audit(req, res, { action: id ? 'history-instance' : 'history-type', entity: id ? `${type}/${id}` : type, query: queryOf(req) });
      if (type !== undefined && badTypeOrId(res, type, id)) return;
      const q = req.query as Record<string, unknown>;
      for (const k of Object.keys(q)) {
        if (!['_count', '_since', '_offset', '_format'].includes(k)) return sendOutcome(res, [issue('SEARCH_PARAM_INVALID', `Parameter "${k}" is not supported on _history; use _count, _since, _offset.`, k)], 400);
      }
      const count = q._count === undefined ? 50 : Number(q._count);
      const offset = q._offset === undefined ? 0 : Number(q._offset);
      if (!Number.isInteger(count) || count < 0) return sendOutcome(res, [issue('SEARCH_PARAM_INVALID', `_count "${String(q._count)}" is not a non-negative integer.`, '_count')], 400);
      if (!Number.isInteger(offset) || offset < 0) return sendOutcome(res, [issue('SEARCH_PARAM_INVALID', `_offset "${String(q._offset)}" is not a non-negative integer.`, '_offset')], 400);
      let since: string | undefined;
      if (q._since !== undefined) {
        const t = Date.parse(String(q._since));
        if (!/^\d{4}-\d{2}-\d{2}/.test(String(q._since)) || Number.isNaN(t)) return sendOutcome(res, [issue('SEARCH_PARAM_INVALID', `_since "${String(q._since)}" is not an instant.`, '_since')], 400);
        since = new Date(t).toISOString();
      }
      const page = Math.min(count, 1000);
      const total = await store.resources.countHistory(type, id, since);
      const versions: ResourceVersion[] = page === 0 ? [] : id
        ? await store.resources.history(type!, id, { since, limit: page, offset })
        : await store.resources.typeHistory(type, { since, limit: page, offset });
      if (id && total === 0) return sendError(res, 'NOT_FOUND', `No resource ${type}/${id}.`);
      const base = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
      const self = `${base}${req.path}`;
      const link = (o: number) => {
        const p = new URLSearchParams(queryOf(req) ?? '');
        p.set('_count', String(page));
        p.set('_offset', String(o));
        return `${self}?${p.toString()}`;
      };
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'history',
        total,
        link: [
          { relation: 'self', url: link(offset) },
          ...(page > 0 && offset + page < total ? [{ relation: 'next', url: link(offset + page) }] : []),
          ...(offset > 0 ? [{ relation: 'previous', url: link(Math.max(0, offset - Math.max(page, 1))) }] : []),
        ],
        entry: versions.map((v): BundleEntry => ({
          fullUrl: `${base}/${v.resourceType}/${v.id}`,
          ...(v.resource ? { resource: withMeta(v.resource, v.versionId, v.lastUpdated) } : {}),
          request: v.deleted ? { method: 'DELETE', url: `${v.resourceType}/${v.id}` } : v.versionId === 1 ? { method: 'POST', url: v.resourceType } : { method: 'PUT', url: `${v.resourceType}/${v.id}` },
          response: { status: v.deleted ? '204' : v.versionId === 1 ? '201' : '200', etag: `W/"${v.versionId}"`, lastModified: v.lastUpdated },
        })),
      };
      sendFhir(res, 200, bundle);
    },

    create: async (req: Request, res: Response) => {
      const type = String(req.params.type);
      audit(req, res, { action: 'create', entity: type });
      if (badTypeOrId(res, type)) return;
      const body = resourceBody(req, res, type);
      if (!body) return;
      const ifNoneExist = req.get('if-none-exist');
      if (ifNoneExist !== undefined) {
        const ids = await resolve(type, ifNoneExist, res);
        if (!ids) return;
        if (ids.length > 1) return sendError(res, 'PRECONDITION_FAILED', `If-None-Exist matches ${ids.length} ${type} resources; it must match at most one.`, 'If-None-Exist');
        if (ids.length === 1) {
          const found = (await store.resources.get(type, ids[0]!))!;
          audit(req, res, { action: 'create', entity: `${type}/${ids[0]}`, detail: 'If-None-Exist matched: nothing created' });
          return sendWritten(req, res, 200, type, ids[0]!, found.resource, found.versionId, found.lastUpdated, `${type}/${ids[0]} exists (If-None-Exist matched); nothing created.`);
        }
      }
      // The server assigns the id of a create (an id in the body is ignored, as R4 says).
      const id = serverAssignedId();
      audit(req, res, { action: 'create', entity: `${type}/${id}` });
      await write(req, res, type, id, body, undefined, true);
    },

    update: async (req: Request, res: Response) => {
      const type = String(req.params.type);
      const id = String(req.params.id);
      audit(req, res, { action: 'update', entity: `${type}/${id}`.slice(0, 200) });
      if (badTypeOrId(res, type, id)) return;
      const body = resourceBody(req, res, type);
      if (!body) return;
      if (body.id !== undefined && body.id !== id) return sendOutcome(res, [issue('FHIR_VALUE', `The body's id "${body.id}" is not the URL's id "${id}".`, `${type}.id`)], 400);
      if (body.id === undefined) return sendOutcome(res, [issue('FHIR_REQUIRED', `An update needs the id in the body ("${id}").`, `${type}.id`)], 400);
      const ifMatch = req.get('if-match');
      const expected = ifMatch === undefined ? undefined : etagVersion(ifMatch);
      if (ifMatch !== undefined && expected === undefined) return sendOutcome(res, [issue('SEARCH_PARAM_INVALID', `If-Match "${ifMatch}" is not a version ETag (W/"3").`, 'If-Match')], 400);
      await write(req, res, type, id, body, expected);
    },

    conditionalUpdate: async (req: Request, res: Response) => {
      const type = String(req.params.type);
      const query = queryOf(req);
      audit(req, res, { action: 'update', entity: type, query });
      if (badTypeOrId(res, type)) return;
      if (!query) return sendError(res, 'METHOD_NOT_ALLOWED', `PUT /${type} needs an id (PUT /${type}/{id}) or search criteria (PUT /${type}?identifier=...).`);
      const body = resourceBody(req, res, type);
      if (!body) return;
      const ids = await resolve(type, query, res);
      if (!ids) return;
      if (ids.length > 1) return sendError(res, 'PRECONDITION_FAILED', `The criteria match ${ids.length} ${type} resources; a conditional update needs at most one.`);
      const id = ids[0] ?? body.id ?? serverAssignedId();
      if (ids[0] && body.id !== undefined && body.id !== ids[0]) return sendOutcome(res, [issue('FHIR_VALUE', `The body's id "${body.id}" is not the matched resource's id "${ids[0]}".`, `${type}.id`)], 400);
      audit(req, res, { action: 'update', entity: `${type}/${id}`, query });
      await write(req, res, type, id, body, undefined);
    },

    remove: async (req: Request, res: Response) => {
      const type = String(req.params.type);
      const id = String(req.params.id);
      audit(req, res, { action: 'delete', entity: `${type}/${id}`.slice(0, 200) });
      if (badTypeOrId(res, type, id)) return;
      const ifMatch = req.get('if-match');
      if (ifMatch !== undefined) {
        const cur = await store.resources.get(type, id);
        if (cur?.versionId !== etagVersion(ifMatch)) return sendError(res, 'PRECONDITION_FAILED', `If-Match asks for version ${ifMatch}; the current version is ${cur?.versionId ?? 'none'}.`, 'If-Match');
      }
      if (await stillReferred(res, type, id)) return;
      const d = await store.resources.remove(type, id);
      // Deleting what is not there (or no longer there) is a success too (R4 delete: 200/204 either way).
      if (d) versionHeaders(res, d.versionId, d.lastUpdated);
      sendFhir(res, 200, toOperationOutcome([issue('MAP_INFO', d ? `${type}/${id} deleted (version ${d.versionId}).` : `${type}/${id} was not stored; nothing to delete.`)]));
    },

    conditionalDelete: async (req: Request, res: Response) => {
      const type = String(req.params.type);
      const query = queryOf(req);
      audit(req, res, { action: 'delete', entity: type, query });
      if (badTypeOrId(res, type)) return;
      if (!query) return sendError(res, 'METHOD_NOT_ALLOWED', `DELETE /${type} needs search criteria (DELETE /${type}?identifier=...); deleting a whole type is not done.`);
      const ids = await resolve(type, query, res);
      if (!ids) return;
      if (ids.length > 1) return sendError(res, 'PRECONDITION_FAILED', `The criteria match ${ids.length} ${type} resources; a conditional delete removes at most one.`);
      if (ids[0]) {
        audit(req, res, { action: 'delete', entity: `${type}/${ids[0]}`, query });
        if (await stillReferred(res, type, ids[0])) return;
        await store.resources.remove(type, ids[0]);
      }
      sendFhir(res, 200, toOperationOutcome([issue('MAP_INFO', ids[0] ? `${type}/${ids[0]} deleted.` : 'No resource matched; nothing deleted.')]));
    },
  };
}
