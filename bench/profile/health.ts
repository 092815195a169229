/**
 * `/health` while a 10,000-OBX ORU^R01 is processed (#17), alone: the bench's gateway process
 * (bench/mllp-gateway.ts, same configuration as `npm run bench -- --only mllp`), one large ORU in
 * original mode, `/health` polled every 10 ms until its AA; prints the slowest answers, and the
 * gateway's event-loop blocks longer than BLOCK_MS (default 40) as the gateway saw them.
 *
 *   node --import tsx bench/profile/health.ts [obx=10000] [rounds=1] [--cpu-prof]
 *
 * `--cpu-prof` records the gateway's CPU profile into /tmp/health-prof (then
 * `node bench/profile/spans.mjs <largest .cpuprofile>` lists what ran in each long span).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import net from 'node:net';
import { oruR01 } from '../messages.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const obx = Number(args[0] ?? 10_000);
const rounds = Number(args[1] ?? 1);
const prof = process.argv.includes('--cpu-prof');
const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-health-'));
const configFile = path.join(dir, 'gateway.json');
writeFileSync(configFile, JSON.stringify({
  practice: { name: 'Bench practice', timezone: 'America/Chicago' },
  store: { path: path.join(dir, 'bench.db') },
  log: { level: 'silent' },
  mllp: { host: '127.0.0.1', maxFrameBytes: 16 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 },
  http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
  processing: { maxAttempts: 3, ...(process.env.OFFLOAD_BYTES ? { offloadBytes: Number(process.env.OFFLOAD_BYTES) } : {}) },
  channels: [
    { name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] },
    { name: 'labs', source: { mllp: { port: 0 } }, messageTypes: ['ORU^*'], validation: 'lenient', destinations: [] },
  ],
}));
const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir=/tmp/health-prof'] : []), '--import', 'tsx', path.resolve('bench/mllp-gateway.ts'), configFile], {
  stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_BLOCK_MS: process.env.BLOCK_MS ?? '40' },
});
let out = '';
const started = await new Promise<{ labPort: number; http: string }>((resolve, reject) => {
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /LABPORT (\d+) HTTP (\S*)/.exec(out);
    if (m) resolve({ labPort: Number(m[1]), http: m[2]! });
  });
  child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
});
try {
  for (let r = 0; r < rounds; r++) {
    const oru = oruR01(obx).replace('|AL|NE|', '|||').replace(`|ORU${obx}|`, `|H${r}-${Date.now()}|`);
    const sock = net.connect(started.labPort, '127.0.0.1');
    await new Promise((res) => sock.once('connect', res));
    const dec = new FrameDecoder();
    const t0 = performance.now();
    const acked = new Promise<string>((res) => sock.on('data', (b: Buffer) => { const f = dec.push(b).frames; if (f.length) res(f[0]!.toString()); }));
    let finished = false;
    let ack = '?';
    void acked.then((a) => { finished = true; ack = /MSA\|(\w+)/.exec(a)?.[1] ?? '?'; if (ack !== 'AA') ack += ` (${a.split('\r').filter((l) => l.startsWith('ERR') || l.startsWith('MSA')).join(' / ').slice(0, 300)})`; });
    sock.write(encodeFrame(oru));
    const times: Array<{ at: number; ms: number }> = [];
    const mark = out.length;
    while (!finished) {
      const t = performance.now();
      await fetch(`${started.http}/health`).then((x) => x.arrayBuffer()).catch(() => {});
      times.push({ at: t - t0, ms: performance.now() - t });
      await new Promise((res) => setTimeout(res, 10));
    }
    sock.destroy();
    await new Promise((res) => setTimeout(res, 300));
    const slow = [...times].sort((a, b) => b.ms - a.ms).slice(0, 5).map((x) => `${x.ms.toFixed(0)} ms at ${x.at.toFixed(0)}`);
    console.log(`round ${r}: ${obx} OBX ${ack} after ${(performance.now() - t0).toFixed(0)} ms; /health answers ${times.length}, slowest: ${slow.join(', ')}`);
    console.log(out.slice(mark).split('\n').filter((l) => l.startsWith('BLOCK')).join('\n'));
  }
} finally {
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
