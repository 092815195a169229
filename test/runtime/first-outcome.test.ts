/**
 * A message's first run removes nothing of an earlier run it never had (#17): stored and processed
 * in one commit, its processing makes no DELETE of office records or error codes (statements
 * counted on SQLite); its replay does, and keeps the history (the first run's outputs copied into
 * its attempt by migration 18's trigger).
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Gateway } from '../../src/gateway.js';
import type { Inbound } from '../../src/runtime/pipeline.js';
import { replayOne } from '../../src/runtime/replay.js';
import { adt, startTest, tempDir } from '../support/gateway.js';
import { describeOn } from '../support/engine.js';

const CLEARING = /DELETE FROM office_records|DELETE FROM message_error_codes/;

/** The SQL texts better-sqlite3 runs while `work` runs (every statement goes through run, get, all or iterate). */
async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  const seen: string[] = [];
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const m of ['run', 'get', 'all', 'iterate']) {
    const orig = proto[m]!;
    originals.set(m, orig);
    proto[m] = function (this: { source: string }, ...a: unknown[]) { seen.push(this.source); return orig.apply(this, a); };
  }
  try {
    await work();
  } finally {
    for (const [m, orig] of originals) proto[m] = orig;
  }
  return seen;
}

describeOn('sqlite', 'runtime: a first run clears nothing it never wrote (Outcome.first)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway;
  beforeEach(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }] }, { noHttp: true });
  });
  afterEach(async () => {
    await gw.close();
    tmp.cleanup();
  });

  it('the first run of a message makes neither DELETE; its replay makes both and keeps the first run\'s outputs', async () => {
    const inbound: Inbound = { channel: gw.pipeline.channel('reg'), source: 'mllp', contentType: 'hl7v2', raw: adt('F1') };
    let id = 0;
    const first = await statementsDuring(async () => {
      const r = await gw.pipeline.receive(inbound);
      if (!r.ok) throw new Error('store failed');
      const a = await r.answer;
      expect(a.ackCode).to.equal('AA');
      id = a.id;
    });
    expect(first.some((s) => /INSERT INTO office_records/.test(s)), 'the run wrote office records').to.equal(true);
    expect(first.filter((s) => CLEARING.test(s))).to.deep.equal([]);
    const firstOutputs = (await gw.store.messages.get(id))!.outputs;
    const replay = await statementsDuring(async () => { expect((await replayOne(gw.pipeline, id))!.ackCode).to.equal('AA'); });
    expect(replay.filter((s) => CLEARING.test(s)).map((s) => CLEARING.exec(s)![0]).sort())
      .to.deep.equal(['DELETE FROM message_error_codes', 'DELETE FROM office_records']);
    const attempts = await gw.store.processing.attemptsOf(id);
    expect(attempts.map((a) => a.reason)).to.deep.equal(['received', 'replay']);
    expect(JSON.stringify(attempts[0]!.outputs)).to.contain('Patient');
    // The first run's outputs as its outcome had them, though the replay's outcome replaced them.
    expect(attempts[0]!.outputs).to.deep.equal(firstOutputs);
    expect(attempts[1]!.outputs).to.deep.equal((await gw.store.messages.get(id))!.outputs);
    expect(attempts[1]!.outputs).to.not.deep.equal(firstOutputs);
    expect(await gw.store.officeRecords.of(id)).to.have.length(1);
  });
});
