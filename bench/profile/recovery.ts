/**
 * A restart on a backlog (issue #17): N messages left 'received' (as a kill after a burst leaves
 * them, 500 patients), then the gateway started on them in this process with the test flow: ms to
 * listening, to `startGateway()` resolved, to the first `/health` answer (and what it said), to the
 * end of the recovery (`gw.recovery`), and the CPU seconds of it all.
 *
 *   node --import tsx bench/profile/recovery.ts [messages=20000]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openTestStore } from '../../test/support/engine.js';
import { adt, registerTestFlow, startTest, tempDir } from '../../test/support/gateway.js';
import { contentHash, readHl7Header } from '../../src/runtime/intake-header.js';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20_000);
  const tmp = tempDir();
  registerTestFlow();
  try {
    const dbPath = join(tmp.dir, 'fd.db');
    const store = openTestStore(dbPath);
    await store.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        const raw = adt(`B${i}`, { mrn: `P${i % 500}` });
        await tx.messages.insert({ channel: 'test-mllp', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId: `B${i}`, messageType: 'ADT^A04', ackMode: 'original', patientMrn: readHl7Header(raw).patientMrn });
      }
    });
    await store.close();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let listening = 0;
    const gw = await startTest(dbPath, {}, { onListening: () => { listening = performance.now() - t0; } });
    const started = performance.now() - t0;
    const health = await (await fetch(`${gw.http.url}/health`)).text();
    const healthAt = performance.now() - t0;
    const report = await gw.recovery;
    const done = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const ms = (x: number) => `${Math.round(x)} ms`;
    console.log(`backlog ${n}: listening ${ms(listening)}, startGateway() ${ms(started)}, /health ${ms(healthAt)} (${health}), recovery done ${ms(done)} (${JSON.stringify(report)}), ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s`);
    await gw.close();
  } finally {
    tmp.cleanup();
  }
}

await main();
