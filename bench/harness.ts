/**
 * Timing helpers: warm up, then several timed samples in batches; report the median rate.
 * Batches keep the clocks out of the measured work; the median keeps GC pauses and JIT tiers
 * from one sample from deciding the figure.
 *
 * Rates are per CPU-second of this process (user + system, GC threads included), not per
 * wall-clock second: the machines this runs on are shared, and CPU time does not count the
 * time other processes held the core. The wall-clock rate is kept beside it in the JSON.
 */
import { performance } from 'node:perf_hooks';

export interface Rate {
  /** operations per CPU-second (median of the samples) */
  perSecond: number;
  /** operations per wall-clock second (median of the samples) */
  perWallSecond: number;
  samples: number[];
  iterations: number;
}

export interface MeasureOptions {
  warmupMs?: number;
  sampleMs?: number;
  samples?: number;
  /**
   * CPU time (ms) to keep running before the settle rounds may stop. Large code paths (the
   * end-to-end flows: hundreds of functions) reach their steady state only after V8 has
   * optimized most of them, which on a loaded 2-core machine took 2-4 s of CPU; the settle rule
   * alone stopped on an early plateau and measured code still half in the interpreter
   * (1,600 instead of 5,500 ADT msg/s per CPU-second).
   */
  minSettleMs?: number;
}

/** Fast mode for smoke runs: BENCH_QUICK=1 shortens every sample. */
const QUICK = process.env.BENCH_QUICK === '1';

export function measure(fn: () => unknown, opts: MeasureOptions = {}): Rate {
  const warmupMs = QUICK ? 30 : (opts.warmupMs ?? 150);
  const sampleMs = QUICK ? 50 : (opts.sampleMs ?? 200);
  const nSamples = QUICK ? 2 : (opts.samples ?? 4);
  let sink: unknown;
  // Warm-up, and find a batch size that takes about 5 ms. The warm-up is counted in CPU time of
  // this process, as the rates are: on a busy machine, warmupMs of wall-clock time can be a few
  // ms of CPU, and the first samples then measure code the JIT has not optimized yet.
  let batch = 1;
  const w0 = cpuMs();
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = fn();
    const dt = performance.now() - t0;
    if (cpuMs() - w0 >= warmupMs && dt > 1) break;
    if (dt < 5) batch *= 2;
  }
  // Then until the JIT has settled: rounds of warmupMs CPU until one is no more than 10% faster
  // than the one before (at most 8). On a busy machine the optimizing compiler runs late and
  // the first rounds are still several times slower than the steady state.
  const settleUntil = cpuMs() + (QUICK ? 0 : (opts.minSettleMs ?? 0));
  while (cpuMs() < settleUntil) for (let i = 0; i < batch; i++) sink = fn();
  for (let round = 0, prev = 0; !QUICK && round < 8; round++) {
    const c0 = cpuMs();
    let n = 0;
    while (cpuMs() - c0 < warmupMs) {
      for (let i = 0; i < batch; i++) sink = fn();
      n += batch;
    }
    const r = n / (cpuMs() - c0);
    if (prev > 0 && r < prev * 1.1) break;
    prev = r;
  }
  const samples: number[] = [];
  const wall: number[] = [];
  let iterations = 0;
  for (let s = 0; s < nSamples; s++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < sampleMs) {
      for (let i = 0; i < batch; i++) sink = fn();
      n += batch;
      t = performance.now();
    }
    const c = process.cpuUsage(c0);
    samples.push((n * 1e6) / Math.max(1, c.user + c.system));
    wall.push((n * 1000) / (t - t0));
    iterations += n;
  }
  keep(sink);
  return { perSecond: median(samples), perWallSecond: median(wall), samples, iterations };
}

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

let kept: unknown;
/** Keep a result reachable so the optimizer cannot drop the measured work. */
export function keep(x: unknown): void {
  kept = x;
  if (kept === Symbol.for('never')) console.log(kept);
}

/** Run fn, catching errors: a peer that throws on an input gets "failed", not a crash of the run. */
export function tryMeasure(fn: () => unknown, opts?: MeasureOptions): Rate | string {
  try {
    fn();
  } catch (e) {
    return `failed (${(e as Error).message?.slice(0, 60) ?? String(e)})`;
  }
  try {
    return measure(fn, opts);
  } catch (e) {
    return `failed (${(e as Error).message?.slice(0, 60) ?? String(e)})`;
  }
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}
