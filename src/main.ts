/**
 * The process entry of the gateway: `npm start` (scripts/start.mjs), `node dist/main.js` and
 * `frontdesk serve`. It reads the typed configuration once (src/config.ts), checks the mappings
 * and any dropped-in profiles, then starts the composition root (src/gateway.ts: store, pipeline,
 * delivery worker, job context, MLLP listeners, HTTP app, cron) and reports where it listens.
 * Configuration: --config <file> or FRONTDESK_CONFIG, default examples/config/gateway.json;
 * the SQLite store: --db <file> or FRONTDESK_DB, default ./data/frontdesk.db; a PostgreSQL store:
 * store.url or FRONTDESK_DATABASE_URL (checked before anything listens: one line naming the key).
 * Prints the MLLP and HTTP addresses as soon as they listen, then "ready" once everything behind
 * them is loaded; stops cleanly on SIGINT/SIGTERM (a second signal exits at once).
 * Only what listening needs is imported statically: the rest comes in src/gateway.ts, after.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { formatIssue, hasErrors } from './domain/issues.js';
import { loadConfig } from './config.js';
import { createLogger } from './logging.js';
import { checkMappingsAtStart } from './mapping/checked-at-start.js';
import { openStore } from './store/index.js';
import { startGateway, type Gateway } from './gateway.js';

export interface RunOptions {
  config?: string | undefined;
  db?: string | undefined;
}

export interface Running {
  gateway: Gateway;
  stop(): Promise<void>;
}

/** Start everything; returns once listening. Exits the process with code 2 on a configuration error. */
export async function runGateway(opts: RunOptions = {}): Promise<Running> {
  const env = { ...process.env, ...(opts.db ? { FRONTDESK_DB: opts.db } : {}) };
  const cfg = loadConfig(opts.config, env);
  if (!cfg.value) {
    process.stderr.write(`frontdesk: configuration error\n${cfg.issues.map(formatIssue).join('\n')}\n`);
    process.exit(2);
  }
  const config = cfg.value;
  // Every mapping and code table is checked before listening: a broken one stops the start, naming the file and the rule.
  const mappingIssues = await checkMappingsAtStart();
  if (hasErrors(mappingIssues)) {
    process.stderr.write(`frontdesk: mapping error\n${mappingIssues.map(formatIssue).join('\n')}\n`);
    process.exit(2);
  }
  if (config.profiles.extraDir) {
    // A practice's dropped-in profiles are compiled before listening: a broken one stops the start, naming its file.
    const { loadValidator } = await import('./validation/index.js');
    const loaded = loadValidator({ extraProfileDir: config.profiles.extraDir });
    if (hasErrors(loaded.issues)) {
      process.stderr.write(`frontdesk: profile error in ${config.profiles.extraDir}\n${loaded.issues.map(formatIssue).join('\n')}\n`);
      process.exit(2);
    }
  }

  // The store first: a PostgreSQL store that cannot be reached stops the start with one line naming the key.
  const log = createLogger(config.log.level);
  const store = await openStore(config.store, { onIdleError: (e) => log.warn({ err: e.message }, 'store connection lost while idle; reconnecting on next use') });
  try {
    await store.ping();
  } catch (e) {
    const key = config.store.urlKey ?? 'store.path';
    process.stderr.write(`frontdesk: ${key}: ${(e as Error).message}\n`);
    await store.close().catch(() => undefined);
    process.exit(2);
  }

  // The composition root builds the pipeline, the delivery worker, the job context and the edges, once each (and closes the store if it cannot start).
  const gateway = await startGateway(config, {
    log,
    store,
    withDelivery: true,
    withJobs: true,
    onListening({ mllp, http }) {
      for (const l of mllp) {
        const a = l.address();
        process.stdout.write(`frontdesk: MLLP${l.tls ? '+TLS' : ''} channel ${l.channel} listening on ${a.address}:${a.port}\n`);
      }
      process.stdout.write(`frontdesk: HTTP listening on ${http.url} (FHIR ${http.url}/fhir)\n`);
      process.stdout.write(`frontdesk: store ${store.engine} ${store.location}\n`);
    },
  });
  const jobs = gateway.jobs?.scheduled ?? [];
  process.stdout.write(`frontdesk: delivering to ${Object.keys(config.delivery.destinations).join(', ') || '(no destinations)'}; jobs ${jobs.map((j) => j.name).join(', ')} (${config.delivery.jobs.timezone})\n`);
  process.stdout.write(`frontdesk: ready (${Math.round(performance.now())} ms after the process started)\n`);
  return { gateway, stop: () => gateway.close() };
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** Run until SIGINT/SIGTERM. The handlers are installed first: a signal during start-up stops the gateway once started. */
export async function serveUntilSignal(opts: RunOptions): Promise<void> {
  let signals = 0;
  let running: Promise<Running> | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1 || !running) process.exit(130);
    running
      .then((r) => {
        r.gateway.log.info({ signal: sig }, 'shutting down');
        return r.stop();
      })
      .then(
        () => process.exit(0),
        (e: Error) => {
          process.stderr.write(`frontdesk: error while stopping: ${e.message}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  running = runGateway(opts);
  await running;
}

/** `npm start` (scripts/start.mjs) and `node dist/main.js`: --config and --db from the command line. */
export async function startFromArgv(argv: string[]): Promise<void> {
  try {
    await serveUntilSignal({ config: argValue(argv, '--config'), db: argValue(argv, '--db') });
  } catch (e) {
    // A start that fails (a port in use, an unwritable store): one line and exit 2, as `frontdesk serve` does, not a stack trace.
    process.stderr.write(`frontdesk: could not start: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await startFromArgv(process.argv);
