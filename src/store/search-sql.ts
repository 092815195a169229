/**
 * A resource search (./resources.ts ResourceSearch) as portable SQL over `resources` and
 * `search_index` (migration 303), with `?` placeholders (an engine numbers them as it needs).
 * Each OR-group is one `id IN (SELECT id FROM search_index ...)` (or NOT IN for `:not`); groups
 * are ANDed. LIKE patterns are escaped. Dates compare the stored range [lo, hi) with the search
 * range as R4 search 3.1.1.4.3 says for each prefix.
 */
import type { ResourceSearch, SearchCondition, SearchSort } from './resources.js';

const esc = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A LIKE against a bound pattern, the pattern given as `(? || '')` rather than `?`. SQLite (3.53
 * as 3.40) looks at a pattern that is a bare parameter while it prepares (isLikeOrGlob, for the
 * LIKE optimization) and marks the parameter, so that binding it expires the statement: better-
 * sqlite3 binds at every run, and every `:contains` or `:text` search was compiled anew. An
 * expression is not looked at. Nothing is lost: the optimization needs a case-sensitive LIKE or a
 * NOCASE column, which these are not (the plans are the same), and on PostgreSQL a plan made for
 * the values folds the expression into the constant it is.
 */
const LIKE_BOUND = "LIKE (? || '') ESCAPE '\\'";

function dateSql(col: { lo: string; hi: string }, prefix: string, lo: string, hi: string, params: unknown[]): string {
  const p = (v: string) => { params.push(v); return '?'; };
  switch (prefix) {
    // lo < hi <= search hi, so `lo < search hi` holds too: said, it bounds the index range scan on lo.
    case 'eq': return `(${col.lo} >= ${p(lo)} AND ${col.lo} < ${p(hi)} AND ${col.hi} <= ${p(hi)})`;
    case 'ne': return `NOT (${col.lo} >= ${p(lo)} AND ${col.hi} <= ${p(hi)})`;
    case 'gt': return `${col.hi} > ${p(hi)}`;
    case 'ge': return `${col.hi} > ${p(lo)}`;
    case 'lt': return `${col.lo} < ${p(lo)}`;
    case 'le': return `${col.lo} < ${p(hi)}`;
    case 'sa': return `${col.lo} >= ${p(hi)}`;
    case 'eb': return `${col.hi} <= ${p(lo)}`;
    case 'ap': return `(${col.lo} < ${p(hi)} AND ${col.hi} > ${p(lo)})`;
    default: throw new Error(`unknown date prefix ${prefix}`);
  }
}

/** A stored number against a quantity search (R4 3.1.1.4.6 with the prefixes of number, 3.1.1.4.1). */
function quantitySql(col: string, prefix: string, value: number, lo: number, hi: number, params: unknown[]): string {
  const p = (v: number) => { params.push(v); return '?'; };
  switch (prefix) {
    case 'eq': return `${col} >= ${p(lo)} AND ${col} < ${p(hi)}`;
    case 'ne': return `${col} IS NOT NULL AND NOT (${col} >= ${p(lo)} AND ${col} < ${p(hi)})`;
    case 'ap': return `${col} >= ${p(lo)} AND ${col} <= ${p(hi)}`;
    case 'gt': case 'sa': return `${col} > ${p(value)}`;
    case 'lt': case 'eb': return `${col} < ${p(value)}`;
    case 'ge': return `${col} >= ${p(value)}`;
    case 'le': return `${col} <= ${p(value)}`;
    default: throw new Error(`unknown quantity prefix ${prefix}`);
  }
}

/** One condition on the resources row `r` (an alias: `c` for the target of a chain). */
function conditionSql(type: string, c: SearchCondition, params: unknown[], r = 'r'): { sql: string; not: boolean } {
  if (c.kind === 'id') { params.push(c.value); return { sql: `${r}.id = ?`, not: false }; }
  if (c.kind === 'chain') {
    // The references of `param` that point to a `target` resource meeting the inner conditions,
    // all in SQL (no bound on how many targets match): `patient.identifier=...`.
    params.push(type, c.param, c.target);
    const inner = groupsSql(c.target, c.where, params, 'c');
    return { sql: `${r}.id IN (SELECT s.id FROM search_index s WHERE s.resource_type = ? AND s.param = ? AND s.value IN (SELECT c.resource_type || '/' || c.id FROM resources c WHERE c.resource_type = ?${inner.map((g) => ` AND ${g}`).join('')}))`, not: false };
  }
  if (c.kind === 'has') {
    // The ids this type's resources have in the values of the referring resources' `param` (stored
    // as `Type/id`), of those referring resources that meet the inner conditions; all in SQL. The
    // id is cut from the value so the outer lookup is by key: [prefix, prefix + U+FFFF) selects the
    // references to this type.
    const prefix = `${type}/`;
    params.push(prefix.length + 1, c.type, c.param, prefix, `${prefix}\uffff`, c.type);
    const inner = groupsSql(c.type, c.where, params, 'h');
    return { sql: `${r}.id IN (SELECT substr(s.value, ?) FROM search_index s WHERE s.resource_type = ? AND s.param = ? AND s.value >= ? AND s.value < ? AND s.id IN (SELECT h.id FROM resources h WHERE h.resource_type = ?${inner.map((g) => ` AND ${g}`).join('')}))`, not: false };
  }
  if (c.kind === 'lastUpdated') {
    // The stored time is an instant t: each prefix is a bound on it.
    const t = `${r}.last_updated`;
    const p = (v: string) => { params.push(v); return '?'; };
    const sql = {
      eq: () => `(${t} >= ${p(c.lo)} AND ${t} < ${p(c.hi)})`, ap: () => `(${t} >= ${p(c.lo)} AND ${t} < ${p(c.hi)})`,
      ne: () => `NOT (${t} >= ${p(c.lo)} AND ${t} < ${p(c.hi)})`,
      gt: () => `${t} >= ${p(c.hi)}`, sa: () => `${t} >= ${p(c.hi)}`, ge: () => `${t} >= ${p(c.lo)}`,
      lt: () => `${t} < ${p(c.lo)}`, eb: () => `${t} < ${p(c.lo)}`, le: () => `${t} < ${p(c.hi)}`,
    }[c.prefix as 'eq'];
    if (!sql) throw new Error(`unknown date prefix ${c.prefix}`);
    return { sql: sql(), not: false };
  }
  const parts: string[] = ['s.resource_type = ?', 's.param = ?'];
  params.push(type, c.param);
  let not = false;
  if (c.kind === 'token') {
    if (c.text !== undefined) { parts.push(`s.raw ${LIKE_BOUND}`); params.push(`${esc(c.text)}%`); }
    if (c.system === null) parts.push('s.system IS NULL');
    else if (c.system !== undefined) { parts.push('s.system = ?'); params.push(c.system); }
    if (c.code !== undefined) { parts.push('s.value = ?'); params.push(c.code); }
    not = !!c.not;
  } else if (c.kind === 'string') {
    if (c.mode === 'exact') { parts.push('s.raw = ?'); params.push(c.value); }
    // A prefix is a range on the index (LIKE would not use it): [v, v + U+FFFF).
    else if (c.mode === 'prefix') { parts.push('s.value >= ? AND s.value < ?'); params.push(c.value, `${c.value}\uffff`); }
    else { parts.push(`s.value ${LIKE_BOUND}`); params.push(`%${esc(c.value)}%`); }
  } else if (c.kind === 'reference') {
    parts.push('s.value = ?');
    params.push(c.value);
  } else if (c.kind === 'date') {
    parts.push(dateSql({ lo: 's.lo', hi: 's.hi' }, c.prefix, c.lo, c.hi, params));
  } else if (c.kind === 'quantity') {
    const col = c.canonicalUnit !== undefined ? 's.cnum' : 's.num';
    if (c.canonicalUnit !== undefined) { parts.push('s.cunit = ?'); params.push(c.canonicalUnit); }
    else if (c.code !== undefined) {
      if (c.system !== undefined) { parts.push('s.system = ? AND s.value = ?'); params.push(c.system, c.code); }
      // `number||code`: the code, or the unit as written (folded), R4 3.1.1.4.6.
      else { parts.push('(s.value = ? OR s.raw = ?)'); params.push(c.code, c.code.toLowerCase()); }
    }
    parts.push(quantitySql(col, c.prefix, c.value, c.lo, c.hi, params));
  } else if (c.kind === 'missing') {
    // Resources with some value for the parameter; `:missing=true` asks for the others.
    not = c.missing;
  }
  return { sql: `${r}.id ${not ? 'NOT IN' : 'IN'} (SELECT s.id FROM search_index s WHERE ${parts.join(' AND ')})`, not };
}

/** Each OR-group as one parenthesized SQL condition on `r`. */
function groupsSql(type: string, where: SearchCondition[][], params: unknown[], r: string): string[] {
  const out: string[] = [];
  for (const group of where) {
    const ors = group.map((c) => conditionSql(type, c, params, r).sql);
    if (ors.length) out.push(`(${ors.join(' OR ')})`);
  }
  return out;
}

/** The WHERE clause (after `FROM resources r`) and its parameters. */
export function searchWhere(q: ResourceSearch): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.type];
  const groups: string[] = ['r.resource_type = ?', ...groupsSql(q.type, q.where, params, 'r')];
  return { sql: `WHERE ${groups.join(' AND ')}`, params };
}

/**
 * The ORDER BY clause and its parameters (they follow the WHERE clause's). A parameter sorts by
 * its smallest value ascending and its largest descending (a date by the start of its range
 * ascending, the end descending); resources without a value come last either way. The id breaks ties.
 */
export function searchOrder(q: ResourceSearch): { sql: string; params: unknown[] } {
  const keys: SearchSort[] = q.sort?.length ? q.sort : [{ by: '_lastUpdated', desc: true }];
  const params: unknown[] = [];
  const terms: string[] = [];
  for (const k of keys) {
    const dir = k.desc ? 'DESC' : 'ASC';
    if (k.by !== 'param') terms.push(`${k.by === '_id' ? 'r.id' : 'r.last_updated'} ${dir}`);
    else {
      const col = k.column === 'date' ? (k.desc ? 's.hi' : 's.lo') : k.column === 'num' ? 's.num' : 's.value';
      const sub = `(SELECT ${k.desc ? 'max' : 'min'}(${col}) FROM search_index s WHERE s.resource_type = r.resource_type AND s.id = r.id AND s.param = ?)`;
      terms.push(`CASE WHEN ${sub} IS NULL THEN 1 ELSE 0 END`, `${sub} ${dir}`);
      params.push(k.param, k.param);
    }
  }
  const last = keys[keys.length - 1]!;
  if (!keys.some((k) => k.by === '_id')) terms.push(`r.id ${last.desc ? 'DESC' : 'ASC'}`);
  return { sql: `ORDER BY ${terms.join(', ')}`, params };
}

export const SEARCH_MAX_PAGE = 1000;
