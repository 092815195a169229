/** `frontdesk convert <file|-> --to fhir|hl7v2|office [--event A08] [--timezone Zone]` */
import type { Command } from 'commander';
import { detectInput } from '../domain/input.js';
import { hasErrors, issue } from '../domain/issues.js';
import { converters } from '../flows/registry.js';
import { emptyLookup, type Target } from '../flows/types.js';
import { EXIT_INVALID, readInputOrExit, renderOutcome, usageError } from './io.js';

const TARGETS: readonly Target[] = ['fhir', 'hl7v2', 'office'];

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('Convert HL7v2, FHIR or an office record to fhir, hl7v2 or office; prints the result on stdout')
    .argument('<file>', 'input file, or - for standard input')
    .requiredOption('--to <target>', 'fhir | hl7v2 | office')
    .option('--event <event>', 'trigger event for HL7v2 output (A04, A08, S12, S13, P03, ...)')
    .option('--timezone <zone>', 'practice timezone for HL7 times without offset', process.env.FRONTDESK_TIMEZONE ?? 'America/New_York')
    .option('--format <format>', 'issue output format: json | text', 'json')
    .action((file: string, opts: { to: string; event?: string; timezone: string; format: string }) => {
      if (!TARGETS.includes(opts.to as Target)) usageError(`--to must be one of ${TARGETS.join(', ')}; got "${opts.to}".`);
      const { text, format } = readInputOrExit(file, opts.format);
      const detected = detectInput(text);
      if (!detected.value) {
        process.stdout.write(renderOutcome(detected.issues, format) + '\n');
        process.exit(EXIT_INVALID);
      }
      const converter = converters.find((c) => c.accepts(detected.value!));
      if (!converter) {
        const what = detected.value.kind === 'hl7v2' ? detected.value.message.messageType
          : detected.value.kind === 'fhir' ? detected.value.resource.resourceType : detected.value.recordType;
        process.stdout.write(renderOutcome([issue('HL7_MESSAGE_TYPE', `No converter handles ${detected.value.kind} input "${what}".`)], format) + '\n');
        process.exit(EXIT_INVALID);
      }
      const ctx = { timezone: opts.timezone, lookup: emptyLookup, ...(opts.event ? { event: opts.event } : {}) };
      const out = converter.convert(detected.value, opts.to as Target, ctx);
      const issues = [...detected.issues, ...out.issues];
      if (out.value === undefined || hasErrors(issues)) {
        process.stdout.write(renderOutcome(issues, format) + '\n');
        process.exit(EXIT_INVALID);
      }
      process.stdout.write(typeof out.value === 'string' ? out.value.replace(/\r/g, '\r\n') : JSON.stringify(out.value, null, 2) + '\n');
      // Warnings and information go to stderr so stdout stays a clean document.
      if (issues.length) process.stderr.write(renderOutcome(issues, 'text') + '\n');
      process.exitCode = 0;
    });
}
