/**
 * Shared by `frontdesk job` and `frontdesk deadletter`: the gateway configuration (src/config.ts,
 * whose `destinations` and `jobs` sections are already typed and checked there) and the store it
 * names; job runs get their context from jobDepsFor, as the gateway's do.
 */
import { loadConfig, type GatewayConfig } from '../config.js';
import type { DeliveryConfig } from '../delivery/config.js';
import type { Store } from '../store/index.js';
import { openOperatorStore } from './store.js';
import { EXIT_USAGE, renderOutcome } from './io.js';

export interface DeliverySetup {
  store: Store;
  config: GatewayConfig;
  delivery: DeliveryConfig;
  practiceName: string;
}

export async function openDeliverySetup(opts: { config?: string; db?: string }): Promise<DeliverySetup> {
  const c = readDeliveryConfig(opts);
  // The configuration's store (a PostgreSQL URL when it names one), unless --db names a SQLite file.
  return { ...c, store: await openOperatorStore(opts, c.store) };
}

/** The configuration only (no store opened). Exits 2 with the issues when it is bad. */
export function readDeliveryConfig(opts: { config?: string; db?: string }): Omit<DeliverySetup, 'store'> & { storePath: string; store: GatewayConfig['store'] } {
  const cfg = loadConfig(opts.config, { ...process.env, ...(opts.db ? { FRONTDESK_DB: opts.db } : {}) });
  if (!cfg.value) {
    process.stderr.write(renderOutcome(cfg.issues, 'text') + '\n');
    process.exit(EXIT_USAGE);
  }
  return { config: cfg.value, delivery: cfg.value.delivery, practiceName: cfg.value.practice.name, storePath: cfg.value.store.path, store: cfg.value.store };
}
