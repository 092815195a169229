/**
 * The audit row of an HTTP access survives the gateway dying right after it answered: the gateway
 * runs as its own process (`node dist/main.js`), is SIGKILLed the moment the client has the
 * answer, and the store read afterwards holds the row (src/http/audit.ts holds `res.end` until
 * the row is durable).
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../support/gateway.js';
import { describeOn, testStoreConfig } from '../support/engine.js';

const KEY = 'audit-crash-key-1';

// It reads the SQLite file directly after the kill.
describeOn('sqlite', 'runtime: the audit row of an answered request survives SIGKILL right after the answer', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let child: ChildProcess | undefined;

  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    tmp.cleanup();
  });

  it('a read and a write answered, then SIGKILL: both rows are in the store', async () => {
    const dbPath = join(tmp.dir, 'gateway.db');
    const configFile = join(tmp.dir, 'gateway.json');
    writeFileSync(configFile, JSON.stringify({
      store: testStoreConfig(dbPath),
      http: { port: 0, auth: { keys: [{ name: 'crash-ehr', key: KEY, scopes: ['fhir'] }] } },
      channels: [],
    }));
    const c = spawn(process.execPath, ['dist/main.js', '--config', configFile], { cwd: resolve('.'), env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const exited = new Promise<void>((r) => c.on('exit', () => r()));
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      c.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /HTTP listening on (http:\/\/[^\s]+)/.exec(out);
        if (m) res(m[1]!);
      });
      c.on('exit', () => rej(new Error(`gateway exited: ${out}`)));
    });
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/fhir+json' };
    const put = await fetch(`${url}/fhir/Patient/crash-p1`, { method: 'PUT', headers, body: JSON.stringify({ resourceType: 'Patient', id: 'crash-p1', gender: 'unknown' }) });
    expect(put.status).to.equal(201);
    const get = await fetch(`${url}/fhir/Patient/crash-p1`, { headers });
    // The answer's status line and headers are here: kill now, before anything else can run in the gateway.
    c.kill('SIGKILL');
    expect(get.status).to.equal(200);
    await exited;

    const db = new Database(dbPath, { readonly: true });
    try {
      const rows = db.prepare("SELECT action, entity, actor, status FROM audit_events WHERE entity = 'Patient/crash-p1' ORDER BY id").all();
      expect(rows).to.deep.equal([
        { action: 'update', entity: 'Patient/crash-p1', actor: 'crash-ehr', status: 201 },
        { action: 'read', entity: 'Patient/crash-p1', actor: 'crash-ehr', status: 200 },
      ]);
    } finally {
      db.close();
    }
  });
});
