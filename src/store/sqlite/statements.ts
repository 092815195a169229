/**
 * Prepared statements cached per connection: compiling SQL costs more than running these small
 * statements, and the hot path (store, process, ACK) runs the same few dozen over and over.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

const cache = new WeakMap<Db, Map<string, Statement>>();

/** A connection's own map in one of the caches (made at its first statement). */
function statementsOf(caches: WeakMap<Db, Map<string, Statement>>, db: Db): Map<string, Statement> {
  let m = caches.get(db);
  if (!m) {
    m = new Map();
    caches.set(db, m);
  }
  return m;
}

export function stmt(db: Db, sql: string): Statement {
  const m = statementsOf(cache, db);
  let s = m.get(sql);
  if (!s) {
    s = db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}

/** How many search statements each connection keeps (least recently used dropped first). */
export const SEARCH_STATEMENTS = 256;
const searchCache = new WeakMap<Db, Map<string, Statement>>();

/**
 * Prepared statements for SQL built per request (FHIR search): the text depends on the shape of
 * the query (which parameters, how many OR values), the values are bound, so an EHR repeating the
 * same kind of search reuses one statement. Bounded, unlike `stmt`: a client can make any number
 * of shapes. Preparing anew per search cost about 0.1 ms of CPU each, and every statement dropped
 * is finalized by the garbage collector (a native weak callback), which lengthened the pauses.
 */
export function searchStmt(db: Db, sql: string): Statement {
  const m = statementsOf(searchCache, db);
  let s = m.get(sql);
  if (s) {
    m.delete(sql);
  } else {
    s = db.prepare(sql);
    if (m.size >= SEARCH_STATEMENTS) m.delete(m.keys().next().value!);
  }
  m.set(sql, s);
  return s;
}

/** The largest LIMIT written into a statement (more rows than any of these tables holds). */
export const PAGE_LIMIT_MAX = 1_000_000_000;

/**
 * A statement's LIMIT, written into its SQL instead of bound. SQLite (3.53) reads a bound LIMIT
 * while it prepares the statement, to plan for its value (computeLimitRegisters ->
 * sqlite3ExprIsInteger -> sqlite3VdbeSetVarmask), which marks the parameter so that binding it at
 * all, the same value again included, expires the statement (vdbeUnbind); better-sqlite3 binds
 * every parameter at every run, so such a statement was compiled anew at every run
 * (sqlite3_stmt_status REPREPARE equal to the number of runs). A bound OFFSET is only evaluated
 * (not marked), so it stays a parameter.
 *
 * The SQL text keys the statement caches, so the limit is rounded up to a step of a 1-2-5 ladder
 * (1, 2, 5, 10, 20, 50, 100, ...: the callers' usual page sizes are steps) and `cut` takes the
 * rows back down to it: at most three statements a decade of page sizes for each shape, whatever
 * a client asks. Only an integer is written into SQL; anything else is refused here, as SQLite
 * refused it bound (datatype mismatch).
 */
export interface PageLimit {
  /** `LIMIT <step>`, for the statement's text. */
  readonly sql: string;
  /** The rows of that statement, at most `limit` of them (the array itself, shortened). */
  cut<T>(rows: T[]): T[];
}

export function pageLimit(limit: number): PageLimit {
  if (!Number.isInteger(limit)) throw new RangeError(`page size not an integer: ${limit}`);
  const n = Math.min(Math.max(limit, 0), PAGE_LIMIT_MAX);
  return { sql: `LIMIT ${limitStep(n)}`, cut: (rows) => { if (rows.length > n) rows.length = n; return rows; } };
}

/** The smallest step of the 1-2-5 ladder at or above n (0 for 0). */
export function limitStep(n: number): number {
  if (n <= 0) return 0;
  let decade = 1;
  while (decade * 10 <= n) decade *= 10;
  return n <= decade ? decade : n <= 2 * decade ? 2 * decade : n <= 5 * decade ? 5 * decade : 10 * decade;
}
