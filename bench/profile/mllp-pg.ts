/**
 * Profiling loop for #16 (not part of `npm run bench`): the bench item's MLLP store-then-ACK load
 * (bench/items-pg.ts: ADT^A04 in enhanced mode, commit ACK, one of 1,000 patients, 8 connections
 * each waiting for its ACK) against the gateway started in this process on a throwaway durable
 * PostgreSQL cluster. Prints, per message, what the wall clock cannot say on a shared machine:
 * the statements (round trips: every pg Client.query is one) by kind, the commits, this process's
 * CPU (gateway + clients) and the server's (postmaster and backends, from /proc), for intake (the
 * timed window) and for processing (the backlog it left, worked off after the window).
 *
 *   node --import tsx bench/profile/mllp-pg.ts [seconds=3] [connections=8]
 *   SHOW_SQL=1: the statement kinds in full; PROF_HOLD=1: no processing at all (intake alone).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/logging.js';
import { connectMllp } from './mllp-client.js';
import { checkConfig, type GatewayConfig } from '../../src/config.js';
import { startPgCluster } from '../../test/support/pg-cluster.js';

const seconds = Number(process.argv[2] ?? 3);
const connections = Number(process.argv[3] ?? 8);
const cluster = await startPgCluster({ durable: true });
// PG_STATS=1: pg_stat_statements on the throwaway cluster; the statements by server time at the end of each phase.
if (process.env.PG_STATS) {
  const c = new pg.Client({ connectionString: cluster.url });
  await c.connect();
  await c.query(`ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements${process.env.PG_EXPLAIN ? ', auto_explain' : ''}`);
  await c.end();
  cluster.stop();
  cluster.start();
}
const postmaster = Number(readFileSync(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
const stats = process.env.PG_STATS ? new pg.Client({ connectionString: cluster.url }) : undefined;
if (stats) {
  await stats.connect();
  await stats.query('CREATE EXTENSION pg_stat_statements');
  await stats.query('ALTER SYSTEM SET pg_stat_statements.track_planning = on');
  // PG_EXPLAIN=<ms>: auto_explain (analyze, buffers) of every statement slower than that, in <cluster>/server.log.
  if (process.env.PG_EXPLAIN) {
    for (const x of [`auto_explain.log_min_duration = ${Number(process.env.PG_EXPLAIN)}`, 'auto_explain.log_analyze = on', 'auto_explain.log_buffers = on', 'auto_explain.log_nested_statements = on']) await stats.query(`ALTER SYSTEM SET ${x}`);
    process.stdout.write(`auto_explain: ${cluster.dir}/server.log (kept: PG_KEEP)\n`);
  }
  await stats.query('SELECT pg_reload_conf()');
}
async function statementTimes(n: number): Promise<void> {
  if (!stats) return;
  const r = await stats.query<{ q: string; calls: number; exec: number; plan: number }>(`SELECT regexp_replace(query, '\\s+', ' ', 'g') AS q, calls::int,
    total_exec_time AS exec, total_plan_time AS plan FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 14`);
  for (const x of r.rows) process.stdout.write(`  server ${((x.exec + x.plan) * 1000 / Math.max(1, n)).toFixed(0).padStart(5)} us/msg (plan ${(x.plan * 1000 / Math.max(1, n)).toFixed(0)}) ${(x.calls / Math.max(1, n)).toFixed(2)} calls/msg  ${x.q.slice(0, 110)}\n`);
  await stats.query('SELECT pg_stat_statements_reset()');
}

function procTimes(pid: number): { own: number; children: number; ppid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { own: (Number(f[11]) + Number(f[12])) * 10, children: (Number(f[13]) + Number(f[14])) * 10, ppid: Number(f[1]) };
  } catch {
    return undefined;
  }
}
function serverMs(): number {
  const pm = procTimes(postmaster);
  if (!pm) return 0;
  let ms = pm.own + pm.children;
  for (const d of readdirSync('/proc')) if (/^\d+$/.test(d) && procTimes(Number(d))?.ppid === postmaster) ms += procTimes(Number(d))!.own;
  return ms;
}

// Every Client.query is one round trip: counted by the first words of its text.
const kinds = new Map<string, number>();
const kindOf = (text: string) => {
  const t = text.replace(/\s+/g, ' ').trim();
  if (process.env.SHOW_SQL) return t.slice(0, 160);
  const m = /^(WITH \w+|INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+|SELECT .{0,40}? FROM \w+|\w+( \w+)?)/.exec(t);
  return m ? m[0] : t.slice(0, 40);
};
const q = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const a = args[0] as string | { text: string };
  const k = kindOf(typeof a === 'string' ? a : a.text);
  kinds.set(k, (kinds.get(k) ?? 0) + 1);
  return (q as (...x: unknown[]) => unknown).apply(this, args);
} as typeof q;

const config = (schema: string) => {
  const cfg = checkConfig({
    practice: { name: 'Profile practice', timezone: 'America/Chicago' },
    store: { url: `${cluster.url}?schema=${schema}` },
    log: { level: 'silent' },
    mllp: { host: '127.0.0.1', maxFrameBytes: 1 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 },
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
    processing: { maxAttempts: 3 },
    channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
  }, process.cwd(), {});
  if (!cfg.value) throw new Error(JSON.stringify(cfg.issues));
  return cfg.value as GatewayConfig;
};
const template = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r');
let seq = 0;
const next = () => {
  seq++;
  const patient = String(seq % 1000).padStart(8, '0');
  return template.replace('|ADT0001|', `|P${process.pid}-${seq}|`).replace('|MRN00012345^', `|MRN${patient}^`).replace('|V000123^', `|V${patient}^`);
};

const os1 = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * AB=1: intake alone (processing held) on two gateways in this process, each on a schema of its
 * own, in alternating rounds of AB_MS (default 1000) ms, AB_ROUNDS (default 8) each: A with the
 * PostgreSQL store's group commits not pipelined, B as they are (PgStore.pipelined). Medians of
 * msg/s and of CPU per message (this process: gateway and clients) and the server's, per side.
 */
if (process.env.AB) {
  const sides = await Promise.all(['ab_a', 'ab_b'].map(async (schema, i) => {
    const gw = await startGateway(config(schema), { log: silentLogger, noHttp: true });
    (gw.pipeline as unknown as { process: () => Promise<never> }).process = () => new Promise<never>(() => {});
    (gw.store as unknown as { checksInOneTrip: boolean }).checksInOneTrip = i === 1;
    const clients = await Promise.all(Array.from({ length: connections }, () => connectMllp(gw.mllp[0]!.address().port)));
    await Promise.all(clients.map(async (c) => { for (let k = 0; k < 50; k++) await c.send(next()); }));
    return { name: i === 0 ? 'A (a duplicate check and an insert per frame)' : 'B (the check in the insert)', gw, clients, rate: [] as number[], cpu: [] as number[], server: [] as number[], statements: [] as number[] };
  }));
  const ms = Number(process.env.AB_MS ?? 1000);
  const rounds = Number(process.env.AB_ROUNDS ?? 8);
  const load0 = os1();
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? [...sides].reverse() : sides) {
      kinds.clear();
      const cpu0 = process.cpuUsage();
      const s0 = serverMs();
      const t0 = performance.now();
      let n = 0;
      await Promise.all(side.clients.map(async (c) => { while (performance.now() - t0 < ms) { await c.send(next()); n++; } }));
      const dt = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      side.rate.push((n * 1000) / dt);
      side.cpu.push((cpu.user + cpu.system) / 1000 / n);
      side.server.push((serverMs() - s0) / n);
      side.statements.push([...kinds.values()].reduce((a, b) => a + b, 0) / n);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const s of sides) process.stdout.write(`${s.name}: ${Math.round(med(s.rate))} msg/s (rounds ${s.rate.map(Math.round).join(' ')}), CPU per message ${med(s.cpu).toFixed(2)} ms here + ${med(s.server).toFixed(2)} ms server, ${med(s.statements).toFixed(2)} statements per message\n`);
  process.stdout.write(`ratio B/A: ${(med(sides[1]!.rate) / med(sides[0]!.rate)).toFixed(2)}; load ${load0} -> ${os1()}\n`);
  for (const s of sides) { s.clients.forEach((c) => c.close()); await s.gw.close(); }
  await stats?.end();
  cluster.destroy();
  process.exit(0);
}

const gw = await startGateway(config('prof'), { log: silentLogger, noHttp: true });
if (process.env.PROF_HOLD) (gw.pipeline as unknown as { process: () => Promise<never> }).process = () => new Promise<never>(() => {});
const port = gw.mllp[0]!.address().port;
const received = async () => (await gw.store.processing.pendingIds(1)).length;
const clients = await Promise.all(Array.from({ length: connections }, () => connectMllp(port)));
await Promise.all(clients.map(async (c) => { for (let i = 0; i < 20; i++) await c.send(next()); }));
if (!process.env.PROF_HOLD) while ((await received()) > 0) await new Promise((r) => setTimeout(r, 20));

const report = (what: string, n: number, cpu: NodeJS.CpuUsage, server: number, extra = '') => {
  const per = (x: number) => (x / Math.max(1, n)).toFixed(2);
  const total = [...kinds.values()].reduce((s, x) => s + x, 0);
  process.stdout.write(`${what}: ${n} messages${extra}; CPU per message: gateway+clients ${per((cpu.user + cpu.system) / 1000)} ms, server ${per(server)} ms; statements per message ${per(total)}; load ${os1()}\n`);
  for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${per(v).padStart(6)}  ${k}\n`);
  kinds.clear();
};
kinds.clear();
if (stats) await stats.query('SELECT pg_stat_statements_reset()');
let n = 0;
const acks: Record<string, number> = {};
let cpu0 = process.cpuUsage();
let s0 = serverMs();
const t0 = performance.now();
const end = t0 + seconds * 1000;
await Promise.all(clients.map(async (c) => {
  while (performance.now() < end) {
    const k = /\rMSA\|([A-Z]{2})/.exec(await c.send(next()))?.[1] ?? '?';
    acks[k] = (acks[k] ?? 0) + 1;
    n++;
  }
}));
const dt = (performance.now() - t0) / 1000;
report('intake window (with the processing that ran in it)', n, process.cpuUsage(cpu0), serverMs() - s0, ` in ${dt.toFixed(2)} s (${Math.round(n / dt)} msg/s wall clock), acks ${JSON.stringify(acks)}`);
await statementTimes(n);
if (!process.env.PROF_HOLD) {
  const left = await gw.store.messages.count({ state: 'received' });
  cpu0 = process.cpuUsage();
  s0 = serverMs();
  const t1 = performance.now();
  while ((await received()) > 0) await new Promise((r) => setTimeout(r, 20));
  const dt1 = (performance.now() - t1) / 1000;
  report('processing the backlog left after the window', left, process.cpuUsage(cpu0), serverMs() - s0, ` in ${dt1.toFixed(2)} s (${Math.round(left / dt1)} msg/s wall clock)`);
  await statementTimes(left);
}
clients.forEach((c) => c.close());
await gw.close();
await stats?.end();
if (process.env.PG_KEEP) { cluster.stop(); process.stdout.write(`cluster kept in ${cluster.dir}\n`); } else cluster.destroy();
