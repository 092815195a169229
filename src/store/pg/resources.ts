/**
 * FHIR resources (table resources) and office records per message (table office_records) on
 * PostgreSQL. Resources are kept as JSON text, compared byte for byte to tell an unchanged upsert
 * from an update; the identifier and element lookups read the text as jsonb.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Resource } from 'fhir/r4.js';
import { named, type Queryable } from './db.js';
import type { HistoryQuery, ResourceKey, ResourceSearch, ResourceVersion, StoredResource, UpsertResult } from '../types.js';
import { indexRows } from '../../fhir/search-index.js';
import { SEARCH_MAX_PAGE, searchOrder, searchWhere } from '../search-sql.js';
import type { AuditEntry } from '../audit.js';
import { auditInsertSql, auditValues } from './audit.js';
import { replacedByOf } from '../resources.js';

type ResourceRow = { resource: string; version_id: number; last_updated: string; message_id: number | null };
const toStored = (r: ResourceRow): StoredResource => ({ resource: JSON.parse(r.resource) as Resource, versionId: r.version_id, lastUpdated: r.last_updated, messageId: r.message_id });

/**
 * Insert, or update when the content changed, with its history version and search index rows: one
 * statement (one round trip; no savepoint needed, a statement is atomic by itself). ON CONFLICT
 * DO UPDATE locks the row while it is compared, so two instances writing the same resource at once
 * each move the version once. The version after a delete goes on from the tombstone's (migration
 * 302). Unchanged (the same JSON text, as this statement's snapshot has it): nothing is written
 * and nothing locked (a practice's shared Organization or Practitioner, the same in every message,
 * would otherwise hold every concurrent processing transaction behind the one that wrote it last
 * until it commits: #17, start-up recovery on several connections), and the kept version comes back
 * in the same round trip. A created resource has no index rows to delete (a delete takes them with
 * the row: removeResource), so only an update looks for them.
 */
export async function upsertResource(db: Queryable, resource: Resource, messageId: number | null, now: Date = new Date()): Promise<UpsertResult> {
  const type = resource.resourceType;
  const id = resource.id!;
  const json = JSON.stringify(resource);
  const at = now.toISOString();
  const rows = indexRows(resource);
  const col = (k: 'param' | 'system' | 'value' | 'raw' | 'lo' | 'hi' | 'num' | 'cnum' | 'cunit') => rows.map((r) => r[k] ?? null);
  const r = (await db.query<{ version_id: number; created: boolean | null; kept_at: string | null }>(named('upsert_resource', `
    WITH same AS (
      SELECT version_id, last_updated FROM resources WHERE resource_type = $1 AND id = $2 AND resource = $3),
    up AS (
      INSERT INTO resources AS r (resource_type, id, version_id, resource, message_id, last_updated)
      SELECT $1, $2, COALESCE((SELECT max(version_id) FROM resource_history WHERE resource_type = $1 AND id = $2), 0) + 1, $3, $4::bigint, $5
       WHERE NOT EXISTS (SELECT 1 FROM same)
      ON CONFLICT (resource_type, id) DO UPDATE
        SET version_id = r.version_id + 1, resource = EXCLUDED.resource, message_id = EXCLUDED.message_id, last_updated = EXCLUDED.last_updated
        WHERE r.resource IS DISTINCT FROM EXCLUDED.resource
      RETURNING r.version_id, (r.xmax = 0) AS created),
    history AS (
      INSERT INTO resource_history (resource_type, id, version_id, resource, deleted, last_updated, message_id)
      SELECT $1, $2, version_id, $3, 0, $5, $4::bigint FROM up),
    old_index AS (DELETE FROM search_index WHERE resource_type = $1 AND id = $2 AND EXISTS (SELECT 1 FROM up WHERE NOT up.created)),
    new_index AS (
      INSERT INTO search_index (resource_type, id, param, system, value, raw, lo, hi, num, cnum, cunit)
      SELECT $1, $2, x.param, x.system, x.value, x.raw, x.lo, x.hi, x.num, x.cnum, x.cunit
        FROM up, unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::float8[], $13::float8[], $14::text[])
          AS x(param, system, value, raw, lo, hi, num, cnum, cunit))
    SELECT version_id, created, NULL AS kept_at FROM up
    UNION ALL SELECT version_id, NULL, last_updated FROM same`,
  [type, id, json, messageId, at, col('param'), col('system'), col('value'), col('raw'), col('lo'), col('hi'), col('num'), col('cnum'), col('cunit')]))).rows[0];
  if (r && r.kept_at === null) return { versionId: Number(r.version_id), outcome: r.created ? 'created' : 'updated', lastUpdated: at, json };
  if (r) return { versionId: Number(r.version_id), outcome: 'unchanged', lastUpdated: r.kept_at!, json };
  // The same text was written by a transaction that committed after this statement began (ON
  // CONFLICT waited for it and found nothing to change): read the version it left.
  const kept = (await db.query<ResourceRow>(named('resource_version', 'SELECT version_id, last_updated FROM resources WHERE resource_type = $1 AND id = $2', [type, id]))).rows[0]!;
  return { versionId: Number(kept.version_id), outcome: 'unchanged', lastUpdated: kept.last_updated, json };
}

async function writeHistory(db: Queryable, type: string, id: string, version: number, json: string | null, messageId: number | null, at: string): Promise<void> {
  await db.query('INSERT INTO resource_history (resource_type, id, version_id, resource, deleted, last_updated, message_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [type, id, version, json, json === null ? 1 : 0, at, messageId]);
}

/** Delete: the row leaves `resources`, history gets a tombstone version. */
export async function removeResource(db: Queryable, type: string, id: string, now: Date = new Date()): Promise<{ versionId: number; lastUpdated: string } | undefined> {
  const old = (await db.query<{ version_id: number }>('DELETE FROM resources WHERE resource_type = $1 AND id = $2 RETURNING version_id', [type, id])).rows[0];
  if (!old) return undefined;
  const at = now.toISOString();
  const v = Number(old.version_id) + 1;
  await db.query('DELETE FROM search_index WHERE resource_type = $1 AND id = $2', [type, id]);
  await writeHistory(db, type, id, v, null, null, at);
  return { versionId: v, lastUpdated: at };
}

/** How many search shapes (SQL texts) a store names as prepared statements; later ones are sent unnamed. */
export const NAMED_SEARCH_SHAPES = 256;

/**
 * The search statements (SQL built per request: its text is the shape of the query, the values are
 * bound) a store sends as named prepared statements, so a connection parses and plans a shape it has
 * seen once rather than at every search (planning was most of a small search's time in the server).
 * Names live on each of the store's pooled connections until it closes and are never freed, so only
 * the first `max` shapes the store meets are named (an EHR repeats a few kinds of search); any other
 * is sent unnamed. One per store, not per process: the names are its connections' (a process-wide
 * count let one store's shapes leave the next store's searches unnamed).
 */
export class SearchShapes {
  private readonly names = new Map<string, string>();
  constructor(readonly max = NAMED_SEARCH_SHAPES) {}

  query(text: string, values: unknown[]): pg.QueryConfig {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.max) {
      name = `fd_search_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      this.names.set(text, name);
    }
    return name === undefined ? { text, values } : { name, text, values };
  }
}

/** `?` placeholders numbered for PostgreSQL. */
const numbered = (sql: string) => { let n = 0; return sql.replace(/\?/g, () => `$${++n}`); };

async function writeIndex(db: Queryable, resource: Resource): Promise<number> {
  const type = resource.resourceType;
  const id = resource.id!;
  await db.query('DELETE FROM search_index WHERE resource_type = $1 AND id = $2', [type, id]);
  const rows = indexRows(resource);
  if (!rows.length) return 0;
  const values: unknown[] = [];
  const tuples = rows.map((r, i) => {
    values.push(type, id, r.param, r.system, r.value, r.raw, r.lo, r.hi, r.num, r.cnum, r.cunit);
    return `(${Array.from({ length: 11 }, (_, k) => `$${i * 11 + k + 1}`).join(', ')})`;
  });
  await db.query(`INSERT INTO search_index (resource_type, id, param, system, value, raw, lo, hi, num, cnum, cunit) VALUES ${tuples.join(', ')}`, values);
  return rows.length;
}

/** ResourceStore.reindex: one chunk in (type, id) order (call it inside a transaction: the rows stay locked until their index is rewritten). */
export async function reindexResources(db: Queryable, after: ResourceKey | undefined, opts: { type?: string | undefined; limit: number }): Promise<{ resources: number; rows: number; last?: ResourceKey }> {
  const found = (await db.query<{ resource_type: string; id: string; resource: string }>(`SELECT resource_type, id, resource FROM resources
    WHERE ($1::text IS NULL OR resource_type = $1) AND ($2::text IS NULL OR resource_type > $2 OR (resource_type = $2 AND id > $3))
    ORDER BY resource_type, id LIMIT $4 FOR UPDATE`, [opts.type ?? null, after?.type ?? null, after?.id ?? null, Math.max(1, opts.limit)])).rows;
  let rows = 0;
  for (const r of found) rows += await writeIndex(db, JSON.parse(r.resource) as Resource);
  const l = found[found.length - 1];
  return { resources: found.length, rows, ...(l ? { last: { type: l.resource_type, id: l.id } } : {}) };
}

/**
 * Whether a search is one index lookup whose plan does not hang on its values: one condition (a
 * token, reference, date, id, or string prefix or exact), sorted by last update or id. Those run
 * on the search pool's connections, which keep one (generic) plan per statement (db.ts
 * createPool). With two conditions the plan orders their lookups by how many rows each value
 * matches (a birth date and `gender=male`: the birth date first), which only a plan for the values
 * knows; a `:missing`, chain or reverse chain, a `:contains`, a quantity or a sort by a parameter
 * keep those plans too.
 */
export function singleLookup(q: ResourceSearch): boolean {
  if (q.where.length !== 1 || q.where[0]!.length !== 1) return false;
  if (q.sort?.some((k) => k.by === 'param')) return false;
  const c = q.where[0]![0]!;
  return c.kind === 'date' || c.kind === 'reference' || c.kind === 'id' || (c.kind === 'token' && !c.not) || (c.kind === 'string' && c.mode !== 'contains');
}

/**
 * Whether searchResources can write an audit row in the search's own statement: a page of rows
 * (not a count alone) in an order of the resources' own columns (the statement orders its page
 * again outside the CTE, which a sort by a parameter's values cannot be).
 */
export const auditInSearch = (q: ResourceSearch): boolean => q.limit > 0 && !q.sort?.some((k) => k.by === 'param');

/**
 * A search; with `audit` (only where auditInSearch) that audit row is written by the same
 * statement, a data-modifying CTE beside the page: one round trip and one server backend for both,
 * where the row and the search on two pooled connections at once (store.ts besideAudit) cost two
 * of each. Measured on 100,000 Patients, by identifier, alternating rounds in one process (load
 * average 8-10): p50 0.31-0.33 -> 0.23-0.24 ms, p90 2.6-3.5 -> 1.8-2.4 ms, this process's CPU
 * 169-181 -> 107-114 us (a prototype without the store's own wrapping). The page joins the row
 * (LEFT JOIN: a row comes back even when nothing matched) and is ordered again outside.
 */
export async function searchResources(db: Queryable, shapes: SearchShapes, q: ResourceSearch, audit?: AuditEntry): Promise<{ total?: number; resources: StoredResource[]; auditId?: number }> {
  const w = searchWhere(q);
  const limit = Math.min(Math.max(q.limit, 0), SEARCH_MAX_PAGE);
  const offset = Math.max(q.offset, 0);
  const o = searchOrder(q);
  const count = `SELECT count(*) AS n FROM resources r ${w.sql}`;
  const totalOnly = async () => Number((await db.query<{ n: number }>(shapes.query(numbered(count), w.params))).rows[0]!.n);
  if (audit && (!auditInSearch(q) || limit === 0)) throw new Error('searchResources: this search cannot carry its audit row (auditInSearch)');
  if (limit === 0) return { total: q.total ? await totalOnly() : undefined, resources: [] };
  const cols = 'r.resource, r.version_id, r.last_updated, r.message_id';
  const page = `SELECT ${cols} FROM resources r ${w.sql} ${o.sql} LIMIT ? OFFSET ?`;
  let rows: ResourceRow[];
  let auditId: number | undefined;
  if (!audit) rows = (await db.query<ResourceRow>(shapes.query(numbered(page), [...w.params, ...o.params, limit, offset]))).rows;
  else {
    // The CTE's placeholders come first in the text, so its values do too. `o.sql` has no
    // placeholder here (auditInSearch: no sort by a parameter) and names only r.id, r.last_updated.
    const text = `WITH audit_row AS (${auditInsertSql(db)}), page AS (SELECT r.id, ${cols} FROM resources r ${w.sql} ${o.sql} LIMIT ? OFFSET ?)
      SELECT a.id AS audit_id, ${cols} FROM audit_row a LEFT JOIN page r ON true ${o.sql}`;
    const got = (await db.query<ResourceRow & { audit_id: number }>(shapes.query(numbered(text), [...auditValues(audit), ...w.params, limit, offset]))).rows;
    auditId = Number(got[0]!.audit_id);
    rows = got.filter((r) => r.resource !== null);
  }
  const withRow = <T extends object>(x: T) => (auditId === undefined ? x : { ...x, auditId });
  if (!q.total) return withRow({ total: undefined, resources: rows.map(toStored) });
  // A page that holds fewer rows than it could (and some, or the first page) ends the matches: the
  // total is exact without counting them (as on SQLite, ../sqlite/resources.ts). Most searches an
  // EHR makes (an identifier, a birth date, a name) answer on one short page, so they are one
  // statement without a count. The count was an uncorrelated subquery in the page's statement,
  // computed whenever the page had a row: it repeated the index lookups of the search, and with
  // it a search by birth date (a few matches in 100,000 Patients) cost the server 0.40 ms against
  // 0.23 ms without (0.09 against 0.07 ms by identifier; median of rounds, one connection). A full
  // page (or a page past the end of the matches) asks for the count on its own, a second round
  // trip where the matches are many and counting them costs more than the trip.
  let total: number;
  try {
    total = rows.length < limit && (rows.length > 0 || offset === 0) ? offset + rows.length : await totalOnly();
  } catch (e) {
    // The row is written (the page's statement committed it): the error says so.
    throw auditId === undefined ? e : Object.assign(e as Error, { auditId });
  }
  return withRow({ total, resources: rows.map(toStored) });
}

interface HistoryRow { resource_type: string; id: string; version_id: number; resource: string | null; deleted: number; last_updated: string }

const toVersion = (r: HistoryRow): ResourceVersion => ({
  resourceType: r.resource_type, id: r.id, versionId: Number(r.version_id), lastUpdated: r.last_updated,
  resource: r.resource === null ? null : (JSON.parse(r.resource) as Resource), deleted: Number(r.deleted) === 1,
});

const page = (q: HistoryQuery) => [Math.min(Math.max(q.limit ?? 100, 1), 1000), Math.max(q.offset ?? 0, 0)];
const COLS = 'resource_type, id, version_id, resource, deleted, last_updated';

export async function resourceHistory(db: Queryable, type: string, id: string, q: HistoryQuery = {}): Promise<ResourceVersion[]> {
  return (await db.query<HistoryRow>(`SELECT ${COLS} FROM resource_history
    WHERE resource_type = $1 AND id = $2 AND ($3::text IS NULL OR last_updated >= $3)
    ORDER BY version_id DESC LIMIT $4 OFFSET $5`, [type, id, q.since ?? null, ...page(q)])).rows.map(toVersion);
}

export async function typeHistory(db: Queryable, type: string | undefined, q: HistoryQuery = {}): Promise<ResourceVersion[]> {
  return (await db.query<HistoryRow>(`SELECT ${COLS} FROM resource_history
    WHERE ($1::text IS NULL OR resource_type = $1) AND ($2::text IS NULL OR last_updated >= $2)
    ORDER BY last_updated DESC, resource_type, id, version_id DESC LIMIT $3 OFFSET $4`, [type ?? null, q.since ?? null, ...page(q)])).rows.map(toVersion);
}

export async function countHistory(db: Queryable, type: string | undefined, id?: string, since?: string): Promise<number> {
  return Number((await db.query<{ n: number }>(`SELECT count(*) AS n FROM resource_history
    WHERE ($1::text IS NULL OR resource_type = $1) AND ($2::text IS NULL OR id = $2) AND ($3::text IS NULL OR last_updated >= $3)`,
  [type ?? null, id ?? null, since ?? null])).rows[0]!.n);
}

export async function resourceVersion(db: Queryable, type: string, id: string, versionId: number): Promise<ResourceVersion | undefined> {
  const r = (await db.query<HistoryRow>(`SELECT ${COLS} FROM resource_history WHERE resource_type = $1 AND id = $2 AND version_id = $3`, [type, id, versionId])).rows[0];
  return r ? toVersion(r) : undefined;
}

export async function getResource(db: Queryable, type: string, id: string): Promise<StoredResource | undefined> {
  const r = (await db.query<ResourceRow>(named('get_resource', 'SELECT resource, version_id, last_updated, message_id FROM resources WHERE resource_type = $1 AND id = $2', [type, id]))).rows[0];
  return r ? toStored(r) : undefined;
}

/** ResourceStore.replacedBy (../resources.ts replacedByOf). */
export async function patientReplacedBy(db: Queryable, id: string): Promise<string | undefined> {
  const r = (await db.query<{ resource: string }>(named('patient_replaced_by', "SELECT resource FROM resources WHERE resource_type = 'Patient' AND id = $1", [id]))).rows[0];
  return replacedByOf(r?.resource);
}

/** As on SQLite: the exact `"reference":"Patient/abc"` substring of the stored text; oldest first by type and id. */
export async function referencingResources(db: Queryable, reference: string): Promise<StoredResource[]> {
  const needle = `"reference":${JSON.stringify(reference)}`;
  const rows = (await db.query<ResourceRow>(`SELECT resource, version_id, last_updated, message_id FROM resources
    WHERE resource_type <> 'Patient' AND strpos(resource, $1) > 0 ORDER BY resource_type, id`, [needle])).rows;
  return rows.map(toStored);
}

export async function findByIdentifier(db: Queryable, type: string, system: string | undefined, value: string): Promise<string[]> {
  const rows = (await db.query<{ id: string }>(`
    SELECT DISTINCT r.id FROM resources r, jsonb_array_elements(CASE WHEN jsonb_typeof(r.resource::jsonb -> 'identifier') = 'array' THEN r.resource::jsonb -> 'identifier' ELSE '[]'::jsonb END) j
    WHERE r.resource_type = $1 AND j ->> 'value' = $2 AND ($3::text IS NULL OR j ->> 'system' = $3)`, [type, value, system ?? null])).rows;
  return rows.map((r) => r.id);
}

export async function countResources(db: Queryable, type?: string): Promise<number> {
  const r = type
    ? await db.query<{ n: number }>('SELECT count(*) AS n FROM resources WHERE resource_type = $1', [type])
    : await db.query<{ n: number }>('SELECT count(*) AS n FROM resources');
  return r.rows[0]!.n;
}

/**
 * A message's office records, replacing what an earlier run of it left: one statement. The insert
 * reads the delete's count first, so the rows a replay replaces are gone before their
 * (message_id, seq) comes back.
 */
export async function replaceOfficeRecords(db: Queryable, messageId: number, records: readonly object[], now: Date = new Date()): Promise<string[]> {
  const types = records.map((r) => ('recordType' in r && typeof r.recordType === 'string' ? r.recordType : null));
  const texts = records.map((r) => JSON.stringify(r));
  await db.query(named('replace_office_records', `
    WITH gone AS (DELETE FROM office_records WHERE message_id = $1 RETURNING 1)
    INSERT INTO office_records (message_id, seq, record_type, record, created_at)
    SELECT $1, s.ord, s.record_type, s.record, $2 FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS s(record_type, record, ord)
     WHERE (SELECT count(*) FROM gone) >= 0`,
  [messageId, now.toISOString(), types, texts]));
  return texts;
}

export async function officeRecordsOf(db: Queryable, messageId: number): Promise<Array<Record<string, unknown>>> {
  return (await db.query<{ record: string }>('SELECT record FROM office_records WHERE message_id = $1 ORDER BY seq', [messageId])).rows.map((r) => JSON.parse(r.record) as Record<string, unknown>);
}

/** Top-level primitive element equal to value (the element name is checked, then quoted as a jsonb key). */
export async function findByElement(db: Queryable, type: string, element: string, value: string): Promise<string[]> {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(element)) throw new Error(`not an element name: ${element}`);
  return (await db.query<{ id: string }>('SELECT id FROM resources WHERE resource_type = $1 AND (resource::jsonb ->> $2) = $3 ORDER BY id', [type, element, value])).rows.map((r) => r.id);
}

export async function listOfType<T extends Resource>(db: Queryable, type: string): Promise<T[]> {
  return (await db.query<{ resource: string }>('SELECT resource FROM resources WHERE resource_type = $1 ORDER BY id', [type])).rows.map((r) => JSON.parse(r.resource) as T);
}

export async function idsOfType(db: Queryable, type: string): Promise<string[]> {
  return (await db.query<{ id: string }>('SELECT id FROM resources WHERE resource_type = $1 ORDER BY id', [type])).rows.map((r) => r.id);
}
