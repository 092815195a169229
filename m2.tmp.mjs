import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const dir = require.resolve('fhirpath/fhir-context/r4/index.js').replace(/index\.js$/, '');
const c0 = process.cpuUsage();
let t = performance.now();
const p = JSON.parse(readFileSync(dir + 'path2Type.json', 'utf8'));
const c1 = process.cpuUsage(c0);
console.log('parse p2t', (performance.now() - t).toFixed(1), 'cpu', ((c1.user + c1.system) / 1000).toFixed(1), Object.keys(p).length);
t = performance.now();
const m = new Map(); for (const k in p) { const v = p[k]; m.set(k, typeof v === 'string' ? v : v.code); }
console.log('to map', (performance.now() - t).toFixed(1));
const roots = new Set(Object.keys(p).map(k => k.split('.')[0])); console.log('roots', roots.size);
t = performance.now();
const pat = Object.fromEntries(Object.entries(p).filter(([k]) => k.startsWith('Patient.')));
const s = JSON.stringify(pat); console.log('Patient shard bytes', s.length);
t = performance.now(); JSON.parse(s); console.log('parse Patient shard', (performance.now() - t).toFixed(2));
