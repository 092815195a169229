/**
 * Where a commit ACK's time goes at a steady rate (not part of `npm run bench`): the gateway
 * in-process (the bench's `mllp` configuration, ADT^A04, a store in the temp dir: the shared disk),
 * enhanced mode, a steady rate over some connections as the bench sends it; each message's time cut
 * into: before the pipeline had it (socket, event loop), waiting for its group commit to start,
 * the commit (BEGIN..COMMIT on the event loop), its fsync (and whether that fsync first waited for
 * one already running, e.g. a processing commit's), and after (the ACK's way back). For the slowest
 * it says what overlapped: processing commits, fsyncs, worker checkpoints, GC, event-loop blocks.
 *   node --import tsx bench/profile/ack-trace.ts [rate=100] [messages=1000] [connections=4]
 * TRACE_SLOW=<ms>: list every message slower than this (default 5).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { startProfileGateway } from './gateway.js';
import { connectMllp } from './mllp-client.js';

const rate = Number(process.argv[2] ?? 100);
const total = Number(process.argv[3] ?? 1000);
const connections = Number(process.argv[4] ?? 4);
const slowMs = Number(process.env.TRACE_SLOW ?? 5);

const { gw, dir } = await startProfileGateway('frontdesk-trace-', 'Trace practice', 'trace.db');
const port = gw.mllp[0]!.address().port;

interface Flush { no: number; start: number; stores: number; procs: number; commit?: number; synced?: number; waitedRunning?: boolean; workAt?: number; workEnd?: number }
/** Every store transaction (the flushes' and the others': ACK-sent marks, backlog reads, ...): asked, its work's start and end, its COMMIT. */
interface Txn { flush?: number; asked: number; workAt?: number; workEnd?: number; commit?: number; later: boolean }
const txns: Txn[] = [];
interface Span { start: number; end: number }
const flushes: Flush[] = [];
const fsyncs: Span[] = [];
const checkpoints: Span[] = [];
const gcs: Span[] = [];
const blocks: Span[] = [];
const recv = new Map<string, { at: number; flush?: Flush; done?: number; runsAt?: number; runsBefore?: number }>();
/** Processing runs made so far: how many ran between a frame's arrival and the start of the commit that stored it. */
let runs = 0;

/* eslint-disable @typescript-eslint/no-explicit-any */
const pl = gw.pipeline as any;
const store = gw.store as any;
let current: Flush | undefined;
const flushOrig = pl.flush.bind(pl);
pl.flush = (committed: () => void) => {
  const f: Flush = { no: flushes.length + 1, start: performance.now(), stores: pl.storeQueue.length, procs: 0 };
  flushes.push(f);
  for (const j of pl.storeQueue) { const r = recv.get(idOf(j.inbound.raw)); if (r) { r.flush = f; r.runsBefore = runs - (r.runsAt ?? runs); } }
  current = f;
  return flushOrig(committed);
};
const takeOrig = pl.takeReady.bind(pl);
pl.takeReady = (lane?: number) => { const r = takeOrig(lane); if (current) current.procs += r.length; return r; };
const txOrig = store.transaction.bind(store);
store.transaction = async (work: any, opts: any = {}) => {
  const f = current;
  current = undefined;
  const t: Txn = { flush: f?.no, asked: performance.now(), later: opts.durableLater === true };
  txns.push(t);
  const timed = async (tx: any) => { t.workAt ??= performance.now(); if (f) f.workAt ??= t.workAt; try { return await work(tx); } finally { t.workEnd = performance.now(); if (f) f.workEnd = t.workEnd; } };
  const r = await txOrig(timed, { ...opts, onCommit: () => { t.commit = performance.now(); if (f) { f.commit = performance.now(); // Its fsync waits for a free slot (every one of FSYNCS_IN_FLIGHT running), then its own.
    f.waitedRunning = store.walSync.inFlight >= store.walSync.maxInFlight; } opts.onCommit?.(); } });
  if (f && f.synced === undefined) f.synced = performance.now();
  return r;
};
const ws = store.walSync;
// The WAL's bound: each checkpoint of all of the WAL the store waits for (writes held), and how long.
const holds: Span[] = [];
{ const cp = store.checkpointer; const orig = cp.afterCommit.bind(cp); let last: Promise<void> | undefined;
  cp.afterCommit = () => { const p = orig(); if (p && p !== last) { last = p; const s = { start: performance.now(), end: 0 }; holds.push(s); void p.then(() => { s.end = performance.now(); }); } return p; }; }
// Experiments: TRACE_CHECKPOINT_MS (the worker checkpoint interval), TRACE_FDATASYNC=1 (the WAL's sync by fdatasync).
if (process.env.TRACE_CHECKPOINT_MS) store.checkpointer.intervalMs = Number(process.env.TRACE_CHECKPOINT_MS);
if (process.env.TRACE_FDATASYNC) {
  const { fdatasync } = await import('node:fs');
  const { promisify } = await import('node:util');
  const ds = promisify(fdatasync);
  ws.fsync = async function (this: any) { this.handle ??= (await import('node:fs/promises')).open(this.path, 'r+').then((h: any) => h.fd); await ds(await this.handle); };
}
const fsyncOrig = ws.fsync.bind(ws);
ws.fsync = async () => { const s = { start: performance.now(), end: 0 }; fsyncs.push(s); try { await fsyncOrig(); } finally { s.end = performance.now(); } };
const processOneOrig = pl.processOne.bind(pl);
pl.processOne = async (...args: unknown[]) => { try { return await processOneOrig(...args); } finally { runs++; } };
const receiveOrig = pl.receive.bind(pl);
pl.receive = async (inb: any) => {
  const id = idOf(inb.raw);
  const r = { at: performance.now(), runsAt: runs } as { at: number; flush?: Flush; done?: number; runsAt?: number; runsBefore?: number };
  recv.set(id, r);
  const out = await receiveOrig(inb);
  r.done = performance.now();
  return out;
};
// Worker checkpoints: asked for (postMessage) and answered.
const cp = store.checkpointer;
const askOrig = cp.ask.bind(cp);
let cpSpan: Span | undefined;
cp.ask = () => { cpSpan = { start: performance.now(), end: Infinity }; checkpoints.push(cpSpan); askOrig(); if (!cp.workerHooked) { cp.workerHooked = true; cp.worker.on('message', () => { if (cpSpan) cpSpan.end = performance.now(); }); } };
new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration }); }).observe({ entryTypes: ['gc'] });
let last = performance.now();
setInterval(() => { const n = performance.now(); if (n - last > 3) blocks.push({ start: last, end: n }); last = n; }, 1).unref();

function idOf(raw: Buffer | string): string {
  const s = typeof raw === 'string' ? raw.slice(0, 200) : raw.subarray(0, 200).toString('latin1');
  return /\|(T\d+)\|/.exec(s)?.[1] ?? '?';
}

const example = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r');
const controlId = example.split('\r')[0]!.split('|')[9]!;
let seq = 0;
const next = () => { const id = `T${++seq}`; return { id, text: example.replace(`|${controlId}|`, `|${id}|`) }; };

// Warm-up: the same rate for a second (JIT, the first WAL growth), not counted.
async function run(n: number, record: boolean) {
  const clients = await Promise.all(Array.from({ length: connections }, () => connectMllp(port)));
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  const lat: Array<{ id: string; sent: number; acked: number }> = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const m = next();
    const sent = performance.now();
    pending.push(clients[i % connections]!.send(m.text).then(() => { if (record) lat.push({ id: m.id, sent, acked: performance.now() }); }));
  }
  await Promise.all(pending);
  clients.forEach((c) => c.close());
  return lat;
}
await run(Math.max(100, rate), false);
const firstFlush = flushes.length;
const lat = await run(total, true);
const overlaps = (xs: Span[], a: number, b: number) => xs.filter((x) => x.end > a && x.start < b);
const ms = (x: number) => x.toFixed(2);
const ds = lat.map((l) => l.acked - l.sent).sort((a, b) => a - b);
const pct = (p: number) => ds[Math.min(ds.length - 1, Math.floor((p / 100) * ds.length))]!;
const fs = fsyncs.filter((f) => f.start >= lat[0]!.sent).map((f) => f.end - f.start).sort((a, b) => a - b);
const fp = (p: number) => fs[Math.min(fs.length - 1, Math.floor((p / 100) * fs.length))]!;
const fl = flushes.slice(firstFlush);
console.log(`${process.env.TRACE_CHECKPOINT_MS ? `checkpoint ${process.env.TRACE_CHECKPOINT_MS} ms ` : ''}${process.env.TRACE_FDATASYNC ? 'fdatasync ' : ''}rate ${rate}/s, ${lat.length} messages over ${connections} connections, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`ACK latency p50 ${ms(pct(50))} p90 ${ms(pct(90))} p99 ${ms(pct(99))} max ${ms(ds[ds.length - 1]!)} ms`);
console.log(`fsyncs ${fs.length}: p50 ${ms(fp(50))} p90 ${ms(fp(90))} p99 ${ms(fp(99))} max ${ms(fs[fs.length - 1]!)} ms; flushes ${fl.length} (stores only ${fl.filter((f) => f.stores && !f.procs).length}, processing only ${fl.filter((f) => !f.stores && f.procs).length}, both ${fl.filter((f) => f.stores && f.procs).length}); checkpoints ${checkpoints.filter((c) => c.start >= lat[0]!.sent).length}; GCs ${gcs.filter((g) => g.start >= lat[0]!.sent).length}`);
{
  // Processing runs between each frame's arrival and its commit's start (what giveWay bounds), over all frames.
  const behind = lat.map((l) => recv.get(l.id)?.runsBefore ?? 0).sort((a, b) => a - b);
  const bp = (p: number) => behind[Math.min(behind.length - 1, Math.floor((p / 100) * behind.length))]!;
  console.log(`processing runs between a frame's arrival and its commit: p50 ${bp(50)} p90 ${bp(90)} p99 ${bp(99)} max ${behind[behind.length - 1]}; frames behind any ${behind.filter((x) => x > 0).length} of ${behind.length}; runs ${runs}`);
}
// Sum of each phase over the slow messages, and each slow message.
const phases = { pre: 0, queue: 0, tx: 0, sync: 0, post: 0 };
let slow = 0;
const lines: string[] = [];
for (const l of [...lat].sort((a, b) => (b.acked - b.sent) - (a.acked - a.sent))) {
  const total = l.acked - l.sent;
  if (total <= slowMs) continue;
  const r = recv.get(l.id);
  const f = r?.flush;
  if (!r || !f || f.commit === undefined || f.synced === undefined || r.done === undefined) { lines.push(`${l.id} ${ms(total)} ms (no trace)`); continue; }
  slow++;
  const p = { pre: r.at - l.sent, queue: f.start - r.at, tx: f.commit - f.start, sync: f.synced - f.commit, post: l.acked - f.synced };
  for (const k of Object.keys(p) as Array<keyof typeof p>) phases[k] += p[k];
  const procBefore = flushes.filter((x) => x.procs > 0 && x.start < f.start && (x.synced ?? Infinity) > r.at).map((x) => `#${x.no}(${x.procs}p ${ms((x.commit ?? 0) - x.start)}ms tx, fsync end ${ms((x.synced ?? 0) - l.sent)})`);
  const fsOver = overlaps(fsyncs, f.commit, f.synced).map((x) => ms(x.end - x.start));
  const cps = overlaps(checkpoints, l.sent, l.acked).length;
  const gc = overlaps(gcs, l.sent, l.acked).map((x) => ms(x.end - x.start));
  const bl = overlaps(blocks, l.sent, l.acked).map((x) => ms(x.end - x.start));
  // The flush's tx cut: waiting for the store (another transaction, a TRUNCATE), its work, the COMMIT.
  // The flush before this one (a queue wait is its time, or the event loop's before this one started).
  const prev = flushes[f.no - 2];
  const before = prev ? ` prev #${prev.no} ${prev.stores}s/${prev.procs}p start ${ms(prev.start - r.at)} commit ${ms((prev.commit ?? NaN) - r.at)}` : '';
  const split = f.workAt !== undefined && f.workEnd !== undefined ? ` [wait ${ms(f.workAt - f.start)} work ${ms(f.workEnd - f.workAt)} commit ${ms(f.commit - f.workEnd)}]` : '';
  const others = txns.filter((x) => x.flush !== f.no && x.asked < f.commit! && (x.commit ?? Infinity) > r.at).map((x) => `${x.flush ? `#${x.flush}` : x.later ? 'later' : 'other'}(wait ${ms((x.workAt ?? x.asked) - x.asked)} work ${ms((x.workEnd ?? 0) - (x.workAt ?? 0))} commit ${ms((x.commit ?? 0) - (x.workEnd ?? 0))})`);
  lines.push(`${l.id} ${ms(total)}: pre ${ms(p.pre)} queue ${ms(p.queue)} tx ${ms(p.tx)} (flush #${f.no} ${f.stores}s/${f.procs}p) ${split}${before}${others.length ? ` {tx ${others.join(' ')}}` : ''} sync ${ms(p.sync)}${f.waitedRunning ? ' (behind running fsyncs: no free slot)' : ''} [fsyncs ${fsOver.join(',')}] post ${ms(p.post)}` +
    `${procBefore.length ? `; processing commits before: ${procBefore.join(' ')}` : ''}${cps ? `; checkpoints ${cps}` : ''}${gc.length ? `; gc ${gc.join(',')}` : ''}${bl.length ? `; loop blocks ${bl.join(',')}` : ''}`);
}
console.log(`slower than ${slowMs} ms: ${slow}; their time: ${Object.entries(phases).map(([k, v]) => `${k} ${ms(v)}`).join(', ')} ms`);
for (const line of lines.slice(0, Number(process.env.TRACE_LINES ?? 30))) console.log('  ' + line);
console.log(`WAL bound (whole checkpoints, writes held): ${holds.length}: ${holds.map((h) => ms(h.end - h.start)).join(', ')} ms`);
{ const { statSync } = await import('node:fs'); console.log(`WAL file ${(statSync(path.join(dir, 'trace.db-wal')).size / 1048576).toFixed(1)} MB after ${seq} messages`); }
await gw.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
