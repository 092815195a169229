/**
 * Runtime items: end to end (HL7v2 -> validated FHIR Bundle through the registered inbound
 * flows; office record -> validated FHIR through the converters), MLLP store-then-ACK through the
 * gateway's own listener and SQLite store, and gateway start-up time.
 *
 * Each item imports what it needs on demand, so an item whose code has not landed reports
 * "not measured (reason)" instead of breaking the run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { measure, median } from './harness.js';
import { inputById } from './items-hl7.js';

export class NotMeasured extends Error {}

async function need<T>(what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw new NotMeasured(`${what} not available: ${(e as Error).message.split('\n')[0]}`);
  }
}

const TIMEZONE = 'America/Chicago';

// ---------------------------------------------------------------- end to end, HL7v2 -> FHIR

export interface E2eFigures { perSecond: number; ackCode: string; entries: number; errors: number; flow: string }

/**
 * parse -> validateMessage -> flowFor(type).run (the flows map and validate their Bundle
 * against our profiles) -- what the gateway does per message after the commit.
 */
export async function runE2eHl7(inputId: string): Promise<E2eFigures> {
  const { parseHl7 } = await import('../src/hl7/message.js');
  const { validateMessage } = await import('../src/hl7/validate.js');
  const { hasErrors } = await import('../src/domain/issues.js');
  const { flowFor } = await need('flows registry', () => import('../src/flows/registry.js'));
  const { emptyLookup } = await import('../src/flows/types.js');
  const text = inputById(inputId).text();
  const first = parseHl7(text).value!;
  const flow = flowFor(first.messageType);
  if (!flow) throw new NotMeasured(`no inbound flow registered for ${first.messageType}`);
  const ctx = { timezone: TIMEZONE, lookup: emptyLookup };
  const once = () => {
    const m = parseHl7(text).value!;
    const issues = validateMessage(m);
    if (hasErrors(issues)) return { ack: 'AE', out: undefined, issues };
    const out = flow.run(m, ctx);
    return { ack: out.value && !hasErrors(out.issues) ? 'AA' : 'AE', out: out.value, issues: [...issues, ...out.issues] };
  };
  const r = once();
  const big = text.length > 1_000_000;
  // The flows are large code: V8 optimizes them over seconds of CPU (minSettleMs in harness.ts);
  // the figure is the steady state a running gateway has, not the first seconds after start.
  const rate = measure(once, big ? { warmupMs: 100, sampleMs: 400, samples: 2, minSettleMs: 2000 } : { minSettleMs: 4000, samples: 6 });
  return {
    perSecond: rate.perSecond, ackCode: r.ack, entries: r.out?.bundle.entry?.length ?? 0,
    errors: r.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length, flow: flow.name,
  };
}

// ---------------------------------------------------------------- per-OBX scaling

export interface ObxScalingFigures { small: { obx: number; usPerObx: number; runs: number }; large: { obx: number; usPerObx: number; runs: number }; ratio: number; ackCode: string }

/**
 * CPU time per OBX end to end (parse, validateMessage, flow with its Bundle validation) for an
 * ORU^R01 of 500 OBX and one of 10,000: the second must not cost more than twice as much per OBX
 * (#17). The median of several runs each, after a warm-up run of each size; CPU time of this
 * process, so a loaded machine moves it less than wall-clock time.
 */
export async function runObxScaling(): Promise<ObxScalingFigures> {
  const { parseHl7 } = await import('../src/hl7/message.js');
  const { validateMessage } = await import('../src/hl7/validate.js');
  const { hasErrors } = await import('../src/domain/issues.js');
  const { flowFor } = await need('flows registry', () => import('../src/flows/registry.js'));
  const { emptyLookup } = await import('../src/flows/types.js');
  const { oruR01 } = await import('./messages.js');
  const ctx = { timezone: TIMEZONE, lookup: emptyLookup };
  const quick = process.env.BENCH_QUICK === '1';
  let ackCode = 'AA';
  const perObx = (obx: number, runs: number) => {
    const text = oruR01(obx);
    const once = () => {
      const m = parseHl7(text).value!;
      const issues = validateMessage(m);
      const out = hasErrors(issues) ? undefined : flowFor(m.messageType)!.run(m, ctx);
      if (!out?.value || hasErrors(out.issues)) ackCode = 'AE';
    };
    once();
    const us: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      once();
      const c = process.cpuUsage(c0);
      us.push((c.user + c.system) / obx);
    }
    return { obx, usPerObx: median(us), runs };
  };
  const small = perObx(500, quick ? 3 : 15);
  const large = perObx(10_000, quick ? 1 : 5);
  return { small, large, ratio: large.usPerObx / small.usPerObx, ackCode };
}

// ---------------------------------------------------------------- memory of one message

export interface MemoryFigures { baselineMB: number; peakMB: number; growthMB: number; bytes: number }

/**
 * Peak RSS while one message goes end to end once (parse, validateMessage, flow): the process is
 * warmed on the small ADT first, so the baseline holds the code and definitions and the growth is
 * what this one message costs.
 */
export async function runMemory(inputId: string): Promise<MemoryFigures> {
  const { parseHl7 } = await import('../src/hl7/message.js');
  const { validateMessage } = await import('../src/hl7/validate.js');
  const { flowFor } = await need('flows registry', () => import('../src/flows/registry.js'));
  const { emptyLookup } = await import('../src/flows/types.js');
  const ctx = { timezone: TIMEZONE, lookup: emptyLookup };
  const run = (text: string) => {
    const m = parseHl7(text).value!;
    validateMessage(m);
    return flowFor(m.messageType)?.run(m, ctx);
  };
  const text = inputById(inputId).text();
  for (let i = 0; i < 20; i++) run(inputById('adt').text());
  // Children run with --expose-gc: collect the warm-up's and the text generation's garbage first.
  (globalThis as { gc?: () => void }).gc?.();
  const baselineMB = process.memoryUsage().rss / 2 ** 20;
  const before = process.resourceUsage().maxRSS / 1024;
  const out = run(text);
  const peakMB = Math.max(before, process.resourceUsage().maxRSS / 1024);
  if (!out) throw new NotMeasured(`no inbound flow for ${inputById(inputId).label}`);
  return { baselineMB, peakMB, growthMB: peakMB - baselineMB, bytes: Buffer.byteLength(text) };
}

// ---------------------------------------------------------------- end to end, office -> FHIR

export const OFFICE_INPUTS: Record<string, string> = {
  registration: 'registration-two-policies.json',
  appointment: 'appointment-booked.json',
  billing: 'billing-encounter-office-visit.json',
};

export async function runE2eOffice(kind: string): Promise<E2eFigures> {
  const file = path.resolve('examples/office', OFFICE_INPUTS[kind]!);
  const text = await need(`examples/office/${OFFICE_INPUTS[kind]}`, async () => readFileSync(file, 'utf8'));
  const { detectInput } = await import('../src/domain/input.js');
  const { hasErrors } = await import('../src/domain/issues.js');
  const { converters } = await need('flows registry', () => import('../src/flows/registry.js'));
  const { emptyLookup, fhirOf } = await import('../src/flows/types.js');
  const detected = detectInput(text).value;
  if (!detected) throw new NotMeasured(`${file} is not an office record`);
  const conv = converters.find((c) => c.accepts(detected));
  if (!conv) throw new NotMeasured(`no converter accepts ${kind} records`);
  const ctx = { timezone: TIMEZONE, lookup: emptyLookup };
  // From the JSON text, as the HTTP API and CLI receive it (the converters validate their output).
  const once = () => conv.convert(detectInput(text).value!, 'fhir', ctx);
  const r = once();
  const rate = measure(once, { minSettleMs: 3000 });
  const v = fhirOf(r.value);
  return {
    perSecond: rate.perSecond, ackCode: r.value && !hasErrors(r.issues) ? 'ok' : 'errors',
    entries: v ? (v.resourceType === 'Bundle' ? v.entry?.length ?? 0 : 1) : 0, errors: r.issues.filter((i) => i.severity === 'error').length, flow: conv.name,
  };
}

// ---------------------------------------------------------------- MLLP

interface MllpClient { send(text: string): Promise<string>; close(): void }

export async function connect(port: number): Promise<MllpClient> {
  const { encodeFrame, FrameDecoder } = await import('../src/mllp/framing.js');
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  await new Promise<void>((res, rej) => { socket.once('connect', res); socket.once('error', rej); });
  const decoder = new FrameDecoder();
  const waiting: ((ack: string) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk).frames) waiting.shift()?.(f);
  });
  return {
    send(text) {
      return new Promise<string>((res) => {
        waiting.push(res);
        socket.write(encodeFrame(text));
      });
    },
    close: () => socket.destroy(),
  };
}

export interface Throughput {
  /** Wall-clock messages per second (the sender waits for each ACK on its connection). */
  perSecond: number;
  messages: number;
  acks: Record<string, number>;
  /** CPU time (user + system) of the server process per message: steadier than the rate on a shared machine. */
  cpuUsPerMessage?: number;
  /** 1-minute load average when the run ended. */
  load?: number;
}

export interface MllpFigures {
  /** Enhanced mode (MSH-15 AL, MSH-16 NE): the sender waits for the commit ACK. */
  one: Throughput;
  eight: Throughput;
  /** Original mode (MSH-15/16 empty): the sender waits for the application ACK after processing. */
  originalOne?: Throughput;
  originalEight?: Throughput;
  /** The @medplum/hl7 server, no store (bench/mllp-peer.ts), driven by the same client: 1 and 8 connections. */
  peerOne?: Throughput | string;
  peerEight?: Throughput | string;
  /**
   * The least a store-then-ACK server does on this machine (bench/mllp-floor.ts: one table, group
   * commit, fsync off the loop, no processing), same client, 8 connections: what the disk's fsync
   * latency and Node's sockets allow lock-step senders.
   */
  floorEight?: Throughput | string;
  /**
   * Processing behind intake after the enhanced-mode runs: how many messages they committed, and
   * how long after they ended an original-mode message of the same patient (processed only after
   * every earlier one) got its application ACK.
   */
  drain?: { messages: number; seconds: number };
  latency: { rate: number; p50: number; p99: number; max: number; messages: number };
  /** The same at a steady 2,000 msg/s over 8 connections. */
  latency2000?: { rate: number; p50: number; p99: number; max: number; messages: number };
  /** GET /health answered while a 10,000-OBX ORU^R01 is processed: the slowest answer, and how many. */
  health?: { maxMs: number; answers: number; resets?: number; oruAck: string; oruKB: number };
  synchronous: string;
  /** Peak RSS of the gateway process (the load generator's is the item's). */
  gatewayRssMB: number | undefined;
}

export function ackCode(ack: string): string {
  const msa = ack.split(/\r|\n/).find((l) => l.startsWith('MSA'));
  return msa?.split('|')[1] ?? '?';
}

/**
 * The gateway's MLLP listener and SQLite store (WAL, synchronous=FULL) on port 0, started in a
 * process of its own (bench/mllp-gateway.ts); this process is the load generator.
 */
export async function runMllp(): Promise<MllpFigures> {
  await need('gateway (src/gateway.ts)', () => import('../src/gateway.js'));
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-'));
  const configFile = path.join(dir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify({
    practice: { name: 'Bench practice', timezone: TIMEZONE },
    store: { path: path.join(dir, 'bench.db') },
    log: { level: 'silent' },
    mllp: { host: '127.0.0.1', maxFrameBytes: 16 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 },
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
    processing: { maxAttempts: 3 },
    channels: [
      { name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] },
      { name: 'labs', source: { mllp: { port: 0 } }, messageTypes: ['ORU^*'], validation: 'lenient', destinations: [] },
    ],
  }));
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/mllp-gateway.ts'), configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const started = await new Promise<{ port: number; sync: string; labPort: number; http: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 60 s: ${err.slice(-300)}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+) SYNC (\d+) LABPORT (\d+) HTTP (\S*)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ port: Number(m[1]), sync: m[2]!, labPort: Number(m[3]), http: m[4]! }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`gateway exited ${code}: ${err.slice(-300)}`)); });
  });
  // FULL: every commit's WAL is fsync'd before anything it holds is acknowledged (a transaction's fsync runs off the event loop: src/store/sqlite/wal-sync.ts).
  const sync = started.sync === '2' ? 'synchronous=FULL' : `synchronous=${started.sync}`;
  const gw = {
    async close(): Promise<number | undefined> {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
      const m = /RSS ([\d.]+)/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
  };
  let gatewayRssMB: number | undefined;
  try {
    const port = started.port;
    const template = inputById('adt').text();
    let seq = 0;
    // A distinct MSH-10 per message: the store deduplicates by control id.
    const next = () => template.replace('|ADT0001|', `|B${process.pid}-${++seq}|`);
    // Original mode: MSH-15/16 emptied, so the only ACK is the application ACK after processing.
    const nextOriginal = () => next().replace('|AL|NE|', '|||');
    const QUICK = process.env.BENCH_QUICK === '1';

    const throughput = (connections: number, ms: number, make: () => string = next) => runThroughput(port, child.pid!, connections, ms, make);
    const ms = QUICK ? 500 : 3000;
    const one = await throughput(1, ms);
    // Enhanced mode answers at the commit and processing runs behind intake (#17). Each run starts
    // with processing caught up: the 1-connection run's backlog, 3 s old by then, would otherwise
    // take processing's larger share (by the backlog's age, src/runtime/pipeline.ts) during the
    // 8-connection run, which then measured the first run's processing as much as its own intake.
    await drained(port, 0, nextOriginal);
    const sentBefore = seq;
    const eight = await throughput(8, ms);
    // Before the original-mode runs (whose messages, same patient, are processed after every
    // earlier one), wait until processing has caught up again, and say how long that took.
    const drain = await drained(port, seq - sentBefore, nextOriginal);
    const originalOne = await throughput(1, ms, nextOriginal);
    const originalEight = await throughput(8, ms, nextOriginal);

    // A steady rate over some connections: ACK latency from write to ACK (enhanced mode: the CA).
    async function steady(rate: number, total: number, connections: number) {
      const clients = await Promise.all(Array.from({ length: connections }, () => connect(port)));
      const lat: number[] = [];
      const t0 = performance.now();
      const pending: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const c = clients[i % clients.length]!;
        const sent = performance.now();
        pending.push(c.send(next()).then(() => { lat.push(performance.now() - sent); }));
      }
      await Promise.all(pending);
      clients.forEach((c) => c.close());
      lat.sort((a, b) => a - b);
      const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!;
      return { rate, p50: median(lat), p99: pct(99), max: lat[lat.length - 1]!, messages: lat.length };
    }
    const latency = await steady(100, QUICK ? 50 : 500, 4);
    const latency2000 = await steady(2000, QUICK ? 400 : 4000, 8);

    // /health while a 10,000-OBX ORU^R01 is processed (original mode: its AA comes after processing).
    const { oruR01 } = await import('./messages.js');
    const oru = oruR01(10_000).replace('|AL|NE|', '|||');
    // One answer first, not counted: the first fetch of a process loads its HTTP client (undici,
    // 35-100 ms of this process's own CPU), which was the slowest "answer" of the measurement when
    // it came while the ORU was being sent.
    await fetch(`${started.http}/health`).then((r) => r.arrayBuffer()).catch(() => undefined);
    const lab = await connect(started.labPort);
    const oruDone = lab.send(oru);
    let finished = false;
    let oruAck = '?';
    void oruDone.then((a) => { finished = true; oruAck = ackCode(a); });
    let maxMs = 0;
    let answers = 0;
    let resets = 0;
    while (!finished) {
      const t = performance.now();
      // A request the gateway could not read for longer than its keep-alive timeout (5 s) is met by
      // a reset connection: counted, with its time, not thrown.
      await fetch(`${started.http}/health`).then((r) => r.arrayBuffer()).catch(() => { resets++; });
      maxMs = Math.max(maxMs, performance.now() - t);
      answers++;
      await new Promise((r) => setTimeout(r, 10));
    }
    lab.close();
    const health = { maxMs, answers, resets, oruAck, oruKB: Buffer.byteLength(oru) / 1024 };

    gatewayRssMB = await gw.close();
    // The peer, after our gateway has stopped (so the two never share the cores), same client, same messages.
    let peerOne: Throughput | string;
    let peerEight: Throughput | string;
    try {
      [peerOne, peerEight] = await runPeer((p, pid) => [() => runThroughput(p, pid, 1, ms, next), () => runThroughput(p, pid, 8, ms, next)]);
    } catch (e) {
      peerOne = peerEight = `failed (${(e as Error).message.split('\n')[0]!.slice(0, 120)})`;
    }
    // The floor (bench/mllp-floor.ts): one table, group commit, the fsync off the loop, nothing else; same client, same messages.
    let floorEight: Throughput | string;
    try {
      [floorEight] = await runServerProcess('bench/mllp-floor.ts', 'store-then-ACK floor', (p, pid) => [() => runThroughput(p, pid, 8, ms, next)]);
    } catch (e) {
      floorEight = `failed (${(e as Error).message.split('\n')[0]!.slice(0, 120)})`;
    }
    return {
      one, eight, drain, originalOne, originalEight, peerOne, peerEight, floorEight, latency, latency2000, health, synchronous: sync, gatewayRssMB,
    };
  } finally {
    if (gatewayRssMB === undefined) await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Waits until processing has caught up with what the enhanced-mode runs committed: one
 * original-mode message of the same patient is answered only after every earlier one is processed.
 */
async function drained(port: number, messages: number, make: () => string): Promise<{ messages: number; seconds: number }> {
  const t0 = performance.now();
  const c = await connect(port);
  try {
    await c.send(make());
  } finally {
    c.close();
  }
  return { messages, seconds: (performance.now() - t0) / 1000 };
}

/** CPU time (user + system) of another process so far, in microseconds (Linux /proc; undefined elsewhere). */
function processCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/**
 * Senders that each wait for the ACK of a frame before the next (the same client for our gateway
 * and the peer), for `ms` after a warm-up of 20 messages per connection.
 */
async function runThroughput(port: number, serverPid: number, connections: number, ms: number, make: () => string): Promise<Throughput> {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  const acks: Record<string, number> = {};
  await Promise.all(clients.map(async (c) => { for (let i = 0; i < 20; i++) await c.send(make()); }));
  let n = 0;
  const cpu0 = processCpuUs(serverPid);
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(clients.map(async (c) => {
    while (performance.now() < end) {
      const code = ackCode(await c.send(make()));
      acks[code] = (acks[code] ?? 0) + 1;
      n++;
    }
  }));
  const dt = performance.now() - t0;
  const cpu1 = processCpuUs(serverPid);
  clients.forEach((c) => c.close());
  return {
    perSecond: (n * 1000) / dt, messages: n, acks,
    cpuUsPerMessage: cpu0 !== undefined && cpu1 !== undefined && n > 0 ? (cpu1 - cpu0) / n : undefined,
    load: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

/** Starts the @medplum/hl7 peer (bench/mllp-peer.ts) in a process of its own, runs the given loads against it in turn, stops it. */
async function runPeer(loads: (port: number, pid: number) => Array<() => Promise<Throughput>>): Promise<Throughput[]> {
  await need('@medplum/hl7 (devDependency)', () => import('@medplum/hl7'));
  return runServerProcess('bench/mllp-peer.ts', '@medplum/hl7 server', loads);
}

/** A server script of the bench (it prints `PORT <n>`; SIGTERM stops it) in a process of its own: the given loads against it in turn. */
async function runServerProcess(script: string, label: string, loads: (port: number, pid: number) => Array<() => Promise<Throughput>>): Promise<Throughput[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(script)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${label} did not start in 60 s: ${err.slice(-300)}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /PORT (\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      void exited.then(() => { clearTimeout(timer); reject(new Error(`${label} exited: ${err.slice(-300)}`)); });
    });
    const figures: Throughput[] = [];
    for (const load of loads(port, child.pid!)) figures.push(await load());
    return figures;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

// ---------------------------------------------------------------- disk reference

export interface DiskFigures { commitsPerSecond: number; rowsPerSecondBatched: number; dir: string }

/**
 * What the disk allows: better-sqlite3 in WAL mode with synchronous=FULL (as src/store/sqlite/db.ts
 * opens it), one 1.2 KB row per commit, then 8 rows per commit. Not a peer: the ceiling the
 * MLLP figures are read against.
 */
export async function runDisk(): Promise<DiskFigures> {
  const { default: Database } = await import('better-sqlite3');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-disk-'));
  try {
    const db = new Database(path.join(dir, 'disk.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const ins = db.prepare('INSERT INTO t (body) VALUES (?)');
    const body = 'x'.repeat(1200);
    const ms = process.env.BENCH_QUICK === '1' ? 300 : 2000;
    let n = 0;
    let t0 = performance.now();
    while (performance.now() - t0 < ms) { ins.run(body); n++; }
    const commitsPerSecond = (n * 1000) / (performance.now() - t0);
    const tx = db.transaction(() => { for (let i = 0; i < 8; i++) ins.run(body); });
    n = 0;
    t0 = performance.now();
    while (performance.now() - t0 < ms) { tx(); n += 8; }
    const rowsPerSecondBatched = (n * 1000) / (performance.now() - t0);
    db.close();
    return { commitsPerSecond, rowsPerSecondBatched, dir: tmpdir() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
