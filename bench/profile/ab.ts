/**
 * Old code against new code in one process (not part of `npm run bench`): the end-to-end loop
 * of bench/profile/e2e.ts (parse -> validateMessage -> flowFor(type).run) loaded twice, once
 * from this checkout and once from another (a detached worktree of an older commit), run in
 * alternating rounds of the same CPU time. On a shared machine the CPU time per message moves
 * 2-3x between runs; within one process, with the rounds interleaved, both sides see the same
 * conditions, so the ratio of the medians is what a change did.
 *
 *   git worktree add --detach /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   node --import tsx bench/profile/ab.ts /tmp/old [rounds=40] [round-ms=150] [adt|siu|oru ...]
 *   AB_NEW=/tmp/other ...   compares /tmp/old with /tmp/other instead of this checkout
 *   AB_FRESH=1 ...          each message gets its own order number (OBR-3/ORC-3) and MRN (PID-3),
 *                           so the ids it makes are new, as in real traffic (by default every
 *                           message is the same and its ids come from the cache in src/fhir/ids.ts)
 *   AB_NO_ZONE=1 ...        the example's times without their UTC offset (-0500), as older senders
 *                           send them: read in the practice timezone (zoneOffset)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [oldRoot, roundsArg, msArg, ...rest] = process.argv.slice(2);
if (!oldRoot) throw new Error('usage: ab.ts <old checkout> [rounds] [round-ms] [adt|siu|oru ...]');
const rounds = Number(roundsArg ?? 40);
const roundMs = Number(msArg ?? 150);
const FILES: Record<string, string> = { adt: 'adt-a04.hl7', siu: 'siu-s12.hl7', oru: 'oru-r01.hl7' };
const which = rest.length ? rest : ['adt', 'oru'];
const ctx = { timezone: 'America/Chicago', lookup: undefined as unknown };

async function side(root: string) {
  const imp = (p: string) => import(pathToFileURL(path.join(root, p)).href);
  const { parseHl7 } = await imp('src/hl7/message.ts');
  const { validateMessage } = await imp('src/hl7/validate.ts');
  const { hasErrors } = await imp('src/domain/issues.ts');
  const { flowFor } = await imp('src/flows/registry.ts');
  const { emptyLookup } = await imp('src/flows/types.ts');
  return (text: string) => {
    const flow = flowFor(parseHl7(text).value.messageType);
    const c = { ...ctx, lookup: emptyLookup };
    return () => {
      const m = parseHl7(fresh ? vary(text) : text).value;
      if (hasErrors(validateMessage(m))) return 'AE';
      const out = flow.run(m, c);
      return out.value && !hasErrors(out.issues) ? 'AA' : 'AE';
    };
  };
}

const fresh = process.env.AB_FRESH === '1';
let seq = 0;
/** The example with a new filler order number and MRN (the business identifiers the ids come from). */
const vary = (t: string): string => { seq++; return t.replace(/LAB-99812/g, `LAB-${seq}`).replace(/MRN00012345/g, `MRN${seq}`); };

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };

/** Messages per CPU-second over one round of about roundMs of CPU. */
function round(fn: () => string): number {
  const c0 = cpuMs();
  let n = 0;
  while (cpuMs() - c0 < roundMs) { for (let i = 0; i < 20; i++) fn(); n += 20; }
  return (n * 1000) / (cpuMs() - c0);
}

const makeOld = await side(path.resolve(oldRoot));
const makeNew = await side(process.env.AB_NEW ? path.resolve(process.env.AB_NEW) : here);
for (const name of which) {
  const sent = readFileSync(path.join(here, 'examples/hl7v2', FILES[name]!), 'utf8');
  const text = process.env.AB_NO_ZONE === '1' ? sent.replace(/(\d{12,14})-0500/g, '$1') : sent;
  const a = makeOld(text);
  const b = makeNew(text);
  const acks = `${a()}/${b()}`;
  for (let i = 0; i < 6; i++) { round(a); round(b); } // warm-up: JIT of both sides
  const ra: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2) { ra.push(round(a)); rb.push(round(b)); } else { rb.push(round(b)); ra.push(round(a)); }
  }
  const ma = median(ra);
  const mb = median(rb);
  console.log(`${name.padEnd(4)} ack old/new=${acks}  old ${Math.round(ma)} msg/s per CPU-s, new ${Math.round(mb)}: new/old ${(mb / ma).toFixed(2)}x (${rounds} rounds of ${roundMs} ms each)`);
}
