/** CLI edge helpers: read a file or stdin, print an OperationOutcome, decide exit codes. */
import { readFileSync } from 'node:fs';
import { formatIssue, hasErrors, issue, toOperationOutcome, type Issue, type Result } from '../domain/issues.js';

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export function readInput(file: string): Result<string> {
  try {
    const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
    return { value: text, issues: [] };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { value: undefined, issues: [issue('INPUT_UNREADABLE', `Cannot read ${file === '-' ? 'standard input' : file}: ${code}.`)] };
  }
}

export type OutputFormat = 'json' | 'text';

export function renderOutcome(issues: readonly Issue[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(toOperationOutcome(issues), null, 2);
  if (issues.length === 0) return 'OK: no issues.';
  const head = `${'severity'.padEnd(11)} ${'code'.padEnd(22)} ${'location'.padEnd(28)} diagnostics`;
  const verdict = hasErrors(issues) ? `INVALID: ${issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length} error(s)` : 'VALID (with notes)';
  return [head, ...issues.map(formatIssue), verdict].join('\n');
}

export function exitCodeFor(issues: readonly Issue[]): number {
  return hasErrors(issues) ? EXIT_INVALID : EXIT_OK;
}

/** Print a usage error and exit 2. */
export function usageError(message: string): never {
  process.stderr.write(`frontdesk: ${message}\n`);
  process.exit(EXIT_USAGE);
}

/**
 * The start every input-reading command shares: check --format, read the file (or stdin).
 * Exits 2 with an OperationOutcome on stderr when the input cannot be read.
 */
export function readInputOrExit(file: string, formatOption: string): { text: string; format: OutputFormat } {
  if (formatOption !== 'json' && formatOption !== 'text') usageError(`--format must be json or text; got "${formatOption}".`);
  const format = formatOption as OutputFormat;
  const text = readInput(file);
  if (text.value === undefined) {
    process.stderr.write(renderOutcome(text.issues, format) + '\n');
    process.exit(EXIT_USAGE);
  }
  return { text: text.value, format };
}
