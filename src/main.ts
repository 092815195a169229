/**
 * Composition root: `npm start` (and `frontdesk serve`) run the gateway.
 * Configuration: --config <file> or FRONTDESK_CONFIG, default examples/config/gateway.json;
 * the SQLite store: --db <file> or FRONTDESK_DB, default ./data/frontdesk.db.
 * Prints the MLLP and HTTP addresses; stops cleanly on SIGINT/SIGTERM (a second signal exits at once).
 */
import { pathToFileURL } from 'node:url';
import { formatIssue, hasErrors } from './domain/issues.js';
import { loadValidator } from './validation/index.js';
import { loadConfig } from './config.js';
import { startGateway, type Gateway } from './runtime/gateway.js';
import { parseDeliveryConfig } from './delivery/config.js';
import { startDeliveryWorker } from './delivery/worker.js';
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
  if (cfg.value.profiles.extraDir) {
    // A practice's dropped-in profiles are compiled before listening: a broken one stops the start, naming its file.
    const loaded = loadValidator({ extraProfileDir: cfg.value.profiles.extraDir });
    if (hasErrors(loaded.issues)) {
      process.stderr.write(`frontdesk: profile error in ${cfg.value.profiles.extraDir}\n${loaded.issues.map(formatIssue).join('\n')}\n`);
      process.exit(2);
    }
  }
  const gateway = await startGateway(cfg.value);
  for (const l of gateway.mllp) {
    const a = l.address();
    process.stdout.write(`frontdesk: MLLP${l.tls ? '+TLS' : ''} channel ${l.channel} listening on ${a.address}:${a.port}\n`);
  }
  process.stdout.write(`frontdesk: HTTP listening on ${gateway.http.url} (FHIR ${gateway.http.url}/fhir)\n`);
  process.stdout.write(`frontdesk: store ${cfg.value.store.path}\n`);

  /** Things to stop before the gateway closes (delivery worker, jobs), newest first. */
  const stops: Array<() => Promise<void> | void> = [];
  // Delivery (src/delivery) and jobs (src/jobs) start here and push their stop functions onto `stops`.
  const delivery = parseDeliveryConfig({ destinations: cfg.value.destinations, jobs: cfg.value.jobs }, cfg.value.practice.timezone, cfg.value.baseDir);
  if (delivery.value) {
    const worker = startDeliveryWorker({ db: gateway.db, destinations: delivery.value.destinations, logger: gateway.log });
    const jobs = startJobs({ db: gateway.db, config: delivery.value, worker, logger: gateway.log, practiceName: cfg.value.practice.name });
    stops.push(() => worker.stop(), () => jobs.stop());
    process.stdout.write(`frontdesk: delivering to ${Object.keys(delivery.value.destinations).join(', ') || '(no destinations)'}; jobs ${jobs.scheduled.map((j) => j.name).join(', ')} (${delivery.value.jobs.timezone})\n`);
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const s of stops.reverse()) await s();
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
