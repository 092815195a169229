/**
 * Original mode (application ACK after processing), old code against new in one process (not part
 * of `npm run bench`): two in-process gateways, A from this checkout and B from ORIG_B_DIR (e.g. an
 * older commit's `git worktree add --detach /tmp/old <commit>`, node_modules linked), each with a
 * store of its own in the temp dir and its own client connections sending the ADT^A04 example in
 * original mode. Rounds alternate A, B, B, A, ... of `perRound` messages each; per round: the
 * process's CPU per message (both gateways' threads, the clients: the same for both), msg/s and the
 * bytes the process wrote per message (/proc/self/io). Prints the medians of the rounds after the
 * warm-up rounds, and B / A. On a shared machine only the ratio of one run means something.
 *   node --import tsx bench/profile/orig-ab.ts [rounds=20] [perRound=300] [connections=1] [warmupRounds=6]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Gateway } from '../../src/gateway.js';
import type { GatewayConfig } from '../../src/config.js';
import { BENCH_MLLP, checkoutModules, writeProfileGatewayConfig } from './profile-gateway-config.js';

const rounds = Number(process.argv[2] ?? 20);
const perRound = Number(process.argv[3] ?? 300);
const connections = Number(process.argv[4] ?? 1);
const warmup = Number(process.argv[5] ?? 6);
const dirs: string[] = [];

async function gateway(root: string): Promise<{ gw: Gateway; client: typeof import('./mllp-client.js') }> {
  const { startGateway, silentLogger, loadConfig } = await checkoutModules(root);
  const client = await import(pathToFileURL(path.join(root, 'bench/profile/mllp-client.ts')).href) as typeof import('./mllp-client.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-orig-ab-'));
  dirs.push(dir);
  const configFile = writeProfileGatewayConfig(dir, {
    db: 'prof.db', practice: 'Profile practice', timezone: 'America/New_York',
    mllp: { ...BENCH_MLLP, maxFrameBytes: 1 << 20 }, processing: { maxAttempts: 3 },
  });
  const cfg = loadConfig(configFile, {});
  if (!cfg.value) throw new Error(cfg.issues.map((i) => i.diagnostics).join('; '));
  return { gw: await startGateway(cfg.value as GatewayConfig, { log: silentLogger, noHttp: true }), client };
}

const template = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r').replace('|AL|NE|', '|||');
const controlId = template.split('\r')[0]!.split('|')[9]!;
let seq = 0;
const next = () => template.replace(`|${controlId}|`, `|AB${process.pid}-${++seq}|`);
const wchar = () => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

const sides = [
  { name: 'A', ...(await gateway(process.cwd())) },
  { name: 'B', ...(await gateway(process.env.ORIG_B_DIR ?? process.cwd())) },
].map((s) => ({ ...s, conns: [] as Array<{ send(m: string): Promise<string>; close(): void }>, cpu: [] as number[], rate: [] as number[], bytes: [] as number[] }));
for (const s of sides) s.conns = await Promise.all(Array.from({ length: connections }, () => s.client.connectMllp(s.gw.mllp[0]!.address().port)));

for (let r = 0; r < rounds; r++) {
  for (const s of r % 2 ? [...sides].reverse() : sides) {
    let left = perRound;
    const c0 = process.cpuUsage();
    const w0 = wchar();
    const t0 = performance.now();
    await Promise.all(s.conns.map(async (c) => { while (left > 0) { left--; await c.send(next()); } }));
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (r < warmup) continue;
    s.cpu.push((c.user + c.system) / perRound);
    s.rate.push((perRound * 1000) / dt);
    s.bytes.push((wchar() - w0) / perRound);
  }
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const [a, b] = sides as [typeof sides[0], typeof sides[0]];
for (const s of sides) process.stdout.write(`${s.name}: ${median(s.cpu).toFixed(0)} us CPU/msg, ${median(s.rate).toFixed(0)} msg/s, ${(median(s.bytes) / 1024).toFixed(1)} KB written/msg (medians of ${s.cpu.length} rounds)\n`);
process.stdout.write(`B/A: CPU ${(median(b.cpu) / median(a.cpu)).toFixed(3)}, msg/s ${(median(b.rate) / median(a.rate)).toFixed(3)}, bytes ${(median(b.bytes) / median(a.bytes)).toFixed(3)}; ${connections} connection(s), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
for (const s of sides) { s.conns.forEach((c) => c.close()); await s.gw.close(); }
for (const d of dirs) rmSync(d, { recursive: true, force: true });
