/**
 * `frontdesk validate <file|-> [--profile <url|id>] [--format json|text] [--profile-dir dir]`
 *
 * Prints an OperationOutcome (JSON, or a table with --format text). Accepts a FHIR resource or
 * Bundle, an HL7v2 message (starts with MSH) or an office record (recordType).
 * Exit 0: no error-level issue; 1: invalid, or an unknown --profile (FHIR_PROFILE_UNKNOWN);
 * 2: usage error or unreadable input.
 */
import type { Command } from 'commander';
import { detectInput } from '../domain/input.js';
import type { Issue } from '../domain/issues.js';
import { validateMessage } from '../hl7/validate.js';
import { claimEdits } from '../billing/edits.js';
import { loadValidator, validateOfficeRecord, validateResource } from '../validation/index.js';
import { exitCodeFor, readInputOrExit, renderOutcome, usageError } from './io.js';

interface ValidateOptions {
  profile?: string;
  format: string;
  profileDir?: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Validate a FHIR resource or Bundle, an HL7v2 message or an office record; prints an OperationOutcome')
    .argument('<file>', 'input file, or - for standard input')
    .option('--profile <profile>', 'FHIR profile: canonical URL or id (default: meta.profile, else the Frontdesk profile of the resource type)')
    .option('--format <format>', 'output format: json | text', 'json')
    .option('--profile-dir <dir>', 'folder with extra StructureDefinitions (default: $FRONTDESK_PROFILE_DIR)')
    .action((file: string, opts: ValidateOptions) => {
      const { text, format } = readInputOrExit(file, opts.format);
      const issues: Issue[] = [];
      const detected = detectInput(text);
      issues.push(...detected.issues);
      const input = detected.value;
      if (input?.kind === 'fhir') {
        if (opts.profileDir !== undefined || process.env.FRONTDESK_PROFILE_DIR) {
          const loaded = loadValidator(opts.profileDir !== undefined ? { extraProfileDir: opts.profileDir } : {});
          // A broken file in the folder is the folder's problem, not the input's: a warning.
          issues.push(...loaded.issues.map((i) => ({ ...i, severity: 'warning' as const })));
        }
        issues.push(...validateResource(input.resource, opts.profile !== undefined ? { profile: opts.profile } : {}));
        // Pre-submission claim edits for a Claim or claim Bundle (none for other resources).
        issues.push(...claimEdits(input.resource));
      } else if (input?.kind === 'hl7v2') {
        if (opts.profile !== undefined) usageError('--profile applies to FHIR input only; HL7v2 messages are checked against the message profile of their type.');
        issues.push(...validateMessage(input.message));
      } else if (input?.kind === 'office') {
        if (opts.profile !== undefined) usageError('--profile applies to FHIR input only; office records are checked against the schema of their recordType.');
        issues.push(...validateOfficeRecord(input.record));
        issues.push(...claimEdits(input.record));
      }
      process.stdout.write(renderOutcome(issues, format) + '\n');
      process.exitCode = exitCodeFor(issues);
    });
}
