// What ran in each event-loop block bench/profile/health.ts printed (`BLOCK <wall> ms ... hr <µs>`,
// the block's end on the monotonic clock the CPU profile's timestamps use): the samples of the
// gateway's main-thread .cpuprofile inside each block, by self time and by the innermost frame of
// the project's own code.
//   node bench/profile/blocks.mjs x.cpuprofile health-output.txt [minCpuMs=60] [top=6]
import { readFileSync } from 'node:fs';
import { readProfile } from './cpuprofile.mjs';
const { p, byId, parent, name, own } = readProfile(process.argv[2]);
const blocks = [...readFileSync(process.argv[3], 'utf8').matchAll(/BLOCK (\d+) ms cpu (\d+) queue (\d+) ending at (\d+) hr (\d+)/g)]
  .map((m) => ({ wall: +m[1], cpu: +m[2], queue: +m[3], at: +m[4], end: +m[5] })).filter((b) => b.cpu >= Number(process.argv[4] ?? 60));
const top = Number(process.argv[5] ?? 6);
const times = [];
let t = p.startTime;
for (let i = 0; i < p.samples.length; i++) { t += p.timeDeltas[i] ?? 0; times.push(t); }
for (const b of blocks) {
  const start = b.end - b.wall * 1000;
  const self = new Map(); const mine = new Map();
  for (let i = 0; i < times.length; i++) {
    if (times[i] < start || times[i] > b.end) continue;
    const dt = ((times[i + 1] ?? times[i]) - times[i]) / 1000;
    const s = name(byId.get(p.samples[i])); self.set(s, (self.get(s) ?? 0) + dt);
    const o = own(p.samples[i]); mine.set(o, (mine.get(o) ?? 0) + dt);
  }
  console.log(`\nBLOCK ${b.wall} ms (cpu ${b.cpu}, queue ${b.queue}) ending at ${b.at}`);
  for (const [k, v] of [...self].sort((a, c) => c[1] - a[1]).slice(0, top)) console.log(`   self ${v.toFixed(0).padStart(5)} ms  ${k}`);
  for (const [k, v] of [...mine].sort((a, c) => c[1] - a[1]).slice(0, top)) console.log(`   own  ${v.toFixed(0).padStart(5)} ms  ${k}`);
}
