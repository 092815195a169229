/**
 * `npm run bench -- --soak`: the gateway's resident set over a 10-minute run at a steady
 * 1,000 msg/s (ADT^A04, enhanced mode, 8 connections), the gateway in a process of its own
 * (bench/mllp-gateway.ts, which reports its RSS every 5 s). The growth is the last minute's
 * median against the median of the minute after a 1-minute warm-up (#17 target: < 10 MB).
 * Not part of the default run (it takes 10 minutes); BENCH_QUICK=1 makes it 40 s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { median } from './harness.js';
import { inputById } from './items-hl7.js';

export interface SoakFigures {
  minutes: number;
  rate: number;
  sent: number;
  acked: number;
  warmRssMB: number;
  endRssMB: number;
  growthMB: number;
  /** Messages committed and not yet processed (medians of the same windows): a backlog still growing at the end is memory that grows with it, up to processing.maxBacklog. */
  warmBacklog: number;
  endBacklog: number;
}

export async function runSoak(): Promise<SoakFigures> {
  const { encodeFrame, FrameDecoder } = await import('../src/mllp/framing.js');
  const QUICK = process.env.BENCH_QUICK === '1';
  // BENCH_SOAK_SECONDS: a shorter (or longer) soak to iterate with; the warm-up and the windows stay a minute.
  const totalMs = process.env.BENCH_SOAK_SECONDS ? Number(process.env.BENCH_SOAK_SECONDS) * 1000 : QUICK ? 40_000 : 600_000;
  const warmMs = QUICK ? 10_000 : 60_000;
  const windowMs = QUICK ? 10_000 : 60_000;
  // BENCH_SOAK_RATE: another steady rate (one the gateway keeps up with tells a leak from a growing backlog).
  const rate = Number(process.env.BENCH_SOAK_RATE ?? 1000);
  // BENCH_SOAK_MAX_BACKLOG: processing.maxBacklog for the run (say 1,000,000: the backlog then grows
  // through the whole soak wherever processing is slower than the rate, instead of stopping at 50,000).
  const maxBacklog = process.env.BENCH_SOAK_MAX_BACKLOG ? Number(process.env.BENCH_SOAK_MAX_BACKLOG) : undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-soak-'));
  const configFile = path.join(dir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify({
    practice: { name: 'Bench practice', timezone: 'America/Chicago' },
    store: { path: path.join(dir, 'soak.db') },
    log: { level: 'silent' },
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
    channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
    ...(maxBacklog ? { processing: { maxBacklog } } : {}),
  }));
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/mllp-gateway.ts'), configFile], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BENCH_RSS_EVERY_MS: '5000' },
  });
  const samples: Array<{ at: number; mb: number; backlog: number }> = [];
  let sentNow = 0;
  let ackedNow = 0;
  let out = '';
  let t0 = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
      for (const r of d.toString().matchAll(/RSSNOW ([\d.]+)(.*)/g)) {
        if (!t0) continue;
        samples.push({ at: performance.now() - t0, mb: Number(r[1]), backlog: Number(/backlog (-?\d+)/.exec(r[2] ?? '')?.[1] ?? NaN) });
        // BENCH_SOAK_LOG=1: each sample as it comes (with the heap, buffers and waiting messages).
        if (process.env.BENCH_SOAK_LOG) process.stderr.write(`soak ${((performance.now() - t0) / 1000).toFixed(0)} s: sent ${sentNow} acked ${ackedNow} rss ${Number(r[1]).toFixed(1)} MB${r[2]}\n`);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
  });
  try {
    const template = inputById('adt').text();
    let seq = 0;
    const conns = await Promise.all(Array.from({ length: 8 }, () => new Promise<net.Socket>((res, rej) => {
      const s = net.connect(port, '127.0.0.1', () => res(s));
      s.once('error', rej);
    })));
    let acked = 0;
    for (const s of conns) {
      const dec = new FrameDecoder();
      s.on('data', (b: Buffer) => { acked += dec.push(b).frames.length; ackedNow = acked; });
    }
    t0 = performance.now();
    let sent = 0;
    while (performance.now() - t0 < totalMs) {
      const due = Math.floor(((performance.now() - t0) * rate) / 1000);
      // Keep at most a second's worth unanswered: a gateway that falls behind is not flooded.
      while (sent < due && sent - acked < rate) {
        conns[sent % conns.length]!.write(encodeFrame(template.replace('|ADT0001|', `|S${process.pid}-${++seq}|`)));
        sent++;
        sentNow = sent;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    conns.forEach((s) => s.destroy());
    const warmS = samples.filter((x) => x.at >= warmMs && x.at < warmMs + windowMs);
    const endS = samples.filter((x) => x.at >= totalMs - windowMs);
    const med = (xs: number[]) => median(xs.length ? xs : [NaN]);
    const warmRssMB = med(warmS.map((x) => x.mb));
    const endRssMB = med(endS.map((x) => x.mb));
    return {
      minutes: totalMs / 60_000, rate, sent, acked, warmRssMB, endRssMB, growthMB: endRssMB - warmRssMB,
      warmBacklog: med(warmS.map((x) => x.backlog)), endBacklog: med(endS.map((x) => x.backlog)),
    };
  } finally {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
