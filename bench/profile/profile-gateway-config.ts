/**
 * What the profiling scripts that start a gateway of their own share (not part of `npm run bench`):
 * the gateway's modules loaded from a checkout (this one, or an older commit's worktree for an A/B),
 * and the gateway configuration file they start it with: the bench's `mllp` item's (a SQLite file
 * in `dir`, silent log, HTTP with no keys, the `registration` channel for ADT^*; `labs` adds the
 * ORU channel of the /health measurement).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The gateway's modules from a checkout: its startGateway, config loader, logger and SQLite handle. */
export async function checkoutModules(root: string) {
  const at = (p: string) => pathToFileURL(path.join(root, p)).href;
  const { startGateway } = await import(at('src/gateway.ts')) as typeof import('../../src/gateway.js');
  const { silentLogger } = await import(at('src/logging.ts')) as typeof import('../../src/logging.js');
  const { loadConfig } = await import(at('src/config.ts')) as typeof import('../../src/config.js');
  const { sqliteDb } = await import(at('test/support/sqlite.ts')) as typeof import('../../test/support/sqlite.js');
  return { startGateway, silentLogger, loadConfig, sqliteDb };
}

export interface ProfileGatewayOptions {
  /** The SQLite file's name in `dir`. */
  db: string;
  practice?: string;
  timezone?: string;
  /** The `mllp` section (listener limits); absent: the defaults. */
  mllp?: Record<string, unknown>;
  /** The `processing` section; absent: the defaults. */
  processing?: Record<string, unknown>;
  /** Also the `labs` channel (ORU^*, lenient validation). */
  labs?: boolean;
}

/** The bench's MLLP listener limits (bench/items-runtime.ts runMllp). */
export const BENCH_MLLP = { host: '127.0.0.1', maxFrameBytes: 16 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 };

/** Writes `dir`/gateway.json and returns its path. */
export function writeProfileGatewayConfig(dir: string, o: ProfileGatewayOptions): string {
  const file = path.join(dir, 'gateway.json');
  const channels: unknown[] = [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }];
  if (o.labs) channels.push({ name: 'labs', source: { mllp: { port: 0 } }, messageTypes: ['ORU^*'], validation: 'lenient', destinations: [] });
  writeFileSync(file, JSON.stringify({
    practice: { name: o.practice ?? 'Bench practice', timezone: o.timezone ?? 'America/Chicago' },
    store: { path: path.join(dir, o.db) },
    log: { level: 'silent' },
    ...(o.mllp ? { mllp: o.mllp } : {}),
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
    ...(o.processing ? { processing: o.processing } : {}),
    channels,
  }));
  return file;
}
