/**
 * Start-up of the compiled build, wall-clock on a warm cache (one untimed run first):
 *   - the gateway: spawn `node dist/main.js --config <tmp>` (what `npm start` runs after its
 *     build check) to its "HTTP listening" line (every socket open: a message or request sent now
 *     is answered), and on to its "ready" line (pipeline, HTTP app, delivery worker and jobs
 *     loaded: what a message sent at "listening" waits for), one MLLP channel per vertical on
 *     port 0, a fresh SQLite file; plus a probe run splitting module loading from startGateway();
 *   - the CLI: `node bin/frontdesk.js validate examples/fhir/patient.json` (build check included)
 *     to its exit.
 * The machine's load average is recorded beside the figures: on a shared machine, wall-clock
 * start-up is mostly waiting for a CPU, and the CPU time of each run is recorded too.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { median } from './harness.js';

export interface StartupFigures {
  medianMs: number;
  runs: number[];
  /** CPU time (user + system) of each run's process, ms. */
  cpuMs: number[];
  command: string;
  /** 1-minute load average when the runs started, and the CPUs it is shared by. */
  load: { average: number; cpus: number };
  /** From process start to the gateway's modules loaded, and startGateway() itself; medians (gateway only). */
  loadMs?: number;
  startMs?: number;
  /** Gateway only: spawn to the "ready" line of each run (everything loaded), ms, and its median. */
  readyRuns?: number[];
  readyMedianMs?: number;
}

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

async function ensureBuilt(): Promise<void> {
  const build = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build.mjs')).href)) as { ensureBuilt: () => void };
  build.ensureBuilt();
}

const loadNow = () => ({ average: Number(os.loadavg()[0]!.toFixed(2)), cpus: os.availableParallelism() });
const RUNS = () => (process.env.BENCH_QUICK === '1' ? 1 : 5);

export async function runStartup(): Promise<StartupFigures> {
  await ensureBuilt();
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-start-'));
  try {
    const config = path.join(dir, 'gateway.json');
    const channels = [['registration', 'ADT^*'], ['scheduling', 'SIU^*'], ['lab-results', 'ORU^R01'], ['charges', 'DFT^P03']]
      .map(([name, t]) => ({ name, source: { mllp: { port: 0 } }, messageTypes: [t], destinations: [] }));
    writeFileSync(config, JSON.stringify({
      practice: { name: 'Bench practice', timezone: 'America/Chicago' }, store: { path: path.join(dir, 'start.db') }, log: { level: 'warn' },
      http: { host: '127.0.0.1', port: 0, auth: { keys: [] } }, channels,
    }));
    const args = [path.join(ROOT, 'dist', 'main.js'), '--config', config];
    rmSync(path.join(dir, 'start.db'), { force: true });
    await timeTo(args, /frontdesk: ready/); // warm the file cache (and the mapping check's memo, dist/.mappings-checked)
    const load = loadNow();
    const runs: number[] = [];
    const cpuMs: number[] = [];
    const loads: number[] = [];
    const starts: number[] = [];
    const ready: number[] = [];
    for (let i = 0; i < RUNS(); i++) {
      rmSync(path.join(dir, 'start.db'), { force: true });
      const r = await timeTo(args, /HTTP listening/, /frontdesk: ready/);
      runs.push(r.ms);
      if (r.laterMs !== undefined) ready.push(r.laterMs);
      cpuMs.push(r.cpuMs);
      rmSync(path.join(dir, 'start.db'), { force: true });
      const split = await timeTo([path.join(ROOT, 'bench', 'startup-probe.mjs'), config], /STARTUP ([\d.]+) ([\d.]+)/);
      if (split.match) { loads.push(Number(split.match[1])); starts.push(Number(split.match[2])); }
    }
    return {
      medianMs: median(runs), runs, cpuMs, command: 'node dist/main.js --config <tmp>', load,
      ...(loads.length ? { loadMs: median(loads), startMs: median(starts) } : {}),
      ...(ready.length ? { readyRuns: ready, readyMedianMs: median(ready) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCliValidate(): Promise<StartupFigures> {
  await ensureBuilt();
  const args = [path.join(ROOT, 'bin', 'frontdesk.js'), 'validate', path.join(ROOT, 'examples', 'fhir', 'patient.json')];
  await timeTo(args); // warm the file cache
  const load = loadNow();
  const runs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < RUNS(); i++) {
    const r = await timeTo(args);
    if (r.code !== 0) throw new Error(`validate exited ${r.code}: ${r.out.slice(-300)}`);
    runs.push(r.ms);
    cpuMs.push(r.cpuMs);
  }
  return { medianMs: median(runs), runs, cpuMs, command: 'node bin/frontdesk.js validate examples/fhir/patient.json', load };
}

interface Timed {
  ms: number;
  cpuMs: number;
  code: number | null;
  out: string;
  match?: RegExpExecArray;
  /** When `then` was given: the time until stdout matched it too. */
  laterMs?: number;
}

/**
 * Spawn node with `args`; the time until stdout matches `until` (then SIGTERM, or after `then`
 * matched too, whose time is `laterMs`), or until exit.
 * CPU time: /proc/<pid>/stat read at the match (Linux), GNU time for a command that exits; else 0.
 */
function timeTo(args: string[], until?: RegExp, then?: RegExp): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // A command that exits by itself is run under GNU time for its CPU time (/proc is gone by then).
    const timed = !until && existsSync('/usr/bin/time');
    const child = timed
      ? spawn('/usr/bin/time', ['-f', 'FDCPU %U %S', process.execPath, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done: Timed | undefined;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no ${until ?? 'exit'} within 60 s: ${err.slice(-300)}`)); }, 60_000);
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = until?.exec(out);
      if (m && !done) done = { ms: performance.now() - t0, cpuMs: cpuOf(child.pid), code: 0, out, match: m };
      if (done && then && done.laterMs === undefined && then.test(out)) done.laterMs = performance.now() - t0;
      if (done && (!then || done.laterMs !== undefined) && !child.killed) child.kill('SIGTERM');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (done) return resolve(done);
      if (until) return reject(new Error(`exited ${code} before ${until}: ${err.slice(-300)}`));
      const cpu = /FDCPU ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ ms: performance.now() - t0, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : 0, code, out: out + err });
    });
  });
}

function cpuOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}
