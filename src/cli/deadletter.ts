/**
 * `frontdesk deadletter list | show <id> | replay <id...> | replay --all [--destination d]`:
 * the operator's view of deliveries a partner refused (or that ran out of retries), with the
 * partner's answer, and replay (back to pending, due now, fresh attempt budget).
 */
import type { Command } from 'commander';
import { EXIT_INVALID, EXIT_OK, usageError } from './io.js';
import { openDeliverySetup } from './delivery-setup.js';
import { partnerAckOf } from '../delivery/ack-report.js';
import { recordCliAudit } from './audit.js';

interface Common { config?: string; db?: string }

export function registerDeadletter(program: Command): void {
  const dl = program.command('deadletter').description('Dead-lettered deliveries: list, show, replay');
  dl.command('list')
    .description('List dead-lettered deliveries')
    .option('--config <file>', 'gateway configuration file')
    .option('--db <file>', 'SQLite store')
    .option('--destination <name>', 'only this destination')
    .option('--json', 'JSON output')
    .action(async (opts: Common & { destination?: string; json?: boolean }) => {
      const s = await openDeliverySetup(opts);
      try {
        const items = (await s.store.outbox.list({ state: 'dead', limit: 1000, ...(opts.destination ? { destination: opts.destination } : {}) }))
          .map(({ payload: _p, partnerResponse: _r, ...rest }) => rest);
        if (opts.json) process.stdout.write(JSON.stringify(items, null, 2) + '\n');
        else {
          process.stdout.write(`${'id'.padEnd(6)} ${'destination'.padEnd(14)} ${'kind'.padEnd(15)} ${'tries'.padEnd(5)} ${'dead at'.padEnd(24)} ${'code'.padEnd(18)} ${'partner'.padEnd(8)} error\n`);
          for (const i of items) {
            process.stdout.write(`${String(i.id).padEnd(6)} ${i.destination.padEnd(14)} ${i.kind.padEnd(15)} ${String(i.attempts).padEnd(5)} ${(i.deadAt ?? '').padEnd(24)} ${(i.lastErrorCode ?? '').padEnd(18)} ${(i.partnerStatus ?? '').padEnd(8)} ${i.lastError ?? ''}\n`);
          }
          process.stdout.write(`${items.length} dead-lettered\n`);
        }
      } finally {
        await s.store.close();
      }
    });
  dl.command('show')
    .description("Show one delivery: state, attempts, the partner's last answer (and the payload with --payload)")
    .argument('<id>', 'outbox id')
    .option('--config <file>', 'gateway configuration file')
    .option('--db <file>', 'SQLite store')
    .option('--payload', 'include the payload (may hold PHI)')
    .action(async (id: string, opts: Common & { payload?: boolean }) => {
      const n = Number(id);
      if (!Number.isInteger(n)) usageError(`id must be a number; got "${id}".`);
      const s = await openDeliverySetup(opts);
      try {
        const item = await s.store.outbox.get(n);
        if (!item) {
          process.stderr.write(`frontdesk: no delivery with id ${n}\n`);
          process.exitCode = EXIT_INVALID;
          return;
        }
        const { payload, ...rest } = item;
        // The partner's answer and, with --payload, what was sent (PHI): an access, as GET /deliveries/:id records it.
        await recordCliAudit(s.store, opts.payload ? 'delivery-read-payload' : 'delivery-read', `outbox/${n}`);
        // The partner's HL7 ACK read out: MSA-1 code, MSA-3 text and its ERR segments.
        const partnerAck = partnerAckOf(item.partnerResponse);
        process.stdout.write(JSON.stringify({ ...rest, ...(partnerAck ? { partnerAck } : {}), ...(opts.payload ? { payload } : {}), attempts: await s.store.outbox.attemptsOf(n) }, null, 2) + '\n');
      } finally {
        await s.store.close();
      }
    });
  dl.command('replay')
    .description('Put dead-lettered deliveries back in the queue (due now)')
    .argument('[ids...]', 'outbox ids')
    .option('--all', 'every dead-lettered delivery (optionally of one --destination)')
    .option('--destination <name>', 'with --all: only this destination')
    .option('--config <file>', 'gateway configuration file')
    .option('--db <file>', 'SQLite store')
    .action(async (ids: string[], opts: Common & { all?: boolean; destination?: string }) => {
      if (!opts.all && ids.length === 0) usageError('give outbox ids, or --all.');
      if (opts.all && ids.length) usageError('give ids or --all, not both.');
      const nums = ids.map(Number);
      if (nums.some((x) => !Number.isInteger(x))) usageError('ids must be numbers.');
      const s = await openDeliverySetup(opts);
      try {
        if (opts.all) {
          const n = await s.store.outbox.replayAllDead(opts.destination ? { destination: opts.destination } : {});
          await recordCliAudit(s.store, 'deadletter-replay', null, { query: opts.destination ? `destination=${opts.destination}` : 'all', detail: `${n} deliveries` });
          process.stdout.write(`replayed ${n}\n`);
          process.exitCode = EXIT_OK;
          return;
        }
        const notDead: number[] = [];
        for (const x of nums) {
          const ok = await s.store.outbox.replayDead(x);
          if (!ok) notDead.push(x);
          await recordCliAudit(s.store, 'deadletter-replay', `outbox/${x}`, ok ? {} : { failed: true, detail: 'not dead-lettered (or unknown)' });
        }
        process.stdout.write(`replayed ${nums.length - notDead.length}\n`);
        if (notDead.length) process.stderr.write(`frontdesk: not dead-lettered (or unknown): ${notDead.join(', ')}\n`);
        process.exitCode = notDead.length ? EXIT_INVALID : EXIT_OK;
      } finally {
        await s.store.close();
      }
    });
}
