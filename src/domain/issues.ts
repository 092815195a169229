/**
 * Issues are the single error currency: every step (parse, map, validate, deliver) returns
 * `{ value, issues }` and never throws on bad data. Only the edges (CLI, HTTP, MLLP, queue)
 * turn issues into consequences.
 */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { ERROR_CODES, ERROR_CODE_SYSTEM, type ErrorCode } from './errors.js';

export type Severity = 'fatal' | 'error' | 'warning' | 'information';

/** An OperationOutcome issue whose details carry one of our catalogue codes. */
export type Issue = OperationOutcomeIssue & { severity: Severity };

export interface Result<T> {
  value: T | undefined;
  issues: Issue[];
}

/**
 * Build an issue. `where` is a FHIRPath (`Patient.birthDate`) on the FHIR side or an HL7
 * location (`PID.7`, `OBX[3].5`) on the HL7v2 side; it goes to `expression`.
 */
export function issue(
  code: ErrorCode,
  diagnostics: string,
  where?: string | string[],
  severity?: Severity,
): Issue {
  const spec = ERROR_CODES[code];
  const sev: Severity = severity ?? (spec.fhirType === 'informational' ? 'information' : 'error');
  const out: Issue = {
    severity: sev,
    code: spec.fhirType as Issue['code'],
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code }] },
    diagnostics,
  };
  if (where !== undefined) out.expression = Array.isArray(where) ? where : [where];
  return out;
}

export const ok = <T>(value: T, issues: Issue[] = []): Result<T> => ({ value, issues });
export const fail = <T = never>(issues: Issue[]): Result<T> => ({ value: undefined, issues });

/** Our catalogue code of an issue (undefined for issues we did not build). */
export function errorCodeOf(i: Issue): ErrorCode | undefined {
  const c = i.details?.coding?.find((x) => x.system === ERROR_CODE_SYSTEM)?.code;
  return c !== undefined && c in ERROR_CODES ? (c as ErrorCode) : undefined;
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

export function errorsOnly(issues: readonly Issue[]): Issue[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Prefix every expression of the issues, e.g. to place a resource's issues inside a Bundle. */
export function prefixIssues(issues: readonly Issue[], prefix: string): Issue[] {
  return issues.map((i) => ({
    ...i,
    expression: i.expression?.map((e) => (e ? `${prefix}.${e}` : prefix)) ?? [prefix],
  }));
}

export function toOperationOutcome(issues: readonly Issue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length
      ? [...issues]
      : [{ severity: 'information', code: 'informational', diagnostics: 'No issues found.' }],
  };
}

/** The HTTP status for a set of issues: 200 when there is no error, else the highest status among the errors. */
export function httpStatusOf(issues: readonly Issue[]): number {
  let status = 0;
  for (const i of errorsOnly(issues)) {
    const c = errorCodeOf(i);
    status = Math.max(status, c ? ERROR_CODES[c].http : 500);
  }
  return status || 200;
}

/** A one-line readable rendering (CLI text output, logs without PHI). */
export function formatIssue(i: Issue): string {
  const where = i.expression?.join(', ') ?? '';
  const code = errorCodeOf(i) ?? i.code;
  return `${i.severity.padEnd(11)} ${code.padEnd(22)} ${where.padEnd(28)} ${i.diagnostics ?? ''}`;
}
