/**
 * Original mode, where a message's time goes (not part of `npm run bench`): the in-process gateway
 * (bench/profile/gateway.ts), N connections each sending the ADT^A04 example in original mode and
 * waiting for its application ACK; after a warm-up, every SQL statement's time (by text) and count
 * per message, and each commit cut into: the event loop's time before the flush started, the
 * transaction's work, the COMMIT, the wait for its fsync.
 *   node --import tsx bench/profile/orig-trace.ts [seconds=5] [connections=1] [warmupSeconds=8]
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startProfileGateway } from './gateway.js';
import { connectMllp } from './mllp-client.js';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 1);
const warmup = Number(process.argv[4] ?? 8);
const Database = createRequire(import.meta.url)('better-sqlite3');
const stats = new Map<string, { n: number; ms: number }>();
let on = false;
const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
for (const m of ['run', 'get', 'all']) {
  const orig = proto[m];
  proto[m] = function (this: { source: string }, ...a: unknown[]) {
    if (!on) return orig.apply(this, a);
    const t = performance.now();
    try { return orig.apply(this, a); } finally {
      const k = `${m} ${this.source.replace(/\s+/g, ' ').slice(0, 110)}`;
      const s = stats.get(k) ?? { n: 0, ms: 0 };
      s.n++; s.ms += performance.now() - t; stats.set(k, s);
    }
  };
}
const { gw, dir } = await startProfileGateway('frontdesk-otrace-', 'Trace practice', 'trace.db');
const port = gw.mllp[0]!.address().port;
if (process.env.OT_OFFLOAD) (gw.pipeline as unknown as { config: { processing: { offloadBytes: number } } }).config.processing.offloadBytes = Number(process.env.OT_OFFLOAD);
if (process.env.OT_NOACKSENT) (gw.pipeline as unknown as { noteAckSent: () => void }).noteAckSent = () => {};
const store = gw.store as unknown as { transaction: (w: unknown, o?: { onCommit?: () => void }) => Promise<unknown>; walSync: { sync(): Promise<void> } };
const phases = { commits: 0, work: 0, commit: 0, sync: 0 };
const origTx = store.transaction.bind(store);
store.transaction = async (work: unknown, o: { onCommit?: () => void } = {}) => {
  const t0 = performance.now();
  let tc = 0;
  const r = await origTx(async (tx: unknown) => { const v = await (work as (t: unknown) => Promise<unknown>)(tx); tc = performance.now(); return v; }, { ...o, onCommit: () => { if (on) { phases.commits++; phases.work += tc - t0; phases.commit += performance.now() - tc; } ts = performance.now(); o.onCommit?.(); } });
  if (on) phases.sync += performance.now() - ts;
  return r;
};
let ts = 0;
// The fsyncs themselves (WalSync's fdatasync in the thread pool): how many, and how long each took.
const fsyncs = { n: 0, ms: 0 };
const ws = store.walSync as unknown as { fsync: () => Promise<void> };
const origFsync = ws.fsync.bind(ws);
ws.fsync = async () => { const t = performance.now(); try { await origFsync(); } finally { if (on) { fsyncs.n++; fsyncs.ms += performance.now() - t; } } };
const template = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r').replace('|AL|NE|', '|||');
const controlId = template.split('\r')[0]!.split('|')[9]!;
let seq = 0;
const next = () => template.replace(`|${controlId}|`, `|T${process.pid}-${++seq}|`);
const clients = await Promise.all(Array.from({ length: connections }, () => connectMllp(port)));
const run = async (ms: number) => {
  let n = 0;
  const end = performance.now() + ms;
  await Promise.all(clients.map(async (c) => { while (performance.now() < end) { await c.send(next()); n++; } }));
  return n;
};
await run(warmup * 1000);
on = true;
const io = () => Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => { const [k, v] = l.split(': '); return [k!, Number(v)]; }));
const io0 = io();
// CPU per thread, by its name (/proc/self/task/*/stat: utime + stime, in clock ticks of 10 ms).
const threads = () => {
  const m = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      m.set(`${name}#${t}`, (Number(f[11]) + Number(f[12])) * 10);
    } catch { /* gone */ }
  }
  return m;
};
const th0 = threads();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const n = await run(seconds * 1000);
const dt = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
on = false;
const io1 = io();
const th1 = threads();
const f = (x: number) => (x / n * 1000).toFixed(0).padStart(5);
process.stdout.write(`${connections} conn: ${Math.round(n * 1000 / dt)} msg/s, CPU ${((cpu.user + cpu.system) / n).toFixed(0)} us/msg, wall ${(dt / n * 1000).toFixed(0)} us/msg\n`);
process.stdout.write(`commits ${(phases.commits / n).toFixed(2)}/msg; per msg (us): tx work ${f(phases.work)}, COMMIT ${f(phases.commit)}, fsync wait ${f(phases.sync)}\n`);
const byName = new Map<string, number>();
for (const [k, v] of th1) { const tid = k.split('#')[1]!; const name = tid === String(process.pid) ? 'main' : `tid ${tid}`; byName.set(name, (byName.get(name) ?? 0) + v - (th0.get(k) ?? 0)); }
process.stdout.write(`CPU by thread (us/msg): ${[...byName].filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / n * 1000).toFixed(0)}`).join(', ')}\n`);
let total = 0;
for (const s of stats.values()) total += s.ms;
process.stdout.write(`fsyncs ${(fsyncs.n / n).toFixed(2)}/msg, ${(fsyncs.ms / Math.max(1, fsyncs.n) * 1000).toFixed(0)} us each (call to callback)\n`);
process.stdout.write(`written ${((io1.wchar - io0.wchar) / n).toFixed(0)} B/msg (write calls ${((io1.syscw - io0.syscw) / n).toFixed(1)}/msg)\n`);
process.stdout.write(`SQL statements: ${f(total)} us/msg\n`);
for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) process.stdout.write(`${f(s.ms)} us ${(s.n / n).toFixed(2).padStart(6)}x  ${k}\n`);
clients.forEach((c) => c.close());
await gw.close();
rmSync(dir, { recursive: true, force: true });
