import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../../src/store/sqlite/db.js';
import { claimDue, enqueue, getOutboxItem, markDead } from '../../src/store/sqlite/outbox.js';

const run = promisify(execFile);
const BIN = resolve('bin/frontdesk.js');

async function frontdesk(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('cli: frontdesk job / deadletter', () => {
  let dir: string;
  let dbPath: string;
  let cfg: string;
  let deadId: number;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'frontdesk-cli-'));
    dbPath = join(dir, 'store.sqlite');
    cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({
      practice: { name: 'Test Clinic', timezone: 'America/Chicago' }, store: { path: dbPath }, channels: [],
      destinations: { lab: { type: 'mllp', host: '127.0.0.1', port: 2575 } },
      jobs: { retention: { schedule: '0 3 * * *' } },
    }));
    const db = openDatabase(dbPath);
    deadId = enqueue(db, { destination: 'lab', kind: 'hl7v2', payload: 'MSH|^~\\&|A', contentType: 'application/hl7-v2', idempotencyKey: 'cli-1' });
    claimDue(db);
    markDead(db, deadId, { errorCode: 'DELIVERY_REJECTED', error: 'ACK AR', partnerStatus: 'AR', partnerResponse: 'MSH|...\rMSA|AR|A' });
    db.close();
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
    const db = openDatabase(dbPath);
    try {
      expect(getOutboxItem(db, deadId)).to.include({ state: 'pending', attempts: 0 });
    } finally {
      db.close();
    }
  });

  it('a bad destinations key stops the command with the key named', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ store: { path: dbPath }, channels: [], destinations: { ehr: { type: 'fhir', baseUrl: 'ftp://x' } } }));
    const r = await frontdesk(['job', 'list', '--config', bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('destinations.ehr.baseUrl');
  });
});
