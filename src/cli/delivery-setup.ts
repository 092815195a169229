/**
 * Shared by `frontdesk job` and `frontdesk deadletter`: read the gateway configuration (src/config.ts),
 * its delivery sections, and open the store it names.
 */
import { loadConfig } from '../config.js';
import { parseDeliveryConfig, type DeliveryConfig } from '../delivery/config.js';
import { openDatabase, type Db } from '../store/sqlite/db.js';
import { EXIT_USAGE, renderOutcome } from './io.js';

export interface DeliverySetup {
  db: Db;
  delivery: DeliveryConfig;
  practiceName: string;
}

export function openDeliverySetup(opts: { config?: string; db?: string }): DeliverySetup {
  const c = readDeliveryConfig(opts);
  return { ...c, db: openDatabase(opts.db ?? c.storePath) };
}

/** The configuration only (no store opened). Exits 2 with the issues when it is bad. */
export function readDeliveryConfig(opts: { config?: string }): Omit<DeliverySetup, 'db'> & { storePath: string } {
  const cfg = loadConfig(opts.config);
  if (!cfg.value) {
    process.stderr.write(renderOutcome(cfg.issues, 'text') + '\n');
    process.exit(EXIT_USAGE);
  }
  const delivery = parseDeliveryConfig({ destinations: cfg.value.destinations, jobs: cfg.value.jobs }, cfg.value.practice.timezone, cfg.value.baseDir);
  if (!delivery.value) {
    process.stderr.write(renderOutcome(delivery.issues, 'text') + '\n');
    process.exit(EXIT_USAGE);
  }
  return { delivery: delivery.value, practiceName: cfg.value.practice.name, storePath: cfg.value.store.path };
}
