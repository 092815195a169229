/**
 * What a message waiting for processing costs in heap (#17, "Memory of the backlog"): one gateway
 * in this process, ADT^A04 in enhanced mode with MSH-16 NE (the soak's message) handed to the
 * pipeline in batches as fast as intake commits them, so processing falls behind; then the heap
 * after a full collection against the heap before, per message waiting (counted in the store).
 * Run it in two trees (an old commit's worktree beside this one) to compare:
 *   node --expose-gc --import tsx bench/profile/backlog-memory.ts [messages=20000] [rounds=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/logging.js';
import { inputById } from '../items-hl7.js';
import { writeProfileGatewayConfig } from './profile-gateway-config.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const total = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-backlog-mem-'));
const file = writeProfileGatewayConfig(dir, { db: 'b.db' });
const cfg = loadConfig(file, {});
if (!cfg.value) throw new Error('config rejected');
const gw = await startGateway(cfg.value, { log: silentLogger, noHttp: true });
const template = inputById('adt').text();
const channel = gw.pipeline.channel('registration');
let seq = 0;
const send = async (n: number) => {
  for (let sent = 0; sent < n;) {
    const batch = Math.min(500, n - sent);
    await Promise.all(Array.from({ length: batch }, () => gw.pipeline.receive({
      channel, source: 'mllp', contentType: 'hl7v2', raw: Buffer.from(template.replace('|ADT0001|', `|M${++seq}|`)),
    })));
    sent += batch;
  }
};
const waiting = () => gw.store.messages.count({ state: 'received' });
const settle = async () => { while ((await waiting()) > 0) await new Promise((r) => setTimeout(r, 100)); };
const heapMB = () => { gc(); gc(); return process.memoryUsage().heapUsed / 1024 / 1024; };
// Warm: profiles compiled, statements prepared, the flows' caches filled.
await send(2000);
await settle();
for (let r = 0; r < rounds; r++) {
  const before = heapMB();
  await send(total);
  const backlog = await waiting();
  const after = heapMB();
  process.stdout.write(`round ${r + 1}: ${backlog} waiting, heap ${before.toFixed(1)} -> ${after.toFixed(1)} MB: ${((after - before) * 1024 / backlog).toFixed(2)} KB per message waiting\n`);
  await settle();
}
await gw.close();
rmSync(dir, { recursive: true, force: true });
