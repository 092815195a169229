/**
 * The PostgreSQL connection pool (the `pg` driver), the schema a store lives in, and migrations.
 *
 * - `store.url` is a postgres:// URL. Frontdesk reads two query parameters of its own and removes
 *   them before the driver sees the URL: `schema` (the schema the tables live in, created when
 *   missing; default `public`) and `pool` (connections per instance, default 10; with more than
 *   one, up to half as many again for single-condition FHIR searches, see `createPool`).
 * - bigint (row ids, counts) comes back as a JS number: ids stay far below 2^53.
 * - An idle connection that the server drops (restart, failover) emits 'error' on the pool; it is
 *   logged by the caller, never thrown: the pool opens a new connection for the next query.
 * - Every statement has a timeout (statement_timeout, default 30 s; `statement_timeout` in the URL
 *   changes it), so a lock wait or a lost server turns into a failed commit (no ACK), not a hang.
 */
import pg from 'pg';
import { PG_MIGRATIONS, type PgMigration } from './migrations/index.js';

export interface PgTarget {
  /** The URL as the driver gets it (Frontdesk's own parameters removed). */
  connectionString: string;
  schema: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** The URL without its password, for messages and logs. */
  display: string;
}

const INT8 = 20;

/** Read a store URL (Frontdesk's own parameters `schema`, `pool` and `statement_timeout` taken out). */
export function parseTarget(url: string): PgTarget {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`schema "${schema}" must be a lower-case SQL identifier`);
  const poolSize = Number(u.searchParams.get('pool') ?? 10);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 200) throw new Error(`pool must be 1..200, got "${u.searchParams.get('pool')}"`);
  const statementTimeoutMs = Number(u.searchParams.get('statement_timeout') ?? 30_000);
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0) throw new Error(`statement_timeout must be milliseconds, got "${u.searchParams.get('statement_timeout')}"`);
  for (const k of ['schema', 'pool', 'statement_timeout']) u.searchParams.delete(k);
  const shown = new URL(u.toString());
  if (shown.password) shown.password = '***';
  return { connectionString: u.toString(), schema, poolSize, statementTimeoutMs, display: shown.toString() };
}

/**
 * `searches`: the pool of the single-condition searches (PgStore.searchPool), whose connections
 * plan their statements once: plan_cache_mode=force_generic_plan for the session. A named
 * statement with parameters is otherwise planned anew at every run while its generic plan looks
 * dearer than the plans made for the values (the default, plan_cache_mode=auto), and for a search
 * by birth date it always does: the generic plan guesses 185 rows for a range on `lo` where the
 * values' plans see 1-3, so PostgreSQL planned the statement again at every search (0.15-0.2 ms of
 * the server's CPU, more than running it). Only searches go there: the store's other statements
 * (`$1::text IS NULL OR ...`, partial indexes) need the plan made for their values.
 */
export function createPool(t: PgTarget, opts: { searches?: boolean } = {}): pg.Pool {
  return new pg.Pool({
    connectionString: t.connectionString,
    max: opts.searches ? searchPoolSize(t.poolSize) : t.poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    // search_path and the statement timeout are set per connection by the server at connect time.
    options: `-c search_path=${t.schema} -c statement_timeout=${t.statementTimeoutMs}${opts.searches ? ' -c plan_cache_mode=force_generic_plan' : ''}`,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'))) as typeof pg.types.getTypeParser },
  });
}

/** Connections of the search pool beside a store pool of `poolSize` (none for a pool of one: searches share it). */
export const searchPoolSize = (poolSize: number) => (poolSize > 1 ? Math.ceil(poolSize / 2) : 0);

/** Anything with `query`: the pool (one statement, autocommit) or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/**
 * A statement the commit path runs for every message, as a named prepared statement: each pooled
 * connection has the server parse and plan it once, then only binds and runs it (an unnamed
 * statement is parsed and planned again at every call). Only for fixed SQL text: the names are
 * per connection and never freed.
 */
export function named(name: string, text: string, values: unknown[]): pg.QueryConfig {
  return { name: `fd_${name}`, text, values };
}

/** Arbitrary constant for the migration advisory lock ("FD" "MIGR"). */
const MIGRATION_LOCK = 0x46440001;

/**
 * Forward-only migrations: each runs once, in id order, in its own transaction. Instances that start
 * together take an advisory lock first, so one migrates and the others find the work done.
 */
export async function migrate(pool: pg.Pool, schema: string, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const applied = new Set((await c.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id));
      for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
        if (applied.has(m.id)) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, $3)', [m.id, m.name, new Date().toISOString()]);
          await c.query('COMMIT');
        } catch (e) {
          await c.query('ROLLBACK').catch(() => undefined);
          // The server's error code travels on (describePgError reads it: missing rights, a lost server).
          throw Object.assign(new Error(`migration ${m.id} (${m.name}) failed: ${(e as Error).message}`), { code: (e as { code?: string }).code });
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    c.release();
  }
}

/**
 * One line saying why the store cannot be used, for the operator: the server's own words for a
 * wrong password, a missing database or missing rights, the socket error for an unreachable server.
 */
export function describePgError(e: unknown, t: Pick<PgTarget, 'display' | 'schema'>): string {
  const err = e as Error & { code?: string };
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is PostgreSQL running on that host and port?)',
    ENOTFOUND: 'host not found',
    ETIMEDOUT: 'connection timed out',
    '28P01': 'password authentication failed',
    '28000': 'authentication rejected (pg_hba.conf)',
    '3D000': 'database does not exist',
    '42501': `permission denied (schema ${t.schema}: the role needs CREATE on it, or on the database while it does not exist yet, or ownership of its tables)`,
  };
  const reason = (err.code && why[err.code]) ?? err.message ?? String(e);
  return `cannot use PostgreSQL store ${t.display}: ${reason}`;
}

/**
 * Runs several statements as one unit: outside a store transaction, on one pooled connection
 * between BEGIN and COMMIT; inside one, on the transaction's connection in a savepoint.
 */
export type Atomic = <T>(work: (q: Queryable) => Promise<T>) => Promise<T>;
