/**
 * A restart on a backlog on either engine with the real flows (issue #17, the chaos harness's
 * stall on PostgreSQL): N chaos-like messages (ADT^A04/A08 and SIU^S12, 5 per patient) left
 * 'received', then the gateway started on them in this process: ms to the end of the recovery,
 * CPU seconds, and on PostgreSQL the statements (round trips) it made per message.
 *
 *   node --import tsx bench/profile/recovery-pg.ts [messages=500] [--store sqlite|postgres]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { adtA04, siuS12 } from '../messages.js';
import { startPgCluster } from '../../test/support/pg-cluster.js';
import { tempDir } from '../../test/support/gateway.js';
import { contentHash, readHl7Header } from '../../src/runtime/intake-header.js';
import { openStore } from '../../src/store/index.js';
import { startGateway } from '../../src/gateway.js';
import { checkConfig } from '../../src/config.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging.js';

function message(n: number, k: number, mrn: string): string {
  const A04 = adtA04();
  const controlId = `CH${String(n).padStart(7, '0')}`;
  const text = k === 0 ? A04
    : k % 2 === 1 ? A04.replace('ADT^A04^ADT_A01', 'ADT^A08^ADT_A01').replace('EVN|A04', 'EVN|A08')
      : siuS12().replace('APT-2024-0042', `APT-${controlId}`).replace('F-88211', `F-${controlId}`);
  return text.replace('ADT0001', controlId).replace('SIU0001', controlId).replaceAll('MRN00012345', mrn).replaceAll('V000123', `V${mrn}`);
}

async function main(): Promise<void> {
  const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 500);
  const engine = process.argv.includes('postgres') ? 'postgres' : 'sqlite';
  const tmp = tempDir();
  const cluster = engine === 'postgres' ? await startPgCluster({ durable: true }) : undefined;
  try {
    const storeConfig = cluster ? { path: '', url: cluster.url } : { path: join(tmp.dir, 'fd.db') };
    const store = await openStore(storeConfig);
    await store.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        const p = Math.floor(i / 5);
        const raw = message(i, i % 5, `CHAOS${String(p).padStart(6, '0')}`);
        const h = readHl7Header(raw);
        await tx.messages.insert({ channel: 'chaos', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId: h.controlId, messageType: h.messageType, ackMode: 'enhanced', patientMrn: h.patientMrn });
      }
    });
    await store.close();
    const cfg = checkConfig({
      practice: { name: 'Bench', timezone: 'America/New_York' },
      store: cluster ? { url: cluster.url } : { path: storeConfig.path },
      log: { level: 'silent' },
      http: { host: '127.0.0.1', port: 0, auth: { keys: [{ name: 'admin', key: 'bench-admin-key-1', scopes: ['*'] }] } },
      channels: [{ name: 'chaos', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*', 'SIU^*'], destinations: [{ name: 'partner', payload: 'raw' }] }],
      destinations: { partner: { type: 'mllp', host: '127.0.0.1', port: 9 } },
    }, process.cwd(), {});
    if (!cfg.value) throw new Error(JSON.stringify(cfg.issues));
    // Count the statements sent (pg: every Client.query is one round trip).
    let queries = 0;
    const q = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) { queries++; if (process.env.SHOW_SQL && queries < 80) { const a = args[0] as string | { text: string }; console.log(String(typeof a === 'string' ? a : a.text).replace(/\s+/g, ' ').slice(0, 150)); } return (q as (...a: unknown[]) => unknown).apply(this, args); } as typeof q;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // When each message was processed (ms from the start): the first one pays the warm-up.
    const processedAt: number[] = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { if (chunk.includes('"message processed"')) processedAt.push(performance.now() - t0); cb(); } });
    // PG_WAITS=1: sample what the gateway's server processes are doing (pg_stat_activity) every 50 ms.
    const waits = new Map<string, number>();
    let sampler: NodeJS.Timeout | undefined;
    let watcher: pg.Client | undefined;
    if (cluster && process.env.PG_WAITS) {
      watcher = new pg.Client({ connectionString: cluster.url });
      await watcher.connect();
      const w = watcher;
      let busy = false;
      sampler = setInterval(() => {
        if (busy) return;
        busy = true;
        void w.query<{ s: string }>("SELECT state || ':' || coalesce(wait_event_type || '/' || wait_event, 'cpu') AS s FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()").then((r) => {
          for (const x of r.rows) waits.set(x.s, (waits.get(x.s) ?? 0) + 1);
        }, () => undefined).finally(() => { busy = false; });
      }, 50);
    }
    const gw = await startGateway(cfg.value, { log: createLogger('info', sink) });
    const started = performance.now() - t0;
    const report = await gw.recovery;
    const done = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(`${engine} backlog ${n}: startGateway() ${Math.round(started)} ms, recovery done ${Math.round(done)} ms (${JSON.stringify(report)}), ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU-s${cluster ? `, ${queries} statements (${(queries / n).toFixed(1)} per message)` : ''}`);
    const at = (i: number) => Math.round(processedAt[Math.min(i, processedAt.length - 1)] ?? NaN);
    console.log(`  processed: first at ${at(0)} ms, 10th ${at(9)}, 100th ${at(99)}, last ${at(processedAt.length - 1)}`);
    if (sampler) { clearInterval(sampler); await watcher!.end(); console.log(`  server processes sampled: ${JSON.stringify(Object.fromEntries([...waits].sort((a, b) => b[1] - a[1])))}`); }
    await gw.close();
  } finally {
    cluster?.destroy();
    tmp.cleanup();
  }
}

await main();
