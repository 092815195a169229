/**
 * `frontdesk messages list | show <id> | replay <id...> | replay --state error ...`: the operator's
 * view of the message store from the command line (same store and rules as the HTTP operator
 * endpoints; works while the gateway runs: SQLite WAL lets both use the file).
 */
import type { Command } from 'commander';
import { MESSAGE_STATES, type MessageFilter, type MessageState, type Store } from '../store/index.js';
import { openOperatorCommand } from './store.js';
import { explainHl7 } from '../runtime/explain.js';
import { Pipeline } from '../runtime/pipeline.js';
import { answerRenderers } from '../composition.js';
import { Metrics } from '../runtime/metrics.js';
import { dryRun, matchingForReplay, replayMatching, replayOne } from '../runtime/replay.js';
import { renderChanges } from '../runtime/json-diff.js';
import { createLogger } from '../logging.js';
import type { GatewayConfig } from '../config.js';
import { EXIT_INVALID, usageError } from './io.js';
import { recordCliAudit } from './audit.js';

interface Common { config?: string; db?: string }
interface FilterOpts { state?: string; channel?: string; type?: string; controlId?: string; since?: string; until?: string; limit?: string }

const open = (opts: Common): Promise<{ cfg: GatewayConfig; store: Store }> => openOperatorCommand(opts);

function filterOf(o: FilterOpts): MessageFilter {
  const f: MessageFilter = {};
  if (o.state) {
    if (!MESSAGE_STATES.includes(o.state as MessageState)) usageError(`--state must be one of ${MESSAGE_STATES.join(', ')}; got "${o.state}".`);
    f.state = o.state as MessageState;
  }
  if (o.channel) f.channel = o.channel;
  if (o.type) f.messageType = o.type;
  if (o.controlId) f.controlId = o.controlId;
  for (const k of ['since', 'until'] as const) {
    const v = o[k];
    if (v) {
      if (Number.isNaN(Date.parse(v))) usageError(`--${k} must be an ISO date or date-time; got "${v}".`);
      f[k] = new Date(v).toISOString();
    }
  }
  if (o.limit) {
    const n = Number(o.limit);
    if (!Number.isInteger(n) || n < 1) usageError(`--limit must be a positive integer; got "${o.limit}".`);
    f.limit = n;
  }
  return f;
}

const withFilters = (c: Command) => c
  .option('--config <file>', 'gateway configuration file')
  .option('--db <file>', 'SQLite store (default: the configuration\'s store.path)')
  .option('--state <state>', `processing state: ${MESSAGE_STATES.join(', ')}`)
  .option('--channel <name>', 'channel name')
  .option('--type <type>', 'message type: ADT or ADT^A04')
  .option('--control-id <id>', 'MSH-10 message control id')
  .option('--since <date>', 'received at or after (ISO date or date-time)')
  .option('--until <date>', 'received before (ISO date or date-time)');

export function registerMessages(program: Command): void {
  const m = program.command('messages').description('The message store: list, show, replay');

  withFilters(m.command('list').description('List stored messages, newest first'))
    .option('--limit <n>', 'at most n rows', '50')
    .option('--json', 'JSON output')
    .action(async (opts: Common & FilterOpts & { json?: boolean }) => {
      const { store } = await open(opts);
      try {
        const f = filterOf(opts);
        const rows = await store.messages.list(f);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ total: await store.messages.count({ ...f, limit: undefined }), messages: rows }, null, 2) + '\n');
          return;
        }
        process.stdout.write(`${'id'.padEnd(7)} ${'received'.padEnd(24)} ${'channel'.padEnd(16)} ${'type'.padEnd(9)} ${'control id'.padEnd(20)} ${'state'.padEnd(9)} ${'ack'.padEnd(4)} tries issues\n`);
        for (const r of rows) {
          const errors = r.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
          process.stdout.write(`${String(r.id).padEnd(7)} ${r.receivedAt.padEnd(24)} ${r.channel.padEnd(16)} ${(r.messageType ?? '').padEnd(9)} ${(r.controlId ?? '').slice(0, 20).padEnd(20)} ${r.state.padEnd(9)} ${String(r.ackCode ?? r.httpStatus ?? '').padEnd(4)} ${String(r.attempts).padEnd(5)} ${errors ? `${errors} error(s)` : ''}${r.duplicateOf ? ` dup-of ${r.duplicateOf}` : ''}\n`);
        }
        process.stdout.write(`${rows.length} of ${await store.messages.count({ ...f, limit: undefined })}\n`);
      } finally {
        await store.close();
      }
    });

  m.command('show')
    .description('Show one message: summary, issues, ACK and every processing attempt; --raw, --parsed (field names) and --outputs add the content (PHI)')
    .argument('<id>', 'message id')
    .option('--config <file>', 'gateway configuration file')
    .option('--db <file>', 'SQLite store')
    .option('--raw', 'include the raw message')
    .option('--parsed', 'include the parsed message with field names')
    .option('--outputs', 'include outputs (FHIR Bundle, office records)')
    .option('--original', 'write only the message exactly as received (its bytes, in its own character set) to stdout')
    .action(async (id: string, opts: Common & { raw?: boolean; parsed?: boolean; outputs?: boolean; original?: boolean }) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n < 1) usageError(`id must be a positive integer; got "${id}".`);
      const { store } = await open(opts);
      try {
        const msg = await store.messages.get(n);
        if (!msg) {
          process.stderr.write(`frontdesk: no message with id ${n}\n`);
          process.exitCode = EXIT_INVALID;
          return;
        }
        const { raw, rawBytes, outputs, ...rest } = msg;
        // Showing the content (PHI) is an access: recorded in the audit trail with the OS user.
        if (opts.original || opts.raw || opts.parsed || opts.outputs) await recordCliAudit(store, 'message-read', `message/${n}`);
        if (opts.original) {
          // The bytes as received (HL7v2); rows without them (FHIR, office, stored before migration 2) are their text.
          process.stdout.write(rawBytes ?? Buffer.from(raw, 'utf8'));
          return;
        }
        const out: Record<string, unknown> = { ...rest, ...(rawBytes ? { rawByteLength: rawBytes.length } : {}) };
        if (opts.raw) out.raw = raw;
        if (opts.parsed && msg.contentType === 'hl7v2') out.parsed = await explainHl7(raw);
        if (opts.outputs) { out.outputs = outputs; out.officeRecords = await store.officeRecords.of(n); }
        // Every processing attempt (first run, replays, recovery), oldest first; their outputs with --outputs.
        out.attempts = (await store.processing.attemptsOf(n)).map((a) => {
          const { outputs: attemptOutputs, ack, httpBody, ...summary } = a;
          return { ...summary, ...(opts.outputs ? { ack, httpBody, outputs: attemptOutputs } : {}) };
        });
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } finally {
        await store.close();
      }
    });

  withFilters(m.command('replay').description('Process stored messages again: by id, or every message matching the filters'))
    .argument('[ids...]', 'message ids')
    .option('--max <n>', 'at most n messages when replaying by filter', '1000')
    .option('--dry-run', 'write nothing: print, per message, how the outputs today\'s mappings produce differ from the stored ones')
    .action(async (ids: string[], opts: Common & FilterOpts & { max: string; dryRun?: boolean }) => {
      const f = filterOf(opts);
      const hasFilter = !!(f.state || f.channel || f.messageType || f.controlId || f.since || f.until);
      if (ids.length && hasFilter) usageError('give message ids or filters, not both.');
      if (!ids.length && !hasFilter) usageError('give message ids or at least one filter (replaying everything is not done by accident).');
      const nums = ids.map(Number);
      if (nums.some((x) => !Number.isInteger(x) || x < 1)) usageError('ids must be positive integers.');
      const max = Number(opts.max);
      if (!Number.isInteger(max) || max < 1) usageError(`--max must be a positive integer; got "${opts.max}".`);
      const { cfg, store } = await open(opts);
      const pipeline = new Pipeline(store, cfg, createLogger('warn'), new Metrics(), answerRenderers);
      try {
        // Who replayed what (or previewed its outputs, which show PHI): the audit trail, as the console and the API record it.
        const filterQuery = hasFilter ? new URLSearchParams(Object.entries(f).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString() : undefined;
        if (opts.dryRun) {
          const d = await dryRun(pipeline, ids.length ? nums : await matchingForReplay(pipeline, f, max));
          await recordCliAudit(store, 'message-replay-dry-run', ids.length === 1 ? `message/${nums[0]}` : null, { ...(filterQuery ? { query: filterQuery } : {}), detail: `${d.results.length} messages previewed${ids.length > 1 ? `: ${nums.slice(0, 20).join(',')}` : ''}` });
          process.stdout.write(`mappings ${d.mappingVersion} (dry run: nothing written)\n`);
          let changed = 0;
          for (const r of d.results) {
            if ('missing' in r) { process.stdout.write(`${String(r.id).padEnd(7)} not found\n`); process.exitCode = EXIT_INVALID; continue; }
            const same = r.changes.length === 0 && r.before.state === r.after.state && r.before.code === r.after.code;
            if (!same) changed++;
            process.stdout.write(`${String(r.id).padEnd(7)} ${r.before.state} ${r.before.code ?? ''} -> ${r.after.state} ${r.after.code ?? ''}: ${same ? 'no change' : `${r.changes.length} output change(s)`}\n`);
            for (const line of renderChanges(r.changes)) process.stdout.write(`        ${line}\n`);
          }
          process.stdout.write(`${changed} of ${d.results.filter((r) => !('missing' in r)).length} would change\n`);
          return;
        }
        const results = [];
        if (ids.length) {
          for (const id of nums) {
            const a = await replayOne(pipeline, id);
            results.push(a ? { id, state: a.state, ackCode: a.ackCode, status: a.httpStatus } : { id, state: 'not found' });
          }
        } else {
          results.push(...(await replayMatching(pipeline, f, max)).results);
        }
        if (ids.length) {
          for (const r of results) await recordCliAudit(store, 'message-replay', `message/${r.id}`, { failed: r.state === 'not found', detail: r.state === 'not found' ? 'not found' : `now ${r.state}` });
        } else {
          await recordCliAudit(store, 'message-replay', null, { ...(filterQuery ? { query: filterQuery } : {}), detail: `${results.length} messages` });
        }
        for (const r of results) process.stdout.write(`${String(r.id).padEnd(7)} ${r.state.padEnd(10)} ${r.ackCode ?? r.status ?? ''}\n`);
        // Ids that are not in the store are listed as such, not counted as replayed.
        process.stdout.write(`${results.filter((r) => r.state !== 'not found').length} replayed\n`);
        if (results.some((r) => r.state === 'not found')) process.exitCode = EXIT_INVALID;
      } finally {
        await pipeline.flushAckSent();
        await store.close();
      }
    });
}
