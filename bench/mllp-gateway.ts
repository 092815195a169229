/**
 * The gateway under MLLP load, in a process of its own (so the load generator does not share its
 * CPU and its peak RSS is its own): starts it from a config file, prints `PORT <n>` (and the
 * second channel's port and the HTTP address), and on
 * SIGTERM closes it and prints `RSS <peak MB>`. The gateway's code is the compiled build (dist/),
 * as `npm start` runs it.
 *   node --import tsx bench/mllp-gateway.ts <config.json>
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The gateway as `npm start` runs it: the compiled build (dist/, made first when stale), not the
// sources through tsx, whose transform names every closure it creates at run time (esbuild's
// keepNames: a defineProperty per closure, ~1 % of an original-mode message's CPU in a profile)
// and which users never run. BENCH_FROM_SOURCE=1: src/ through tsx (to compare the two).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fromSource = process.env.BENCH_FROM_SOURCE === '1';
if (!fromSource) ((await import(pathToFileURL(path.join(ROOT, 'scripts', 'build.mjs')).href)) as { ensureBuilt: () => void }).ensureBuilt();
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(ROOT, fromSource ? 'src' : 'dist', file)).href) as Promise<T>;
const { loadConfig } = await load<typeof import('../src/config.js')>('config.js');
const { startGateway } = await load<typeof import('../src/gateway.js')>('gateway.js');
const { silentLogger } = await load<typeof import('../src/logging.js')>('logging.js');
const { SqliteStore } = await load<typeof import('../src/store/sqlite/store.js')>('store/sqlite/store.js');

const cfg = loadConfig(process.argv[2], {});
if (!cfg.value) {
  process.stderr.write(`bench config rejected: ${cfg.issues.map((i) => i.diagnostics).join('; ')}\n`);
  process.exit(2);
}
// bench/profile/mllp-ab.ts: BENCH_OFFLOAD_BYTES, processing.offloadBytes (an experiment: 1 prepares every message's run in the worker pool).
if (process.env.BENCH_OFFLOAD_BYTES) cfg.value.processing.offloadBytes = Number(process.env.BENCH_OFFLOAD_BYTES);
const gw = await startGateway(cfg.value, { log: silentLogger });
// bench/profile/mllp-ab.ts: BENCH_CHECKPOINT_MS, the WAL checkpoint interval (an experiment; 0: a checkpoint after every commit).
if (process.env.BENCH_CHECKPOINT_MS) (gw.store as unknown as { checkpointer?: { intervalMs: number } }).checkpointer!.intervalMs = Number(process.env.BENCH_CHECKPOINT_MS);
// SQLite: its synchronous pragma (2 = FULL); PostgreSQL: the server's synchronous_commit is on (its default).
const sync = gw.store instanceof SqliteStore ? gw.store.db.pragma('synchronous', { simple: true }) : 'pg';
// The first channel's port, the others' (LABPORT: the second channel, large ORUs), the HTTP API (/health).
process.stdout.write(`PORT ${gw.mllp[0]!.address().port} SYNC ${String(sync)} LABPORT ${gw.mllp[1]?.address().port ?? 0} HTTP ${gw.http?.url ?? ''}\n`);
// The soak run (bench/items-soak.ts) reads the resident set as it goes.
const every = Number(process.env.BENCH_RSS_EVERY_MS ?? 0);
if (every > 0) {
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    // RSSNOW is what the soak reads; the rest says where it went: the V8 heap, buffers outside it,
    // and the backlog (messages committed and not yet processed, counted in the store).
    void gw.store.messages.count({ state: 'received' }).catch(() => -1).then((backlog) => {
      process.stdout.write(`RSSNOW ${m.rss / 1024 / 1024} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} buffers ${mb(m.arrayBuffers)} backlog ${backlog}\n`);
    });
  }, every).unref();
}
// bench/profile/health.ts: every event-loop turn that came later than BENCH_BLOCK_MS: how long it was
// (wall), how much of it this thread ran (cpu) and waited for a core (queue), from the thread's
// schedstat (Linux; ns on the CPU, ns waiting on the run queue), and when it ended.
const blockMs = Number(process.env.BENCH_BLOCK_MS ?? 0);
if (blockMs > 0) {
  const sched = (): number[] => { try { return readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number); } catch { return [0, 0]; } };
  let last = performance.now();
  let lastSched = sched();
  setInterval(() => {
    const now = performance.now();
    const s = sched();
    if (now - last > blockMs) process.stdout.write(`BLOCK ${Math.round(now - last)} ms cpu ${Math.round((s[0]! - lastSched[0]!) / 1e6)} queue ${Math.round((s[1]! - lastSched[1]!) / 1e6)} ending at ${Math.round(now)} hr ${process.hrtime.bigint() / 1000n}\n`);
    last = now;
    lastSched = s;
  }, 2).unref();
}
// BENCH_HEAP_SAMPLE=<s>,<file>: a sampling heap profile (V8's, not a snapshot: a snapshot of a
// 100 MB heap stalls the gateway for tens of seconds under load) started <s> seconds in, written to
// <file> at SIGTERM: the objects allocated since then and still alive, by allocating function
// (bench/profile/heapprofile.mjs reads it). What a soak's memory creeps by at a steady state is in it.
let heapSampled: (() => Promise<void>) | undefined;
if (process.env.BENCH_HEAP_SAMPLE) {
  const [after, file] = process.env.BENCH_HEAP_SAMPLE.split(',');
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  setTimeout(() => void session.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024 }), Number(after) * 1000).unref();
  heapSampled = async () => {
    const { profile } = await session.post('HeapProfiler.getSamplingProfile');
    writeFileSync(file!, JSON.stringify(profile));
  };
}
process.on('SIGTERM', () => {
  void (heapSampled?.() ?? Promise.resolve()).catch(() => undefined).then(() => gw.close()).then(() => {
    process.stdout.write(`RSS ${process.resourceUsage().maxRSS / 1024}\n`);
    process.exit(0);
  });
});
