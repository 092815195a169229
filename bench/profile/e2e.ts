/**
 * Profiling loop (not part of `npm run bench`): parse -> validateMessage -> flowFor(type).run over
 * the shipped ADT^A04, SIU^S12 and ORU^R01 examples, printing msg/s for each.
 *   node --import tsx bench/profile/e2e.ts [seconds-per-message=3] [adt|siu|oru ...]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile/e2e.ts 5 adt
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseHl7 } from '../../src/hl7/message.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { hasErrors } from '../../src/domain/issues.js';
import { flowFor } from '../../src/flows/registry.js';
import { emptyLookup } from '../../src/flows/types.js';

const FILES: Record<string, string> = {
  adt: 'examples/hl7v2/adt-a04.hl7',
  siu: 'examples/hl7v2/siu-s12.hl7',
  oru: 'examples/hl7v2/oru-r01.hl7',
};
const seconds = Number(process.argv[2] ?? 3);
const which = process.argv.slice(3).length ? process.argv.slice(3) : Object.keys(FILES);
const ctx = { timezone: 'America/Chicago', lookup: emptyLookup };

for (const name of which) {
  const text = readFileSync(resolve(FILES[name]!), 'utf8');
  const flow = flowFor(parseHl7(text).value!.messageType)!;
  let ack = '';
  const once = () => {
    const m = parseHl7(text).value!;
    const issues = validateMessage(m);
    if (hasErrors(issues)) { ack = 'AE'; return; }
    const out = flow.run(m, ctx);
    ack = out.value && !hasErrors(out.issues) ? 'AA' : 'AE';
  };
  // Warm-up: profile compilation, JIT.
  const warmEnd = Date.now() + 500;
  while (Date.now() < warmEnd) once();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) { for (let i = 0; i < 50; i++) once(); n += 50; }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  // CPU time per message too: the wall figure moves with whatever else the machine runs.
  process.stdout.write(`${name.padEnd(4)} ${flow.name.padEnd(20)} ack=${ack} ${Math.round(n / s)} msg/s  (${(1e6 * s / n).toFixed(1)} us/msg wall, ${((cpu.user + cpu.system) / n).toFixed(1)} us/msg CPU)\n`);
}
