/**
 * The in-process gateway the MLLP profiling scripts start (not part of `npm run bench`): the bench's
 * `mllp` configuration (one registration channel for ADT^*, no destinations, no HTTP), a SQLite store
 * in a fresh temp dir (WAL, synchronous=FULL: the shared disk). One place, so the scripts profile
 * the same gateway.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/logging.js';
import { loadConfig, type GatewayConfig } from '../../src/config.js';

export interface ProfileGateway {
  gw: Awaited<ReturnType<typeof startGateway>>;
  /** The temp dir holding the config and the store (the caller removes it). */
  dir: string;
  /** The store file's path. */
  dbPath: string;
  /** The registration channel's MLLP port. */
  port: number;
}

export async function startProfileGateway(prefix: string, practiceName: string, dbFile: string): Promise<ProfileGateway> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const configFile = path.join(dir, 'gateway.json');
  const dbPath = path.join(dir, dbFile);
  writeFileSync(configFile, JSON.stringify({
    practice: { name: practiceName, timezone: 'America/New_York' },
    store: { path: dbPath },
    log: { level: 'silent' },
    mllp: { host: '127.0.0.1', maxFrameBytes: 1 << 20, frameTimeoutMs: 30_000, idleTimeoutMs: 600_000 },
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1 << 20, auth: { keys: [] } },
    processing: { maxAttempts: 3 },
    channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
  }));
  const cfg = loadConfig(configFile, {});
  if (!cfg.value) throw new Error(cfg.issues.map((i) => i.diagnostics).join('; '));
  const gw = await startGateway(cfg.value as GatewayConfig, { log: silentLogger, noHttp: true });
  return { gw, dir, dbPath, port: gw.mllp[0]!.address().port };
}
