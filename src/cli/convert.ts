/**
 * `frontdesk convert <files|dirs|->... --to fhir|hl7v2|office [--out dir] [--event A08] [--timezone Zone]`
 *
 * One input without --out: the result on stdout, warnings on stderr (information grouped, never
 * one line per resource); an invalid input prints its OperationOutcome and exits 1.
 * Several inputs or a folder: --out is required; each result is written under it with the
 * input's relative path (extension .json, or .hl7 for hl7v2), one line per file and a summary
 * on stdout (--format json: one OperationOutcome per file as JSON lines). Exit 1 if any failed.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { detectInput } from '../domain/input.js';
import { errorCodeOf, hasErrors, issue, toOperationOutcome, type Issue } from '../domain/issues.js';
import { convertInput } from '../flows/convert-input.js';
import { DEFAULT_VALIDATION_MODE, VALIDATION_MODES, type ValidationMode } from '../hl7/tolerance.js';
import { emptyLookup, type Converted as ConverterOutput, type FlowContext, type Target } from '../flows/types.js';
import {
  breathe, EXIT_INVALID, EXIT_OK, expandInputs, formatOption, groupInformation, Progress, quietOnClosedStdout, readInput, readInputOrExit,
  renderGroupedInformation, renderOutcome, usageError, type InputRef, type OutputFormat,
} from './io.js';
import { INPUT_FILE_EXTENSION } from './validate.js';
import { looksLikeX12 } from '../x12/detect.js';

const TARGETS: readonly string[] = ['fhir', 'hl7v2', 'office', 'x12'];
/** File extension of a written result, by target. */
const OUTPUT_EXTENSION: Record<Target, string> = { fhir: '.json', hl7v2: '.hl7', office: '.json' };

interface ConvertOptions {
  to: string;
  out?: string;
  event?: string;
  timezone: string;
  format?: string;
  config?: string;
  destination: string;
  validation: string;
}

type ConvertedText = { ok: true; output: string; issues: Issue[] } | { ok: false; issues: Issue[] };

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('Convert HL7v2, FHIR or office records to fhir, hl7v2 or office: one input to stdout, or files and folders into --out')
    .argument('<inputs...>', 'files, folders (walked for .json and .hl7 files), or - for standard input')
    .requiredOption('--to <target>', 'fhir | hl7v2 | office | x12 (one claim -> 837P; X12 input converts to fhir or office)')
    .option('--config <file>', 'with --to x12: gateway configuration (billing identity; store for the control numbers)')
    .option('--destination <name>', 'with --to x12: the clearinghouse destination whose ids the 837P carries', 'clearinghouse')
    .option('--out <dir>', 'folder for the results (required for several inputs or a folder)')
    .option('--event <event>', 'trigger event for HL7v2 output (A04, A08, S12, S13, P03, ...)')
    .option('--timezone <zone>', 'practice timezone for HL7 times without offset', process.env.FRONTDESK_TIMEZONE ?? 'America/New_York')
    .option('--format <format>', 'issue output: json | text (default: json for one input, text for several)')
    .option('--validation <mode>', `HL7v2 tolerance: ${VALIDATION_MODES.join(' | ')} (docs/hl7v2.md)`, DEFAULT_VALIDATION_MODE)
    .action(async (inputs: string[], opts: ConvertOptions) => {
      quietOnClosedStdout();
      if (!TARGETS.includes(opts.to)) usageError(`--to must be one of ${TARGETS.join(', ')}; got "${opts.to}".`);
      if (!(VALIDATION_MODES as readonly string[]).includes(opts.validation)) usageError(`--validation must be one of ${VALIDATION_MODES.join(', ')}; got "${opts.validation}".`);
      mode = opts.validation as ValidationMode;
      const requested = formatOption(opts.format);
      const ctx: FlowContext = { timezone: opts.timezone, lookup: emptyLookup, ...(opts.event ? { event: opts.event } : {}) };
      if (inputs.length === 1 && opts.out === undefined && !isFolder(inputs[0]!)) {
        const { text } = readInputOrExit(inputs[0]!, requested ?? 'json');
        // X12 (src/x12/): a claim to 837P, or a 999/277CA/835/271/837 to fhir or office.
        if (opts.to === 'x12' || looksLikeX12(text)) return (await import('./x12.js')).convertX12Cli(text, opts, requested ?? 'json');
        return convertToStdout(text, opts.to as Target, ctx, requested ?? 'json');
      }
      if (opts.to === 'x12') usageError('--to x12 converts one claim at a time (one input, no --out).');
      if (opts.out === undefined) usageError('Several inputs or a folder need --out <dir> for the results.');
      const refs = expandInputs(inputs);
      await convertMany(refs, opts.out, opts.to as Target, ctx, requested ?? 'text');
    });
}

const isFolder = (p: string): boolean => p !== '-' && statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;

/** The HL7v2 tolerance mode of this run (--validation). */
let mode: ValidationMode = DEFAULT_VALIDATION_MODE;

/**
 * Convert one text through the path `validate` shares (flows/convert-input.ts): for HL7v2 the
 * message profile judged by the tolerance policy, then the vertical's converter (flows/registry.ts).
 */
function convertText(text: string, to: Target, ctx: FlowContext): ConvertedText {
  const detected = detectInput(text);
  if (!detected.value) return { ok: false, issues: detected.issues };
  const out = convertInput(detected.value, to, ctx, mode);
  const issues = [...detected.issues, ...out.issues];
  if (out.value === undefined || hasErrors(issues)) return { ok: false, issues };
  return { ok: true, output: printable(out.value), issues };
}

/** HL7v2 with CR LF line ends; FHIR as JSON; office records as JSON (one record alone, several as an array). */
function printable(c: ConverterOutput): string {
  if (c.to === 'hl7v2') return c.text.replace(/\r/g, '\r\n');
  const json = c.to === 'fhir' ? c.resource : c.records.length === 1 ? c.records[0] : c.records;
  return JSON.stringify(json, null, 2) + '\n';
}

function convertToStdout(text: string, to: Target, ctx: FlowContext, format: OutputFormat): void {
  const r = convertText(text, to, ctx);
  if (!r.ok) {
    process.stdout.write(renderOutcome(r.issues, format) + '\n');
    process.exit(EXIT_INVALID);
  }
  process.stdout.write(r.output);
  // Warnings go to stderr so stdout stays a clean document; information only as counts.
  if (r.issues.length) process.stderr.write(renderOutcome(r.issues, 'text') + '\n');
  process.exitCode = EXIT_OK;
}

async function convertMany(refs: InputRef[], outDir: string, to: Target, ctx: FlowContext, format: OutputFormat): Promise<void> {
  const progress = new Progress('convert', refs.length);
  const information = new Map<string, number>();
  let failed = 0;
  for (let n = 0; n < refs.length; n++) {
    const ref = refs[n]!;
    const text = readInput(ref.path);
    const r: ConvertedText = text.value === undefined ? { ok: false, issues: text.issues } : convertText(text.value, to, ctx);
    let target: string | undefined;
    if (r.ok) {
      target = join(outDir, ref.rel.replace(/\.[^./]*$/, '') + OUTPUT_EXTENSION[to]);
      try {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, r.output);
      } catch (e) {
        r.issues.push(issue('INPUT_UNREADABLE', `Cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`));
        target = undefined;
      }
    }
    if (!target) failed++;
    process.exitCode = failed ? EXIT_INVALID : EXIT_OK;
    if (format === 'json') {
      const ext = [{ url: INPUT_FILE_EXTENSION, valueString: ref.path }];
      process.stdout.write(JSON.stringify({ ...toOperationOutcome(r.issues), extension: ext }) + '\n');
    } else {
      groupInformation(r.issues, information);
      process.stdout.write(convertLine(ref.path, target, r.issues) + '\n');
    }
    progress.tick(n + 1);
    if (n % 16 === 15) await breathe();
  }
  progress.done();
  if (format === 'text') {
    const summary = `${refs.length.toLocaleString('en-US')} file(s): ${(refs.length - failed).toLocaleString('en-US')} converted, ${failed.toLocaleString('en-US')} failed`;
    process.stdout.write([summary, ...renderGroupedInformation(information)].join('\n') + '\n');
  }
}

function convertLine(path: string, target: string | undefined, issues: readonly Issue[]): string {
  const warnings = issues.filter((i) => i.severity === 'warning').length;
  if (target) return `${path} -> ${target}${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`;
  const first = issues.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? issues[0];
  const where = first?.expression?.join(', ');
  return `${path}  FAILED ${first ? `${errorCodeOf(first) ?? first.code}${where ? ` at ${where}` : ''}: ${first.diagnostics ?? ''}` : ''}`;
}
