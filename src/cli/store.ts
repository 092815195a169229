/**
 * The store an operator command (`frontdesk messages | deadletter | job run`) works on. Named on
 * the command line (--db, or --config whose store.path it is), it is opened as named. Otherwise it
 * comes from FRONTDESK_DB or the default configuration's store.path, which the operator may not
 * have in mind: the command says on stderr which store it opened, and refuses (exit 2) when that
 * store does not exist rather than creating an empty one and reporting on it.
 */
import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE, loadConfig, type GatewayConfig } from '../config.js';
import { openStore, storeExists, type Store, type StoreConfig } from '../store/index.js';
import { EXIT_USAGE, renderOutcome } from './io.js';

export interface StoreChoice {
  config?: string | undefined;
  db?: string | undefined;
}

export async function openOperatorStore(choice: StoreChoice, store: StoreConfig & { urlKey?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  if (choice.db !== undefined || choice.config !== undefined) return await openStore(store);
  if (store.url !== undefined) {
    // A PostgreSQL store (FRONTDESK_DATABASE_URL or store.url) exists on its server; say which one.
    const opened = await openStore(store);
    process.stderr.write(`frontdesk: store ${opened.location} (${store.urlKey ?? 'store.url'})\n`);
    return opened;
  }
  const from = env.FRONTDESK_DB !== undefined ? 'FRONTDESK_DB' : `store.path of ${resolve(env.FRONTDESK_CONFIG ?? DEFAULT_CONFIG_FILE)}`;
  if (!storeExists(store)) {
    process.stderr.write(`frontdesk: no store at ${store.path} (${from}); name one with --db <file> or --config <file>\n`);
    process.exit(EXIT_USAGE);
  }
  process.stderr.write(`frontdesk: store ${store.path} (${from})\n`);
  return await openStore(store);
}

/**
 * The configuration (--config, with --db overriding its store path) and the operator store it
 * names, for the commands that read the store; a configuration that does not load ends the command
 * with its issues and exit 2.
 */
export async function openOperatorCommand(choice: StoreChoice): Promise<{ cfg: GatewayConfig; store: Store }> {
  const env = { ...process.env, ...(choice.db ? { FRONTDESK_DB: choice.db } : {}) };
  const cfg = loadConfig(choice.config, env);
  if (!cfg.value) {
    process.stderr.write(renderOutcome(cfg.issues, 'text') + '\n');
    process.exit(EXIT_USAGE);
  }
  return { cfg: cfg.value, store: await openOperatorStore(choice, cfg.value.store) };
}
