/**
 * A throwaway PostgreSQL cluster for tests and the bench: initdb into a temporary directory, the
 * server started with pg_ctl on a free port (unix socket in the same directory, no system service),
 * stopped with `pg_ctl stop -m fast` and the directory removed. As root (CI, this machine), the
 * server runs as the `postgres` user (`su postgres`), since initdb refuses root.
 *
 * The binaries are found on PATH or in Debian's versioned directory (/usr/lib/postgresql/<v>/bin);
 * `findPgBin()` is undefined when PostgreSQL is not installed, and callers skip with one line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, chownSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  /** postgres://frontdesk@127.0.0.1:<port>/postgres (trust authentication: a throwaway cluster). */
  url: string;
  port: number;
  dir: string;
  bin: string;
  /** Stop the server now (`-m immediate` simulates a crash; the data directory stays until destroy). */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Start it again on the same port and data (after stop). */
  start(): void;
  /** Stop and remove the data directory. */
  destroy(): void;
}

/** The directory holding pg_ctl and initdb, or undefined when PostgreSQL is not installed. */
export function findPgBin(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  const candidates: string[] = [];
  if (onPath) {
    // /usr/local/bin/pg_ctl is often a link into Debian's directory; initdb must be beside it.
    const real = spawnSync('readlink', ['-f', onPath], { encoding: 'utf8' }).stdout.trim();
    candidates.push(real.replace(/\/pg_ctl$/, ''), onPath.replace(/\/pg_ctl$/, ''));
  }
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  }
  return candidates.find((d) => existsSync(join(d, 'pg_ctl')) && existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

/** Run a PostgreSQL binary, as the postgres user when we are root. */
function pgRun(bin: string, tool: string, args: string[]): void {
  const cmd = join(bin, tool);
  if (asRoot) {
    const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

export interface ClusterOptions {
  /** fsync off makes tests faster; the bench keeps the server's defaults (fsync on, synchronous_commit on). */
  durable?: boolean;
  maxConnections?: number;
  /** Replaces pg_hba.conf (e.g. a password-checked role beside trust for the rest); default: trust for all. */
  hba?: string;
}

/** A fresh directory for one cluster, owned by the postgres user when the tests run as root. */
function clusterDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  if (asRoot) {
    const uid = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(uid), Number(gid));
  }
  return dir;
}

/** Runs one set-up step; on failure removes the directory and throws with the tool's output. */
function stepOrClean(dir: string, what: string, step: () => void): void {
  try {
    step();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${what} failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)}`);
  }
}

/** The handle of a cluster whose data lives in `dir`/data, started with `settings` (pg_ctl -o). */
function clusterHandle(bin: string, dir: string, port: number, settings: string): PgCluster {
  const data = join(dir, 'data');
  const cluster: PgCluster = {
    url: `postgres://frontdesk@127.0.0.1:${port}/postgres`,
    port,
    dir,
    bin,
    start() {
      pgRun(bin, 'pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    },
    stop(mode = 'fast') {
      try {
        pgRun(bin, 'pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      } catch {
        // already stopped
      }
    },
    destroy() {
      cluster.stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** initdb + pg_ctl start on a free port; throws (with the tool's output) when it cannot start. */
export async function startPgCluster(opts: ClusterOptions = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL binaries (pg_ctl, initdb) not found');
  const dir = clusterDir('frontdesk-pg-');
  const data = join(dir, 'data');
  const port = await freePort();
  stepOrClean(dir, 'initdb', () =>
    pgRun(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'frontdesk', '-E', 'UTF8', '--locale=C', '--no-sync']),
  );
  if (opts.hba !== undefined) writeFileSync(join(data, 'pg_hba.conf'), opts.hba);
  const settings = [
    `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', `-c max_connections=${opts.maxConnections ?? 200}`,
    ...(opts.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  const cluster = clusterHandle(bin, dir, port, settings);
  stepOrClean(dir, 'pg_ctl start', () => cluster.start());
  return cluster;
}

export interface PgStandby extends PgCluster {
  /** `pg_ctl promote`: the standby leaves recovery and takes writes (the failover). */
  promote(): void;
}

/**
 * A streaming standby of a running cluster (failover tests): `pg_basebackup -R -X stream` into a
 * directory of its own (the copy's standby.signal and primary_conninfo make it follow the primary),
 * started on a free port with the durable defaults. Synchronous only once the primary names it in
 * synchronous_standby_names (the test does).
 */
export async function startStandby(primary: PgCluster): Promise<PgStandby> {
  const bin = primary.bin;
  const dir = clusterDir('frontdesk-pg-standby-');
  const data = join(dir, 'data');
  const port = await freePort();
  stepOrClean(dir, 'pg_basebackup', () =>
    pgRun(bin, 'pg_basebackup', ['-D', data, '-R', '-X', 'stream', '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'frontdesk', '--no-sync']),
  );
  const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=200', '-c cluster_name=standby'].join(' ');
  const standby: PgStandby = {
    ...clusterHandle(bin, dir, port, settings),
    promote() {
      pgRun(bin, 'pg_ctl', ['-D', data, '-w', '-t', '60', 'promote']);
    },
  };
  stepOrClean(dir, 'standby start', () => standby.start());
  return standby;
}
