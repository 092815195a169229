/**
 * `/health` while a 10,000-OBX ORU^R01 is processed (#17), alone: the bench's gateway process
 * (bench/mllp-gateway.ts, same configuration as `npm run bench -- --only mllp`), one large ORU in
 * original mode, `/health` polled every 10 ms until its AA; prints the slowest answers, and the
 * gateway's event-loop blocks longer than BLOCK_MS (default 40) as the gateway saw them.
 *
 *   node --import tsx bench/profile/health.ts [obx=10000] [rounds=1] [--cpu-prof] [--adt=N]
 *
 * `--adt=N` first sends N enhanced-mode ADT^A04s at 2,000 msg/s over 8 connections, as the bench's
 * latency run does just before its /health measurement, so the ORU arrives while their processing
 * still runs behind intake.
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
import { adtA04, oruR01 } from '../messages.js';
import { connectMllp } from './mllp-client.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const obx = Number(args[0] ?? 10_000);
const rounds = Number(args[1] ?? 1);
const prof = process.argv.includes('--cpu-prof');
const adts = Number(process.argv.find((a) => a.startsWith('--adt='))?.slice(6) ?? 0);
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
const started = await new Promise<{ port: number; labPort: number; http: string }>((resolve, reject) => {
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /PORT (\d+) SYNC \S+ LABPORT (\d+) HTTP (\S*)/.exec(out);
    if (m) resolve({ port: Number(m[1]), labPort: Number(m[2]), http: m[3]! });
  });
  child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
});
try {
  // Not counted: the first fetch of a process loads its HTTP client (undici, 35-100 ms here).
  await fetch(`${started.http}/health`).then((x) => x.arrayBuffer()).catch(() => {});
  for (let r = 0; r < rounds; r++) {
    if (adts > 0) {
      // Enhanced mode (the template's MSH-15 AL, MSH-16 NE): each CA comes at its commit, processing runs behind.
      const template = adtA04();
      const clients = await Promise.all(Array.from({ length: 8 }, () => connectMllp(started.port)));
      const t0 = performance.now();
      const sent: Promise<string>[] = [];
      for (let i = 0; i < adts; i++) {
        const wait = t0 + i / 2 - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        sent.push(clients[i % 8]!.send(template.replace('|ADT0001|', `|H${r}-${i}-${Date.now()}|`)));
      }
      await Promise.all(sent);
      clients.forEach((c) => c.close());
    }
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
