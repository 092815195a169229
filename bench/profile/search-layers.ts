/**
 * Where a FHIR search's time goes inside the express app, layer by layer (issue #18): the
 * HTTP-only bench gateway on the store bench/profile/search.ts made, each layer of the app's
 * router (and of the routers mounted in it) wrapped to note when it is entered; the bench's HTTP
 * client in a child process sends searches one after the other. Prints, per layer, the median
 * wall-clock from entering it to entering the next one (for synchronous middleware its own time),
 * and from the last layer to the answer's `finish`.
 *
 *   node --import tsx bench/profile/search-layers.ts [requests=3000] [identifier|birthdate] [--db DIR] [--url postgres://...]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startHttpClient } from '../http-client-run.js';
import { startSearchProfileGateway, PATIENTS } from './search-gateway.js';
import { SYSTEM, patient } from '../items-fhir-search.js';

const { gw, key, url, positional: pos } = await startSearchProfileGateway(process.argv.slice(2), 'layers');
const N = PATIENTS;
const Q = Number(pos[0] ?? 3000);
const kind = (pos[1] ?? 'identifier') as 'identifier' | 'birthdate';
// The app: reached through the server's request listener (src/gateway.ts hands requests to it once loaded).
const marks: Array<Array<[string, number]>> = [];
let cur: Array<[string, number]> | undefined;
gw.http.server.prependListener('request', (_req, res) => {
  const m: Array<[string, number]> = [['request', performance.now()]];
  marks.push(m);
  cur = m;
  res.once('finish', () => m.push(['finish', performance.now()]));
});
interface Layer { name?: string; handle: ((...a: unknown[]) => unknown) & { stack?: Layer[] }; route?: { stack: Layer[]; path: string }; matchers?: unknown; path?: string }
const wrap = (stack: Layer[], prefix: string) => {
  stack.forEach((l, i) => {
    const label = `${prefix}${i}:${l.route ? `route ${l.route.path}` : l.name || 'anon'}`;
    if (l.handle.stack) wrap(l.handle.stack, `${label}/`);
    if (l.route) wrap(l.route.stack, `${label}/`);
    const h = l.handle;
    const w = function (this: unknown, ...a: unknown[]) { cur?.push([label, performance.now()]); return h.apply(this, a); };
    Object.assign(w, h);
    Object.defineProperty(w, 'length', { value: h.length });
    l.handle = w as Layer['handle'];
  });
};
let s = 18;
const rnd = () => { s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0; return s / 2 ** 32; };
const pick = () => { const i = Math.floor(rnd() * N); return kind === 'identifier' ? `${SYSTEM}|MRN${String(i).padStart(7, '0')}` : patient(i).birthDate!; };
const client = await startHttpClient();
const headers = { authorization: `Bearer ${key}` };
await client.get([`${gw.http.url}/health`], headers);
const app = (gw.http.server.listeners('request').at(-1) as unknown as () => unknown);
void app;
// express 5: the app's router is app.router; find the app through a request.
const probe = await new Promise<{ router: { stack: Layer[] } }>((ok) => {
  gw.http.server.prependOnceListener('request', (req) => setImmediate(() => ok((req as unknown as { app: { router: { stack: Layer[] } } }).app)));
  void client.get([`${gw.http.url}/health`], headers);
});
wrap(probe.router.stack, '');
await client.get(Array.from({ length: 600 }, () => `${gw.http.url}/fhir/Patient?${kind}=${encodeURIComponent(pick())}`), headers);
marks.length = 0;
await client.get(Array.from({ length: Q }, () => `${gw.http.url}/fhir/Patient?${kind}=${encodeURIComponent(pick())}`), headers);
client.close();
await gw.close();
const spans = new Map<string, number[]>();
for (const m of marks) for (let i = 0; i + 1 < m.length; i++) { const k = m[i]![0]; (spans.get(k) ?? spans.set(k, []).get(k)!).push(m[i + 1]![1] - m[i]![1]); }
const pct = (x: number[], q: number) => [...x].sort((a, b) => a - b)[Math.min(x.length - 1, Math.floor(q * x.length))]!;
let total = 0;
for (const [k, v] of spans) { total += pct(v, 0.5); console.log(`${(pct(v, 0.5) * 1000).toFixed(0).padStart(6)} us p50 ${(pct(v, 0.99) * 1000).toFixed(0).padStart(7)} us p99  ${v.length}x ${k}`); }
console.log(`sum of medians ${(total * 1000).toFixed(0)} us; ${Q} searches by ${kind} on ${url ? 'PostgreSQL' : 'SQLite'}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
