// Inclusive time of named functions in a .cpuprofile (time with the function anywhere on the stack).
//   node bench/profile/inclusive.mjs x.cpuprofile processOne storeOne flow.run ...
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const names = process.argv.slice(3);
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const tot = new Map(names.map((n) => [n, 0]));
let all = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  all += dt;
  const seen = new Set();
  for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) {
    const fn = byId.get(id).callFrame.functionName;
    if (tot.has(fn) && !seen.has(fn)) { seen.add(fn); tot.set(fn, tot.get(fn) + dt); }
  }
}
for (const [k, v] of tot) console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${(100 * v / all).toFixed(1).padStart(5)}%  ${k}`);
