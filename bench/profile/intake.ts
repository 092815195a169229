/**
 * Intake alone, in-process, no sockets (not part of `npm run bench`): the gateway's pipeline on a
 * SQLite file in DIR, processing held back (never runs), `pipeline.receive()` called for groups of
 * `group` ADT^A04 frames at once (one group commit each, as `group` connections would make), in
 * rounds of `roundMs` of CPU (the process's: the checkpoint worker's included); prints the median
 * CPU per message of the rounds after warm-up.
 *   node --import tsx bench/profile/intake.ts [dir=/dev/shm] [rounds=12] [group=8] [roundMs=400]
 * INTAKE_PROF=file.cpuprofile: a CPU profile of the measured rounds only (after warm-up).
 * INTAKE_PROCESS=1: processing not held back (the commits then carry processing too).
 * A/B in one process (the machine is shared: separate runs differ by more than most changes):
 * with INTAKE_B_SQL='DROP INDEX ...', INTAKE_B_NO_CHECKPOINT=1 and/or INTAKE_B_CHECKPOINT_MS=<ms> (the
 * checkpoint interval; INTAKE_CHECKPOINT_MS for A) and/or INTAKE_B_DIR=<checkout> (B's code from
 * another checkout, e.g. `git worktree add --detach /tmp/old <commit>`, node_modules linked) a second gateway B, on a file
 * of its own with those experiments, runs rounds alternating with A; the ratio of medians is printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import type { Gateway } from '../../src/gateway.js';
import type { GatewayConfig } from '../../src/config.js';
import { checkoutModules, writeProfileGatewayConfig } from './profile-gateway-config.js';

const base = process.argv[2] ?? '/dev/shm';
const rounds = Number(process.argv[3] ?? 12);
const group = Number(process.argv[4] ?? 8);
const roundMs = Number(process.argv[5] ?? 400);
const dirs: string[] = [];

async function gateway(sql?: string, noCheckpoint?: boolean, checkpointMs?: string, root = process.cwd()): Promise<Gateway> {
  const { startGateway, silentLogger, loadConfig, sqliteDb } = await checkoutModules(root);
  const dir = mkdtempSync(path.join(base, 'frontdesk-intake-'));
  dirs.push(dir);
  const configFile = writeProfileGatewayConfig(dir, {
    db: 'prof.db', practice: 'Profile practice', timezone: 'America/New_York',
    mllp: { host: '127.0.0.1' }, processing: { maxAttempts: 3, maxBacklog: 10_000_000 },
  });
  const cfg = loadConfig(configFile, {});
  if (!cfg.value) throw new Error(cfg.issues.map((i) => i.diagnostics).join('; '));
  const gw = await startGateway(cfg.value as GatewayConfig, { log: silentLogger, noHttp: true });
  if (!process.env.INTAKE_PROCESS) (gw.pipeline as unknown as { process: () => Promise<never> }).process = () => new Promise<never>(() => {});
  if (sql) sqliteDb(gw.store).exec(sql);
  // The checkpoint worker never asked (an experiment: the WAL only grows).
  if (noCheckpoint) (gw.store as unknown as { checkpointer: unknown }).checkpointer = undefined;
  // At most one worker checkpoint per this many ms (0: after every commit, as before #17's change).
  if (checkpointMs) (gw.store as unknown as { checkpointer: { intervalMs: number } }).checkpointer.intervalMs = Number(checkpointMs);
  return gw;
}

const a = await gateway(process.env.INTAKE_SQL, !!process.env.INTAKE_NO_CHECKPOINT, process.env.INTAKE_CHECKPOINT_MS);
const abTest = !!(process.env.INTAKE_B_SQL || process.env.INTAKE_B_NO_CHECKPOINT || process.env.INTAKE_B_CHECKPOINT_MS || process.env.INTAKE_B_DIR);
const b = abTest ? await gateway(process.env.INTAKE_B_SQL, !!process.env.INTAKE_B_NO_CHECKPOINT, process.env.INTAKE_B_CHECKPOINT_MS, process.env.INTAKE_B_DIR) : undefined;
const example = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r');
const controlId = example.split('\r')[0]!.split('|')[9]!;
let seq = 0;
const next = () => Buffer.from(example.replace(`|${controlId}|`, `|I${process.pid}-${++seq}|`), 'latin1');

async function round(gw: Gateway, cpuMs: number): Promise<number> {
  const channel = gw.config.channels[0]!;
  let n = 0;
  const c0 = process.cpuUsage();
  const cpu = () => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
  while (cpu() < cpuMs) {
    const rs = await Promise.all(Array.from({ length: group }, () => gw.pipeline.receive({ channel, source: 'mllp', peer: 'probe', contentType: 'hl7v2', raw: next() })));
    for (const r of rs) if (!r.ok) throw new Error('store failed');
    n += group;
  }
  return (cpu() * 1000) / n;
}

for (let i = 0; i < 6; i++) { await round(a, roundMs); if (b) await round(b, roundMs); }
let session: Session | undefined;
if (process.env.INTAKE_PROF) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const usA: number[] = [];
const usB: number[] = [];
for (let i = 0; i < rounds; i++) {
  usA.push(await round(a, roundMs));
  if (b) usB.push(await round(b, roundMs));
}
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.INTAKE_PROF!, JSON.stringify(profile));
}
const med = (us: number[]) => [...us].sort((x, y) => x - y)[us.length >> 1]!;
process.stdout.write(`intake ${base} group ${group}: A median ${med(usA).toFixed(1)} us CPU/msg (${usA.map((u) => u.toFixed(0)).join(' ')})\n`);
if (b) process.stdout.write(`  B median ${med(usB).toFixed(1)} us CPU/msg (${usB.map((u) => u.toFixed(0)).join(' ')}); A/B ${(med(usA) / med(usB)).toFixed(2)}x\n`);
await a.close();
await b?.close();
for (const d of dirs) rmSync(d, { recursive: true, force: true });
