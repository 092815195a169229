/**
 * FHIR search (R4 search.html) on a resource type: `GET /fhir/{type}?params` through the search
 * index (src/fhir/search-index.ts, table search_index), answered as a searchset Bundle with
 * `total` and self/next/previous links.
 * - token (`system|code`, `|code`, `system|`, `code`; `:not`, `:text`), string (prefix by default,
 *   `:exact`, `:contains`; case and accent insensitive), date (eq ne lt gt le ge sa eb ap, partial
 *   dates), reference (`Type/id`, an id alone for a parameter with one target type, and chains of
 *   one level: `patient.identifier=...`, `subject:Patient.name=...`), quantity (`[prefix]number`,
 *   `number|system|code`, `number||code`; UCUM units compared in base units, ../fhir/search-quantity.ts);
 *   `:missing=true|false` on every parameter; reverse chains of one level (`_has:Observation:patient:code=x`);
 * - `_id`, `_lastUpdated`, `_count` (default 20, at most 1000), `_offset` (paging), `_sort`
 *   (comma-separated keys, `-` descending: `_id`, `_lastUpdated` or any parameter of the type),
 *   `_total` (none, accurate, estimate), `_summary=count`, `_elements`, `_include` (`Type:param` of
 *   a reference parameter), `_revinclude` (`Other:param` referring to this type), `_format`.
 * Comma-separated values are ORs; repeated parameters are ANDs. An unknown parameter or modifier
 * is a 400 naming it, or, under `Prefer: handling=lenient`, ignored with a warning in the Bundle
 * (an OperationOutcome entry, search.mode outcome). A malformed value names parameter and value.
 */
import type { Request, Response } from 'express';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4.js';
import { issue, toOperationOutcome, type Issue } from '../domain/issues.js';
import { fold, revIncludesOf, searchableTypes, searchParamsOf, type SearchParamDef } from '../fhir/search-index.js';
import { approximate, parseDateSearch } from '../fhir/search-date.js';
import { parseQuantitySearch } from '../fhir/search-quantity.js';
import type { ResourceSearch, SearchCondition, SearchSort, Store } from '../store/index.js';
import { audit, auditAhead, queryOf } from './audit.js';
import { sendOutcome, sendSearchset } from './outcome.js';
import { TYPE, withMeta } from './fhir-rest.js';

export const DEFAULT_COUNT = 20;
const PAGE_PARAMS = [['_count', 'limit'], ['_offset', 'offset']] as const;
export const MAX_COUNT = 1000;
const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_total', '_summary', '_elements', '_include', '_revinclude', '_format']);
/** Reference parameters whose one target is a Patient (chains and bare ids). */
const PATIENT_PARAMS = new Set(['patient', 'beneficiary', 'subscriber']);

class SearchError extends Error {
  constructor(readonly param: string, message: string) { super(message); }
}

const splitValues = (v: string): string[] => v.split(/(?<!\\),/).map((x) => x.replace(/\\,/g, ','));

function tokenCondition(param: string, modifier: string | undefined, v: string): SearchCondition {
  if (modifier === 'text') return { kind: 'token', param, text: fold(v) };
  const bar = v.indexOf('|');
  const not = modifier === 'not';
  if (bar < 0) return { kind: 'token', param, code: v, not };
  const system = v.slice(0, bar);
  const code = v.slice(bar + 1);
  return { kind: 'token', param, system: system === '' ? null : system, ...(code !== '' ? { code } : {}), not };
}

function targetOf(def: SearchParamDef, modifier: string | undefined): string | undefined {
  if (modifier && TYPE.test(modifier)) return modifier;
  return def.targetType ?? (PATIENT_PARAMS.has(def.code) ? 'Patient' : undefined);
}

/**
 * Reverse chaining, one level (R4 search, "Reverse Chaining"): `_has:Observation:patient:code=1234-5` selects
 * the resources of `type` that some Observation meeting `code=1234-5` refers to through its
 * `patient` parameter. The referring parameter must be able to point to `type`.
 */
async function hasCondition(store: Store, type: string, key: string, raw: string): Promise<SearchCondition> {
  const [, other, param, ...rest] = key.split(':');
  const inner = rest.join(':');
  if (!other || !param || !inner) throw new SearchError(key, `Search parameter "${key}": _has needs _has:<Type>:<reference parameter>:<parameter> (e.g. _has:Observation:patient:code).`);
  if (!TYPE.test(other) || searchParamsOf(other).size === 0) throw new SearchError(key, `Search parameter "${key}": ${other} is not a searchable resource type here.`);
  const def = searchParamsOf(other).get(param);
  if (!def || def.type !== 'reference' || !def.targets.includes(type)) {
    const can = [...searchParamsOf(other).values()].filter((d) => d.type === 'reference' && d.targets.includes(type)).map((d) => d.code);
    throw new SearchError(key, `Search parameter "${key}": "${param}" is not a reference parameter of ${other} that can refer to ${type}${can.length ? ` (those are: ${can.join(', ')})` : ` (${other} has none)`}.`);
  }
  if (inner.startsWith('_has')) throw new SearchError(key, `Search parameter "${key}": _has of one level only.`);
  let where: SearchCondition[] | undefined;
  try {
    where = await conditionsOf(store, other, inner, raw, undefined);
  } catch (e) {
    if (e instanceof SearchError) throw new SearchError(key, `Search parameter "${key}": ${e.message}`);
    throw e;
  }
  return { kind: 'has', type: other, param, where: where ? [where] : [] };
}

/** The modifiers each parameter type takes (none: `undefined`), besides `:missing` and a reference's `:Type`. */
const MODIFIERS: Readonly<Record<string, ReadonlyArray<string | undefined>>> = { token: [undefined, 'not', 'text'], string: [undefined, 'exact', 'contains'], date: [undefined], reference: [undefined], quantity: [undefined] };
const NO_MODIFIER: ReadonlyArray<string | undefined> = [undefined];

/** The conditions of one parameter occurrence (an OR-group). */
async function conditionsOf(store: Store, type: string, key: string, raw: string, lenient: Issue[] | undefined): Promise<SearchCondition[] | undefined> {
  if (key.startsWith('_has:')) return [await hasCondition(store, type, key, raw)];
  const [nameMod, ...chain] = key.split('.');
  const [name, modifier] = nameMod!.split(':') as [string, string | undefined];
  const values = splitValues(raw);
  if (name === '_id') return values.map((value) => ({ kind: 'id', value }));
  if (name === '_lastUpdated') {
    return values.map((v) => {
      const d = parseDateSearch(v);
      if (!d) throw new SearchError(key, `Search parameter "${key}": "${v}" is not a date or date-time with an optional prefix.`);
      const r = d.prefix === 'ap' ? approximate(d) : d;
      return { kind: 'lastUpdated', prefix: d.prefix, lo: r.lo, hi: r.hi };
    });
  }
  const def = searchParamsOf(type).get(name);
  if (!def) {
    const known = ['_id', '_lastUpdated', ...searchParamsOf(type).keys()].join(', ');
    const msg = `Search parameter "${name}" is not supported on ${type}; supported: ${known}.`;
    if (lenient) { lenient.push(issue('SEARCH_PARAM_INVALID', `${msg} Ignored (Prefer: handling=lenient).`, name)); return undefined; }
    throw new SearchError(name, msg);
  }
  if (chain.length) {
    if (def.type !== 'reference') throw new SearchError(key, `Search parameter "${key}": only a reference parameter can be chained.`);
    if (chain.length > 1) throw new SearchError(key, `Search parameter "${key}": chains of one level only.`);
    const target = targetOf(def, modifier);
    if (!target) throw new SearchError(key, `Search parameter "${key}": name the target type (${name}:Patient.${chain[0]}).`);
    const inner = await conditionsOf(store, target, chain[0]!, raw, undefined);
    // In SQL as a whole: however many targets match, none is left out.
    return [{ kind: 'chain', param: name, target, where: inner ? [inner] : [] }];
  }
  if (modifier === 'missing') {
    return values.map((v) => {
      if (v !== 'true' && v !== 'false') throw new SearchError(key, `Search parameter "${key}": "${v}" is not true or false.`);
      return { kind: 'missing', param: name, missing: v === 'true' };
    });
  }
  const okModifier = (MODIFIERS[def.type] ?? NO_MODIFIER).includes(modifier) || (def.type === 'reference' && modifier !== undefined && TYPE.test(modifier));
  if (!okModifier) throw new SearchError(key, `Search parameter "${key}": the modifier ":${modifier}" is not supported on a ${def.type} parameter.`);
  return values.flatMap((v): SearchCondition | SearchCondition[] => {
    if (v === '') throw new SearchError(key, `Search parameter "${key}": an empty value.`);
    switch (def.type) {
      case 'quantity': {
        const q = parseQuantitySearch(v);
        if (!q) throw new SearchError(key, `Search parameter "${key}": "${v}" is not a quantity ([prefix]number, [prefix]number|system|code or [prefix]number||code; prefixes eq, ne, lt, gt, le, ge, sa, eb, ap).`);
        const exact: SearchCondition = { kind: 'quantity', param: name, prefix: q.prefix, value: q.value, lo: q.lo, hi: q.hi, system: q.system, code: q.code };
        // UCUM: the same quantity in any commensurable unit (base units), or this very code.
        return q.canonical ? [{ kind: 'quantity', param: name, prefix: q.prefix, value: q.canonical.value, lo: q.canonical.lo, hi: q.canonical.hi, canonicalUnit: q.canonical.unit }, exact] : exact;
      }
      case 'token': return tokenCondition(name, modifier, v);
      case 'string': return modifier === 'exact' ? { kind: 'string', param: name, mode: 'exact', value: v } : { kind: 'string', param: name, mode: modifier === 'contains' ? 'contains' : 'prefix', value: fold(v) };
      case 'date': {
        const d = parseDateSearch(v);
        if (!d) throw new SearchError(key, `Search parameter "${key}": "${v}" is not a date (YYYY, YYYY-MM, YYYY-MM-DD or a date-time) with an optional prefix (eq, ne, lt, gt, le, ge, sa, eb, ap).`);
        const r = d.prefix === 'ap' ? approximate(d) : d;
        return { kind: 'date', param: name, prefix: d.prefix, lo: r.lo, hi: r.hi };
      }
      case 'reference': {
        const target = targetOf(def, modifier);
        const value = v.includes('/') ? v.split('/').slice(-2).join('/') : target ? `${target}/${v}` : undefined;
        if (!value) throw new SearchError(key, `Search parameter "${key}": "${v}" needs its type (Type/id) or a type modifier (${name}:Type=${v}).`);
        return { kind: 'reference', param: name, value };
      }
      default: throw new SearchError(key, `Search parameter "${key}": ${def.type} parameters are not searchable here yet.`);
    }
  });
}

/** `_sort=-birthdate,name`: each key a parameter of the type (or _id, _lastUpdated), `-` for descending. */
function sortKeys(type: string, sort: string): SearchSort[] {
  const keys = sort.split(',').map((k) => k.trim()).filter(Boolean);
  if (!keys.length) throw new SearchError('_sort', 'Search parameter "_sort": no sort key given.');
  return keys.map((k): SearchSort => {
    const desc = k.startsWith('-');
    const name = desc ? k.slice(1) : k;
    if (name === '_id' || name === '_lastUpdated') return { by: name, desc };
    const def = searchParamsOf(type).get(name);
    if (!def) throw new SearchError('_sort', `Search parameter "_sort": "${name}" is not a search parameter of ${type}; sort by _id, _lastUpdated or ${[...searchParamsOf(type).keys()].join(', ')}.`);
    return { by: 'param', param: name, column: def.type === 'date' ? 'date' : def.type === 'quantity' ? 'num' : 'value', desc };
  });
}

const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** A result parameter that may be given once. */
function one(q: Record<string, unknown>, k: string): string | undefined {
  const v = values(q[k]);
  if (v.length > 1) throw new SearchError(k, `Search parameter "${k}": give it once.`);
  return v[0];
}

/** A paging link: the query as sent, with this page's `_count` and `_offset`. */
function pageLink(url: string, query: string | undefined, count: number, offset: number): string {
  const p = new URLSearchParams(query ?? '');
  p.set('_count', String(count));
  p.set('_offset', String(offset));
  return `${url}?${p.toString()}`;
}

/** _elements: the mandatory elements plus those asked (R4 search 3.1.1.5.9), marked SUBSETTED. */
function subsetted(r: Resource, elements: readonly string[]): Resource {
  const out: Record<string, unknown> = { resourceType: r.resourceType, id: r.id };
  for (const k of elements) if (k in r) out[k] = (r as unknown as Record<string, unknown>)[k];
  out.meta = { ...(r.meta ?? {}), tag: [...(r.meta?.tag ?? []), { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] };
  return out as unknown as Resource;
}

export function searchHandler(store: Store) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = String(req.params.type);
    const query = queryOf(req);
    audit(req, res, { action: 'search', entity: type, query });
    if (!TYPE.test(type) || searchParamsOf(type).size === 0) {
      return sendOutcome(res, [issue('NOT_FOUND', `${type} is not a searchable resource type here.`)], 404);
    }
    const lenient = /handling=lenient/i.test(req.get('prefer') ?? '') ? [] as Issue[] : undefined;
    const q = req.query as Record<string, unknown>;
    const search: ResourceSearch = { type, where: [], limit: DEFAULT_COUNT, offset: 0, total: true };
    let summaryCount = false;
    let elements: string[] | undefined;
    const includes: Array<{ param: string; target?: string | undefined }> = [];
    const revincludes: Array<{ type: string; param: string }> = [];
    try {
      for (const [key, raw] of Object.entries(q)) {
        const name = key.split(/[:.]/)[0]!;
        if (RESULT_PARAMS.has(name)) continue;
        for (const v of values(raw)) {
          const group = await conditionsOf(store, type, key, v, lenient);
          if (group) search.where.push(group);
        }
      }
      for (const [k, key] of PAGE_PARAMS) {
        const v = one(q, k);
        if (v === undefined) continue;
        if (!/^\d+$/.test(v)) throw new SearchError(k, `Search parameter "${k}": "${v}" is not a non-negative integer.`);
        // Liberal in what we accept: `_count=1e9`-sized pages are served at the bound (next link follows).
        search[key] = key === 'limit' ? Math.min(Number(v), MAX_COUNT) : Number(v);
      }
      const sort = one(q, '_sort');
      if (sort !== undefined) search.sort = sortKeys(type, sort);
      const total = one(q, '_total');
      if (total !== undefined && !['none', 'accurate', 'estimate'].includes(total)) throw new SearchError('_total', `Search parameter "_total": "${total}" is not none, accurate or estimate.`);
      search.total = total !== 'none';
      const summary = one(q, '_summary');
      if (summary !== undefined) {
        if (summary !== 'count' && summary !== 'false') throw new SearchError('_summary', `Search parameter "_summary": "${summary}" is not supported; use count.`);
        summaryCount = summary === 'count';
      }
      const el = one(q, '_elements');
      if (el !== undefined) elements = el.split(',').map((x) => x.trim()).filter(Boolean);
      for (const inc of values(q._include)) {
        const m = /^([A-Z][A-Za-z]+):([a-z-]+)(?::([A-Z][A-Za-z]+))?$/.exec(inc);
        const def = m && m[1] === type ? searchParamsOf(type).get(m[2]!) : undefined;
        if (!def || def.type !== 'reference') throw new SearchError('_include', `Search parameter "_include": "${inc}" is not ${type}:<reference parameter>.`);
        includes.push({ param: m![2]!, target: m![3] });
      }
      for (const inc of values(q._revinclude)) {
        const m = /^([A-Z][A-Za-z]+):([a-z-]+)(?::([A-Z][A-Za-z]+))?$/.exec(inc);
        const def = m ? searchParamsOf(m[1]!).get(m[2]!) : undefined;
        if (!m || !def || def.type !== 'reference' || (m[3] !== undefined && m[3] !== type) || !def.targets.includes(type)) {
          throw new SearchError('_revinclude', `Search parameter "_revinclude": "${inc}" is not <Type>:<reference parameter> referring to ${type} (${revIncludesOf(type).join(', ') || 'none here'}).`);
        }
        revincludes.push({ type: m[1]!, param: m[2]! });
      }
    } catch (e) {
      if (e instanceof SearchError) return sendOutcome(res, [issue('SEARCH_PARAM_INVALID', e.message, e.param)], 400);
      throw e;
    }
    if (summaryCount) {
      search.limit = 0;
      search.total = true;
    }
    // Every check that could refuse the search has passed: its audit row is written now, with the
    // search itself (one statement on PostgreSQL; the answer waits for both: audit.ts auditAhead).
    let searched: ReturnType<Store['resources']['search']> | undefined;
    auditAhead(req, res, {
      write: (entry) => {
        searched = store.resources.search(search, { audit: entry });
        return searched.then(
          (f) => f.auditId ?? Promise.reject(new Error('the store did not write the audit row')),
          (e: unknown) => ((e as { auditId?: number }).auditId ?? Promise.reject(e)),
        );
      },
    });
    const found = await (searched ?? store.resources.search(search));
    const base = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
    const link = (offset: number) => pageLink(`${base}/${type}`, query, search.limit, offset);
    const entry: BundleEntry[] = [];
    for (const r of found.resources) {
      const resource = withMeta(r.resource, r.versionId, r.lastUpdated);
      entry.push({ fullUrl: `${base}/${type}/${r.resource.id}`, resource: elements ? subsetted(resource, elements) : resource, search: { mode: 'match' } });
    }
    // _include: the resources the matches reference through the named parameter, once each.
    const seen = includes.length || revincludes.length ? new Set(entry.map((e) => e.fullUrl)) : undefined;
    for (const inc of includes) {
      const def = searchParamsOf(type).get(inc.param)!;
      for (const r of found.resources) {
        for (const v of def.evaluate(r.resource)) {
          const ref = typeof v === 'object' && v !== null && typeof (v as { reference?: unknown }).reference === 'string' ? (v as { reference: string }).reference.split('/').slice(-2) : undefined;
          if (!ref || ref.length !== 2 || (inc.target && ref[0] !== inc.target)) continue;
          const url = `${base}/${ref[0]}/${ref[1]}`;
          if (seen!.has(url)) continue;
          seen!.add(url);
          const got = await store.resources.get(ref[0]!, ref[1]!);
          if (got) entry.push({ fullUrl: url, resource: withMeta(got.resource, got.versionId, got.lastUpdated), search: { mode: 'include' } });
        }
      }
    }
    // _revinclude: the resources that refer to the matches through the named parameter.
    const matched = revincludes.length ? found.resources.map((r) => `${type}/${r.resource.id}`) : [];
    for (const rev of revincludes) {
      if (!matched.length) break;
      const refs = await store.resources.search({ type: rev.type, where: [matched.map((value) => ({ kind: 'reference', param: rev.param, value }))], limit: MAX_COUNT, offset: 0, total: false, sort: [{ by: '_id', desc: false }] });
      for (const r of refs.resources) {
        const url = `${base}/${rev.type}/${r.resource.id}`;
        if (seen!.has(url)) continue;
        seen!.add(url);
        entry.push({ fullUrl: url, resource: withMeta(r.resource, r.versionId, r.lastUpdated), search: { mode: 'include' } });
      }
    }
    if (lenient?.length) entry.push({ resource: toOperationOutcome(lenient), search: { mode: 'outcome' } });
    const total = found.total;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(total !== undefined ? { total } : {}),
      link: [
        { relation: 'self', url: link(search.offset) },
        ...(search.limit > 0 && (total === undefined ? found.resources.length === search.limit : search.offset + search.limit < total) ? [{ relation: 'next', url: link(search.offset + search.limit) }] : []),
        ...(search.offset > 0 ? [{ relation: 'previous', url: link(Math.max(0, search.offset - Math.max(search.limit, 1))) }] : []),
      ],
      ...(entry.length ? { entry } : {}),
    };
    sendSearchset(res, bundle);
  };
}

/**
 * Up to `max` current resources that refer to `type/id` through an indexed reference parameter
 * (`Coverage/c1` for a Patient its beneficiary): what a delete would leave dangling.
 */
export function referrersOf(store: Store, max = 5) {
  return async (type: string, id: string): Promise<string[]> => {
    const out: string[] = [];
    const value = `${type}/${id}`;
    for (const t of searchableTypes()) {
      const params = [...searchParamsOf(t).values()].filter((d) => d.type === 'reference' && d.targets.includes(type));
      if (!params.length) continue;
      const found = await store.resources.search({ type: t, where: [params.map((d) => ({ kind: 'reference', param: d.code, value }))], limit: max - out.length, offset: 0, total: false, sort: [{ by: '_id', desc: false }] });
      for (const r of found.resources) if (!(t === type && r.resource.id === id)) out.push(`${t}/${r.resource.id}`);
      if (out.length >= max) break;
    }
    return out;
  };
}

/**
 * The ids a conditional interaction's criteria (`identifier=sys|val&birthdate=...`) select, at most
 * `max`; answers 400 naming the parameter (and returns undefined) when the criteria are not a search here.
 */
export function criteriaResolver(store: Store, max = 2) {
  return async (type: string, query: string, res: Response): Promise<string[] | undefined> => {
    const where: SearchCondition[][] = [];
    try {
      if (searchParamsOf(type).size === 0) throw new SearchError('criteria', `${type} is not searchable here: conditional interactions need search criteria.`);
      const params = new URLSearchParams(query.replace(/^[A-Za-z]*\?/, ''));
      if ([...params.keys()].length === 0) throw new SearchError('criteria', `Conditional criteria "${query}" hold no search parameter.`);
      for (const [k, v] of params) {
        if (RESULT_PARAMS.has(k)) continue;
        const g = await conditionsOf(store, type, k, v, undefined);
        if (g) where.push(g);
      }
    } catch (e) {
      if (e instanceof SearchError) {
        sendOutcome(res, [issue('SEARCH_PARAM_INVALID', e.message, e.param)], 400);
        return undefined;
      }
      throw e;
    }
    const found = await store.resources.search({ type, where, limit: max, offset: 0, total: false });
    return found.resources.map((r) => r.resource.id!);
  };
}
