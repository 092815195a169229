/**
 * The composition root: `npm start` (and `frontdesk serve`) run the gateway. It reads the typed
 * configuration once (src/config.ts), builds the store, the delivery worker and the job context
 * once (src/composition.ts, the builders the CLI uses too), then the edges with what they need:
 * the pipeline, MLLP listeners and HTTP app (runtime/gateway.ts, given the store and the job
 * context and the worker's wake-up for /jobs and /deliveries), then the cron schedule.
 * Configuration: --config <file> or FRONTDESK_CONFIG, default examples/config/gateway.json;
 * the SQLite store: --db <file> or FRONTDESK_DB, default ./data/frontdesk.db; a PostgreSQL store:
 * store.url or FRONTDESK_DATABASE_URL (checked before anything listens: one line naming the key).
 * Prints the MLLP and HTTP addresses; stops cleanly on SIGINT/SIGTERM (a second signal exits at once).
 */
import { pathToFileURL } from 'node:url';
import { formatIssue, hasErrors } from './domain/issues.js';
import { loadValidator } from './validation/index.js';
import { loadConfig } from './config.js';
import { createLogger } from './logging.js';
import { buildDelivery } from './composition.js';
import { checkMappings } from './mapping/startup-check.js';
import { startGateway, type Gateway } from './runtime/gateway.js';
import { openStore } from './store/index.js';
import { startJobs } from './jobs/schedule.js';

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
  const mappingIssues = checkMappings();
  if (hasErrors(mappingIssues)) {
    process.stderr.write(`frontdesk: mapping error\n${mappingIssues.map(formatIssue).join('\n')}\n`);
    process.exit(2);
  }
  if (config.profiles.extraDir) {
    // A practice's dropped-in profiles are compiled before listening: a broken one stops the start, naming its file.
    const loaded = loadValidator({ extraProfileDir: config.profiles.extraDir });
    if (hasErrors(loaded.issues)) {
      process.stderr.write(`frontdesk: profile error in ${config.profiles.extraDir}\n${loaded.issues.map(formatIssue).join('\n')}\n`);
      process.exit(2);
    }
  }

  // Built once: the store, the delivery worker and the job context every job run shares.
  const log = createLogger(config.log.level);
  const store = openStore(config.store, { onIdleError: (e) => log.warn({ err: e.message }, 'store connection lost while idle; reconnecting on next use') });
  try {
    await store.ping();
  } catch (e) {
    const key = config.store.urlKey ?? 'store.path';
    process.stderr.write(`frontdesk: ${key}: ${(e as Error).message}\n`);
    await store.close().catch(() => undefined);
    process.exit(2);
  }
  const delivery = buildDelivery(store, config, log);

  // The edges: pipeline, MLLP listeners and HTTP app (the gateway closes the store if it cannot start).
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, { log, store, delivery: { jobs: delivery.jobDeps, onReplay: () => delivery.worker.wake() } });
  } catch (e) {
    await delivery.worker.stop();
    throw e;
  }
  for (const l of gateway.mllp) {
    const a = l.address();
    process.stdout.write(`frontdesk: MLLP${l.tls ? '+TLS' : ''} channel ${l.channel} listening on ${a.address}:${a.port}\n`);
  }
  process.stdout.write(`frontdesk: HTTP listening on ${gateway.http.url} (FHIR ${gateway.http.url}/fhir)\n`);
  process.stdout.write(`frontdesk: store ${store.engine} ${store.location}\n`);
  // The cron edge, with the same job context as POST /jobs/:name/run.
  const jobs = startJobs(delivery.jobDeps);
  process.stdout.write(`frontdesk: delivering to ${Object.keys(config.delivery.destinations).join(', ') || '(no destinations)'}; jobs ${jobs.scheduled.map((j) => j.name).join(', ')} (${config.delivery.jobs.timezone})\n`);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      jobs.stop();
      await delivery.worker.stop();
      await gateway.close();
    })();
    return stopping;
  };
  return { gateway, stop };
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** Run until SIGINT/SIGTERM. */
export async function serveUntilSignal(opts: RunOptions): Promise<void> {
  const running = await runGateway(opts);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    running.gateway.log.info({ signal: sig }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`frontdesk: error while stopping: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
