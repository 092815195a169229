/**
 * `frontdesk job list` and `frontdesk job run <name>`: run one scheduled job once, now, against the
 * configured store and destinations (the same code the schedule runs; a run already in progress in
 * the gateway makes this one a recorded skip).
 */
import type { Command } from 'commander';
import { createLogger } from '../logging.js';
import { runJob } from '../jobs/runner.js';
import { JOBS } from '../jobs/table.js';
import { EXIT_INVALID, EXIT_OK, usageError } from './io.js';
import { openDeliverySetup, readDeliveryConfig } from './delivery-setup.js';
import { jobDepsFor } from '../composition.js';
import { recordCliAudit } from './audit.js';

export function registerJob(program: Command): void {
  const job = program.command('job').description('Scheduled jobs: list them, or run one once now');
  job
    .command('list')
    .description('List the jobs, their schedules and whether they are enabled')
    .option('--config <file>', 'gateway configuration file')
    .action((opts: { config?: string }) => {
      const s = readDeliveryConfig(opts);
      const tz = s.delivery.jobs.timezone;
      const lines = JOBS.map((j) => {
        const set = s.delivery.jobs.settings[j.name];
        const on = set?.enabled !== false;
        return `${j.name.padEnd(14)} ${(set?.schedule ?? j.schedule).padEnd(16)} ${tz.padEnd(20)} ${on ? 'enabled ' : 'disabled'} ${j.description}\n`;
      });
      process.stdout.write(lines.join(''));
    });
  job
    .command('run')
    .description(`Run one job once: ${JOBS.map((j) => j.name).join(', ')}`)
    .argument('<name>', 'job name')
    .option('--config <file>', 'gateway configuration file')
    .option('--db <file>', 'SQLite store (default: store.path from the configuration)')
    .option('--log-level <level>', 'log level on stderr', 'warn')
    .action(async (name: string, opts: { config?: string; db?: string; logLevel: string }) => {
      if (!JOBS.some((j) => j.name === name)) usageError(`unknown job "${name}"; jobs: ${JOBS.map((j) => j.name).join(', ')}.`);
      const s = await openDeliverySetup(opts);
      try {
        const logger = createLogger(opts.logLevel as 'warn', process.stderr);
        const r = await runJob(name, jobDepsFor(s.store, s.config, { logger }), 'cli');
        await recordCliAudit(s.store, 'job-run', `job/${name}`, { failed: r.outcome === 'failed', detail: r.outcome });
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        process.exitCode = r.outcome === 'failed' ? EXIT_INVALID : EXIT_OK;
      } finally {
        await s.store.close();
      }
    });
}
