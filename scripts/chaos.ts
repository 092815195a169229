/**
 * The crash harness (#17): `npm run chaos` (docs/runtime.md, "Crash harness").
 *
 * Runs the compiled gateway (`node dist/main.js`, what `npm start` runs) as a process of its own
 * on a store in a temp dir, with one MLLP channel whose messages go, as received, to a local MLLP
 * partner this harness runs (it answers AA and logs every MSH-10 it gets). N concurrent senders
 * (half in enhanced mode, MSH-15 AL / MSH-16 NE, answered by the commit ACK; half in original mode,
 * answered by the application ACK) send unique ADT^A04/A08 and SIU^S12 messages, several per
 * patient, one patient always on the same sender, each message only after the previous one was
 * acknowledged, resending what got no ACK as a real sender does. Meanwhile the gateway is killed
 * with SIGKILL at random moments (seeded) and started again at once on the same store.
 *
 * At the end (everything processed and delivered, or a time limit) it reads the store through the
 * Store interface and the partner's log and prints:
 *   acknowledged but lost      acknowledged to a sender, not in the store
 *   stored, never processed    still 'received'
 *   processed twice            a message with two successful processing attempts, or stored twice
 *   order violations           patients whose messages reached the partner in another order than sent
 *   not delivered              acknowledged, processed, never received by the partner
 *   delivered twice            the partner received the same MSH-10 again: counted apart when a kill
 *                              fell between the two copies (a row sent just before a kill and not yet
 *                              recorded as delivered goes out again: at-least-once, allowed) and
 *                              otherwise (must be 0)
 *   longest stall              the longest time a message waited for its delivery while a gateway
 *                              was up (downtime between a kill and the restart not counted)
 *
 *   npm run chaos [-- --messages 10000 --kills 20 --senders 4 --seed 17 --store sqlite|postgres]
 * `--store postgres` runs the gateway on a throwaway PostgreSQL cluster (test/support/pg-cluster.ts:
 * initdb + pg_ctl in a temp dir, fsync on) instead of a SQLite file. `CHAOS_LOG_DIR=<dir>` keeps
 * each gateway process's log (info level: ids and times, no message content) as
 * <dir>/gateway-<n>.log, to see where a stall's time went; `CHAOS_DEBUG=1` prints each new longest wait.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { adtA04, siuS12 } from '../bench/messages.js';
import { encodeFrame, FrameDecoder } from '../src/mllp/framing.js';
import { openStore, type Store } from '../src/store/index.js';
import { startPgCluster, type PgCluster } from '../test/support/pg-cluster.js';

export interface ChaosOptions {
  messages: number;
  kills: number;
  senders: number;
  seed: number;
  /** The store engine (default sqlite). */
  store?: 'sqlite' | 'postgres';
  /** Messages per patient (default 5). */
  perPatient?: number;
  /** Give up waiting for the gateway to finish after this long (default 180 s). */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  messages: number;
  acknowledged: number;
  negativeAcks: number;
  resends: number;
  kills: number;
  ackedButLost: number;
  storedNeverProcessed: number;
  processedTwice: number;
  orderViolations: number;
  notDelivered: number;
  deliveredTwice: number;
  /** Of those: the first copy reached the partner before a kill and the second after it (sent, not yet recorded as delivered: at-least-once). */
  deliveredTwiceAtKill: number;
  /** The others: a second copy with no kill in between (must be 0). */
  deliveredTwiceOther: number;
  /** The first few of the others, each with its times relative to the start, to say why. */
  deliveredTwiceOtherSeen: string[];
  longestStallMs: number;
  /** The message that waited longest: its MSH-10, its delivery's attempts and last error. */
  longestStallOf: string;
  /** Deliveries that needed more than one attempt, and the errors their last failure gave (why a stall). */
  retriedDeliveries: number;
  retryErrors: string[];
  /** Per restart, ms from its "ready" line to the first delivery the partner received after it. */
  firstDeliveryAfterRestartMs: number[];
  /** Per restart, ms from the kill to "ready" (not counted in the stall). */
  restartMs: number[];
  settled: boolean;
  seconds: number;
}

const ROOT = resolve(import.meta.dirname, '..');

/** mulberry32: a small seeded generator, so a run can be repeated (the patient-order test uses it too). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Planned {
  controlId: string;
  patient: string;
  text: string;
}

/**
 * The messages, per sender: each patient's A04 first, then A08 updates and S12 bookings in turn
 * (synthetic data: the bench messages with their ids made unique); a patient always on the same
 * sender, whose patients are interleaved (round robin) with each patient's messages in order.
 */
function plan(total: number, perPatient: number, senders: number): Planned[][] {
  const A04 = adtA04();
  const S12 = siuS12();
  const patients: Planned[][] = [];
  for (let n = 0, p = 0; n < total; p++) {
    const mrn = `CHAOS${String(p).padStart(6, '0')}`;
    const q: Planned[] = [];
    for (let k = 0; k < perPatient && n < total; k++, n++) {
      const controlId = `CH${String(n).padStart(7, '0')}`;
      const text = k === 0 ? A04
        : k % 2 === 1 ? A04.replace('ADT^A04^ADT_A01', 'ADT^A08^ADT_A01').replace('EVN|A04', 'EVN|A08')
          : S12.replace('APT-2024-0042', `APT-${controlId}`).replace('F-88211', `F-${controlId}`);
      q.push({
        controlId, patient: mrn,
        text: text.replace('ADT0001', controlId).replace('SIU0001', controlId).replaceAll('MRN00012345', mrn).replaceAll('V000123', `V${mrn}`),
      });
    }
    patients.push(q);
  }
  return Array.from({ length: senders }, (_, s) => {
    const mine = patients.filter((_q, i) => i % senders === s);
    const out: Planned[] = [];
    for (let k = 0; k < perPatient; k++) for (const q of mine) if (q[k]) out.push(q[k]!);
    return out;
  });
}

/** MSH-15/16 for the sender's mode: enhanced (commit ACK only) or original (application ACK). */
function inMode(text: string, enhanced: boolean): string {
  const lines = text.split('\r');
  const f = lines[0]!.split('|');
  while (f.length < 17) f.push('');
  f[14] = enhanced ? 'AL' : '';
  f[15] = enhanced ? 'NE' : '';
  lines[0] = f.join('|');
  return lines.join('\r');
}

const mshField = (frame: string, n: number): string => frame.slice(0, frame.indexOf('\r') >>> 0).split('|')[n - 1] ?? '';
const msa = (frame: string): { code: string; controlId: string } => {
  const line = frame.split('\r').find((l) => l.startsWith('MSA|')) ?? '';
  const f = line.split('|');
  return { code: f[1] ?? '', controlId: f[2] ?? '' };
};

/**
 * One frame as the partner got it: its MSH-10, when the partner read it, and when the connection
 * it came on was opened. The last tells which gateway process sent it: a frame written just before
 * a SIGKILL is still read by the partner after the kill (the kernel delivers what was written), so
 * its arrival time alone would place it after the kill.
 */
interface PartnerReceipt { controlId: string; at: number; connectionOpenedAt: number }

/** The partner: answers AA to every frame, logs each MSH-10 with the time it arrived. */
async function startPartner(): Promise<{ port: number; log: PartnerReceipt[]; close(): Promise<void> }> {
  const log: PartnerReceipt[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    const connectionOpenedAt = Date.now();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    const dec = new FrameDecoder();
    s.on('data', (b) => {
      for (const frame of dec.push(b).frames) {
        const id = mshField(frame, 10);
        log.push({ controlId: id, at: Date.now(), connectionOpenedAt });
        const ack = `MSH|^~\\&|PARTNER|LAB|FRONTDESK|CLINIC|${mshField(frame, 7)}||ACK|P${log.length}|P|2.5.1\rMSA|AA|${id}\r`;
        s.write(encodeFrame(ack));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    log,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface GatewayProc {
  child: ChildProcess;
  exited: Promise<void>;
}

let boots = 0;
async function startGateway(configFile: string): Promise<GatewayProc> {
  // CHAOS_LOG_DIR: each gateway process's log (info, pino JSON) in a file of its own there, to see where a stall's time went.
  const logDir = process.env.CHAOS_LOG_DIR;
  const child = spawn(process.execPath, ['dist/main.js', '--config', configFile], {
    cwd: ROOT, env: { ...process.env, FRONTDESK_LOG_LEVEL: logDir ? 'info' : 'silent' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (logDir) {
    const file = createWriteStream(join(logDir, `gateway-${++boots}.log`));
    child.stdout!.pipe(file);
  }
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  await new Promise<void>((res, rej) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      // Ready: listening, and the pipeline, delivery worker and jobs started (main.ts prints it last).
      if (/frontdesk: ready/.test(out)) res();
    });
    void exited.then(() => rej(new Error(`gateway exited before it was ready: ${err.slice(-2000) || out.slice(-2000)}`)));
  });
  return { child, exited };
}

/** One sender: a message at a time, resent (on a new connection when needed) until it is acknowledged. */
async function runSender(port: number, enhanced: boolean, messages: Planned[], acked: Map<string, number>, stats: { resends: number; negative: number }, stop: () => boolean): Promise<void> {
  let sock: net.Socket | undefined;
  let frames: string[] = [];
  let wake: (() => void) | undefined;
  const connect = async (): Promise<net.Socket> => {
    for (;;) {
      if (stop()) throw new Error('stopped');
      try {
        const s = await new Promise<net.Socket>((res, rej) => {
          const c = net.connect(port, '127.0.0.1', () => res(c));
          c.once('error', rej);
        });
        const dec = new FrameDecoder();
        frames = [];
        s.on('data', (b) => { frames.push(...dec.push(b).frames); wake?.(); });
        s.on('error', () => undefined);
        s.on('close', () => wake?.());
        return s;
      } catch {
        await sleep(50);
      }
    }
  };
  for (const m of messages) {
    const text = inMode(m.text, enhanced);
    let tries = 0;
    for (;;) {
      if (!sock || sock.destroyed) sock = await connect();
      if (tries++ > 0) stats.resends++;
      sock.write(encodeFrame(text));
      const deadline = Date.now() + 15_000;
      let answer: string | undefined;
      while (!answer && !sock.destroyed && Date.now() < deadline) {
        answer = frames.shift();
        if (!answer) {
          await new Promise<void>((r) => { wake = r; setTimeout(r, 250); });
          wake = undefined;
        }
      }
      if (!answer) {
        // No ACK (the gateway died, or is too slow): a real sender resends on a new connection.
        sock.destroy();
        sock = undefined;
        continue;
      }
      const a = msa(answer);
      if (a.controlId !== m.controlId) continue;
      if (a.code === 'AA' || a.code === 'CA') {
        acked.set(m.controlId, Date.now());
        break;
      }
      stats.negative++;
      break;
    }
  }
  sock?.destroy();
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const rand = prng(opts.seed);
  const dir = mkdtempSync(join(tmpdir(), 'frontdesk-chaos-'));
  const partner = await startPartner();
  const mllpPort = await freePort();
  const dbPath = join(dir, 'gateway.db');
  const configFile = join(dir, 'gateway.json');
  const cluster: PgCluster | undefined = opts.store === 'postgres' ? await startPgCluster({ durable: true }) : undefined;
  const storeConfig = cluster ? { path: '', url: cluster.url } : { path: dbPath };
  writeFileSync(configFile, JSON.stringify({
    instance: 'chaos-gateway',
    store: cluster ? { url: cluster.url } : { path: dbPath },
    log: { level: 'silent' },
    http: { port: 0, auth: { keys: [{ name: 'admin', key: 'chaos-harness-key', scopes: ['*'] }] } },
    channels: [{ name: 'chaos', source: { mllp: { port: mllpPort } }, messageTypes: ['ADT^*', 'SIU^*'], destinations: [{ name: 'partner', payload: 'raw' }] }],
    // The local partner takes one connection per sender (MLLP is lock-step per connection: with
    // one, delivery could never keep up with N senders each waiting for its own ACK), the default
    // ACK timeout (30 s: a partner starved of CPU on a loaded machine is late, not gone; a shorter
    // one resends what it already has) and a short backoff (a transient failure costs a second,
    // not the default 30 s; docs/runtime.md).
    destinations: { partner: { type: 'mllp', host: '127.0.0.1', port: partner.port, connections: opts.senders, retry: { baseDelayMs: 1000, maxDelayMs: 10_000 } } },
  }));
  const build = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as { ensureBuilt: () => void };
  build.ensureBuilt();

  const downtimes: Array<[number, number]> = [];
  const killedAt: number[] = [];
  let gw = await startGateway(configFile);
  const acked = new Map<string, number>();
  const stats = { resends: 0, negative: 0 };
  let stopping = false;
  const perSender = plan(opts.messages, opts.perPatient ?? 5, opts.senders);
  const senders = perSender.map((msgs, i) => runSender(mllpPort, i % 2 === 0, msgs, acked, stats, () => stopping));

  // The killer: SIGKILL after about every messages/(kills+1) acknowledgments, at a random moment around it.
  let kills = 0;
  const step = opts.messages / (opts.kills + 1);
  const killer = (async () => {
    for (let i = 1; i <= opts.kills; i++) {
      const at = Math.floor(i * step + (rand() - 0.5) * step * 0.6);
      while (acked.size < at && !stopping) await sleep(10);
      if (stopping) return;
      await sleep(Math.floor(rand() * 100));
      const down = Date.now();
      killedAt.push(down);
      gw.child.kill('SIGKILL');
      await gw.exited;
      kills++;
      gw = await startGateway(configFile);
      downtimes.push([down, Date.now()]);
      log(`kill ${kills}/${opts.kills} after ${acked.size} acknowledged; back in ${Date.now() - down} ms`);
    }
  })();
  const sendersDone = Promise.all(senders);
  await Promise.race([sendersDone, killer.then(() => sendersDone)]);
  await sendersDone.catch(() => undefined);
  stopping = true;
  await killer;
  log(`all sent: ${acked.size} acknowledged, ${stats.resends} resends; waiting for the gateway to finish`);

  // Settle: nothing left to process or deliver (or the time limit).
  const store: Store = await openStore(storeConfig);
  const settleBy = Date.now() + (opts.settleMs ?? 180_000);
  let settled = false;
  while (Date.now() < settleBy) {
    const received = await store.messages.count({ state: 'received' });
    const owed = (await store.outbox.counts()).filter((c) => c.state !== 'delivered' && c.count > 0).length;
    if (received === 0 && owed === 0) { settled = true; break; }
    await sleep(200);
  }
  gw.child.kill('SIGTERM');
  await gw.exited;

  // Read the store and the partner's log.
  const rows = new Map<string, Array<{ id: number; state: string }>>();
  let storedNeverProcessed = 0;
  let processedTwice = 0;
  for (const id of await store.messages.matchingIds({}, 10_000_000)) {
    {
      const r = (await store.messages.get(id))!;
      const list = rows.get(r.controlId ?? '') ?? [];
      list.push({ id: r.id, state: r.state });
      rows.set(r.controlId ?? '', list);
      if (r.state === 'received') storedNeverProcessed++;
      const ok = (await store.processing.attemptsOf(r.id)).filter((a) => a.state === 'processed').length;
      if (ok > 1) processedTwice++;
    }
  }
  for (const list of rows.values()) if (list.length > 1) processedTwice += list.length - 1;
  let ackedButLost = 0;
  for (const id of acked.keys()) if (!rows.has(id)) ackedButLost++;

  const firstReceipt = new Map<string, number>();
  const firstCopy = new Map<string, PartnerReceipt>();
  let deliveredTwice = 0;
  let deliveredTwiceAtKill = 0;
  const deliveredTwiceOtherSeen: string[] = [];
  for (const e of partner.log) {
    const first = firstCopy.get(e.controlId);
    if (first === undefined) {
      firstReceipt.set(e.controlId, e.at);
      firstCopy.set(e.controlId, e);
      continue;
    }
    deliveredTwice++;
    // Allowed only when the gateway died between sending it and recording it as delivered: then
    // the restart sends it again (same MSH-10, which a partner that deduplicates takes once). The
    // first copy came from a process that was there before the kill when its connection was
    // opened before the kill (the partner may read that copy after the kill).
    if (killedAt.some((k) => first.connectionOpenedAt <= k && k <= e.at)) deliveredTwiceAtKill++;
    else if (deliveredTwiceOtherSeen.length < 5) {
      deliveredTwiceOtherSeen.push(`${e.controlId}: first at ${first.at - t0} ms (connection opened ${first.connectionOpenedAt - t0}), again at ${e.at - t0} (connection opened ${e.connectionOpenedAt - t0}); kills at ${killedAt.map((k) => k - t0).join(', ')}`);
    }
  }
  const deliveredTwiceOther = deliveredTwice - deliveredTwiceAtKill;
  let notDelivered = 0;
  for (const id of acked.keys()) if (!firstReceipt.has(id)) notDelivered++;

  // Per patient: the order of first receipts must be the order sent.
  const sentOrder = new Map<string, string[]>();
  for (const list of perSender) for (const m of list) sentOrder.set(m.patient, [...(sentOrder.get(m.patient) ?? []), m.controlId]);
  let orderViolations = 0;
  for (const ids of sentOrder.values()) {
    const got = ids.filter((id) => firstReceipt.has(id)).sort((a, b) => firstReceipt.get(a)! - firstReceipt.get(b)!);
    const want = ids.filter((id) => firstReceipt.has(id));
    if (got.join() !== want.join()) orderViolations++;
  }

  // The longest wait for a delivery while a gateway was up (downtime between kill and restart not counted).
  let longestStallMs = 0;
  let stalled = '';
  for (const [id, ackAt] of acked) {
    const got = firstReceipt.get(id);
    if (got === undefined) continue;
    let wait = got - ackAt;
    for (const [down, up] of downtimes) wait -= Math.max(0, Math.min(got, up) - Math.max(ackAt, down));
    if (wait > longestStallMs) {
      longestStallMs = wait;
      stalled = id;
      if (process.env.CHAOS_DEBUG) log(`stall ${id}: acked ${ackAt - t0} ms, delivered ${got - t0} ms, downtimes ${JSON.stringify(downtimes.map(([a, b]) => [a - t0, b - t0]))}`);
    }
  }

  let longestStallOf = stalled;
  const stalledRow = rows.get(stalled)?.[0];
  if (stalledRow) {
    const item = (await store.outbox.list({ messageId: stalledRow.id }))[0];
    if (item) longestStallOf = `${stalled}: ${item.attempts} attempt(s)${item.lastError ? `, last error "${item.lastError.slice(0, 100)}"` : ''}`;
    // Where its wait fell: acknowledged how long before a kill (or after a restart), delivered how long after a restart was ready.
    const ackAt = acked.get(stalled)!;
    const got = firstReceipt.get(stalled)!;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const killAfter = downtimes.find(([down]) => down >= ackAt);
    const readyBefore = [...downtimes].reverse().find(([, up]) => up <= got);
    // And whether it waited for processing (enhanced mode is acknowledged at the commit; processing
    // runs behind, up to processing.maxBacklog messages) or for delivery.
    const processedAt = (await store.messages.get(stalledRow.id))?.processedAt;
    const processed = processedAt ? Date.parse(processedAt) : undefined;
    if (processed !== undefined) longestStallOf += `; processed ${s(processed - ackAt)} after its ACK, first delivered ${s(got - processed)} after processing`;
    longestStallOf += `; acknowledged ${killAfter && killAfter[0] <= got ? `${s(killAfter[0] - ackAt)} before a kill` : readyBefore && readyBefore[1] <= ackAt ? `${s(ackAt - readyBefore[1])} after a restart was ready` : 'with no kill before its delivery'}, delivered ${readyBefore && readyBefore[1] >= ackAt ? `${s(got - readyBefore[1])} after the restart was ready` : `${s(got - ackAt)} after it`}`;
  }
  // After each restart: how long from "ready" to the first delivery the partner saw.
  const firstAfterRestart = downtimes.map(([, up]) => {
    const e = partner.log.find((x) => x.at >= up);
    return e ? e.at - up : undefined;
  }).filter((x): x is number => x !== undefined);
  let retriedDeliveries = 0;
  const retryErrors = new Set<string>();
  for (const item of await store.outbox.list({ limit: 1_000_000 })) {
    if (item.attempts > 1) {
      retriedDeliveries++;
      if (item.lastError) retryErrors.add(item.lastError.slice(0, 120));
    }
  }

  await store.close();
  await partner.close();
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
  return {
    messages: opts.messages, acknowledged: acked.size, negativeAcks: stats.negative, resends: stats.resends, kills,
    ackedButLost, storedNeverProcessed, processedTwice, orderViolations, notDelivered, deliveredTwice, deliveredTwiceAtKill, deliveredTwiceOther, deliveredTwiceOtherSeen, longestStallMs, longestStallOf, retriedDeliveries, retryErrors: [...retryErrors].slice(0, 5), settled,
    firstDeliveryAfterRestartMs: firstAfterRestart, restartMs: downtimes.map(([down, up]) => up - down),
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
}

export function formatReport(r: ChaosReport): string {
  const mark = (ok: boolean) => (ok ? 'ok' : 'NOT ok');
  return [
    `chaos: ${r.messages} messages, ${r.acknowledged} acknowledged (${r.negativeAcks} negative), ${r.resends} resends, ${r.kills} SIGKILLs, ${r.seconds} s${r.settled ? '' : ' (did NOT settle: time limit)'}`,
    `  acknowledged but lost      ${r.ackedButLost}  ${mark(r.ackedButLost === 0)}`,
    `  stored, never processed    ${r.storedNeverProcessed}  ${mark(r.storedNeverProcessed === 0)}`,
    `  processed twice            ${r.processedTwice}  ${mark(r.processedTwice === 0)}`,
    `  per-patient order broken   ${r.orderViolations}  ${mark(r.orderViolations === 0)}`,
    `  acknowledged, not delivered ${r.notDelivered}  ${mark(r.notDelivered === 0)}`,
    `  delivered twice            ${r.deliveredTwice}: ${r.deliveredTwiceAtKill} in flight at a kill (sent, not yet recorded: at-least-once, same MSH-10), ${r.deliveredTwiceOther} otherwise  ${mark(r.deliveredTwiceOther === 0)}${r.deliveredTwiceOtherSeen.map((x) => `\n    ${x}`).join('')}`,
    `  longest stall (gateway up) ${(r.longestStallMs / 1000).toFixed(2)} s  ${mark(r.longestStallMs < 5000)} (target < 5 s; ${r.longestStallOf || 'none'})`,
    `  deliveries retried         ${r.retriedDeliveries}${r.retryErrors.length ? ` (${r.retryErrors.join('; ')})` : ''}`,
    `  restarts (kill to ready, not counted in the stall): ${r.restartMs.map((x) => (x / 1000).toFixed(1)).join(', ') || 'none'} s; ready to the first delivery after it: ${r.firstDeliveryAfterRestartMs.map((x) => (x / 1000).toFixed(2)).join(', ') || 'none'} s`,
  ].join('\n');
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const storeArg = process.argv.indexOf('--store');
  const engine = storeArg >= 0 ? process.argv[storeArg + 1] : 'sqlite';
  if (engine !== 'sqlite' && engine !== 'postgres') {
    process.stderr.write(`chaos: --store takes sqlite or postgres, not ${engine}\n`);
    process.exit(2);
  }
  const report = await runChaos({
    messages: arg('messages', 10_000), kills: arg('kills', 20), senders: arg('senders', 4), seed: arg('seed', 17), store: engine,
    log: (l) => process.stdout.write(`${l}\n`),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  const bad = report.ackedButLost + report.storedNeverProcessed + report.processedTwice + report.orderViolations + report.notDelivered + report.deliveredTwiceOther;
  process.exit(bad === 0 && report.settled ? 0 : 1);
}
