/**
 * The audit trail as FHIR AuditEvent (scope "operator"; audited itself: reading the trail is an access too).
 *   GET /fhir/AuditEvent?date=ge2026-12-01&agent=ehr&entity=Patient/123&subtype=read&outcome=0|4|8&address=&_count=&_offset=
 *   GET /fhir/AuditEvent/{id}
 * Search parameters are those of R4 AuditEvent that the table can answer (agent is the key name or
 * client id; agent-name the same); anything else is a 400 naming the parameter.
 */
import { Router, type Request, type Response } from 'express';
import type { Bundle } from 'fhir/r4.js';
import { issue } from '../domain/issues.js';
import { AUDIT_MAX_PAGE, type AuditFilter } from '../store/index.js';
import type { Store } from '../store/index.js';
import { toAuditEvent } from '../fhir/audit-event.js';
import { approximate, parseDateSearch } from '../fhir/search-date.js';
import { audit, queryOf } from './audit.js';
import { sendError, sendFhir, sendOutcome, sendSearchset } from './outcome.js';

const PARAMS = ['date', 'agent', 'agent-name', 'entity', 'subtype', 'outcome', 'address', '_count', '_offset', '_format'];
const DEFAULT_COUNT = 50;

const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** The filter an AuditEvent search asks for; answers 400 naming the parameter (and returns undefined) when it cannot. */
export function auditFilter(query: Record<string, unknown>, res: Response): (AuditFilter & { count: number; offset: number }) | undefined {
  const bad = (param: string, why: string) => {
    sendOutcome(res, [issue('SEARCH_PARAM_INVALID', `Search parameter "${param}": ${why}`, param)], 400);
    return undefined;
  };
  for (const k of Object.keys(query)) if (!PARAMS.includes(k)) return bad(k, `not supported on AuditEvent; use ${PARAMS.join(', ')}.`);
  const f: AuditFilter & { count: number; offset: number } = { count: DEFAULT_COUNT, offset: 0 };
  const tighten = (since?: string, until?: string) => {
    if (since && (!f.since || since > f.since)) f.since = since;
    if (until && (!f.until || until < f.until)) f.until = until;
  };
  for (const raw of values(query.date)) {
    const d = parseDateSearch(raw);
    if (!d) return bad('date', `"${raw}" is not a date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime, with an optional prefix eq, gt, ge, lt, le, sa, eb, ap).`);
    // The recorded time is an instant: each prefix is a bound on it.
    switch (d.prefix) {
      case 'eq': tighten(d.lo, d.hi); break;
      case 'ge': tighten(d.lo); break;
      case 'gt': case 'sa': tighten(d.hi); break;
      case 'lt': case 'eb': tighten(undefined, d.lo); break;
      case 'le': tighten(undefined, d.hi); break;
      case 'ap': { const a = approximate(d); tighten(a.lo, a.hi); break; }
      case 'ne': return bad('date', 'the prefix "ne" is not supported on AuditEvent.date.');
    }
  }
  const one = (k: string): string | undefined | null => {
    const v = values(query[k]);
    if (v.length > 1) return null;
    return v[0] === '' ? undefined : v[0];
  };
  for (const k of ['agent', 'agent-name', 'entity', 'subtype', 'outcome', 'address', '_count', '_offset']) {
    if (one(k) === null) return bad(k, 'give it once.');
  }
  const agent = one('agent') ?? one('agent-name');
  if (agent) f.actor = agent.replace(/^Device\//, '');
  const entity = one('entity');
  if (entity) f.entity = entity;
  const subtype = one('subtype');
  if (subtype) f.action = subtype.includes('|') ? subtype.slice(subtype.indexOf('|') + 1) : subtype;
  const outcome = one('outcome');
  if (outcome !== undefined && outcome !== null) {
    if (outcome === '0') f.outcome = 'success';
    else if (['4', '8', '12'].includes(outcome)) f.outcome = 'failure';
    else return bad('outcome', `"${outcome}" is not an audit-event-outcome code (0, 4, 8, 12).`);
  }
  const address = one('address');
  if (address) f.clientAddress = address;
  for (const [k, key, max] of [['_count', 'count', AUDIT_MAX_PAGE], ['_offset', 'offset', Number.MAX_SAFE_INTEGER]] as const) {
    const v = one(k);
    if (v === undefined || v === null) continue;
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) return bad(k, `"${v}" is not a non-negative integer.`);
    // Liberal in what we accept: a page larger than the bound is served at the bound (Bundle.link next follows).
    f[key] = Math.min(n, max);
  }
  return f;
}

/** Where the audit trail is served; the router's paths are relative to it. */
export const AUDIT_EVENT_PATH = '/fhir/AuditEvent';

export function auditEventRouter(store: Store): Router {
  const router = Router();

  router.get('/', async (req: Request, res: Response) => {
    audit(req, res, { action: 'search', entity: 'AuditEvent', query: queryOf(req) });
    const f = auditFilter(req.query as Record<string, unknown>, res);
    if (!f) return;
    const { count, offset, ...filter } = f;
    const total = await store.audit.count(filter);
    const rows = count === 0 ? [] : await store.audit.list({ ...filter, limit: count, offset });
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}${AUDIT_EVENT_PATH}`;
    const page = (o: number) => {
      const q = new URLSearchParams(queryOf(req) ?? '');
      q.set('_count', String(count));
      q.set('_offset', String(o));
      return `${base}?${q.toString()}`;
    };
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      link: [
        { relation: 'self', url: page(offset) },
        ...(count > 0 && offset + count < total ? [{ relation: 'next', url: page(offset + count) }] : []),
        ...(offset > 0 ? [{ relation: 'previous', url: page(Math.max(0, offset - Math.max(count, 1))) }] : []),
      ],
      entry: rows.map((r) => ({ fullUrl: `${base}/${r.id}`, resource: toAuditEvent(r), search: { mode: 'match' as const } })),
    };
    sendSearchset(res, bundle);
  });

  router.get('/:id', async (req: Request, res: Response) => {
    const raw = String(req.params.id);
    audit(req, res, { action: 'read', entity: `AuditEvent/${raw.slice(0, 64)}` });
    const id = Number(raw);
    const row = /^\d+$/.test(raw) && Number.isSafeInteger(id) ? await store.audit.get(id) : undefined;
    if (!row) return sendError(res, 'NOT_FOUND', `No resource AuditEvent/${raw}.`);
    sendFhir(res, 200, toAuditEvent(row));
  });

  return router;
}
