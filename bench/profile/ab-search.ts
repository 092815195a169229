/**
 * Old gateway code against new over HTTP, in one process (not part of `npm run bench`): the
 * HTTP-only bench gateway (bench/http-gateway.ts) started twice on the same store, once from
 * another checkout (a detached worktree of an older commit) and once from this one, and the bench's
 * HTTP client (bench/http-client.ts, a child process) sending FHIR searches to each in turn, in
 * alternating rounds. Per round: the gateway process's CPU time per search (only the side being
 * asked works: the client is sequential) and the client's latencies. On a shared machine separate
 * runs differ by 2x; interleaved rounds see the same conditions, so the ratio of the medians is
 * what the change did. GC is the process's, so it is shared by both sides (read the CPU ratio, and
 * the allocation from bench/profile/search.ts --alloc-all).
 *
 *   git worktree add --detach /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   node --import tsx bench/profile/ab-search.ts /tmp/old [rounds=30] [per-round=200] [identifier|birthdate] [--db DIR] [--url postgres://...]
 *
 * The store is the one bench/profile/search.ts made (default /tmp/frontdesk-prof-search-100000;
 * load it first with that script), or a PostgreSQL database with --url (schema prof_search).
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startHttpClient } from '../http-client-run.js';
import { SYSTEM, patient } from '../items-fhir-search.js';

const args = process.argv.slice(2);
const opt = (f: string) => { const i = args.indexOf(f); return i >= 0 ? args[i + 1] : undefined; };
const pos = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && ['--db', '--url'].includes(args[i - 1]!)));
const [oldRoot, roundsArg, perArg, kindArg] = pos;
if (!oldRoot) throw new Error('usage: ab-search.ts <old checkout> [rounds] [per-round] [identifier|birthdate]');
const rounds = Number(roundsArg ?? 30);
const per = Number(perArg ?? 200);
const kind = (kindArg ?? 'identifier') as 'identifier' | 'birthdate';
const N = 100_000;
const dir = opt('--db') ?? path.join(os.tmpdir(), `frontdesk-prof-search-${N}`);
const pgUrl = opt('--url');
const url = pgUrl && !/[?&]schema=/.test(pgUrl) ? `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}schema=prof_search` : pgUrl;
const storeCfg = { path: path.join(dir, 'fd.db'), ...(url ? { url } : {}) };
const key = 'ab-search-key';

async function side(root: string) {
  const { startHttpBenchGateway } = (await import(pathToFileURL(path.join(root, 'bench/http-gateway.ts')).href)) as typeof import('../http-gateway.js');
  return startHttpBenchGateway(storeCfg, { keys: [{ name: 'ab', key, scopes: ['*'] }] });
}

const a = await side(oldRoot);
const b = await side(path.resolve('.'));
const client = await startHttpClient();
let s = 18;
const rnd = () => { s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0; return s / 2 ** 32; };
const pick = () => { const i = Math.floor(rnd() * N); return kind === 'identifier' ? `${SYSTEM}|MRN${String(i).padStart(7, '0')}` : patient(i).birthDate!; };
const urls = (base: string, n: number) => Array.from({ length: n }, () => `${base}/fhir/Patient?${kind}=${encodeURIComponent(pick())}`);
const headers = { authorization: `Bearer ${key}` };

const cpu: Record<'old' | 'new', number[]> = { old: [], new: [] };
const lat: Record<'old' | 'new', number[]> = { old: [], new: [] };
const round = async (name: 'old' | 'new', timed: boolean) => {
  const gw = name === 'old' ? a : b;
  const list = urls(gw.http.url, per);
  const c0 = process.cpuUsage();
  const r = await client.get(list, headers);
  const c = process.cpuUsage(c0);
  if (timed) { cpu[name].push((c.user + c.system) / 1000 / per); lat[name].push(...r.ms); }
};
// Warm-up: both sides until their code is optimized (rounds not recorded).
for (let i = 0; i < 6; i++) { await round('old', false); await round('new', false); }
for (let i = 0; i < rounds; i++) {
  const order: Array<'old' | 'new'> = i % 2 ? ['new', 'old'] : ['old', 'new'];
  for (const n of order) await round(n, true);
}
client.close();
await a.close();
await b.close();
const pct = (xs: number[], p: number) => { const v = [...xs].sort((x, y) => x - y); return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))]!; };
const f = (x: number) => x.toFixed(3);
for (const n of ['old', 'new'] as const) {
  console.log(`${n}: gateway CPU per search median ${f(pct(cpu[n], 50))} ms (rounds: min ${f(Math.min(...cpu[n]))}); client latency p50 ${f(pct(lat[n], 50))} p90 ${f(pct(lat[n], 90))} p99 ${f(pct(lat[n], 99))} ms`);
}
console.log(`new/old CPU per search: ${(pct(cpu.new, 50) / pct(cpu.old, 50)).toFixed(3)}x (${rounds} rounds of ${per} searches by ${kind} each side, ${url ? 'PostgreSQL' : 'SQLite'}); load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
