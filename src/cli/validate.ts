/**
 * `frontdesk validate <files|dirs|->... [--profile <url|id>] [--format json|text] [--profile-dir dir]
 *                     [--allow-unknown-extensions]`
 *
 * Accepts FHIR resources and Bundles, HL7v2 messages (start with MSH) and office records
 * (recordType); folders are walked for .json and .hl7 files. One process: the profiles are
 * compiled once for all the files.
 *
 * Output: one input -> its OperationOutcome (JSON by default; a table with --format text).
 * Several inputs or a folder -> one line per file and a summary (text, the default), or one
 * OperationOutcome per file as JSON lines (--format json), each naming its file in an extension.
 * Which profile applies to FHIR input: --profile, else a loaded meta.profile, else the R4 base
 * type (docs/validation.md). Claim edits run when a Frontdesk claim profile applies and on
 * office billing records.
 * Exit 0: no file has an error-level issue; 1: some file is invalid; 2: usage error (unknown
 * --profile, bad --format, a path that does not exist) or unreadable standard input.
 *
 * The checks of a kind of input are loaded when the first input of that kind comes (X12; the HL7v2
 * conversion with its flows and mappings; the clearinghouse edits): a one-file validate of a FHIR
 * resource loads the validation engine and none of the flows, about half the modules it loaded
 * before (bench/items-startup.ts times it).
 */
import type { Command } from 'commander';
import { detectInput, type DetectedInput } from '../domain/input.js';
import { errorCodeOf, hasErrors, issue, toOperationOutcome, type Issue } from '../domain/issues.js';
import { emptyLookup } from '../flows/types.js';
import { DEFAULT_VALIDATION_MODE, VALIDATION_MODES, type ValidationMode } from '../hl7/tolerance.js';
import { looksLikeX12 } from '../x12/detect.js';
import { CLAIM_PROFILES, isKnownProfile, loadValidator, profileApplied, validateOfficeRecord, validateResource, type ValidateOptions as ResourceOptions } from '../validation/index.js';
import {
  breathe, EXIT_INVALID, EXIT_OK, EXIT_USAGE, expandInputs, formatOption, groupInformation, Progress, quietOnClosedStdout, readInput, renderGroupedInformation,
  renderOutcome, usageError, type InputRef, type OutputFormat,
} from './io.js';

export interface ValidateOptions {
  profile?: string;
  format?: string;
  profileDir?: string;
  allowUnknownExtensions?: boolean;
  /** HL7v2 tolerance mode (default tolerant) and practice timezone, as `convert` takes them. */
  validation?: string;
  timezone?: string;
}

/** The extension that names the file an OperationOutcome line is about (JSON lines output). */
export const INPUT_FILE_EXTENSION = 'http://frontdesk.example.org/fhir/StructureDefinition/input-file';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Validate FHIR resources and Bundles, HL7v2 messages and office records: files, folders or standard input')
    .argument('<inputs...>', 'files, folders (walked for .json and .hl7 files), or - for standard input')
    .option('--profile <profile>', 'FHIR profile: canonical URL or id (default: a loaded meta.profile, else the R4 base type)')
    .option('--format <format>', 'json | text (default: json for one input, text for several)')
    .option('--profile-dir <dir>', 'folder with extra StructureDefinitions (default: $FRONTDESK_PROFILE_DIR)')
    .option('--allow-unknown-extensions', 'accept extensions no loaded definition resolves (default: an error, as the reference validator reports it)')
    .option('--validation <mode>', `HL7v2 tolerance: ${VALIDATION_MODES.join(' | ')} (docs/hl7v2.md)`, DEFAULT_VALIDATION_MODE)
    .option('--timezone <zone>', 'practice timezone for HL7 times without offset', process.env.FRONTDESK_TIMEZONE ?? 'America/New_York')
    .action(async (inputs: string[], opts: ValidateOptions) => {
      quietOnClosedStdout();
      if (!(VALIDATION_MODES as readonly string[]).includes(opts.validation ?? DEFAULT_VALIDATION_MODE)) usageError(`--validation must be one of ${VALIDATION_MODES.join(', ')}; got "${opts.validation}".`);
      const requested = formatOption(opts.format);
      const refs = expandInputs(inputs);
      const single = refs.length === 1 && inputs.length === 1 && (inputs[0] === '-' || refs[0]!.path === inputs[0]);
      const format: OutputFormat = requested ?? (single ? 'json' : 'text');
      const setup = prepare(opts);
      if (single) {
        const issues = [...setup, ...(await validateOne(refs[0]!, opts, true))];
        process.stdout.write(renderOutcome(issues, format) + '\n');
        process.exitCode = hasErrors(issues) ? EXIT_INVALID : EXIT_OK;
        return;
      }
      // A broken file in the profile folder: said once, not on every file.
      if (setup.length) process.stderr.write(renderOutcome(setup, 'text') + '\n');
      await validateMany(refs, opts, format);
    });
}

/** Load the profile folder (once) and check --profile before any file is read. */
function prepare(opts: ValidateOptions): Issue[] {
  const loadOpts = {
    ...(opts.profileDir !== undefined ? { extraProfileDir: opts.profileDir } : {}),
    ...(opts.allowUnknownExtensions ? { allowUnknownExtensions: true } : {}),
  };
  let setup: Issue[] = [];
  if (opts.profileDir !== undefined || process.env.FRONTDESK_PROFILE_DIR || opts.allowUnknownExtensions) {
    // A broken file in the folder is the folder's problem, not the input's: a warning.
    setup = loadValidator(loadOpts).issues.map((i) => ({ ...i, severity: 'warning' as const }));
  } else {
    // Only the shipped profiles (checked by the tests): each is compiled when an input first needs it.
    loadValidator({ compileAll: false });
  }
  if (opts.profile !== undefined && !isKnownProfile(opts.profile)) {
    usageError(`--profile "${opts.profile}" is not loaded: give a canonical URL or id of a profile in profiles/, --profile-dir or the R4 core, or an R4 resource type.`);
  }
  return setup;
}

async function validateMany(refs: InputRef[], opts: ValidateOptions, format: OutputFormat): Promise<void> {
  const progress = new Progress('validate', refs.length);
  const information = new Map<string, number>();
  let invalid = 0;
  for (let n = 0; n < refs.length; n++) {
    const ref = refs[n]!;
    const issues = await validateOne(ref, opts, false);
    const bad = hasErrors(issues);
    if (bad) invalid++;
    process.exitCode = invalid ? EXIT_INVALID : EXIT_OK;
    if (format === 'json') {
      const oo = toOperationOutcome(issues);
      process.stdout.write(JSON.stringify(ref.path === '-' ? oo : { ...oo, extension: [{ url: INPUT_FILE_EXTENSION, valueString: ref.path }] }) + '\n');
    } else {
      groupInformation(issues, information);
      process.stdout.write(fileLine(ref.path, issues) + '\n');
    }
    progress.tick(n + 1);
    if (n % 16 === 15) await breathe();
  }
  progress.done();
  if (format === 'text') {
    const summary = `${refs.length.toLocaleString('en-US')} file(s): ${(refs.length - invalid).toLocaleString('en-US')} valid, ${invalid.toLocaleString('en-US')} invalid`;
    process.stdout.write([summary, ...renderGroupedInformation(information)].join('\n') + '\n');
  }
}

/** `path  valid` / `path  valid (2 warnings)` / `path  INVALID (3 errors) CODE at location: message`. */
export function fileLine(path: string, issues: readonly Issue[]): string {
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  const warnings = issues.filter((i) => i.severity === 'warning').length;
  if (errors.length === 0) return `${path}  valid${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`;
  const first = errors[0]!;
  const where = first.expression?.join(', ');
  return `${path}  INVALID (${errors.length} error${errors.length > 1 ? 's' : ''}) ${errorCodeOf(first) ?? first.code}${where ? ` at ${where}` : ''}: ${first.diagnostics ?? ''}`;
}

/** The checks loaded so far, by kind of input (see the file comment). */
const checks: {
  x12?: typeof import('../x12/validate.js');
  hl7v2?: typeof import('../flows/convert-input.js');
  edits?: typeof import('../billing/edits.js');
} = {};

/** Load the checks of every kind of input (before validateFile, which does not load them itself). */
export async function loadAllChecks(): Promise<void> {
  [checks.x12, checks.hl7v2, checks.edits] = await Promise.all([import('../x12/validate.js'), import('../flows/convert-input.js'), import('../billing/edits.js')]);
}

/**
 * One file through the CLI path (read, detect the kind, check), as `frontdesk validate` does for
 * each file of a folder. Synchronous, for loops that time it: await loadAllChecks() first.
 */
export function validateFile(path: string, opts: ValidateOptions = {}): Issue[] {
  const read = readOne({ path, rel: path }, opts, false);
  return 'issues' in read ? read.issues : checkRead(read, opts, false);
}

/** What reading one input gave: issues already final, or an input for its kind's checks. */
type Read = { issues: Issue[] } | { x12: string } | { input: DetectedInput; detectIssues: Issue[]; resourceOpts: ResourceOptions };

/** Read, detect and check one input, loading its kind's checks first when not loaded yet. */
async function validateOne(ref: InputRef, opts: ValidateOptions, alone: boolean): Promise<Issue[]> {
  const read = readOne(ref, opts, alone);
  if ('issues' in read) return read.issues;
  if ('x12' in read) checks.x12 ??= await import('../x12/validate.js');
  else if (read.input.kind === 'hl7v2' && opts.profile === undefined) checks.hl7v2 ??= await import('../flows/convert-input.js');
  else if (needsEdits(read.input, read.resourceOpts)) checks.edits ??= await import('../billing/edits.js');
  return checkRead(read, opts, alone);
}

/** Read and detect one input. Unreadable standard input on its own is a usage error (exit 2). */
function readOne(ref: InputRef, opts: ValidateOptions, alone: boolean): Read {
  const text = readInput(ref.path);
  if (text.value === undefined) {
    if (alone) {
      process.stderr.write(renderOutcome(text.issues, 'text') + '\n');
      process.exit(EXIT_USAGE);
    }
    return { issues: text.issues };
  }
  // An X12 interchange (the 837P we send, a 999/277CA/835/271 we receive): envelope and guide.
  if (looksLikeX12(text.value)) return { x12: text.value };
  const detected = detectInput(text.value);
  if (!detected.value) return { issues: detected.issues };
  const resourceOpts: ResourceOptions = { ...(opts.profile !== undefined ? { profile: opts.profile } : {}), otherwise: 'base' };
  return { input: detected.value, detectIssues: detected.issues, resourceOpts };
}

/** Whether the clearinghouse edits run on an input: office records, and resources our claim profiles apply to (not any Claim). */
function needsEdits(input: DetectedInput, resourceOpts: ResourceOptions): boolean {
  if (input.kind === 'office') return true;
  if (input.kind !== 'fhir') return false;
  const applied = profileApplied(input.resource, resourceOpts);
  return applied !== undefined && CLAIM_PROFILES.has(applied);
}

function loaded<T>(m: T | undefined): T {
  if (!m) throw new Error('validate: the checks of this kind of input are not loaded (loadAllChecks)');
  return m;
}

function checkRead(read: Exclude<Read, { issues: Issue[] }>, opts: ValidateOptions, alone: boolean): Issue[] {
  if ('x12' in read) return loaded(checks.x12).validateX12(read.x12);
  return [...read.detectIssues, ...checkInput(read.input, read.resourceOpts, opts, alone)];
}

/** The input-kind dispatch: which checks each kind of input gets. */
function checkInput(input: DetectedInput, vopts: ResourceOptions, opts: ValidateOptions, alone: boolean): Issue[] {
  switch (input.kind) {
    case 'fhir': {
      const issues = validateResource(input.resource, vopts);
      if (needsEdits(input, vopts)) issues.push(...loaded(checks.edits).claimEdits(input.resource));
      return issues;
    }
    case 'hl7v2':
      if (opts.profile !== undefined) return [profileNotForKind('HL7v2 messages are checked against the message profile of their type', alone)];
      // What `convert` says about the message: the profile under the tolerance policy, then the mapping
      // and the profiles of what it makes (one path, flows/convert-input.ts), so the two agree.
      return loaded(checks.hl7v2).convertInput(input, 'fhir', { timezone: opts.timezone ?? 'America/New_York', lookup: emptyLookup }, (opts.validation ?? DEFAULT_VALIDATION_MODE) as ValidationMode).issues;
    case 'office':
      if (opts.profile !== undefined) return [profileNotForKind('office records are checked against the schema of their recordType', alone)];
      return [...validateOfficeRecord(input.record), ...loaded(checks.edits).claimEdits(input.record)];
  }
}

/** --profile on non-FHIR input: a usage error for one input; among many, a warning on that file. */
function profileNotForKind(why: string, alone: boolean): Issue {
  if (alone) usageError(`--profile applies to FHIR input only; ${why}.`);
  return issue('FHIR_PROFILE_UNKNOWN', `--profile applies to FHIR input only; ${why}.`, undefined, 'warning');
}
