// The long spans of a .cpuprofile: runs of samples without an idle sample between them (what held
// the event loop), longest first, each with its top self-time functions and the innermost frames
// of the project's own code (src/, bench/) under which its time ran.
//   node bench/profile/spans.mjs x.cpuprofile [minMs=50] [top=8]
import { readProfile } from './cpuprofile.mjs';
const { p, byId, parent, name, own } = readProfile(process.argv[2]);
const minMs = Number(process.argv[3] ?? 50);
const top = Number(process.argv[4] ?? 8);
const spans = [];
let cur;
let t = p.startTime;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i] ?? 0;
  const n = byId.get(p.samples[i]);
  const idle = n.callFrame.functionName === '(idle)';
  if (idle) { if (cur) spans.push(cur); cur = undefined; continue; }
  const dt = p.timeDeltas[i + 1] ?? 0;
  cur ??= { start: t, ms: 0, self: new Map(), own: new Map() };
  cur.ms += dt / 1000;
  const s = name(n);
  cur.self.set(s, (cur.self.get(s) ?? 0) + dt / 1000);
  const o = own(p.samples[i]);
  cur.own.set(o, (cur.own.get(o) ?? 0) + dt / 1000);
}
if (cur) spans.push(cur);
const long = spans.filter((s) => s.ms >= minMs).sort((a, b) => b.ms - a.ms);
console.log(`${spans.length} spans, ${long.length} of ${minMs} ms or more; total ${(spans.reduce((a, s) => a + s.ms, 0)).toFixed(0)} ms busy`);
for (const s of long) {
  console.log(`\n${s.ms.toFixed(0)} ms at +${((s.start - p.startTime) / 1000).toFixed(0)} ms`);
  for (const [k, v] of [...s.self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`   self ${v.toFixed(0).padStart(5)} ms  ${k}`);
  for (const [k, v] of [...s.own].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`   own  ${v.toFixed(0).padStart(5)} ms  ${k}`);
}
