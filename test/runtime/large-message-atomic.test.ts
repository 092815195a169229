/**
 * A large message's processing commit (#17) gives the event loop turns while it writes (between
 * entries, and between slices of one resource's search index rows), and stays one transaction:
 * another connection never sees part of its results, and a failure late in the commit leaves none
 * of them. Behaviour only: turns are counted, never timed.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Gateway } from '../../src/gateway.js';
import { oruR01 } from '../../bench/messages.js';
import { INDEX_SLICE_ROWS } from '../../src/store/sqlite/resources.js';
import { describeOn } from '../support/engine.js';
import { MllpClient, msa, originalAckMode, startTest, tempDir } from '../support/gateway.js';
import { sqliteDb } from '../support/sqlite.js';

describeOn('sqlite', 'runtime (SQLite): a large message\'s results commit all together, with event-loop turns while they are written', function () {
  this.timeout(120_000);
  const OBX = INDEX_SLICE_ROWS * 2 + 50; // the DiagnosticReport's `result` rows alone take three slices
  let tmp: ReturnType<typeof tempDir>;
  let gw: Gateway | undefined;
  let client: MllpClient | undefined;
  let reader: Database.Database | undefined;

  beforeEach(() => { tmp = tempDir(); });
  afterEach(async () => {
    client?.close();
    reader?.close();
    await gw?.close();
    gw = client = reader = undefined;
    tmp.cleanup();
  });

  it('a failure after every resource is written leaves none of them; processed again, all of them are there', async () => {
    const path = join(tmp.dir, 'fd.db');
    gw = await startTest(path, {
      mllp: { host: '127.0.0.1', maxFrameBytes: 16 * 1024 * 1024, frameTimeoutMs: 30_000, idleTimeoutMs: 60_000 },
      processing: { maxAttempts: 3 },
      channels: [{ name: 'labs', source: { mllp: { port: 0 } }, validation: 'lenient', destinations: [] }],
    });
    const db = sqliteDb(gw.store);
    // The processing run's own attempt row (no error) fails while armed: the last write of the commit, after the resources.
    db.exec(`CREATE TEMP TABLE fault (armed INTEGER NOT NULL); INSERT INTO temp.fault VALUES (1);
      CREATE TEMP TRIGGER fail_processed_attempt BEFORE INSERT ON main.processing_attempts
      WHEN NEW.error IS NULL AND (SELECT armed FROM temp.fault) = 1 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;`);
    // Another connection sees only what is committed.
    reader = new Database(path, { readonly: true });
    const committed = () => (reader!.prepare("SELECT (SELECT count(*) FROM resources WHERE resource_type = 'Observation') AS obs, (SELECT count(*) FROM search_index WHERE resource_type = 'DiagnosticReport' AND param = 'result') AS results").get() as { obs: number; results: number });

    // Sample on every event-loop turn while the message is processed.
    const seenInTx: Array<{ obs: number; results: number }> = [];
    let sampling = true;
    const sample = () => {
      if (!sampling) return;
      if (db.inTransaction) seenInTx.push(committed());
      setImmediate(sample);
    };
    setImmediate(sample);
    client = await MllpClient.connect(gw.mllp[0]!.address().port);
    const ack = await client.roundTrip(originalAckMode(oruR01(OBX)));
    sampling = false;
    expect(msa(ack).code, 'an internal failure: AR, the message kept').to.equal('AR');
    expect(seenInTx.length, 'turns of the event loop while the processing transaction was open').to.be.at.least(2);
    expect(seenInTx.every((s) => s.obs === 0 && s.results === 0), 'nothing of the message visible before its commit').to.equal(true);
    expect(committed(), 'nothing of the message committed after the failure').to.deep.equal({ obs: 0, results: 0 });
    const [row] = await gw.store.messages.list();
    expect(row!.state).to.equal('received');

    db.exec('UPDATE temp.fault SET armed = 0');
    const again = await gw.pipeline.processRecovered(row!.id);
    expect(again.state).to.equal('processed');
    expect(committed()).to.deep.equal({ obs: OBX, results: OBX });
  });
});
