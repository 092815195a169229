/** CLI edge helpers: read a file or stdin, print an OperationOutcome, decide exit codes. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { errorCodeOf, formatIssue, hasErrors, issue, toOperationOutcome, type Issue, type Result } from '../domain/issues.js';

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

/**
 * One OperationOutcome: JSON keeps every issue; text is a table of the errors and warnings, the
 * information grouped by message with its count ("information dom-6 x 3"), and the verdict.
 */
export function renderOutcome(issues: readonly Issue[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(toOperationOutcome(issues), null, 2);
  if (issues.length === 0) return 'OK: no issues.';
  const head = `${'severity'.padEnd(11)} ${'code'.padEnd(22)} ${'location'.padEnd(28)} diagnostics`;
  const verdict = hasErrors(issues) ? `INVALID: ${issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length} error(s)` : 'VALID (with notes)';
  const notes = renderGroupedInformation(groupInformation(issues));
  return [head, ...issues.filter((i) => i.severity !== 'information').map(formatIssue), ...notes, verdict].join('\n');
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

/**
 * The file kinds a folder is walked for. Which kind a file is (HL7v2, FHIR, office record) is
 * decided by its content (detectInput), in one place per command; this list only decides which
 * files in a folder are inputs at all. A new input kind adds its extension here.
 */
export const INPUT_EXTENSIONS: readonly string[] = ['.json', '.hl7'];

export interface InputRef {
  /** As given or found: a path, or '-' for standard input. */
  path: string;
  /** Path relative to the folder it was found in (its file name when given directly): names outputs under --out. */
  rel: string;
}

/**
 * Expand the command-line inputs: files as given, folders walked (sorted, hidden entries
 * skipped) for INPUT_EXTENSIONS, '-' for standard input. A path that does not exist is a usage
 * error (exit 2) before anything runs.
 */
export function expandInputs(args: readonly string[]): InputRef[] {
  const out: InputRef[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push({ path: '-', rel: 'stdin' });
      continue;
    }
    let st;
    try {
      st = statSync(arg);
    } catch (e) {
      usageError(`Cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    if (!st.isDirectory()) {
      out.push({ path: arg, rel: basename(arg) });
      continue;
    }
    const walk = (dir: string, rel: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch (e) {
        usageError(`Cannot read folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`);
      }
      for (const name of names) {
        if (name.startsWith('.')) continue;
        const full = join(dir, name);
        const r = rel ? `${rel}/${name}` : name;
        let isDir = false;
        try {
          isDir = statSync(full).isDirectory();
        } catch {
          // a dangling link: read (and reported unreadable) like a file of the right kind
        }
        if (isDir) walk(full, r);
        else if (INPUT_EXTENSIONS.includes(extname(name).toLowerCase())) out.push({ path: full, rel: r });
      }
    };
    walk(arg, '');
  }
  return out;
}

/** Check --format: json or text; undefined when not given (the command picks its default). */
export function formatOption(value: string | undefined): OutputFormat | undefined {
  if (value === undefined) return undefined;
  if (value !== 'json' && value !== 'text') usageError(`--format must be json or text; got "${value}".`);
  return value;
}

/**
 * A closed stdout (`frontdesk validate dir | head`) ends the run quietly, with the exit code
 * so far, instead of an EPIPE stack trace. The batch loops yield to the event loop now and then
 * so the error is seen early and the rest of the work is skipped.
 */
export function quietOnClosedStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/**
 * Progress on stderr ("validate: 120/1,000 files"), only when stderr is a terminal and the run
 * takes more than a second; never in a pipe or a log. Cleared when done.
 */
export class Progress {
  private readonly started = Date.now();
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;
  constructor(private readonly verb: string, private readonly total: number) {
    this.enabled = process.stderr.isTTY === true && total > 1;
  }
  tick(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < 1000 || now - this.last < 200) return;
    this.last = now;
    this.shown = true;
    process.stderr.write(`\r${this.verb}: ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} files`);
  }
  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}

/** Yield to the event loop (lets a closed stdout be noticed, and progress be drawn). */
export const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Information issues grouped by message: the same note on every resource (dom-6 on each of
 * 5,002 resources) is one line with its count, not 5,002 lines. Errors and warnings are never
 * grouped. Returns [label, count] sorted by count.
 */
export function groupInformation(issues: Iterable<Issue>, into = new Map<string, number>()): Map<string, number> {
  for (const i of issues) {
    if (i.severity !== 'information') continue;
    const label = informationLabel(i);
    into.set(label, (into.get(label) ?? 0) + 1);
  }
  return into;
}

function informationLabel(i: Issue): string {
  const d = i.diagnostics ?? '';
  // An invariant is named by its key (`dom-6`); other notes by their code and message.
  const key = /^([a-z][a-z0-9]*-\d+):/i.exec(d);
  if (errorCodeOf(i) === 'FHIR_INVARIANT' && key) return key[1]!;
  return `${errorCodeOf(i) ?? i.code}: ${d.length > 140 ? `${d.slice(0, 137)}...` : d}`;
}

export function renderGroupedInformation(groups: Map<string, number>): string[] {
  return [...groups].sort((a, b) => b[1] - a[1]).map(([label, n]) => `information ${label} x ${n.toLocaleString('en-US')}`);
}
