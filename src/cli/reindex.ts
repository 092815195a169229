/**
 * `frontdesk reindex [--type T] [--batch n]`: rebuild the FHIR search index (table search_index)
 * from the stored resources, after a change to the indexed search parameters
 * (src/fhir/search-parameters.ts) or to how values are indexed, or for resources stored before a
 * search-index migration. Resources are rewritten in (type, id) order, `--batch` at a time, each
 * batch in its own transaction, so a running gateway keeps writing in between (a resource it
 * writes meanwhile is indexed by that write). Versions do not move: only index rows change.
 */
import type { Command } from 'commander';
import { searchableTypes } from '../fhir/search-index.js';
import type { ResourceKey } from '../store/index.js';
import { recordCliAudit } from './audit.js';
import { usageError } from './io.js';
import { openOperatorCommand } from './store.js';

interface Opts { config?: string; db?: string; type?: string; batch: string }

export function registerReindex(program: Command): void {
  program.command('reindex')
    .description('Rebuild the FHIR search index from the stored resources (after a search-parameter change)')
    .option('--config <file>', 'gateway configuration file')
    .option('--db <file>', 'SQLite store')
    .option('--type <type>', 'only resources of this type (Patient, Observation, ...)')
    .option('--batch <n>', 'resources per transaction (1-10000)', '500')
    .action(async (opts: Opts) => {
      const types = searchableTypes();
      if (opts.type !== undefined && !types.includes(opts.type)) usageError(`--type "${opts.type}" has no indexed search parameters; searchable types: ${types.join(', ')}.`);
      const batch = Number(opts.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) usageError(`--batch must be an integer from 1 to 10000; got "${opts.batch}".`);
      const { store } = await openOperatorCommand(opts);
      const started = process.hrtime.bigint();
      let after: ResourceKey | undefined;
      let resources = 0;
      let rows = 0;
      try {
        for (;;) {
          const r = await store.resources.reindex(after, { type: opts.type, limit: batch });
          resources += r.resources;
          rows += r.rows;
          if (!r.last || r.resources < batch) break;
          after = r.last;
          process.stderr.write(`frontdesk: reindex: ${resources} resources so far\n`);
        }
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        await recordCliAudit(store, 'reindex', opts.type ?? null, { detail: `${resources} resources, ${rows} index rows` });
        process.stdout.write(`reindexed ${resources} resources${opts.type ? ` of type ${opts.type}` : ''}: ${rows} index rows in ${(ms / 1000).toFixed(1)} s\n`);
      } finally {
        await store.close();
      }
    });
}
