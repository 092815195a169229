// What grew between two heap snapshots (node --heapsnapshot-signal, v8.writeHeapSnapshot): count
// and self size per constructor (node type + name), largest growth first.
//   node bench/profile/heapdiff.mjs a.heapsnapshot b.heapsnapshot [top=25]
import { readFileSync } from 'node:fs';
function summary(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const n = f.length;
  const out = new Map();
  for (let i = 0; i < s.nodes.length; i += n) {
    const type = types[s.nodes[i + iType]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(string)' : s.strings[s.nodes[i + iName]];
    const key = `${type}: ${name.slice(0, 80)}`;
    const e = out.get(key) ?? { count: 0, size: 0 };
    e.count++;
    e.size += s.nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}
const a = summary(process.argv[2]);
const b = summary(process.argv[3]);
const rows = [];
for (const [k, v] of b) {
  const w = a.get(k) ?? { count: 0, size: 0 };
  rows.push({ k, dc: v.count - w.count, ds: v.size - w.size, size: v.size });
}
for (const [k, w] of a) if (!b.has(k)) rows.push({ k, dc: -w.count, ds: -w.size, size: 0 });
const total = (m) => [...m.values()].reduce((x, v) => x + v.size, 0);
console.log(`total self size ${(total(a) / 1e6).toFixed(1)} MB -> ${(total(b) / 1e6).toFixed(1)} MB`);
for (const r of rows.sort((x, y) => y.ds - x.ds).slice(0, Number(process.argv[4] ?? 25))) console.log(`${(r.ds / 1e3).toFixed(0).padStart(9)} KB ${String(r.dc).padStart(8)}  ${r.k}`);
