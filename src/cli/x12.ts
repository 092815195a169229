/** The X12 side of `frontdesk convert`: a claim -> 837P (`--to x12`), X12 in -> `--to fhir|office`. */
import { loadConfig } from '../config.js';
import { openStore } from '../store/index.js';
import { hasErrors, issue } from '../domain/issues.js';
import { claimTextToX12, looksLikeX12, x12ToFhirOrOffice } from '../x12/convert.js';
import { EXIT_INVALID, EXIT_USAGE, renderOutcome, type OutputFormat } from './io.js';

export { looksLikeX12 };

export async function convertX12Cli(text: string, opts: { to: string; timezone: string; config?: string; destination: string }, format: OutputFormat): Promise<void> {
  if (opts.to === 'x12') {
    if (looksLikeX12(text)) {
      process.stdout.write(renderOutcome([issue('INPUT_FORMAT_UNKNOWN', 'The input is X12 already; --to x12 converts a claim (billing record, claim Bundle, DFT^P03).', 'input')], format) + '\n');
      process.exit(EXIT_INVALID);
    }
    const cfg = loadConfig(opts.config);
    if (!cfg.value?.billing) {
      const why = cfg.value ? [issue('CONFIG_INVALID', 'The configuration has no billing section: an 837P needs the practice\'s billing identity.', 'billing')] : cfg.issues;
      process.stderr.write(renderOutcome(why, 'text') + '\n');
      process.exit(EXIT_USAGE);
    }
    // Control numbers come from the store: a file converted here is never sent with a reused ISA-13.
    const store = await openStore(cfg.value.store);
    try {
      const r = await claimTextToX12(text, { identity: cfg.value.billing, destination: opts.destination, allocate: (c) => store.x12.allocateControlNumber(c), timezone: opts.timezone });
      if (!r.value?.x12 || hasErrors(r.issues)) {
        process.stdout.write(renderOutcome(r.issues, format) + '\n');
        process.exitCode = EXIT_INVALID;
        return;
      }
      process.stdout.write(r.value.x12);
      if (r.issues.length) process.stderr.write(renderOutcome(r.issues, 'text') + '\n');
    } finally {
      await store.close();
    }
    return;
  }
  if (opts.to !== 'fhir' && opts.to !== 'office') {
    process.stdout.write(renderOutcome([issue('INPUT_FORMAT_UNKNOWN', `X12 input converts to fhir or office, not ${opts.to}.`, 'input')], format) + '\n');
    process.exit(EXIT_INVALID);
  }
  const r = await x12ToFhirOrOffice(text, opts.to);
  if (!r.value || hasErrors(r.issues)) {
    process.stdout.write(renderOutcome(r.issues, format) + '\n');
    process.exitCode = EXIT_INVALID;
    return;
  }
  process.stdout.write(JSON.stringify(r.value, null, 2) + '\n');
  if (r.issues.length) process.stderr.write(renderOutcome(r.issues, 'text') + '\n');
}
