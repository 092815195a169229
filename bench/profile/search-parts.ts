/**
 * Where the gateway's CPU per FHIR search goes (issue #18), by taking parts away in one process:
 * the HTTP-only bench gateway on the store bench/profile/search.ts made, the bench's HTTP client
 * in a child process, and in alternating rounds: GET /health; the search as it is; the search
 * with the audit row's store write replaced by a resolved promise; the search with the store
 * search answered from a cache of one. CPU of the gateway's process per request, median of rounds.
 *
 * PARTS=search (comma-separated) measures only those; with --cpu-prof in the node flags, a profile of them.
 *
 *   node --import tsx bench/profile/search-parts.ts [rounds=12] [per-round=300] [identifier|birthdate] [--db DIR] [--url postgres://...]
 */
import os from 'node:os';
import { startHttpClient } from '../http-client-run.js';
import { startSearchProfileGateway, PATIENTS } from './search-gateway.js';
import { SYSTEM, patient } from '../items-fhir-search.js';

const { gw, key, url, positional: pos } = await startSearchProfileGateway(process.argv.slice(2), 'parts');
const N = PATIENTS;
const rounds = Number(pos[0] ?? 12);
const per = Number(pos[1] ?? 300);
const kind = (pos[2] ?? 'identifier') as 'identifier' | 'birthdate';
const client = await startHttpClient();
let s = 18;
const rnd = () => { s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0; return s / 2 ** 32; };
const pick = () => { const i = Math.floor(rnd() * N); return kind === 'identifier' ? `${SYSTEM}|MRN${String(i).padStart(7, '0')}` : patient(i).birthDate!; };
const headers = { authorization: `Bearer ${key}` };
const au = gw.store.audit;
const record = au.record.bind(au);
const res = gw.store.resources;
const search = res.search.bind(res);
type Part = 'health' | 'search' | 'no-audit' | 'no-store-search' | 'neither';
const parts: Part[] = (process.env.PARTS?.split(',') as Part[] | undefined) ?? ['health', 'search', 'no-audit', 'no-store-search', 'neither'];
const cpu = new Map<Part, number[]>(parts.map((p) => [p, []]));
const sys = new Map<Part, number[]>(parts.map((p) => [p, []]));
const lat = new Map<Part, number[]>(parts.map((p) => [p, []]));
let cached: Awaited<ReturnType<typeof search>> | undefined;
const round = async (p: Part, timed: boolean) => {
  au.record = p === 'no-audit' || p === 'neither' ? async () => 0 : record;
  res.search = p === 'no-store-search' || p === 'neither' ? async (q) => (cached ??= await search(q)) : search;
  const urls = Array.from({ length: per }, () => (p === 'health' ? `${gw.http.url}/health` : `${gw.http.url}/fhir/Patient?${kind}=${encodeURIComponent(pick())}`));
  const c0 = process.cpuUsage();
  const r = await client.get(urls, headers);
  const c = process.cpuUsage(c0);
  if (timed) lat.get(p)!.push(...r.ms);
  if (timed) { cpu.get(p)!.push((c.user + c.system) / 1000 / per); sys.get(p)!.push(c.system / 1000 / per); }
};
for (let i = 0; i < 4; i++) for (const p of parts) await round(p, false);
for (let i = 0; i < rounds; i++) for (const p of i % 2 ? [...parts].reverse() : parts) await round(p, true);
client.close();
await gw.close();
const med = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1]!;
const pct = (x: number[], q: number) => [...x].sort((a, b) => a - b)[Math.min(x.length - 1, Math.floor(q * x.length))]!;
for (const p of parts) console.log(`${p.padEnd(16)} ${med(cpu.get(p)!).toFixed(3)} ms CPU per request (min ${Math.min(...cpu.get(p)!).toFixed(3)}; system ${med(sys.get(p)!).toFixed(3)}); client p50 ${pct(lat.get(p)!, 0.5).toFixed(2)} p99 ${pct(lat.get(p)!, 0.99).toFixed(2)} ms`);
console.log(`${rounds} rounds of ${per} by ${kind} on ${url ? 'PostgreSQL' : 'SQLite'}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
