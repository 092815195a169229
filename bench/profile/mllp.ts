/**
 * Profiling loop (not part of `npm run bench`): the gateway started in-process (startGateway, a
 * temp SQLite file, WAL + synchronous=FULL), N client connections on loopback each sending the
 * ADT^A04 example with a distinct MSH-10 and waiting for its ACK; prints ACKed msg/s and the
 * gateway process CPU per message (client included: same process).
 *   node --import tsx bench/profile/mllp.ts [seconds=5] [connections=8]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile/mllp.ts 5 8
 *   PROF_CPU=/tmp/mllp.cpuprofile ...: a profile of the timed part only (after the warm-up)
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startProfileGateway } from './gateway.js';
import { connectMllp } from './mllp-client.js';
import { writeFileSync } from 'node:fs';
import { sqliteDb } from '../../test/support/sqlite.js';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 8);
const { gw, dir } = await startProfileGateway('frontdesk-prof-', 'Profile practice', 'prof.db');
// PROF_HOLD=1: processing never runs (a committed message's processing never starts, and holds
// nothing), so the figures are intake's alone: frame, MSH, dedup, the group commit and its fsync,
// the commit ACK. Enhanced mode (the example's MSH-15/16) only: an original-mode sender would wait forever.
if (process.env.PROF_HOLD) (gw.pipeline as unknown as { process: () => Promise<never> }).process = () => new Promise<never>(() => {});
const port = gw.mllp[0]!.address().port;
// Experiments: PROF_PRAGMA='wal_autocheckpoint=10000' etc. (never used by the gateway itself).
for (const p of (process.env.PROF_PRAGMA ?? '').split(';').filter(Boolean)) sqliteDb(gw.store).pragma(p);
// PROF_ORIGINAL=1: original mode (MSH-15/16 emptied): each sender waits for the application ACK after processing.
const example = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r');
const template = process.env.PROF_ORIGINAL ? example.replace('|AL|NE|', '|||') : example;
const controlId = template.split('\r')[0]!.split('|')[9]!;
let seq = 0;
const next = () => template.replace(`|${controlId}|`, `|P${process.pid}-${++seq}|`);

// PROF_FLUSHES=1: count the pipeline's flushes (= commits = fsyncs) and what each carried.
const flushes = { total: 0, storesOnly: 0, processOnly: 0, both: 0, stores: 0, processes: 0 };
if (process.env.PROF_FLUSHES) {
  const pl = gw.pipeline as unknown as { flush(committed: () => void): Promise<void>; storeQueue: unknown[]; processQueue: unknown[] };
  const orig = pl.flush.bind(pl);
  pl.flush = (committed) => {
    const s = pl.storeQueue.length, p = pl.processQueue.length;
    flushes.total++; flushes.stores += s; flushes.processes += p;
    if (s && p) flushes.both++; else if (s) flushes.storesOnly++; else if (p) flushes.processOnly++;
    return orig(committed);
  };
}
const clients = await Promise.all(Array.from({ length: connections }, () => connectMllp(port)));
const acks: Record<string, number> = {};
const code = (ack: string) => /\rMSA\|([A-Z]{2})/.exec(ack)?.[1] ?? '?';
await Promise.all(clients.map(async (c) => { for (let i = 0; i < Number(process.env.PROF_WARMUP ?? 50); i++) await c.send(next()); }));
// PROF_CPU=file.cpuprofile: a CPU profile of the timed part only (not the start-up and warm-up).
let session: import('node:inspector/promises').Session | undefined;
if (process.env.PROF_CPU) {
  const { Session } = await import('node:inspector/promises');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
// PROF_ALLOC=file.heapprofile: every allocation of the timed part, sampled (collected ones too), by allocating function (bench/profile/heapprofile.mjs file N messages).
if (process.env.PROF_ALLOC) {
  const { Session } = await import('node:inspector/promises');
  if (!session) {
    session = new Session();
    session.connect();
  }
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
let n = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const end = t0 + seconds * 1000;
await Promise.all(clients.map(async (c) => {
  while (performance.now() < end) {
    const k = code(await c.send(next()));
    acks[k] = (acks[k] ?? 0) + 1;
    n++;
  }
}));
const dt = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (session && process.env.PROF_CPU) writeFileSync(process.env.PROF_CPU, JSON.stringify((await session.post('Profiler.stop')).profile));
if (session && process.env.PROF_ALLOC) writeFileSync(process.env.PROF_ALLOC, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
if (process.env.PROF_ALLOC) process.stdout.write(`messages ${n}\n`);
process.stdout.write(`${connections} connections: ${Math.round(n / dt)} msg/s ACKed, acks ${JSON.stringify(acks)}, CPU ${((cpu.user + cpu.system) / n / 1000).toFixed(3)} ms/msg (user ${(cpu.user / n / 1000).toFixed(3)}, sys ${(cpu.system / n / 1000).toFixed(3)}), sync=${String(sqliteDb(gw.store).pragma('synchronous', { simple: true }))}\n`);
if (process.env.PROF_FLUSHES) process.stdout.write(`flushes ${JSON.stringify(flushes)}\n`);
clients.forEach((c) => c.close());
await gw.close();
rmSync(dir, { recursive: true, force: true });
