/**
 * Where a FHIR search's time goes over HTTP (issue #18), request by request: the gateway (HTTP
 * API only) on a SQLite store of N Patients, and a client sending `GET /fhir/Patient?identifier=`
 * (or `birthdate=`) one after the other, in a child process (as an EHR is another process) or,
 * with --inproc, in this one (as bench/items-fhir-search.ts did before). For each request the
 * server side records: arrival -> the store search and audit row (routing, authentication,
 * parameter parsing), the store search, the audit row (written while the search runs), from the
 * first of those to the last (`store`), then -> finish (Bundle, JSON, the write); and the GC
 * pauses and event-loop delay. Prints the phases at the median and over the slowest 1 % of
 * requests, and which of those a GC pause overlapped. Its own bookkeeping per request makes the
 * gateway promote more at each scavenge (2-3 MB against 0.1-0.2 MB without it, 2026-12-07, on
 * both engines): read GC figures from search-parts.ts with --trace-gc-nvp.
 *
 *   node --import tsx bench/profile/search.ts [patients=100000] [queries=3000] [identifier|birthdate] [--inproc] [--db DIR]
 *
 * The store is kept in DIR (default /tmp/frontdesk-prof-search-<patients>) and reused when it
 * holds the Patients already; with --url postgres://... the store is that PostgreSQL database
 * (schema prof_search, `?schema=` in the URL for another), loaded once the same way. Add
 * --cpu-prof to the node flags for a profile of the server, or --cpu for one of the timed loop only.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import { performance, PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { patient, SYSTEM } from '../items-fhir-search.js';

// The same synthetic patients as the bench's search item (bench/items-fhir-search.ts).

/** The client: sends the URLs one after the other, prints each latency (ms) as JSON on IPC. */
async function client(urls: string[], key: string): Promise<number[]> {
  const lat: number[] = [];
  for (const u of urls) {
    const s = performance.now();
    const r = await fetch(u, { headers: { authorization: `Bearer ${key}` } });
    await r.json();
    lat.push(performance.now() - s);
    if (r.status !== 200) throw new Error(`answered ${r.status}`);
  }
  return lat;
}

if (process.argv[2] === '--client') {
  process.once('message', (m: { urls: string[]; key: string }) => {
    void client(m.urls, m.key).then((lat) => process.send!({ lat }, () => process.exit(0)));
  });
} else {
  await main();
}

async function main(): Promise<void> {
  // --weak: count WeakRefs and FinalizationRegistry registrations made during the loop, by stack.
  const weak = new Map<string, number>();
  let counting = false;
  if (process.argv.includes('--weak')) {
    const W = globalThis.WeakRef;
    const where = () => (new Error().stack ?? '').split('\n').slice(2, 6).map((l) => l.trim()).join(' < ');
    globalThis.WeakRef = class extends W<object> { constructor(t: object) { super(t); if (counting) { const k = `WeakRef ${where()}`; weak.set(k, (weak.get(k) ?? 0) + 1); } } } as typeof WeakRef;
    const reg = FinalizationRegistry.prototype.register;
    FinalizationRegistry.prototype.register = function (this: FinalizationRegistry<unknown>, ...a: Parameters<typeof reg>) { if (counting) { const k = `register ${where()}`; weak.set(k, (weak.get(k) ?? 0) + 1); } return reg.apply(this, a); };
  }
  const args = process.argv.slice(2);
  const flag = (f: string) => args.includes(f);
  const opt = (f: string) => { const i = args.indexOf(f); return i >= 0 ? args[i + 1] : undefined; };
  const pos = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && ['--db', '--url'].includes(args[i - 1]!)));
  const N = Number(pos[0] ?? 100_000);
  const Q = Number(pos[1] ?? 3000);
  // `mixed`: identifier and birthdate alternately, the phases printed for each (same conditions for both).
  const kind = (pos[2] ?? 'identifier') as 'identifier' | 'birthdate' | 'mixed';
  const kindOf = (i: number): 'identifier' | 'birthdate' => (kind === 'mixed' ? (i % 2 ? 'birthdate' : 'identifier') : kind);
  const dir = opt('--db') ?? path.join(os.tmpdir(), `frontdesk-prof-search-${N}`);
  mkdirSync(dir, { recursive: true });
  const pgUrl = opt('--url');
  const url = pgUrl && !/[?&]schema=/.test(pgUrl) ? `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=prof_search` : pgUrl;
  const storeCfg = { path: path.join(dir, 'fd.db'), ...(url ? { url } : {}) };
  const { openStore } = await import('../../src/store/index.js');
  let fresh = !existsSync(path.join(dir, 'loaded'));
  if (url) {
    const s = await openStore(storeCfg);
    fresh = (await s.resources.count('Patient')) < N;
    await s.close();
  }
  if (fresh) {
    const store = await openStore(storeCfg);
    const t0 = performance.now();
    for (let i = 0; i < N; i += 1000) {
      await store.transaction(async (tx) => { for (let j = i; j < Math.min(N, i + 1000); j++) await tx.resources.upsert(patient(j), null); });
    }
    // Statistics only where a running gateway has them (bench/items-fhir-search.ts says why):
    // PostgreSQL's autovacuum analyzes; nothing analyzes a SQLite store, and with sqlite_stat4
    // rows every search statement is prepared again at each binding.
    const { execOnStore } = await import('../../test/support/store-sql.js');
    if (url) await execOnStore(store, 'ANALYZE');
    await store.close();
    if (!url) (await import('node:fs')).writeFileSync(path.join(dir, 'loaded'), String(N));
    console.log(`loaded ${N} Patients in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const { startHttpBenchGateway } = await import('../http-gateway.js');
  const key = 'prof-search-key';
  const gw = await startHttpBenchGateway(storeCfg, { keys: [{ name: 'prof', key, scopes: ['*'] }] });

  // Server-side phases of each request, in arrival order (the client is sequential).
  interface Rec { t0: number; s0?: number; s1?: number; a0?: number; a1?: number; fin?: number }
  const recs: Rec[] = [];
  let cur: Rec | undefined;
  gw.http.server.prependListener('request', (_req, res) => {
    const r: Rec = { t0: performance.now() };
    recs.push(r);
    cur = r;
    if (recs.length === 1200 && flag('--snapshot')) void import('node:v8').then((v8) => console.log(`mid-loop heap snapshot: ${v8.writeHeapSnapshot(path.join(dir, `mid-${Date.now()}.heapsnapshot`))}`));
    res.once('finish', () => { r.fin = performance.now(); });
  });
  const res = gw.store.resources;
  const search = res.search.bind(res);
  res.search = async (q) => { const r = cur; if (r) r.s0 = performance.now(); try { return await search(q); } finally { if (r) r.s1 = performance.now(); } };
  const au = gw.store.audit;
  const record = au.record.bind(au);
  au.record = async (e) => { const r = cur; if (r) r.a0 = performance.now(); try { return await record(e); } finally { if (r) r.a1 = performance.now(); } };
  // The SQLite store's checkpoint worker (src/store/sqlite/checkpointer.ts, private: read here by
  // name): when each checkpoint it was asked for ran, to tell the requests that overlapped one.
  const cps: Array<{ start: number; end: number }> = [];
  const cp = (gw.store as unknown as { checkpointer?: { ask(): void; worker?: { on(e: string, f: () => void): void } } }).checkpointer;
  if (cp) {
    const ask = cp.ask.bind(cp);
    cp.ask = () => { cps.push({ start: performance.now(), end: Infinity }); ask(); };
    let hooked = false;
    const hookWorker = () => { if (!hooked && cp.worker) { hooked = true; cp.worker.on('message', () => { const c = cps[cps.length - 1]; if (c) c.end = performance.now(); }); } };
    gw.http.server.on('request', hookWorker);
  }
  const gcs: Array<{ start: number; ms: number; kind: number }> = [];
  const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ start: e.startTime, ms: e.duration, kind: ((e as unknown as { detail?: { kind: number } }).detail)?.kind ?? 0 }); });
  obs.observe({ entryTypes: ['gc'] });

  let s = 18;
  const rnd = () => { s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0; return s / 2 ** 32; };
  const pick = (k: 'identifier' | 'birthdate') => { const i = Math.floor(rnd() * N); return k === 'identifier' ? `${SYSTEM}|MRN${String(i).padStart(7, '0')}` : patient(i).birthDate!; };
  // PROF_PATH=/health (or any path) sends that instead of the search: what the rest of the HTTP path costs.
  const urls = Array.from({ length: Q + 200 }, (_, i) => (process.env.PROF_PATH ? `${gw.http.url}${process.env.PROF_PATH}` : `${gw.http.url}/fhir/Patient?${kindOf(i)}=${encodeURIComponent(pick(kindOf(i)))}`));
  const inproc = flag('--inproc');
  // --alloc: a sampling heap profile of what the loop allocates and a scavenge did not free (promoted, freed later by a major GC).
  const { Session } = await import('node:inspector/promises');
  const allocAll = flag('--alloc-all');
  const session = flag('--alloc') || allocAll || flag('--cpu') ? new Session() : undefined;
  if (session) session.connect();
  if (session && (flag('--alloc') || allocAll)) {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: allocAll } as never);
  }
  // --cpu: a CPU profile of this process during the timed loop only (not the start-up or the load).
  if (session && flag('--cpu')) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const eld = monitorEventLoopDelay({ resolution: 1 });
  let lat: number[];
  const cpu0 = process.cpuUsage();
  counting = true;
  if (inproc) {
    await client(urls.slice(0, 200), key);
    recs.length = 0; gcs.length = 0; eld.enable();
    lat = await client(urls.slice(200), key);
  } else {
    eld.enable();
    const child = fork(fileURLToPath(import.meta.url), ['--client'], { execArgv: ['--import', 'tsx'] });
    const got = await new Promise<number[]>((done, fail) => {
      child.once('message', (m) => done((m as { lat: number[] }).lat));
      child.once('error', fail);
      child.send({ urls, key });
    });
    lat = got.slice(200);
    recs.splice(0, 200);
    const first = recs[0]!.t0;
    gcs.splice(0, gcs.length, ...gcs.filter((g) => g.start >= first));
  }
  const cpu = process.cpuUsage(cpu0);
  counting = false;
  for (const [k, n] of [...weak].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${n}x ${k}`);
  if (session && flag('--cpu')) {
    const { profile } = (await session.post('Profiler.stop')) as { profile: unknown };
    const file = path.join(dir, `loop-${Date.now()}.cpuprofile`);
    (await import('node:fs')).writeFileSync(file, JSON.stringify(profile));
    console.log(`CPU profile of the loop: ${file}`);
  }
  if (session && (flag('--alloc') || allocAll)) {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
    const file = path.join(dir, `promoted-${Date.now()}.heapprofile`);
    (await import('node:fs')).writeFileSync(file, JSON.stringify(profile));
    console.log(`${allocAll ? 'all' : 'promoted'} allocations: ${file}`);
  }
  session?.disconnect();
  eld.disable();
  obs.disconnect();
  if (flag('--snapshot')) console.log(`heap snapshot: ${(await import('node:v8')).writeHeapSnapshot(path.join(dir, `after-${Date.now()}.heapsnapshot`))}`);
  await gw.close();

  const pct = (xs: number[], p: number) => { const v = [...xs].sort((a, b) => a - b); return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]!; };
  const f = (x: number) => x.toFixed(2);
  const phases = (r: Rec) => ({
    // The audit row is written while the store searches (src/http/audit.ts auditAhead; it was
    // written after the Bundle until 2026-12-07): `store` is from the first of the two to the last,
    // `end` from there to the finish (the Bundle and JSON when the row came first, the write).
    pre: Math.min(r.s0 ?? r.t0, r.a0 ?? Infinity) - r.t0, search: (r.s1 ?? 0) - (r.s0 ?? 0), audit: (r.a1 ?? 0) - (r.a0 ?? 0),
    store: Math.max(r.s1 ?? 0, r.a1 ?? 0) - Math.min(r.s0 ?? r.t0, r.a0 ?? Infinity), end: (r.fin ?? 0) - Math.max(r.s1 ?? 0, r.a1 ?? 0), server: (r.fin ?? 0) - r.t0,
  });
  const rows = recs.slice(0, lat.length).map((r, i) => ({ i, client: lat[i]!, ...phases(r), gc: gcs.filter((g) => g.start < (r.fin ?? r.t0) && g.start + g.ms > r.t0 - 1).reduce((a, g) => a + g.ms, 0) }));
  console.log(`${rows.length} searches by ${kind}, ${N} Patients on ${url ? 'PostgreSQL' : 'SQLite'}, client ${inproc ? 'in this process' : 'in a child process'}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`client: p50 ${f(pct(lat, 50))} p90 ${f(pct(lat, 90))} p99 ${f(pct(lat, 99))} max ${f(Math.max(...lat))} ms; server CPU ${f(((cpu.user + cpu.system) / 1000) / rows.length)} ms a search`);
  const keys = ['server', 'pre', 'search', 'audit', 'store', 'end', 'gc'] as const;
  console.log(`server phases p50: ${keys.map((k) => `${k} ${f(pct(rows.map((r) => r[k]), 50))}`).join(', ')}`);
  console.log(`server phases p99: ${keys.map((k) => `${k} ${f(pct(rows.map((r) => r[k]), 99))}`).join(', ')}`);
  console.log(`requests with a phase over 5 ms: ${keys.filter((k) => k !== 'server').map((k) => `${k} ${rows.filter((r) => r[k] > 5).length}`).join(', ')} (of ${rows.length})`);
  if (kind === 'mixed') {
    for (const k of ['identifier', 'birthdate'] as const) {
      const of = rows.filter((r) => kindOf(r.i) === k);
      console.log(`  ${k}: client p50 ${f(pct(of.map((r) => r.client), 50))} p99 ${f(pct(of.map((r) => r.client), 99))}; server p50 ${keys.map((x) => `${x} ${f(pct(of.map((r) => r[x]), 50))}`).join(', ')}`);
    }
  }
  if (cp) {
    const over = (r: Rec) => cps.some((c) => c.start < (r.fin ?? r.t0) && c.end > r.t0);
    const withCp = rows.filter((r) => over(recs[r.i]!));
    const without = rows.filter((r) => !over(recs[r.i]!));
    const d = (xs: typeof rows) => xs.length ? `client p50 ${f(pct(xs.map((r) => r.client), 50))} p99 ${f(pct(xs.map((r) => r.client), 99))}, server p50 ${f(pct(xs.map((r) => r.server), 50))}` : 'none';
    console.log(`WAL checkpoints in the worker during the loop: ${cps.length} (median ${f(pct(cps.filter((c) => c.end < Infinity).map((c) => c.end - c.start), 50))} ms); requests overlapping one: ${withCp.length} (${d(withCp)}); others: ${d(without)}`);
  }
  const slow = [...rows].sort((a, b) => b.client - a.client).slice(0, Math.max(1, Math.floor(rows.length / 100)));
  const mean = (k: keyof typeof rows[0]) => slow.reduce((a, r) => a + r[k], 0) / slow.length;
  console.log(`slowest 1% (${slow.length}) mean: client ${f(mean('client'))}, ${keys.map((k) => `${k} ${f(mean(k))}`).join(', ')}; with a GC pause: ${slow.filter((r) => r.gc > 0).length}`);
  for (const r of slow.slice(0, 12)) console.log(`  #${r.i} client ${f(r.client)} server ${f(r.server)} pre ${f(r.pre)} search ${f(r.search)} audit ${f(r.audit)} store ${f(r.store)} end ${f(r.end)} gc ${f(r.gc)}`);
  const kinds: Record<number, string> = { 1: 'scavenge', 2: 'minor-ms', 4: 'mark-compact', 8: 'incremental', 16: 'weakcb' };
  const byKind = new Map<string, number[]>();
  for (const g of gcs) { const k = kinds[g.kind] ?? String(g.kind); byKind.set(k, [...(byKind.get(k) ?? []), g.ms]); }
  console.log(`GC in the server during the loop: ${[...byKind].map(([k, v]) => `${k} ${v.length}x (max ${f(Math.max(...v))} ms, total ${f(v.reduce((a, b) => a + b, 0))})`).join(', ') || 'none'}`);
  console.log(`event-loop delay: p50 ${f(eld.percentile(50) / 1e6)} p99 ${f(eld.percentile(99) / 1e6)} max ${f(eld.max / 1e6)} ms`);
  console.log(`heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
}
