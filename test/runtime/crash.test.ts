/**
 * The gateway as a separate process (`node dist/main.js --config ...`, what `npm start` runs), killed with
 * SIGKILL between the commit of a message and its processing (test hook), then restarted: the
 * message is processed exactly once, and the sender's resend is answered from the store. And
 * killed while its start-up recovery (behind the open listeners) is half done: the backlog is
 * still processed exactly once at the next start.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MllpClient, msa, originalAckMode, tempDir } from '../support/gateway.js';
import { testStoreConfig, describeOn, openTestStore } from '../support/engine.js';
import { contentHash, readHl7Header } from '../../src/runtime/intake-header.js';

// Original acknowledgment mode (MSH-15/16 empty): the only ACK is the application ACK after processing.
const ADT = originalAckMode(readFileSync(resolve('examples/hl7v2/adt-a04.hl7'), 'utf8'));

interface Proc {
  child: ChildProcess;
  mllpPort: number;
  stdout: () => string;
  waitFor: (re: RegExp) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function startProcess(configFile: string, env: Record<string, string> = {}): Promise<Proc> {
  const child = spawn(process.execPath, ['dist/main.js', '--config', configFile], {
    cwd: resolve('.'),
    env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); waiters.splice(0).forEach((w) => w()); });
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => { r(code); waiters.splice(0).forEach((w) => w()); }));
  const waitFor = async (re: RegExp): Promise<RegExpMatchArray> => {
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gateway exited: ${err || out}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return waitFor(/MLLP channel registration listening on [\d.]+:(\d+)/).then((m) => ({ child, mllpPort: Number(m[1]), stdout: () => out, waitFor, exited }));
}

// It reads the SQLite file directly; on PostgreSQL the same crash is covered by test/scale-out/.
describeOn('sqlite', 'runtime: crash between commit and processing (SIGKILL), restart', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let proc: Proc | undefined;

  /** A gateway on a store in `dir`: one ADT channel whose messages go to an EHR that is never there. */
  function writeGatewayConfig(dir: string): { dbPath: string; configFile: string } {
    const dbPath = join(dir, 'gateway.db');
    const configFile = join(dir, 'gateway.json');
    writeFileSync(configFile, JSON.stringify({
      store: testStoreConfig(dbPath),
      http: { port: 0, auth: { keys: [{ name: 'admin', key: 'crash-test-key', scopes: ['*'] }] } },
      channels: [{ name: 'registration', source: { mllp: { port: 0 } }, messageTypes: ['ADT^*'], destinations: ['ehr'] }],
      destinations: { ehr: { type: 'fhir', baseUrl: 'http://127.0.0.1:9/fhir', auth: { type: 'none' } } },
    }));
    return { dbPath, configFile };
  }

  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    tmp.cleanup();
  });

  it('processes the committed message exactly once after restart and answers the resend from the store', async () => {
    const { dbPath, configFile } = writeGatewayConfig(tmp.dir);

    // 1. Run with the hook: processing waits forever after the commit.
    proc = await startProcess(configFile, { FRONTDESK_TEST_HOOK: 'pause-after-commit' });
    const c1 = await MllpClient.connect(proc.mllpPort);
    c1.send(ADT);
    const id = Number((await proc.waitFor(/TEST-HOOK committed (\d+)/))[1]);
    proc.child.kill('SIGKILL');
    await proc.exited;
    expect(await c1.next()).to.equal(undefined, 'no ACK may leave before processing in original mode');

    const db1 = new Database(dbPath, { readonly: true });
    const stored = db1.prepare('SELECT state, attempts, raw FROM messages WHERE id = ?').get(id) as { state: string; attempts: number; raw: string };
    expect(stored.state).to.equal('received');
    expect(stored.attempts).to.equal(0);
    expect(stored.raw).to.equal(ADT);
    expect((db1.prepare('SELECT count(*) AS n FROM resources').get() as { n: number }).n).to.equal(0);
    expect((db1.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).to.equal(0);
    db1.close();

    // 2. Restart without the hook: recovery processes it, behind the open listeners.
    proc = await startProcess(configFile);
    const db2 = new Database(dbPath, { readonly: true });
    const read = () => db2.prepare('SELECT state, attempts, ack_code, flow FROM messages WHERE id = ?').get(id) as { state: string; attempts: number; ack_code: string; flow: string };
    for (let i = 0; i < 200 && read().state === 'received'; i++) await new Promise((r) => setTimeout(r, 50));
    const row = read();
    expect(row).to.deep.include({ state: 'processed', attempts: 1, ack_code: 'AA', flow: 'adt-registration' });
    const patients = db2.prepare("SELECT version_id FROM resources WHERE resource_type = 'Patient'").all() as Array<{ version_id: number }>;
    expect(patients).to.deep.equal([{ version_id: 1 }]);
    expect((db2.prepare('SELECT count(*) AS n FROM outbox WHERE message_id = ?').get(id) as { n: number }).n).to.equal(1);
    expect((db2.prepare('SELECT count(*) AS n FROM office_records WHERE message_id = ?').get(id) as { n: number }).n).to.be.greaterThan(0);

    // 3. The sender never got its ACK and resends: answered from the store, not processed again.
    const c2 = await MllpClient.connect(proc.mllpPort);
    const ack = await c2.roundTrip(ADT);
    expect(msa(ack)).to.deep.equal({ code: 'AA', controlId: 'ADT0001' });
    c2.close();
    const after = db2.prepare('SELECT count(*) AS n, sum(attempts) AS attempts, sum(resend_count) AS resends FROM messages').get() as { n: number; attempts: number; resends: number };
    expect(after).to.deep.equal({ n: 1, attempts: 1, resends: 1 });
    expect((db2.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).to.equal(1);
    db2.close();

    // 4. SIGTERM stops it cleanly.
    proc.child.kill('SIGTERM');
    expect(await proc.exited).to.equal(0);
  });

  it('a SIGKILL while the backlog is recovered behind the listeners loses nothing and processes nothing twice', async () => {
    const { dbPath, configFile } = writeGatewayConfig(tmp.dir);
    // A backlog left 'received' (as a kill after a burst leaves it): 2,000 messages of 50 patients.
    const n = 2000;
    const store = openTestStore(dbPath);
    await store.transaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        const raw = ADT.replace('|ADT0001|', `|BL${i}|`).replace('MRN00012345^', `MRN${i % 50}^`);
        const h = readHl7Header(raw);
        await tx.messages.insert({ channel: 'registration', source: 'mllp', contentType: 'hl7v2', raw, contentHash: contentHash(raw), controlId: h.controlId, messageType: h.messageType, ackMode: 'original', patientMrn: h.patientMrn });
      }
    });
    await store.close();

    // 1. Start, and kill it once recovery has processed something (the listeners are open by then).
    proc = await startProcess(configFile);
    const db = new Database(dbPath, { readonly: true });
    const count = (state: string) => (db.prepare('SELECT count(*) AS n FROM messages WHERE state = ?').get(state) as { n: number }).n;
    while (count('processed') === 0) await new Promise((r) => setTimeout(r, 10));
    proc.child.kill('SIGKILL');
    await proc.exited;
    const left = count('received');
    expect(left, 'killed halfway through the recovery').to.be.greaterThan(0);

    // 2. Restart: the rest is recovered, once each.
    proc = await startProcess(configFile);
    for (let i = 0; i < 1200 && count('received') > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(count('received')).to.equal(0);
    expect(count('processed')).to.equal(n);
    // Exactly once: one processed attempt and one outbox item per message; no attempt charged more than once to a message the kill did not interrupt.
    const perMessage = db.prepare(`SELECT m.id, m.attempts,
        (SELECT count(*) FROM processing_attempts a WHERE a.message_id = m.id AND a.state = 'processed') AS runs,
        (SELECT count(*) FROM outbox o WHERE o.message_id = m.id) AS items FROM messages m`).all() as Array<{ id: number; attempts: number; runs: number; items: number }>;
    expect(perMessage.filter((r) => r.runs !== 1 || r.items !== 1)).to.deep.equal([]);
    expect(Math.max(...perMessage.map((r) => r.attempts))).to.be.at.most(2);
    db.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).to.equal(0);
  });
});
