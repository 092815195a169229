/**
 * `frontdesk validate` on a folder, through the CLI path (read the file, detect its kind, pick
 * the profile, validate, render the OperationOutcome line): the R4 files (114, for 118 cases) of
 * FHIR/fhir-test-cases (../shared/corpus/fhir-test-cases/cases, or $FRONTDESK_SHARED_CORPUS).
 * Figures: files/s per CPU-second once the profiles are compiled, and one cold pass (load,
 * compile and every file once) as a fresh `frontdesk validate <dir>` does it.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { measure } from './harness.js';
import { NotMeasured } from './items-runtime.js';

export interface FhirCasesFigures {
  files: number;
  invalid: number;
  filesPerSecond: number;
  coldMs: number;
}

export async function runFhirCasesCli(): Promise<FhirCasesFigures> {
  const root = process.env.FRONTDESK_SHARED_CORPUS || path.resolve('..', 'shared', 'corpus');
  const dir = path.join(root, 'fhir-test-cases', 'cases');
  if (!existsSync(dir)) throw new NotMeasured(`${dir} is absent`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f));
  const t0 = performance.now();
  const { loadAllChecks, validateFile } = await import('../src/cli/validate.js');
  await loadAllChecks();
  const { hasErrors, toOperationOutcome } = await import('../src/domain/issues.js');
  const one = (f: string): boolean => {
    const issues = validateFile(f);
    return JSON.stringify(toOperationOutcome(issues)).length > 0 && hasErrors(issues);
  };
  let invalid = 0;
  for (const f of files) if (one(f)) invalid++;
  const coldMs = performance.now() - t0;
  const rate = measure(() => {
    for (const f of files) one(f);
  }, { sampleMs: 500 });
  return { files: files.length, invalid, filesPerSecond: rate.perSecond * files.length, coldMs };
}
