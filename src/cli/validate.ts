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
 */
import type { Command } from 'commander';
import { detectInput, type DetectedInput } from '../domain/input.js';
import { errorCodeOf, hasErrors, issue, toOperationOutcome, type Issue } from '../domain/issues.js';
import { convertInput } from '../flows/convert-input.js';
import { emptyLookup } from '../flows/types.js';
import { DEFAULT_VALIDATION_MODE, VALIDATION_MODES, type ValidationMode } from '../hl7/tolerance.js';
import { claimEdits } from '../billing/edits.js';
import { looksLikeX12 } from '../x12/detect.js';
import { validateX12 } from '../x12/validate.js';
import { CLAIM_PROFILES, isKnownProfile, loadValidator, profileApplied, validateOfficeRecord, validateResource } from '../validation/index.js';
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
        const issues = [...setup, ...validateOne(refs[0]!, opts, true)];
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
    const issues = validateOne(ref, opts, false);
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

/** One file through the CLI path (read, detect the kind, check), as `frontdesk validate` does for each file of a folder. */
export function validateFile(path: string, opts: ValidateOptions = {}): Issue[] {
  return validateOne({ path, rel: path }, opts, false);
}

/** Read, detect and check one input. Unreadable standard input on its own is a usage error (exit 2). */
function validateOne(ref: InputRef, opts: ValidateOptions, alone: boolean): Issue[] {
  const text = readInput(ref.path);
  if (text.value === undefined) {
    if (alone) {
      process.stderr.write(renderOutcome(text.issues, 'text') + '\n');
      process.exit(EXIT_USAGE);
    }
    return text.issues;
  }
  // An X12 interchange (the 837P we send, a 999/277CA/835/271 we receive): envelope and guide.
  if (looksLikeX12(text.value)) return validateX12(text.value);
  const detected = detectInput(text.value);
  return [...detected.issues, ...(detected.value ? checkInput(detected.value, opts, alone) : [])];
}

/** The input-kind dispatch: which checks each kind of input gets. */
function checkInput(input: DetectedInput, opts: ValidateOptions, alone: boolean): Issue[] {
  switch (input.kind) {
    case 'fhir': {
      const vopts = { ...(opts.profile !== undefined ? { profile: opts.profile } : {}), otherwise: 'base' as const };
      const issues = validateResource(input.resource, vopts);
      // The clearinghouse edits belong to our claim profiles, not to any Claim.
      const applied = profileApplied(input.resource, vopts);
      if (applied && CLAIM_PROFILES.has(applied)) issues.push(...claimEdits(input.resource));
      return issues;
    }
    case 'hl7v2':
      if (opts.profile !== undefined) return [profileNotForKind('HL7v2 messages are checked against the message profile of their type', alone)];
      // What `convert` says about the message: the profile under the tolerance policy, then the mapping
      // and the profiles of what it makes (one path, flows/convert-input.ts), so the two agree.
      return convertInput(input, 'fhir', { timezone: opts.timezone ?? 'America/New_York', lookup: emptyLookup }, (opts.validation ?? DEFAULT_VALIDATION_MODE) as ValidationMode).issues;
    case 'office':
      if (opts.profile !== undefined) return [profileNotForKind('office records are checked against the schema of their recordType', alone)];
      return [...validateOfficeRecord(input.record), ...claimEdits(input.record)];
  }
}

/** --profile on non-FHIR input: a usage error for one input; among many, a warning on that file. */
function profileNotForKind(why: string, alone: boolean): Issue {
  if (alone) usageError(`--profile applies to FHIR input only; ${why}.`);
  return issue('FHIR_PROFILE_UNKNOWN', `--profile applies to FHIR input only; ${why}.`, undefined, 'warning');
}
