import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cliEnv, openTestStore } from '../support/engine.js';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTest, tempDir, MllpClient, msa, originalAckMode } from '../support/gateway.js';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/frontdesk.js', ...args], { cwd: resolve('.'), encoding: 'utf8', env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent', ...cliEnv(args) } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cli: frontdesk messages list | show | replay', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let db: string;

  before(async () => {
    tmp = tempDir();
    db = join(tmp.dir, 'fd.db');
    const gw = await startTest(db, { channels: [{ name: 'registration', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }] }, { noHttp: true });
    const c = await MllpClient.connect(gw.mllp[0]!.address().port);
    const adt = originalAckMode(readFileSync(resolve('examples/hl7v2/adt-a04.hl7'), 'utf8'));
    expect(msa(await c.roundTrip(adt)).code).to.equal('AA');
    expect(msa(await c.roundTrip('not hl7')).code).to.equal('AR');
    c.close();
    await gw.close();
  });
  after(() => tmp.cleanup());

  // Few spawns: each loads the whole CLI (seconds on a busy 2-core machine).
  it('lists and shows (parsed with field names)', () => {
    const all = cli(['messages', 'list', '--db', db]);
    expect(all.code).to.equal(0, all.err);
    expect(all.out).to.contain('ADT0001');
    expect(all.out).to.match(/rejected/);
    expect(all.out).to.contain('2 of 2');
    const show = cli(['messages', 'show', '1', '--db', db, '--parsed']);
    const m = JSON.parse(show.out) as { controlId: string; raw?: string; parsed: { segments: Array<{ segment: string; description: string }> } };
    expect(m.controlId).to.equal('ADT0001');
    expect(m.raw).to.equal(undefined);
    expect(m.parsed.segments.find((x) => x.segment === 'PID')!.description).to.equal('Patient Identification');
  });

  it('replays by id, and refuses to replay everything', () => {
    const one = cli(['messages', 'replay', '1', '--db', db]);
    expect(one.code).to.equal(0, one.err);
    expect(one.out).to.match(/^1\s+processed\s+AA/m);
    const missing = cli(['messages', 'replay', '99999', '--db', db]);
    expect(missing.code).to.equal(1);
    expect(missing.out).to.match(/^99999\s+not found/m);
    expect(missing.out).to.contain('0 replayed');
    const none = cli(['messages', 'replay', '--db', db]);
    expect(none.code).to.equal(2);
    expect(none.err).to.contain('at least one filter');
  });

  it('records each replay in the audit trail with the OS user and its outcome', async () => {
    const store = openTestStore(db);
    try {
      const [one] = await store.audit.list({ entity: 'message/1', action: 'message-replay' });
      expect(one).to.include({ actorKind: 'cli', outcome: 'success', detail: 'now processed', status: 0 });
      expect(one!.actor).to.match(/^cli:/);
      const [missing] = await store.audit.list({ entity: 'message/99999' });
      expect(missing).to.include({ action: 'message-replay', outcome: 'failure', detail: 'not found' });
    } finally {
      await store.close();
    }
  });
});
