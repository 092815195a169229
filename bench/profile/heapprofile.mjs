// What a sampling heap profile (.heapprofile, bench/profile/search.ts --alloc or --alloc-all) holds:
// bytes by allocating function and by file, and with a divisor, per request.
//   node bench/profile/heapprofile.mjs x.heapprofile [N=30] [requests]
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 30);
const per = Number(process.argv[4] ?? 0);
const byFn = new Map();
const byFile = new Map();
let all = 0;
(function walk(n) {
  const self = (n.selfSize ?? 0);
  const f = n.callFrame;
  const k = `${f.functionName || '(anon)'} ${f.url.replace(/^file:\/\/\/work\/wt\/[^/]+\//, '')}:${f.lineNumber + 1}`;
  byFn.set(k, (byFn.get(k) ?? 0) + self);
  byFile.set(f.url || '(native)', (byFile.get(f.url || '(native)') ?? 0) + self);
  all += self;
  for (const c of n.children ?? []) walk(c);
})(p.head);
const kb = (b) => (per ? `${(b / per / 1024).toFixed(2)} KB/req` : `${(b / 1024).toFixed(0)} KB`);
console.log(`total ${kb(all)}`);
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${kb(v).padStart(14)} ${(100 * v / all).toFixed(1).padStart(5)}%  ${k}`);
console.log('--- by file');
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${kb(v).padStart(14)} ${(100 * v / all).toFixed(1).padStart(5)}%  ${k}`);
