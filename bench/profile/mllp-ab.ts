/**
 * The bench's MLLP gateway process (bench/mllp-gateway.ts, the `mllp` item's configuration, a store
 * in /tmp: the shared disk) in two variants, A and B, started in turn for each round (not part of
 * `npm run bench`). Each start: a warm-up in original mode, then enhanced mode over 8 connections
 * (msg/s, the gateway's CPU per message), ACK latency at a steady 100 msg/s (4 connections) and
 * 2,000 msg/s (8 connections), as the bench measures them. Separate runs on this shared machine
 * differ by more than most changes: only A against B of the same round compares.
 *   node --import tsx bench/profile/mllp-ab.ts [rounds=3]
 * AB_A_DIR / AB_B_DIR: the checkout each variant runs from (default this one; e.g. an older commit
 * from `git worktree add --detach /tmp/old <commit>`, node_modules linked). AB_A_ENV / AB_B_ENV:
 * environment for its gateway process, e.g. AB_B_ENV='BENCH_CHECKPOINT_MS=0'.
 * AB_ONLY=enhanced,latency,original: what to measure (default enhanced,latency).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '../items-runtime.js';

const rounds = Number(process.argv[2] ?? 3);
const only = new Set((process.env.AB_ONLY ?? 'enhanced,latency').split(','));
const template = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r');
const controlId = template.split('\r')[0]!.split('|')[9]!;
let seq = 0;
const next = () => template.replace(`|${controlId}|`, `|X${process.pid}-${++seq}|`);
const nextOriginal = () => next().replace('|AL|NE|', '|||');
const cpuUs = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; };

async function gateway(dir: string, env: string): Promise<{ port: number; pid: number; close(): Promise<void> }> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'frontdesk-ab-'));
  const configFile = path.join(tmp, 'gateway.json');
  writeFileSync(configFile, JSON.stringify({
    practice: { name: 'Bench practice', timezone: 'America/New_York' },
    store: { path: path.join(tmp, 'bench.db') },
    log: { level: 'silent' },
    mllp: { host: '127.0.0.1', maxFrameBytes: 16 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 },
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
    processing: { maxAttempts: 3 },
    channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
  }));
  const extra = Object.fromEntries(env.split(/\s+/).filter(Boolean).map((kv) => kv.split('=') as [string, string]));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, 'bench/mllp-gateway.ts'), configFile], { cwd: dir, env: { ...process.env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); const m = /PORT (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    child.once('exit', (c) => reject(new Error(`gateway exited ${c}`)));
  });
  return {
    port, pid: child.pid!,
    async close() { const exited = new Promise((r) => child.once('exit', r)); child.kill('SIGTERM'); await exited; rmSync(tmp, { recursive: true, force: true }); },
  };
}

async function throughput(port: number, pid: number, connections: number, ms: number, make: () => string) {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  let n = 0;
  const c0 = cpuUs(pid);
  const t0 = performance.now();
  await Promise.all(clients.map(async (c) => { while (performance.now() < t0 + ms) { await c.send(make()); n++; } }));
  const dt = performance.now() - t0;
  const cpu = cpuUs(pid) - c0;
  clients.forEach((c) => c.close());
  return `${Math.round((n * 1000) / dt)} msg/s ${Math.round(cpu / n)} us/msg`;
}

async function steady(port: number, rate: number, total: number, connections: number) {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  const lat: number[] = [];
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(clients[i % connections]!.send(next()).then(() => { lat.push(performance.now() - sent); }));
  }
  await Promise.all(pending);
  clients.forEach((c) => c.close());
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!;
  return `p50 ${pct(50).toFixed(2)} p99 ${pct(99).toFixed(2)} max ${lat[lat.length - 1]!.toFixed(1)} ms`;
}

const variants = [
  { name: 'A', dir: process.env.AB_A_DIR ?? process.cwd(), env: process.env.AB_A_ENV ?? '' },
  { name: 'B', dir: process.env.AB_B_DIR ?? process.cwd(), env: process.env.AB_B_ENV ?? '' },
];
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const gw = await gateway(v.dir, v.env);
    try {
      const parts: string[] = [];
      await throughput(gw.port, gw.pid, 8, 1500, nextOriginal);
      if (only.has('original')) parts.push(`original 8: ${await throughput(gw.port, gw.pid, 8, 2000, nextOriginal)}`, `original 1: ${await throughput(gw.port, gw.pid, 1, 2000, nextOriginal)}`);
      if (only.has('latency')) parts.push(`100/s ${await steady(gw.port, 100, 400, 4)}`, `2000/s ${await steady(gw.port, 2000, 3000, 8)}`);
      if (only.has('enhanced')) parts.push(`enhanced 8: ${await throughput(gw.port, gw.pid, 8, 2000, next)}`);
      process.stdout.write(`round ${r + 1} ${v.name} (load ${os.loadavg()[0]!.toFixed(1)}): ${parts.join('; ')}\n`);
    } finally {
      await gw.close();
    }
  }
}
