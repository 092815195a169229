/**
 * `frontdesk claims list | show <claim-id>`: the claims sent as 837P and what the clearinghouse
 * and payer answered (999, 277CA, 835), from the store the configuration names.
 * `frontdesk claims ingest <file>`: read a 999, 277CA or 835 and record it (an 835 only when it
 * balances, and only once).
 */
import type { Command } from 'commander';
import type { GatewayConfig } from '../config.js';
import type { Store } from '../store/index.js';
import { openOperatorCommand } from './store.js';
import { EXIT_INVALID, exitCodeFor, readInputOrExit, renderOutcome, usageError } from './io.js';
import { ingestX12 } from '../x12/ingest.js';

interface Common { config?: string; db?: string; format?: string }

const open = (opts: Common): Promise<{ cfg: GatewayConfig; store: Store }> => openOperatorCommand(opts);

const common = (c: Command) => c
  .option('--config <file>', 'gateway configuration file')
  .option('--db <file>', 'SQLite store (default: the configuration\'s store.path)')
  .option('--format <format>', 'json | text', 'text');

export function registerClaims(program: Command): void {
  const c = program.command('claims').description('Claims sent as X12 837P and their 999 / 277CA / 835 answers');

  common(c.command('list').description('The latest claims sent, newest first'))
    .option('--limit <n>', 'at most n rows', '50')
    .action(async (opts: Common & { limit: string }) => {
      const n = Number(opts.limit);
      if (!Number.isInteger(n) || n < 1) usageError(`--limit must be a positive integer; got "${opts.limit}".`);
      const { store } = await open(opts);
      const rows = await store.x12.list(n);
      await store.close();
      if (opts.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else {
        process.stdout.write(['submitted'.padEnd(25) + 'claim'.padEnd(22) + 'state'.padEnd(14) + 'total'.padEnd(10) + 'interchange  detail',
          ...rows.map((r) => `${r.submittedAt.padEnd(25)}${r.claimId.padEnd(22)}${r.state.padEnd(14)}${r.total.padEnd(10)}${r.interchange}    ${r.detail ?? ''}`)].join('\n') + '\n');
      }
    });

  common(c.command('show').description('One claim: every submission and its history').argument('<claim-id>', 'CLM-01, the practice\'s claim / encounter number'))
    .action(async (claimId: string, opts: Common) => {
      const { store } = await open(opts);
      const rows = await store.x12.get(claimId);
      await store.close();
      if (!rows.length) {
        process.stderr.write(`No claim ${claimId} was sent from here.\n`);
        process.exit(EXIT_INVALID);
      }
      if (opts.format === 'json') { process.stdout.write(JSON.stringify(rows, null, 2) + '\n'); return; }
      for (const r of rows) {
        process.stdout.write(`claim ${r.claimId}  total ${r.total}  state ${r.state}\n  sent ${r.submittedAt} to ${r.destination} (ISA ${r.interchange}, GS ${r.groupControl}, ST ${r.transactionControl})\n`);
        for (const h of r.history) process.stdout.write(`  ${h.at}  ${h.source.padEnd(6)} ${h.state}${h.detail ? `  ${h.detail}` : ''}\n`);
      }
    });

  common(c.command('ingest').description('Record a 999, 277CA or 835 file against the claims sent').argument('<file>', 'X12 file, or - for standard input'))
    .action(async (file: string, opts: Common) => {
      const { text, format } = readInputOrExit(file, opts.format ?? 'text');
      const { store } = await open(opts);
      const r = await ingestX12(text, store, new Date());
      await store.close();
      process.stdout.write(JSON.stringify(r.value ?? null, null, 2) + '\n');
      if (r.issues.length) process.stderr.write(renderOutcome(r.issues, format) + '\n');
      process.exitCode = exitCodeFor(r.issues);
    });
}
