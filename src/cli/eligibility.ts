/**
 * `frontdesk eligibility list [--date YYYY-MM-DD|today|tomorrow]`: the eligibility checks of a day's
 * appointments (what the eligibility job asked, and the payer's 271 / CoverageEligibilityResponse),
 * so the front desk sees active/inactive, plan, copay, coinsurance and deductible before the patient
 * arrives. `eligibility show <appointment-id|trace>`: one appointment's checks in full.
 * `eligibility ingest <file>`: record a 271 or a CoverageEligibilityResponse (JSON).
 */
import type { Command } from 'commander';
import type { EligibilityCheck, Store } from '../store/index.js';
import { openOperatorCommand } from './store.js';
import { EXIT_INVALID, exitCodeFor, readInputOrExit, renderOutcome, usageError } from './io.js';
import { recordEligibilityText } from '../eligibility/answers.js';
import { eligibilityTable, eligibilityText } from '../eligibility/view.js';
import { addDays, localDate } from '../jobs/time.js';

interface Common { config?: string; db?: string; format?: string }

const common = (c: Command) => c
  .option('--config <file>', 'gateway configuration file')
  .option('--db <file>', 'SQLite store (default: the configuration\'s store.path)')
  .option('--format <format>', 'json | text', 'text');

/** today / tomorrow in the practice's timezone, or a YYYY-MM-DD as given. */
export function dayOf(value: string, timezone: string, now: Date = new Date()): string {
  if (value === 'today') return localDate(now, timezone);
  if (value === 'tomorrow') return addDays(localDate(now, timezone), 1);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) usageError(`--date must be YYYY-MM-DD, today or tomorrow; got "${value}".`);
  return value;
}

/** Every check an id names: a trace, else an appointment's checks. */
export async function checksFor(store: Store, id: string): Promise<EligibilityCheck[]> {
  const one = await store.eligibility.get(id);
  return one ? [one] : store.eligibility.forAppointment(id);
}

export function registerEligibility(program: Command): void {
  const c = program.command('eligibility').description('Eligibility checks of the appointments (270/271 or CoverageEligibilityRequest/Response) for the front desk');

  common(c.command('list').description('The checks of one day\'s appointments (default: tomorrow), by appointment time'))
    .option('--date <day>', 'YYYY-MM-DD, today or tomorrow (practice timezone)', 'tomorrow')
    .option('--all', 'every day, latest first')
    .option('--limit <n>', 'at most n rows', '500')
    .action(async (opts: Common & { date: string; all?: boolean; limit: string }) => {
      const n = Number(opts.limit);
      if (!Number.isInteger(n) || n < 1) usageError(`--limit must be a positive integer; got "${opts.limit}".`);
      const { cfg, store } = await openOperatorCommand(opts);
      const serviceDate = opts.all ? undefined : dayOf(opts.date, cfg.delivery.jobs.timezone);
      const rows = await store.eligibility.list({ serviceDate, limit: n });
      await store.close();
      if (opts.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else process.stdout.write((serviceDate ? `eligibility for ${serviceDate}\n` : '') + eligibilityTable(rows));
    });

  common(c.command('show').description('One appointment\'s checks, with the payer\'s answer').argument('<id>', 'appointment id, or the trace of an inquiry'))
    .action(async (id: string, opts: Common) => {
      const { store } = await openOperatorCommand(opts);
      const rows = await checksFor(store, id);
      await store.close();
      if (!rows.length) {
        process.stderr.write(`No eligibility check for ${id}.\n`);
        process.exit(EXIT_INVALID);
      }
      if (opts.format === 'json') { process.stdout.write(JSON.stringify(rows, null, 2) + '\n'); return; }
      for (const r of rows) {
        process.stdout.write(`appointment ${r.appointmentId ?? '-'} ${r.appointmentStart ?? ''}  service date ${r.serviceDate ?? '-'}  ${r.patientRef ?? ''}\n`);
        process.stdout.write(`  asked ${r.requestedAt ?? '-'} via ${r.destination ?? '-'} (${r.format}, trace ${r.trace})\n`);
        process.stdout.write(`  answer ${r.answeredAt ?? '-'}${r.source ? ` (${r.source})` : ''}: ${eligibilityText(r)}\n`);
      }
    });

  common(c.command('ingest').description('Record a 271 or a FHIR CoverageEligibilityResponse against the inquiries sent').argument('<file>', 'X12 271 or FHIR JSON, or - for standard input'))
    .action(async (file: string, opts: Common) => {
      const { text, format } = readInputOrExit(file, opts.format ?? 'text');
      const { store } = await openOperatorCommand(opts);
      const r = await recordEligibilityText(text, store, new Date());
      await store.close();
      process.stdout.write(JSON.stringify(r.value ?? null, null, 2) + '\n');
      if (r.issues.length) process.stderr.write(renderOutcome(r.issues, format) + '\n');
      process.exitCode = exitCodeFor(r.issues);
    });
}
