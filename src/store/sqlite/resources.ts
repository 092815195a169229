/**
 * FHIR resources produced by the flows (table `resources`) and office records per message
 * (table `office_records`). Resources are upserted by type + id: flows give deterministic ids, so
 * a replayed message writes the same rows, and the version only moves when the content changes.
 */
import type { Resource } from 'fhir/r4.js';
import type { Db } from './db.js';
import { pageLimit, searchStmt, stmt } from './statements.js';
import type { HistoryQuery, ResourceKey, ResourceSearch, ResourceVersion, StoredResource, UpsertResult } from '../types.js';
import { replacedByOf } from '../resources.js';
import type { IndexRow } from '../../fhir/search-index.js';
import { SEARCH_MAX_PAGE, searchOrder, searchWhere } from '../search-sql.js';

export type { UpsertResult, StoredResource } from '../types.js';

/**
 * The search index rows of a resource come from FHIRPath over the R4 model (../../fhir/search-index.ts),
 * the largest thing the store would load. It is imported on the first write that indexes
 * (`withSearchIndex` in ./store.ts), not when the store opens: opening the store, and so the
 * gateway's start to "listening", does not pay for it.
 */
let indexRowsOf: ((resource: Resource) => IndexRow[]) | undefined;

export const searchIndexLoaded = (): boolean => indexRowsOf !== undefined;

export async function loadSearchIndex(): Promise<void> {
  indexRowsOf ??= (await import('../../fhir/search-index.js')).indexRows;
}

function indexRows(resource: Resource): IndexRow[] {
  if (!indexRowsOf) throw new Error('the search index is not loaded (loadSearchIndex before a write that indexes)');
  return indexRowsOf(resource);
}

/**
 * Search index rows are inserted this many at a time. One resource can have thousands (the
 * DiagnosticReport of a 10,000-OBX ORU: a `result` row per Observation, ~200 ms of inserts on a
 * loaded machine): a transaction's caller gets control between slices (`upsertResourceSteps`).
 */
export const INDEX_SLICE_ROWS = 256;

export function upsertResource(db: Db, resource: Resource, messageId: number | null, now: Date = new Date()): UpsertResult {
  return drain(upsertResourceSteps(db, resource, messageId, now));
}

/**
 * upsertResource in steps: it yields after each slice of INDEX_SLICE_ROWS search index rows, and
 * returns what upsertResource returns. Only a caller that owns the connection for the whole run (a
 * transaction, ./store.ts) may do other work between steps: the resource's rows are partly written
 * until the last step.
 */
export function* upsertResourceSteps(db: Db, resource: Resource, messageId: number | null, now: Date = new Date()): Generator<void, UpsertResult, void> {
  const type = resource.resourceType;
  const id = resource.id!;
  const json = JSON.stringify(resource);
  const at = now.toISOString();
  const old = stmt(db, 'SELECT version_id, resource, last_updated FROM resources WHERE resource_type = ? AND id = ?').get(type, id) as
    | { version_id: number; resource: string; last_updated: string }
    | undefined;
  if (!old) {
    // A resource written again after a delete goes on from its tombstone's version.
    const prev = (stmt(db, 'SELECT max(version_id) AS v FROM resource_history WHERE resource_type = ? AND id = ?').get(type, id) as { v: number | null }).v ?? 0;
    const v = prev + 1;
    stmt(db, 'INSERT INTO resources (resource_type, id, version_id, resource, message_id, last_updated) VALUES (?, ?, ?, ?, ?, ?)').run(type, id, v, json, messageId, at);
    writeHistory(db, type, id, v, json, messageId, at);
    yield* writeIndexSteps(db, resource);
    return { versionId: v, outcome: 'created', lastUpdated: at, json };
  }
  if (old.resource === json) return { versionId: old.version_id, outcome: 'unchanged', lastUpdated: old.last_updated, json };
  stmt(db, 'UPDATE resources SET version_id = version_id + 1, resource = ?, message_id = ?, last_updated = ? WHERE resource_type = ? AND id = ?').run(json, messageId, at, type, id);
  writeHistory(db, type, id, old.version_id + 1, json, messageId, at);
  yield* writeIndexSteps(db, resource);
  return { versionId: old.version_id + 1, outcome: 'updated', lastUpdated: at, json };
}

/** Runs steps to the end at once. */
function drain<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

function writeHistory(db: Db, type: string, id: string, version: number, json: string | null, messageId: number | null, at: string): void {
  stmt(db, 'INSERT INTO resource_history (resource_type, id, version_id, resource, deleted, last_updated, message_id) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(type, id, version, json, json === null ? 1 : 0, at, messageId);
}

/** Delete: the row leaves `resources`, history gets a tombstone version. */
export function removeResource(db: Db, type: string, id: string, now: Date = new Date()): { versionId: number; lastUpdated: string } | undefined {
  const old = stmt(db, 'SELECT version_id FROM resources WHERE resource_type = ? AND id = ?').get(type, id) as { version_id: number } | undefined;
  if (!old) return undefined;
  const at = now.toISOString();
  stmt(db, 'DELETE FROM resources WHERE resource_type = ? AND id = ?').run(type, id);
  stmt(db, 'DELETE FROM search_index WHERE resource_type = ? AND id = ?').run(type, id);
  writeHistory(db, type, id, old.version_id + 1, null, null, at);
  return { versionId: old.version_id + 1, lastUpdated: at };
}

/** The search index rows of the resource's current version (replacing the previous version's); how many. */
function writeIndex(db: Db, resource: Resource): number {
  return drain(writeIndexSteps(db, resource));
}

/** writeIndex, yielding once the rows are computed and after each INDEX_SLICE_ROWS of them inserted (never for a resource with at most that many). */
function* writeIndexSteps(db: Db, resource: Resource): Generator<void, number, void> {
  const type = resource.resourceType;
  const id = resource.id!;
  stmt(db, 'DELETE FROM search_index WHERE resource_type = ? AND id = ?').run(type, id);
  const ins = stmt(db, 'INSERT INTO search_index (resource_type, id, param, system, value, raw, lo, hi, num, cnum, cunit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const rows = indexRows(resource);
  // Computing that many rows (FHIRPath over the resource) is a step of its own.
  if (rows.length > INDEX_SLICE_ROWS) yield;
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % INDEX_SLICE_ROWS === 0) yield;
    const r = rows[i]!;
    ins.run(type, id, r.param, r.system, r.value, r.raw, r.lo, r.hi, r.num, r.cnum, r.cunit);
  }
  return rows.length;
}

/** ResourceStore.reindex: one chunk in (type, id) order, in one transaction. */
export function reindexResources(db: Db, after: ResourceKey | undefined, opts: { type?: string | undefined; limit: number }): { resources: number; rows: number; last?: ResourceKey } {
  let rows = 0;
  // Read and rewrite in one write transaction: another process (a running gateway) cannot change a
  // resource between reading its JSON and writing its rows, so the index never lags its version.
  // The chunk size is written into the SQL, not bound (./statements.ts pageLimit).
  const chunk = pageLimit(Math.max(1, Math.trunc(opts.limit) || 1));
  const found = db.transaction(() => {
    const f = chunk.cut(stmt(db, `SELECT resource_type, id, resource FROM resources
      WHERE (@type IS NULL OR resource_type = @type) AND (@at IS NULL OR resource_type > @at OR (resource_type = @at AND id > @aid))
      ORDER BY resource_type, id ${chunk.sql}`).all({ type: opts.type ?? null, at: after?.type ?? null, aid: after?.id ?? null }) as
      Array<{ resource_type: string; id: string; resource: string }>);
    for (const r of f) rows += writeIndex(db, JSON.parse(r.resource) as Resource);
    return f;
  }).immediate();
  const l = found[found.length - 1];
  return { resources: found.length, rows, ...(l ? { last: { type: l.resource_type, id: l.id } } : {}) };
}

export function searchResources(db: Db, q: ResourceSearch): { total?: number; resources: StoredResource[] } {
  const w = searchWhere(q);
  // An integer (it is written into the page's SQL below); a page size that is not a number is 0.
  const limit = Math.min(Math.max(Math.trunc(q.limit) || 0, 0), SEARCH_MAX_PAGE);
  const offset = Math.max(q.offset, 0);
  const o = searchOrder(q);
  // The page size is written into the statement, not bound: SQLite (3.53) reads a bound LIMIT
  // while it prepares (to plan for its value) and so marks the statement to be prepared again
  // whenever that parameter is bound, which better-sqlite3 does at every run: every search was
  // compiled anew (30 % of a search's CPU in the gateway's perf profile; by identifier in a loop
  // 32 -> 17 us). The offset stays bound (it does not mark the statement), so paging reuses the
  // statement; page sizes are few (_count, at most SEARCH_MAX_PAGE), each one statement.
  const rows = limit === 0 ? [] : (searchStmt(db, `SELECT r.resource, r.version_id, r.last_updated, r.message_id FROM resources r ${w.sql} ${o.sql} LIMIT ${limit} OFFSET ?`)
    .all(...w.params, ...o.params, offset) as Array<{ resource: string; version_id: number; last_updated: string; message_id: number | null }>);
  // A page that holds fewer rows than it could (and some, or the first page) ends the matches: the
  // total is exact without counting them again (the count was a second statement, over the same
  // index lookups, in a read transaction of its own).
  const total = !q.total ? undefined
    : limit > 0 && rows.length < limit && (rows.length > 0 || offset === 0) ? offset + rows.length
      : (searchStmt(db, `SELECT count(*) AS n FROM resources r ${w.sql}`).get(...w.params) as { n: number }).n;
  return { total, resources: rows.map((r) => ({ resource: JSON.parse(r.resource) as Resource, versionId: r.version_id, lastUpdated: r.last_updated, messageId: r.message_id })) };
}

interface HistoryRow { resource_type: string; id: string; version_id: number; resource: string | null; deleted: number; last_updated: string }

const toVersion = (r: HistoryRow): ResourceVersion => ({
  resourceType: r.resource_type, id: r.id, versionId: r.version_id, lastUpdated: r.last_updated,
  resource: r.resource === null ? null : (JSON.parse(r.resource) as Resource), deleted: r.deleted === 1,
});

/** A history page: its size written into the SQL, not bound (./statements.ts pageLimit), its offset bound. */
const page = (q: HistoryQuery) => ({ limit: pageLimit(Math.min(Math.max(Math.trunc(q.limit ?? 100) || 1, 1), 1000)), offset: Math.max(q.offset ?? 0, 0) });

export function resourceHistory(db: Db, type: string, id: string, q: HistoryQuery = {}): ResourceVersion[] {
  const p = page(q);
  return p.limit.cut(stmt(db, `SELECT resource_type, id, version_id, resource, deleted, last_updated FROM resource_history
    WHERE resource_type = @type AND id = @id AND (@since IS NULL OR last_updated >= @since)
    ORDER BY version_id DESC ${p.limit.sql} OFFSET @offset`).all({ type, id, since: q.since ?? null, offset: p.offset }) as HistoryRow[]).map(toVersion);
}

export function typeHistory(db: Db, type: string | undefined, q: HistoryQuery = {}): ResourceVersion[] {
  const p = page(q);
  return p.limit.cut(stmt(db, `SELECT resource_type, id, version_id, resource, deleted, last_updated FROM resource_history
    WHERE (@type IS NULL OR resource_type = @type) AND (@since IS NULL OR last_updated >= @since)
    ORDER BY last_updated DESC, resource_type, id, version_id DESC ${p.limit.sql} OFFSET @offset`).all({ type: type ?? null, since: q.since ?? null, offset: p.offset }) as HistoryRow[]).map(toVersion);
}

export function countHistory(db: Db, type: string | undefined, id?: string, since?: string): number {
  return (stmt(db, `SELECT count(*) AS n FROM resource_history
    WHERE (@type IS NULL OR resource_type = @type) AND (@id IS NULL OR id = @id) AND (@since IS NULL OR last_updated >= @since)`)
    .get({ type: type ?? null, id: id ?? null, since: since ?? null }) as { n: number }).n;
}

export function resourceVersion(db: Db, type: string, id: string, versionId: number): ResourceVersion | undefined {
  const r = stmt(db, 'SELECT resource_type, id, version_id, resource, deleted, last_updated FROM resource_history WHERE resource_type = ? AND id = ? AND version_id = ?')
    .get(type, id, versionId) as HistoryRow | undefined;
  return r ? toVersion(r) : undefined;
}

export function getResource(db: Db, type: string, id: string): StoredResource | undefined {
  const r = stmt(db, 'SELECT resource, version_id, last_updated, message_id FROM resources WHERE resource_type = ? AND id = ?').get(type, id) as
    | { resource: string; version_id: number; last_updated: string; message_id: number | null }
    | undefined;
  if (!r) return undefined;
  return { resource: JSON.parse(r.resource) as Resource, versionId: r.version_id, lastUpdated: r.last_updated, messageId: r.message_id };
}

/** ResourceStore.replacedBy (../resources.ts replacedByOf). */
export function patientReplacedBy(db: Db, id: string): string | undefined {
  const r = stmt(db, "SELECT resource FROM resources WHERE resource_type = 'Patient' AND id = ?").get(id) as { resource: string } | undefined;
  return replacedByOf(r?.resource);
}

/**
 * Every stored resource (other than Patients) with a `reference` equal to `reference` anywhere in
 * it (`Patient/abc`): what a patient merge re-points. Resources are stored as JSON.stringify
 * text, so the exact `"reference":"Patient/abc"` substring finds them; oldest first.
 */
export function referencingResources(db: Db, reference: string): StoredResource[] {
  const needle = `"reference":${JSON.stringify(reference)}`;
  const rows = stmt(db, `SELECT resource, version_id, last_updated, message_id FROM resources
    WHERE resource_type <> 'Patient' AND instr(resource, ?) > 0 ORDER BY resource_type, id`).all(needle) as
    Array<{ resource: string; version_id: number; last_updated: string; message_id: number | null }>;
  return rows.map((r) => ({ resource: JSON.parse(r.resource) as Resource, versionId: r.version_id, lastUpdated: r.last_updated, messageId: r.message_id }));
}

/** Ids of resources of a type carrying identifier system|value (conditional create, If-None-Exist). */
export function findByIdentifier(db: Db, type: string, system: string | undefined, value: string): string[] {
  const rows = stmt(db, `
    SELECT DISTINCT r.id FROM resources r, json_each(r.resource, '$.identifier') j
    WHERE r.resource_type = @type AND json_extract(j.value, '$.value') = @value
      AND (@system IS NULL OR json_extract(j.value, '$.system') = @system)`).all({ type, system: system ?? null, value }) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

export function countResources(db: Db, type?: string): number {
  const r = type
    ? stmt(db, 'SELECT count(*) AS n FROM resources WHERE resource_type = ?').get(type)
    : stmt(db, 'SELECT count(*) AS n FROM resources').get();
  return (r as { n: number }).n;
}

/** Replace the office records of a message (a replay rewrites them rather than adding copies); their texts as stored. */
export function replaceOfficeRecords(db: Db, messageId: number, records: readonly object[], now: Date = new Date(), opts: { first?: boolean } = {}): string[] {
  // A first outcome's message has none to remove (OfficeRecordStore.replace).
  if (!opts.first) stmt(db, 'DELETE FROM office_records WHERE message_id = ?').run(messageId);
  const ins = stmt(db, 'INSERT INTO office_records (message_id, seq, record_type, record, created_at) VALUES (?, ?, ?, ?, ?)');
  const texts = records.map((r) => JSON.stringify(r));
  records.forEach((r, i) => {
    const recordType = 'recordType' in r && typeof r.recordType === 'string' ? r.recordType : null;
    ins.run(messageId, i + 1, recordType, texts[i], now.toISOString());
  });
  return texts;
}

export function officeRecordsOf(db: Db, messageId: number): Array<Record<string, unknown>> {
  return (stmt(db, 'SELECT record FROM office_records WHERE message_id = ? ORDER BY seq').all(messageId) as Array<{ record: string }>).map(
    (r) => JSON.parse(r.record) as Record<string, unknown>,
  );
}

/** Ids of resources of a type whose top-level element `element` (a name, checked) equals value. */
export function findByElement(db: Db, type: string, element: string, value: string): string[] {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(element)) throw new Error(`not an element name: ${element}`);
  return (stmt(db, `SELECT id FROM resources WHERE resource_type = ? AND json_extract(resource, '$.${element}') = ? ORDER BY id`).all(type, value) as Array<{ id: string }>).map((r) => r.id);
}

export function listOfType<T extends Resource>(db: Db, type: string): T[] {
  return (stmt(db, 'SELECT resource FROM resources WHERE resource_type = ? ORDER BY id').all(type) as Array<{ resource: string }>).map((r) => JSON.parse(r.resource) as T);
}

export function idsOfType(db: Db, type: string): string[] {
  return (stmt(db, 'SELECT id FROM resources WHERE resource_type = ? ORDER BY id').all(type) as Array<{ id: string }>).map((r) => r.id);
}
