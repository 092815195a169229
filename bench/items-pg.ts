/**
 * PostgreSQL beside SQLite (issue #16), measured in one item so `npm run bench -- --only pg` prints
 * both with their ratios: the same gateway process (bench/mllp-gateway.ts), the same MLLP
 * store-then-ACK load (enhanced mode, commit ACK, ADT^A04 over 8 connections, each waiting for its
 * ACK; 1,000 synthetic patients, each with a visit of its own, so per-patient processing order
 * rarely makes a message wait) on
 *
 *   - SQLite (a file, WAL, synchronous=FULL), one instance;
 *   - a throwaway PostgreSQL cluster this item starts (initdb + pg_ctl; fsync and
 *     synchronous_commit on: the server's defaults) with 1 and with 3 instances (8 connections
 *     spread over them, as HAProxy's leastconn would);
 *
 * processing throughput (stored -> processed, from the start of the run until nothing is left
 * 'received'); and each engine's raw ceiling on this machine: one 1.2 KB row INSERTed per commit,
 * one connection. Beside the wall-clock figures: CPU time per message, split between the gateway
 * processes, the PostgreSQL server (the postmaster and its backends, from /proc) and the load
 * generator, and the load average before and after: the machine is shared, so the CPU split says
 * where the time goes where the wall clock cannot. "not measured" without PostgreSQL binaries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ackCode, connect, NotMeasured } from './items-runtime.js';
import { inputById } from './items-hl7.js';

/** One load run: 8 connections on one or more gateway processes over one store. */
export interface LoadRun {
  /** Commit ACKs per second (wall clock) over the timed window. */
  perSecond: number;
  messages: number;
  acks: Record<string, number>;
  /** Messages processed per second, from the start of the window until none is left 'received'. */
  processedPerSecond: number;
  /** CPU milliseconds per message (intake and processing), by process. */
  cpuMsPerMessage: { gateway: number; server: number; client: number };
  /** Load average (1 min) when the run started and ended. */
  load: [number, number];
}

export interface PgFigures {
  server: string;
  /** The raw ceiling on this machine, one row per commit, one connection: PostgreSQL and SQLite. */
  commitsPerSecond: number;
  sqliteCommitsPerSecond: number;
  sqlite: LoadRun;
  one: LoadRun;
  three: LoadRun;
}

interface Gw { port: number; child: ChildProcess }

const TICK_MS = 1000 / 100; // USER_HZ: 100 on Linux
const load1 = () => Math.round(os.loadavg()[0]! * 10) / 10;

/** utime, stime, cutime, cstime of a process in ms (fields 14-17 of /proc/<pid>/stat), and its parent. */
function procTimes(pid: number): { own: number; children: number; ppid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { own: (Number(f[11]) + Number(f[12])) * TICK_MS, children: (Number(f[13]) + Number(f[14])) * TICK_MS, ppid: Number(f[1]) };
  } catch {
    return undefined;
  }
}

/** CPU ms of the PostgreSQL server: the postmaster, its live children and those it has reaped. */
function serverCpuMs(postmaster: number | undefined): number {
  if (postmaster === undefined) return 0;
  const pm = procTimes(postmaster);
  if (!pm) return 0;
  let ms = pm.own + pm.children;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const t = procTimes(Number(d));
    if (t?.ppid === postmaster) ms += t.own;
  }
  return ms;
}

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
  const Database = (await import('better-sqlite3')).default;
  const { openStore } = await import('../src/store/index.js');
  const QUICK = process.env.BENCH_QUICK === '1';
  const ms = QUICK ? 500 : 3000;
  const cluster = await startPgCluster({ durable: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-pg-'));
  const postmaster = (() => {
    try {
      return Number(readFileSync(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  })();
  try {
    // The raw ceilings: autocommit INSERTs of a 1.2 KB row on one connection, each a WAL flush.
    const body = 'x'.repeat(1200);
    const ceilingMs = QUICK ? 300 : 2000;
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const server = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await client.query('CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)');
    let n = 0;
    let t0 = performance.now();
    while (performance.now() - t0 < ceilingMs) { await client.query('INSERT INTO t (body) VALUES ($1)', [body]); n++; }
    const commitsPerSecond = (n * 1000) / (performance.now() - t0);
    await client.end();
    const lite = new Database(path.join(dir, 'ceiling.db'));
    lite.pragma('journal_mode = WAL');
    lite.pragma('synchronous = FULL');
    lite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const ins = lite.prepare('INSERT INTO t (body) VALUES (?)');
    n = 0;
    t0 = performance.now();
    while (performance.now() - t0 < ceilingMs) { ins.run(body); n++; }
    const sqliteCommitsPerSecond = (n * 1000) / (performance.now() - t0);
    lite.close();

    // ADT^A04 (enhanced mode: MSH-15 AL, MSH-16 NE) with a new MSH-10 each and one of 1,000 patients
    // (PID-3.1), each with a visit number of its own (PV1-19): with the example's one visit number,
    // every message of every patient rewrote the same Encounter, one row that every processing
    // transaction locked in turn (processing on several instances or lanes ran one at a time on it).
    const template = inputById('adt').text();
    let seq = 0;
    const next = () => {
      seq++;
      const patient = String(seq % 1000).padStart(8, '0');
      return template.replace('|ADT0001|', `|P${process.pid}-${seq}|`).replace('|MRN00012345^', `|MRN${patient}^`).replace('|V000123^', `|V${patient}^`);
    };

    const run = async (name: string, store: { url: string } | { path: string }, instances: number, server: number | undefined): Promise<LoadRun> => {
      const configFile = path.join(dir, `gateway-${name}.json`);
      writeFileSync(configFile, JSON.stringify({
        practice: { name: 'Bench practice', timezone: 'America/Chicago' },
        store,
        log: { level: 'silent' },
        mllp: { host: '127.0.0.1', maxFrameBytes: 1 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 },
        http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
        processing: { maxAttempts: 3 },
        channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
      }));
      const first = await startGateway(configFile, `bench-${name}-1`);
      const gws = [first, ...(await Promise.all(Array.from({ length: instances - 1 }, (_, i) => startGateway(configFile, `bench-${name}-${i + 2}`))))];
      const watch = await openStore('url' in store ? { path: path.join(dir, 'unused.db'), url: store.url } : store);
      // Whether any message is left 'received': the first such id (one index lookup), not a count of
      // them (a scan of every unprocessed row, 50 times a second, counted in the server's CPU per message).
      const unprocessed = async () => (await watch.processing.pendingIds(1)).length;
      try {
        // 8 connections, spread over the instances as a TCP balancer would; a warm-up, processed before the window.
        const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => connect(gws[i % gws.length]!.port)));
        await Promise.all(clients.map(async (c) => { for (let i = 0; i < 20; i++) await c.send(next()); }));
        while ((await unprocessed()) > 0) await new Promise((r) => setTimeout(r, 20));
        const before = (await watch.messages.count()) ;
        const cpu0 = { gw: gws.reduce((s, g) => s + (procTimes(g.child.pid!)?.own ?? 0), 0), server: serverCpuMs(server), client: process.cpuUsage() };
        const loadStart = load1();
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
        while ((await unprocessed()) > 0) await new Promise((r) => setTimeout(r, 20));
        const processedDt = performance.now() - start;
        const processed = (await watch.messages.count()) - before;
        const c1 = process.cpuUsage(cpu0.client);
        const gwMs = gws.reduce((s, g) => s + (procTimes(g.child.pid!)?.own ?? 0), 0) - cpu0.gw;
        const serverMs = serverCpuMs(server) - cpu0.server;
        clients.forEach((c) => c.close());
        const per = (x: number) => x / Math.max(1, processed);
        return {
          perSecond: (count * 1000) / dt, messages: count, acks, processedPerSecond: (processed * 1000) / processedDt,
          cpuMsPerMessage: { gateway: per(gwMs), server: per(serverMs), client: per((c1.user + c1.system) / 1000) },
          load: [loadStart, load1()],
        };
      } finally {
        await watch.close();
        await stop(gws);
      }
    };
    const sqlite = await run('sqlite', { path: path.join(dir, 'gateway.db') }, 1, undefined);
    const one = await run('pg-1', { url: `${cluster.url}?schema=bench_1` }, 1, postmaster);
    const three = await run('pg-3', { url: `${cluster.url}?schema=bench_3` }, 3, postmaster);
    return { server: `PostgreSQL ${server}`, commitsPerSecond, sqliteCommitsPerSecond, sqlite, one, three };
  } finally {
    cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
