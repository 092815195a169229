/**
 * `frontdesk audit list [--since] [--until] [--actor] [--entity] [--action] [--outcome] [--limit] [--json]`:
 * the audit trail (who read or changed what, from where, when, with what outcome) from the command
 * line, newest first. The same rows GET /fhir/AuditEvent serves. `recordCliAudit` records what an
 * operator command reveals or changes (a message shown with its content, a replay) with the OS user.
 */
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import type { AuditFilter, Store } from '../store/index.js';
import { openOperatorCommand } from './store.js';
import { usageError } from './io.js';

interface Opts { config?: string; db?: string; since?: string; until?: string; actor?: string; entity?: string; action?: string; outcome?: string; limit: string; json?: boolean }

/** Who runs the CLI, for the audit trail: `cli:<os user>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

/** Record an operator command's access in the audit trail (status 0: not HTTP). */
export async function recordCliAudit(store: Store, action: string, entity: string | null, opts: { query?: string; failed?: boolean; detail?: string } = {}): Promise<void> {
  await store.audit.record({
    at: new Date().toISOString(), actor: cliActor(), actorKind: 'cli', clientAddress: null, action, entity, query: opts.query ?? null,
    method: null, path: null, status: 0, outcome: opts.failed ? 'failure' : 'success', detail: opts.detail ?? null,
  });
}

export function registerAudit(program: Command): void {
  const a = program.command('audit').description('The audit trail: who read or changed what, from where, when');
  a.command('list')
    .description('List audit entries, newest first')
    .option('--config <file>', 'gateway configuration file')
    .option('--db <file>', 'SQLite store')
    .option('--since <date>', 'recorded at or after (ISO date or date-time)')
    .option('--until <date>', 'recorded before (ISO date or date-time)')
    .option('--actor <name>', 'key name, client id or cli:<user>')
    .option('--entity <ref>', 'Patient/123, message/45 (Patient/ for every Patient)')
    .option('--action <name>', 'read, search, create, update, delete, message-read, message-replay, ...')
    .option('--outcome <o>', 'success or failure')
    .option('--limit <n>', 'at most n entries (1-1000)', '100')
    .option('--json', 'JSON output (includes the queries, which may hold PHI)')
    .action(async (opts: Opts) => {
      const f: AuditFilter = {};
      for (const k of ['since', 'until'] as const) {
        const v = opts[k];
        if (v === undefined) continue;
        if (Number.isNaN(Date.parse(v))) usageError(`--${k} must be an ISO date or date-time; got "${v}".`);
        f[k] = new Date(v).toISOString();
      }
      if (opts.outcome !== undefined && opts.outcome !== 'success' && opts.outcome !== 'failure') usageError(`--outcome must be success or failure; got "${opts.outcome}".`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) usageError(`--limit must be an integer from 1 to 1000; got "${opts.limit}".`);
      Object.assign(f, { actor: opts.actor, entity: opts.entity, action: opts.action, outcome: opts.outcome as AuditFilter['outcome'], limit });
      const { store } = await openOperatorCommand(opts);
      try {
        const rows = await store.audit.list(f);
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return;
        }
        process.stdout.write(`${'id'.padEnd(7)} ${'at'.padEnd(24)} ${'actor'.padEnd(18)} ${'client'.padEnd(16)} ${'action'.padEnd(16)} ${'entity'.padEnd(28)} ${'status'.padEnd(6)} outcome\n`);
        for (const r of rows) {
          // The query may hold PHI (a search by name): shown with --json only.
          process.stdout.write(`${String(r.id).padEnd(7)} ${r.at.padEnd(24)} ${r.actor.padEnd(18)} ${(r.clientAddress ?? '').padEnd(16)} ${r.action.padEnd(16)} ${(r.entity ?? '').padEnd(28)} ${String(r.status).padEnd(6)} ${r.outcome}${r.query ? ' (query)' : ''}\n`);
        }
        process.stdout.write(`${rows.length} entries\n`);
      } finally {
        await store.close();
      }
    });
}
