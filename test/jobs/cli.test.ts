import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TEST_ENGINE, cliEnv, openTestStore, testStoreConfig } from '../support/engine.js';

const run = promisify(execFile);
const BIN = resolve('bin/frontdesk.js');

async function frontdesk(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { ...opts, env: { ...(opts.env ?? process.env), ...cliEnv(args) } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('cli: frontdesk job / deadletter', function () {
  // Each call starts a process that compiles the CLI (tsx): seconds each on a loaded machine.
  this.timeout(180_000);
  let dir: string;
  let dbPath: string;
  let cfg: string;
  let deadId: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontdesk-cli-'));
    dbPath = join(dir, 'store.sqlite');
    cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({
      practice: { name: 'Test Clinic', timezone: 'America/Chicago' }, store: testStoreConfig(dbPath), channels: [],
      destinations: { lab: { type: 'mllp', host: '127.0.0.1', port: 2575 } },
      jobs: { retention: { schedule: '0 3 * * *' } },
    }));
    const store = openTestStore(dbPath);
    deadId = await store.outbox.enqueue({ destination: 'lab', kind: 'hl7v2', payload: 'MSH|^~\\&|A', contentType: 'application/hl7-v2', idempotencyKey: 'cli-1' });
    await store.outbox.claimDue();
    await store.outbox.markDead(deadId, { errorCode: 'DELIVERY_REJECTED', error: 'ACK AR', partnerStatus: 'AR', partnerResponse: 'MSH|...\rMSA|AR|A' });
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('job list shows the table with the configured timezone and overrides', async () => {
    const r = await frontdesk(['job', 'list', '--config', cfg]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^retention\s+0 3 \* \* \*\s+America\/Chicago\s+enabled/m);
    expect(r.stdout).to.match(/^claim-batch\s+.*disabled/m);
  });

  it('job run <name> runs once and prints the summary; an unknown job is a usage error', async () => {
    const r = await frontdesk(['job', 'run', 'retention', '--config', cfg]);
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.include({ job: 'retention', outcome: 'ok' });
    expect((await frontdesk(['job', 'run', 'nightly', '--config', cfg])).code).to.equal(2);
  });

  it('deadletter list / show / replay', async () => {
    const list = await frontdesk(['deadletter', 'list', '--json', '--config', cfg]);
    expect(list.code).to.equal(0);
    const items = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(items.map((i) => [i.id, i.partnerStatus, i.lastErrorCode])).to.deep.equal([[deadId, 'AR', 'DELIVERY_REJECTED']]);
    expect(items[0]).to.not.have.property('payload');
    const show = await frontdesk(['deadletter', 'show', String(deadId), '--config', cfg]);
    expect(JSON.parse(show.stdout).attempts[0]).to.include({ outcome: 'dead', partnerStatus: 'AR' });
    const replay = await frontdesk(['deadletter', 'replay', String(deadId), '--config', cfg]);
    expect(replay.code).to.equal(0);
    expect(replay.stdout).to.equal('replayed 1\n');
    expect((await frontdesk(['deadletter', 'replay', String(deadId), '--config', cfg])).code).to.equal(1);
    const store = openTestStore(dbPath);
    try {
      expect(await store.outbox.get(deadId)).to.include({ state: 'pending', attempts: 0 });
      // Each command is in the audit trail with the OS user: who, what, when, outcome.
      const rows = await store.audit.list({ entity: `outbox/${deadId}` });
      expect(rows.map((r) => [r.action, r.outcome]).reverse()).to.deep.equal([['delivery-read', 'success'], ['deadletter-replay', 'success'], ['deadletter-replay', 'failure']]);
      expect(rows.every((r) => r.actorKind === 'cli' && r.actor.startsWith('cli:') && r.status === 0)).to.equal(true);
      const job = await store.audit.list({ entity: 'job/retention' });
      expect(job[0]).to.include({ action: 'job-run', actorKind: 'cli', outcome: 'success', detail: 'ok' });
    } finally {
      await store.close();
    }
  });

  it('a bad destinations key stops the command with the key named', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ store: testStoreConfig(dbPath), channels: [], destinations: { ehr: { type: 'fhir', baseUrl: 'ftp://x' } } }));
    const r = await frontdesk(['job', 'list', '--config', bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('destinations.ehr.baseUrl');
  });

  describe('without --config or --db', () => {
    // The store then comes from FRONTDESK_DB or the default configuration (./data/frontdesk.db from
    // where the command runs): the command says which, and never creates one to report on.
    const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
      const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
      if (!('FRONTDESK_DB' in extra)) delete e.FRONTDESK_DB;
      delete e.FRONTDESK_CONFIG;
      return e;
    };

    it('refuses with exit 2, naming the store it looked for, and creates nothing', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'frontdesk-cli-empty-'));
      try {
        for (const args of [['messages', 'list'], ['deadletter', 'list'], ['job', 'run', 'retention']]) {
          const r = await frontdesk(args, { cwd: empty, env: env() });
          expect(r.code, args.join(' ')).to.equal(2);
          expect(r.stderr, args.join(' ')).to.contain(`no store at ${join(empty, 'data', 'frontdesk.db')}`);
          expect(r.stderr).to.contain('--db');
          expect(r.stdout).to.equal('');
        }
        expect(existsSync(join(empty, 'data'))).to.equal(false);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it('says on stderr which store it opened (one line), and answers from it', async () => {
      const r = await frontdesk(['deadletter', 'list', '--json'], { cwd: dir, env: env({ FRONTDESK_DB: dbPath, ...cliEnv([], dbPath) }) });
      expect(r.code).to.equal(0);
      // On the PostgreSQL leg the store is named by FRONTDESK_DATABASE_URL (shown without a password).
      if (TEST_ENGINE === 'sqlite') expect(r.stderr).to.equal(`frontdesk: store ${dbPath} (FRONTDESK_DB)\n`);
      else expect(r.stderr).to.match(/^frontdesk: store postgres:\/\/\S+ \(schema t_[0-9a-f]+\) \(FRONTDESK_DATABASE_URL\)\n$/);
      expect(JSON.parse(r.stdout)).to.be.an('array');
    });

    it('stays quiet when the store is named (--db creates a new one as asked)', async () => {
      const fresh = join(dir, 'fresh.sqlite');
      const r = await frontdesk(['messages', 'list', '--db', fresh], { env: env() });
      expect(r.code).to.equal(0);
      expect(r.stderr).to.equal('');
      // A SQLite file is created; on the PostgreSQL leg the named store is a schema on the server.
      if (TEST_ENGINE === 'sqlite') expect(existsSync(fresh)).to.equal(true);
    });
  });
});
