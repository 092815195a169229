/**
 * PostgreSQL items (issue #16): the same MLLP store-then-ACK load as the SQLite row, on a
 * throwaway PostgreSQL cluster this item starts itself (initdb + pg_ctl, fsync and
 * synchronous_commit on: the server's defaults), with 1 and with 3 gateway processes on the one
 * database; processing throughput (stored -> processed); and the raw ceiling of the same server,
 * one row per commit. "not measured" when the PostgreSQL binaries are not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ackCode, connect, NotMeasured } from './items-runtime.js';
import { inputById } from './items-hl7.js';

export interface PgFigures {
  /** Raw INSERTs, one 1.2 KB row per commit, one connection (the ceiling for one connection). */
  commitsPerSecond: number;
  one: { perSecond: number; messages: number; acks: Record<string, number>; processedPerSecond: number };
  three: { perSecond: number; messages: number; acks: Record<string, number>; processedPerSecond: number };
  server: string;
}

interface Gw { port: number; child: ChildProcess }

async function startGateway(configFile: string, instance: string): Promise<Gw> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/mllp-gateway.ts'), configFile], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FRONTDESK_INSTANCE: instance },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 90 s: ${err.slice(-300)}`)), 90_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+) SYNC/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`gateway exited ${code}: ${err.slice(-300)}`)); });
  });
  return { port, child };
}

async function stop(gws: Gw[]): Promise<void> {
  await Promise.all(gws.map((g) => new Promise<void>((r) => { g.child.once('exit', () => r()); g.child.kill('SIGTERM'); })));
}

export async function runPg(): Promise<PgFigures> {
  const { findPgBin, startPgCluster } = await import('../test/support/pg-cluster.js');
  if (!findPgBin()) throw new NotMeasured('PostgreSQL binaries (pg_ctl, initdb) not installed');
  const pg = (await import('pg')).default;
  const QUICK = process.env.BENCH_QUICK === '1';
  const ms = QUICK ? 500 : 3000;
  const cluster = await startPgCluster({ durable: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-pg-'));
  try {
    // The raw ceiling: autocommit INSERTs on one connection, each a WAL flush.
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const server = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await client.query('CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)');
    const body = 'x'.repeat(1200);
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (QUICK ? 300 : 2000)) { await client.query('INSERT INTO t (body) VALUES ($1)', [body]); n++; }
    const commitsPerSecond = (n * 1000) / (performance.now() - t0);

    const template = inputById('adt').text();
    let seq = 0;
    const next = () => template.replace('|ADT0001|', `|P${process.pid}-${++seq}|`);

    const run = async (instances: number) => {
      const schema = `bench_${instances}`;
      const configFile = path.join(dir, `gateway-${instances}.json`);
      writeFileSync(configFile, JSON.stringify({
        practice: { name: 'Bench practice', timezone: 'America/Chicago' },
        store: { url: `${cluster.url}?schema=${schema}` },
        log: { level: 'silent' },
        mllp: { host: '127.0.0.1', maxFrameBytes: 1 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 },
        http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
        processing: { maxAttempts: 3 },
        channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
      }));
      const first = await startGateway(configFile, 'bench-1');
      const gws = [first, ...(await Promise.all(Array.from({ length: instances - 1 }, (_, i) => startGateway(configFile, `bench-${i + 2}`))))];
      try {
        // 8 connections, spread over the instances as a TCP balancer would.
        const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => connect(gws[i % gws.length]!.port)));
        await Promise.all(clients.map(async (c) => { for (let i = 0; i < 20; i++) await c.send(next()); }));
        const acks: Record<string, number> = {};
        let count = 0;
        const start = performance.now();
        const end = start + ms;
        await Promise.all(clients.map(async (c) => {
          while (performance.now() < end) {
            const code = ackCode(await c.send(next()));
            acks[code] = (acks[code] ?? 0) + 1;
            count++;
          }
        }));
        const dt = performance.now() - start;
        clients.forEach((c) => c.close());
        // Processing: every stored message processed (state no longer 'received'), timed from the start of the run.
        const q = new pg.Client({ connectionString: cluster.url });
        await q.connect();
        for (;;) {
          const left = (await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.messages WHERE state = 'received'`)).rows[0]!.n;
          if (left === '0') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        const processedDt = performance.now() - start;
        const processed = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.messages`)).rows[0]!.n) - 8 * 20;
        await q.end();
        return { perSecond: (count * 1000) / dt, messages: count, acks, processedPerSecond: (processed * 1000) / processedDt };
      } finally {
        await stop(gws);
      }
    };
    const one = await run(1);
    const three = await run(3);
    await client.end();
    return { commitsPerSecond, one, three, server: `PostgreSQL ${server}` };
  } finally {
    cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
