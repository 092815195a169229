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
