/** Shared helpers for validation tests: load an example, summarise issues as `CODE@expression`. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorCodeOf, type Issue } from '../../src/domain/issues.js';

export function example(name: string): Record<string, any> {
  return JSON.parse(readFileSync(resolve('examples/fhir', name), 'utf8')) as Record<string, any>;
}

/** `CODE@expression` for every error-level issue, sorted, so a test can state the exact set. */
export function errors(issues: readonly Issue[]): string[] {
  return issues
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => `${errorCodeOf(i) ?? i.code}@${i.expression?.join(',') ?? ''}`)
    .sort();
}

export function all(issues: readonly Issue[]): string[] {
  return issues.map((i) => `${i.severity}:${errorCodeOf(i) ?? i.code}@${i.expression?.join(',') ?? ''}`);
}
