/**
 * Intake's commit cycle under lock-step senders (not part of `npm run bench`): the gateway
 * in-process (the bench's `mllp` configuration, a store in the temp dir: the shared disk),
 * processing held back (CYCLE_PROCESS=1: not), and `connections` senders in a child process
 * (bench/profile/cycle-senders.ts; each waits for its commit ACK, as the bench's do). Per round of
 * `seconds`: msg/s, this process's CPU per message (the gateway's alone), commits that stored
 * frames and frames per commit, and the median of each part of a commit's cycle: the transaction
 * (BEGIN to COMMIT, on the event loop), COMMIT to durable (its fsync off the loop, and waiting for
 * a running one), durable to the next commit's start (ACKs out, the senders' next frames in); and
 * how many fsyncs were running when each commit began (0/1/2: FSYNCS_IN_FLIGHT).
 *   node --import tsx bench/profile/commit-cycle.ts [seconds=2] [connections=8] [rounds=4]
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startProfileGateway } from './gateway.js';

const seconds = Number(process.argv[2] ?? 2);
const connections = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 4);
const { gw, dir, port } = await startProfileGateway('frontdesk-cycle-', 'Cycle practice', 'cycle.db');
/* eslint-disable @typescript-eslint/no-explicit-any */
if (!process.env.CYCLE_PROCESS) (gw.pipeline as any).process = () => new Promise<never>(() => {});
const store = gw.store as any;
const pl = gw.pipeline as any;
let measuring = false;
const tx: number[] = [];
const toDurable: number[] = [];
const toNext: number[] = [];
const sizes: number[] = [];
const running = [0, 0, 0];
let lastDurable = 0;
const txOrig = store.transaction.bind(store);
store.transaction = async (work: unknown, opts: { onCommit?: () => void; durableLater?: boolean } = {}) => {
  const start = performance.now();
  const stores = pendingStores;
  pendingStores = 0;
  if (measuring && stores) {
    running[Math.min(2, store.walSync.inFlight as number)]!++;
    if (lastDurable) toNext.push(start - lastDurable);
  }
  let committed = 0;
  const value = await txOrig(work, { ...opts, onCommit: () => { committed = performance.now(); opts.onCommit?.(); } });
  if (measuring && stores) {
    const durable = performance.now();
    tx.push(committed - start);
    toDurable.push(durable - committed);
    lastDurable = durable;
  }
  return value;
};
let pendingStores = 0;
const flushOrig = pl.flush.bind(pl);
pl.flush = (committed: () => void) => {
  pendingStores = pl.storeQueue.length;
  if (measuring && pendingStores) sizes.push(pendingStores);
  return flushOrig(committed);
};

const senders = fork(path.resolve('bench/profile/cycle-senders.ts'), [String(port), String(connections)], { execArgv: ['--import', 'tsx'] });
const inbox: Array<{ n: number; dt: number }> = [];
let wake: (() => void) | undefined;
senders.on('message', (m: { n: number; dt: number }) => { inbox.push(m); wake?.(); });
const receive = async () => {
  while (!inbox.length) await new Promise<void>((r) => { wake = r; });
  return inbox.shift()!;
};
await receive();
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1] ?? NaN;
for (let r = 0; r < rounds; r++) {
  tx.length = toDurable.length = toNext.length = sizes.length = 0;
  running.fill(0);
  lastDurable = 0;
  measuring = true;
  const cpu0 = process.cpuUsage();
  senders.send({ ms: seconds * 1000 });
  const { n, dt } = await receive();
  const cpu = process.cpuUsage(cpu0);
  measuring = false;
  const frames = sizes.reduce((a, b) => a + b, 0);
  process.stdout.write(`round ${r + 1} (load ${os.loadavg()[0]!.toFixed(1)}): ${Math.round((n * 1000) / dt)} msg/s, ${Math.round((cpu.user + cpu.system) / n)} us CPU/msg; ` +
    `${sizes.length} commits, ${(frames / sizes.length).toFixed(2)} frames each; median tx ${median(tx).toFixed(3)}, COMMIT->durable ${median(toDurable).toFixed(3)}, ` +
    `durable->next ${median(toNext).toFixed(3)} ms; commits begun with 0/1/2 fsyncs running ${running.join('/')}\n`);
}
senders.send({ stop: true });
await gw.close();
rmSync(dir, { recursive: true, force: true });
