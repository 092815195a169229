/**
 * The lock-step senders of bench/profile/commit-cycle.ts, in a process of their own (as the bench's
 * load generator is): `connections` MLLP connections on loopback, each sending the ADT^A04 example
 * with a distinct MSH-10 and waiting for its ACK. Warms up, says `{ ready }`, then for each
 * `{ ms }` it is sent runs that long and answers `{ n, dt }`.
 *   (forked by commit-cycle.ts) cycle-senders.ts <port> <connections>
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connectMllp } from './mllp-client.js';

const [port, connections] = process.argv.slice(2).map(Number) as [number, number];
const example = readFileSync(path.resolve('examples/hl7v2/adt-a04.hl7'), 'utf8').replace(/\r?\n/g, '\r');
const controlId = example.split('\r')[0]!.split('|')[9]!;
let seq = 0;
const next = () => example.replace(`|${controlId}|`, `|C${process.pid}-${++seq}|`);
const clients = await Promise.all(Array.from({ length: connections }, () => connectMllp(port)));
process.on('message', (m: { ms?: number; stop?: boolean }) => {
  if (m.stop) {
    clients.forEach((c) => c.close());
    process.exit(0);
  }
  void (async () => {
    let n = 0;
    const t0 = performance.now();
    await Promise.all(clients.map(async (c) => { while (performance.now() < t0 + m.ms!) { await c.send(next()); n++; } }));
    process.send!({ n, dt: performance.now() - t0 });
  })();
});
await Promise.all(clients.map(async (c) => { for (let i = 0; i < 30; i++) await c.send(next()); }));
process.send!({ ready: true });
