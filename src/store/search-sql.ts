/**
 * A resource search (./resources.ts ResourceSearch) as portable SQL over `resources` and
 * `search_index` (migration 303), with `?` placeholders (an engine numbers them as it needs).
 * Each OR-group is one `id IN (SELECT id FROM search_index ...)` (or NOT IN for `:not`); groups
 * are ANDed. LIKE patterns are escaped. Dates compare the stored range [lo, hi) with the search
 * range as R4 search 3.1.1.4.3 says for each prefix.
 */
import type { ResourceSearch, SearchCondition } from './resources.js';

const esc = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

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

function conditionSql(type: string, c: SearchCondition, params: unknown[]): { sql: string; not: boolean } {
  if (c.kind === 'id') { params.push(c.value); return { sql: 'r.id = ?', not: false }; }
  if (c.kind === 'lastUpdated') {
    // The stored time is an instant t: each prefix is a bound on it.
    const t = 'r.last_updated';
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
    if (c.text !== undefined) { parts.push("s.raw LIKE ? ESCAPE '\\'"); params.push(`${esc(c.text)}%`); }
    if (c.system === null) parts.push('s.system IS NULL');
    else if (c.system !== undefined) { parts.push('s.system = ?'); params.push(c.system); }
    if (c.code !== undefined) { parts.push('s.value = ?'); params.push(c.code); }
    not = !!c.not;
  } else if (c.kind === 'string') {
    if (c.mode === 'exact') { parts.push('s.raw = ?'); params.push(c.value); }
    // A prefix is a range on the index (LIKE would not use it): [v, v + U+FFFF).
    else if (c.mode === 'prefix') { parts.push('s.value >= ? AND s.value < ?'); params.push(c.value, `${c.value}\uffff`); }
    else { parts.push("s.value LIKE ? ESCAPE '\\'"); params.push(`%${esc(c.value)}%`); }
  } else if (c.kind === 'reference') {
    parts.push('s.value = ?');
    params.push(c.value);
  } else if (c.kind === 'date') {
    parts.push(dateSql({ lo: 's.lo', hi: 's.hi' }, c.prefix, c.lo, c.hi, params));
  }
  return { sql: `r.id ${'IN'} (SELECT s.id FROM search_index s WHERE ${parts.join(' AND ')})`, not };
}

/** The WHERE clause (after `FROM resources r`) and its parameters. */
export function searchWhere(q: ResourceSearch): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.type];
  const groups: string[] = ['r.resource_type = ?'];
  for (const group of q.where) {
    const ors = group.map((c) => {
      const x = conditionSql(q.type, c, params);
      return x.not ? x.sql.replace(/^r\.id IN/, 'r.id NOT IN') : x.sql;
    });
    if (ors.length) groups.push(`(${ors.join(' OR ')})`);
  }
  return { sql: `WHERE ${groups.join(' AND ')}`, params };
}

export function searchOrder(q: ResourceSearch): string {
  const by = q.sort?.by === '_id' ? 'r.id' : 'r.last_updated';
  const dir = q.sort ? (q.sort.desc ? 'DESC' : 'ASC') : 'DESC';
  return `ORDER BY ${by} ${dir}, r.id ${dir}`;
}

export const SEARCH_MAX_PAGE = 1000;
