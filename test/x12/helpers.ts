/** Shared fixtures for the X12 tests: the example billing identity, claim Bundles and a fixed clock. */
import { readFileSync } from 'node:fs';
import type { Bundle } from 'fhir/r4.js';
import { checkConfig } from '../../src/config.js';
import type { BillingIdentity } from '../../src/billing/identity.js';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';

export const NOW = new Date('2026-06-01T14:30:00Z');
export const TODAY = '2026-06-01';
export const EXAMPLES_837 = ['claim-single-line', 'claim-several-lines', 'claim-patient-not-subscriber', 'claim-secondary-coverage', 'claim-line-place-of-service'];
/** A replacement and a void of claim-single-line (CLM05-3 7/8 with REF*F8): not batched with it. */
export const CORRECTIONS_837 = ['claim-replacement', 'claim-void'];

export function identity(): BillingIdentity {
  const json = JSON.parse(readFileSync('examples/config/gateway.json', 'utf8')) as unknown;
  return checkConfig(json, '/tmp', {}).value!.billing!;
}

export const claimBundle = (name: string): Bundle => JSON.parse(readFileSync(`examples/x12/${name}.json`, 'utf8')) as Bundle;

/** A counter allocator for pure tests (the durable one is tested on SQLite). */
export function counters(): (name: string) => number {
  const c = new Map<string, number>();
  return (name) => { c.set(name, (c.get(name) ?? 0) + 1); return c.get(name)!; };
}

export const at = (issues: Issue[]): string[] => issues.map((i) => `${errorCodeOf(i)}@${i.expression?.join(',')}`);
export const errorsOf = (issues: Issue[]): Issue[] => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
