/**
 * PostgreSQL faults: a store that cannot be used stops the start with one line naming the key; a
 * database lost while running gets no positive ACK (the connection is dropped, the sender resends),
 * /health says so, and the gateway resumes by itself when the database is back, nothing
 * acknowledged lost and nothing stored twice. PostgreSQL leg only (the lost database is a cluster
 * this test starts and stops itself).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MllpClient, adt, msa, startTest, tempDir } from '../support/gateway.js';
import { describeOn } from '../support/engine.js';
import { freePort, startPgCluster, type PgCluster } from '../support/pg-cluster.js';
import type { Gateway } from '../../src/gateway.js';
import { openStore } from '../../src/store/index.js';

function start(env: Record<string, string>, configFile: string) {
  const r = spawnSync(process.execPath, ['dist/main.js', '--config', configFile], {
    cwd: resolve('.'), encoding: 'utf8', timeout: 60_000, env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent', ...env },
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describeOn('postgres', 'scale-out: PostgreSQL faults', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  let configFile: string;
  before(() => {
    tmp = tempDir();
    configFile = join(tmp.dir, 'gateway.json');
    writeFileSync(configFile, JSON.stringify({
      http: { port: 0, auth: { keys: [] } },
      channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
    }));
  });
  after(() => tmp.cleanup());

  it('an unreachable server or a missing database stops the start: exit 2, one line naming the key', async () => {
    const port = await freePort();
    const down = start({ FRONTDESK_DATABASE_URL: `postgres://frontdesk:secret@127.0.0.1:${port}/postgres` }, configFile);
    expect(down.code).to.equal(2);
    expect(down.stderr).to.equal(`frontdesk: FRONTDESK_DATABASE_URL: cannot use PostgreSQL store postgres://frontdesk:***@127.0.0.1:${port}/postgres: connection refused (is PostgreSQL running on that host and port?)\n`);
    expect(down.stdout).to.not.contain('listening');

    const u = new URL(process.env.FRONTDESK_TEST_PG_URL!);
    u.pathname = '/no_such_db';
    const missing = start({ FRONTDESK_DATABASE_URL: u.toString() }, configFile);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^frontdesk: FRONTDESK_DATABASE_URL: cannot use PostgreSQL store postgres:\/\/frontdesk@127\.0\.0\.1:\d+\/no_such_db: database does not exist\n$/);
  });

  it('a store.url that is not a postgres:// URL is a configuration error naming store.url', () => {
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ store: { url: 'mysql://db/frontdesk' }, channels: [] }));
    const r = start({}, bad);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('store.url');
    expect(r.stderr).to.contain('must be a postgres:// URL');
  });

  describe('credentials and rights (a cluster of its own: a role checked by password beside trust)', () => {
    let cluster: PgCluster;
    before(async () => {
      cluster = await startPgCluster({
        hba: [
          'local all all trust',
          'host all pwuser 127.0.0.1/32 scram-sha-256',
          'host all all 127.0.0.1/32 trust',
          '',
        ].join('\n'),
      });
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        // pwuser: may create its schema (CREATE on the database), logs in only with its password.
        await admin.query("CREATE ROLE pwuser LOGIN PASSWORD 'right-password'");
        await admin.query('GRANT CREATE ON DATABASE postgres TO pwuser');
        // norights: may log in, nothing more (PostgreSQL 15+: no CREATE on schema public for PUBLIC).
        await admin.query('CREATE ROLE norights LOGIN');
        await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      } finally {
        await admin.end();
      }
    });
    after(() => cluster?.destroy());

    const urlOf = (user: string, password?: string, schema?: string) =>
      `postgres://${user}${password === undefined ? '' : `:${password}`}@127.0.0.1:${cluster.port}/postgres${schema ? `?schema=${schema}` : ''}`;

    it('the right password opens the store (the control for the two below)', async () => {
      const store = await openStore({ path: ':memory:', url: urlOf('pwuser', 'right-password', 'pw_ok') });
      try {
        await store.ping();
      } finally {
        await store.close();
      }
    });

    it('a wrong password in store.url stops the start: exit 2, one line naming store.url, the password masked', () => {
      const file = join(tmp.dir, 'wrong-password.json');
      writeFileSync(file, JSON.stringify({
        store: { url: urlOf('pwuser', 'wrong-password', 'pw_bad') },
        http: { port: 0, auth: { keys: [] } },
        channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: [] }],
      }));
      const r = start({}, file);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(`frontdesk: store.url: cannot use PostgreSQL store postgres://pwuser:***@127.0.0.1:${cluster.port}/postgres: password authentication failed\n`);
      expect(r.stderr + r.stdout).to.not.contain('wrong-password');
      expect(r.stdout).to.not.contain('listening');
    });

    it('a role without rights stops the start: exit 2, one line naming FRONTDESK_DATABASE_URL (schema public, and a schema it may not create)', () => {
      for (const schema of ['public', 'fd_norights']) {
        const r = start({ FRONTDESK_DATABASE_URL: urlOf('norights', undefined, schema) }, configFile);
        expect(r.code, schema).to.equal(2);
        expect(r.stderr, schema).to.equal(`frontdesk: FRONTDESK_DATABASE_URL: cannot use PostgreSQL store postgres://norights@127.0.0.1:${cluster.port}/postgres: permission denied (schema ${schema}: the role needs CREATE on it, or on the database while it does not exist yet, or ownership of its tables)\n`);
        expect(r.stdout, schema).to.not.contain('listening');
      }
    });
  });

  describe('the database lost while running', () => {
    let cluster: PgCluster;
    let gw: Gateway;
    before(async () => {
      // Durable (synchronous_commit on, as in production): the test stops the server with -m
      // immediate right after LOST1's AA, and a cluster with synchronous_commit off may lose the
      // last commits in that stop (the WAL writer had not written them yet), AA'd or not.
      cluster = await startPgCluster({ durable: true });
      const dir = tempDir();
      gw = await startTest(join(dir.dir, 'unused.db'), {
        store: { path: join(dir.dir, 'unused.db'), url: `${cluster.url}?statement_timeout=5000` },
        // A message whose processing outcome was not yet written when the database went away is
        // processed again by the takeover sweep once it is back.
        processing: { maxAttempts: 3, takeoverAfterMs: 1000 },
        channels: [{ name: 'registration', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }],
      });
    });
    after(async () => {
      await gw?.close().catch(() => undefined);
      cluster?.destroy();
    });

    it('gets no positive ACK while the database is down, and resumes by itself when it is back', async () => {
      const port = gw.mllp[0]!.address().port;
      const a = adt('LOST1', { mrn: 'MRN-L1' });
      const c1 = await MllpClient.connect(port);
      expect(msa(await c1.roundTrip(a)).code).to.equal('AA');
      c1.close();

      cluster.stop('immediate');
      const b = adt('LOST2', { mrn: 'MRN-L2' });
      const c2 = await MllpClient.connect(port);
      // The commit fails: no ACK at all, the connection is dropped (the sender will resend).
      expect(await c2.roundTrip(b)).to.equal(undefined);
      const health = await fetch(`${gw.http.url}/health`, { headers: { connection: 'close' } });
      expect(health.status).to.equal(503);

      cluster.start();
      // The sender resends: the pool reconnects on its own, the message is stored and processed once.
      let ack: string | undefined;
      for (let i = 0; i < 20 && ack === undefined; i++) {
        const c3 = await MllpClient.connect(port);
        ack = await c3.roundTrip(b);
        c3.close();
        if (ack === undefined) await new Promise((r) => setTimeout(r, 500));
      }
      expect(msa(ack).code).to.equal('AA');
      expect((await fetch(`${gw.http.url}/health`, { headers: { connection: 'close' } })).status).to.equal(200);
      // Nothing acknowledged lost, nothing stored twice; everything processed (by the sweep, for a
      // row whose outcome the lost database never got).
      const states = async () => [...(await gw.store.messages.list({ controlId: 'LOST1' })), ...(await gw.store.messages.list({ controlId: 'LOST2' }))].map((m) => `${m.controlId}:${m.state}`);
      for (let i = 0; i < 60 && (await states()).some((x) => !x.endsWith(':processed')); i++) await new Promise((r) => setTimeout(r, 500));
      expect(await states()).to.deep.equal(['LOST1:processed', 'LOST2:processed']);
      expect(await gw.store.messages.count()).to.equal(2);
    });
  });
});
