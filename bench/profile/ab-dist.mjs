/**
 * Old code against new code in one process, from the compiled build (not part of `npm run bench`):
 * like ab.ts, but the e2e loop of each checkout's `dist/` (run `node scripts/build.mjs` in both),
 * each side warmed up for some seconds of CPU first (the flows take 2-4 s of CPU to be optimized on
 * this machine, docs/profiling.md), then alternating rounds. Prints the ratio of the medians and the
 * median of the ratios of adjacent rounds (each pair ran under the same load).
 *   node bench/profile/ab-dist.mjs <old checkout> <new checkout> [rounds=30] [round-ms=200] [warm-s=4] [adt|siu|oru ...]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const [oldRoot, newRoot, roundsArg = '30', msArg = '200', warmArg = '4', ...which] = process.argv.slice(2);
const FILES = { adt: 'adt-a04.hl7', siu: 'siu-s12.hl7', oru: 'oru-r01.hl7' };
async function side(root) {
  const imp = (p) => import(pathToFileURL(path.join(root, p)).href);
  const { parseHl7 } = await imp('dist/hl7/message.js');
  const { validateMessage } = await imp('dist/hl7/validate.js');
  const { hasErrors } = await imp('dist/domain/issues.js');
  const { flowFor } = await imp('dist/flows/registry.js');
  const { emptyLookup } = await imp('dist/flows/types.js');
  return (text) => { const flow = flowFor(parseHl7(text).value.messageType); const c = { timezone: 'America/Chicago', lookup: emptyLookup };
    return () => { const m = parseHl7(text).value; if (hasErrors(validateMessage(m))) throw new Error('AE'); const o = flow.run(m, c); if (!o.value || hasErrors(o.issues)) throw new Error('AE'); }; };
}
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const round = (fn, ms) => { const c0 = cpu(); let n = 0; while (cpu() - c0 < ms) { for (let i = 0; i < 10; i++) fn(); n += 10; } return (n * 1000) / (cpu() - c0); };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const A = await side(oldRoot), B = await side(newRoot);
for (const w of which.length ? which : ['adt', 'oru']) {
  const text = readFileSync(path.join(newRoot, 'examples/hl7v2', FILES[w]), 'utf8');
  const a = A(text), b = B(text);
  const warm = Number(warmArg) * 1000; let c0 = cpu(); while (cpu() - c0 < warm) { round(a, 100); round(b, 100); }
  const ra = [], rb = [];
  for (let i = 0; i < Number(roundsArg); i++) { if (i % 2) { ra.push(round(a, +msArg)); rb.push(round(b, +msArg)); } else { rb.push(round(b, +msArg)); ra.push(round(a, +msArg)); } }
  const ratios = ra.map((x, i) => rb[i] / x);
  console.log(`${w} old ${median(ra).toFixed(0)} new ${median(rb).toFixed(0)} msg/CPU-s: new/old ${(median(rb) / median(ra)).toFixed(3)}x (median of paired ratios ${median(ratios).toFixed(3)}x; ${roundsArg} rounds of ${msArg} ms after ${warmArg} s warm-up each)`);
}
