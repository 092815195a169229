/**
 * #17: a sender with several frames in flight on one connection (it does not wait for each ACK).
 * Frames that arrive while the connection's earlier ones are being committed are committed together
 * next, in their order; the ACKs leave in arrival order; and once one frame cannot be stored, no
 * later frame of that connection is (the connection is dropped, the sender resends from there), so
 * a later message is never stored, and processed, ahead of an earlier one the sender must resend.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Gateway } from '../../src/gateway.js';
import { adt, MllpClient, msa, startTest, tempDir } from '../support/gateway.js';
import { execOnStore } from '../support/store-sql.js';

describe('MLLP intake: frames in flight on one connection', () => {
  let gw: Gateway;
  let tmp: ReturnType<typeof tempDir>;
  let client: MllpClient;
  beforeEach(async () => {
    tmp = tempDir();
    gw = await startTest(join(tmp.dir, 'fd.db'), { channels: [{ name: 'reg', source: { mllp: { port: 0 } }, destinations: [] }] }, { noHttp: true });
    client = await MllpClient.connect(gw.mllp[0]!.address().port);
  });
  afterEach(async () => {
    client.close();
    await gw.close();
    tmp.cleanup();
  });

  /** Count the pipeline's commits that stored frames, and how many each stored. */
  const countCommits = () => {
    const pl = gw.pipeline as unknown as { flush(c: () => void): Promise<void>; storeQueue: unknown[] };
    const sizes: number[] = [];
    const orig = pl.flush.bind(pl);
    pl.flush = (c) => {
      if (pl.storeQueue.length) sizes.push(pl.storeQueue.length);
      return orig(c);
    };
    return sizes;
  };

  it('commits the frames that arrive during a commit together next, answers each in order, and stores them in order', async () => {
    const warm = msa(await client.roundTrip(adt('W', { mrn: 'W', msh15: 'AL', msh16: 'NE' })));
    expect(warm.code).to.equal('CA');
    const sizes = countCommits();
    const ids = Array.from({ length: 40 }, (_, i) => `P${i}`);
    // Written in a few bursts without waiting for any ACK.
    for (let k = 0; k < ids.length; k += 10) {
      client.write(Buffer.concat(ids.slice(k, k + 10).map((id) => Buffer.from(`\x0b${adt(id, { mrn: 'SAME', msh15: 'AL', msh16: 'NE' })}\x1c\r`))));
      await new Promise((r) => setImmediate(r));
    }
    const acks: string[] = [];
    for (let i = 0; i < ids.length; i++) acks.push(msa(await client.next()).controlId);
    expect(acks, 'ACKs in arrival order').to.deep.equal(ids);
    expect(sizes.reduce((a, b) => a + b, 0)).to.equal(ids.length);
    expect(sizes.length, `commits for ${ids.length} frames: ${sizes.join(',')}`).to.be.lessThan(ids.length);
    const rows = await gw.store.messages.list({});
    const stored = rows.filter((m) => m.controlId?.startsWith('P')).sort((a, b) => a.id - b.id).map((m) => m.controlId);
    expect(stored, 'stored in arrival order').to.deep.equal(ids);
  });

  it('stores nothing after a frame that could not be stored: earlier ones are answered, the connection is dropped', async () => {
    const warm = msa(await client.roundTrip(adt('W', { mrn: 'W', msh15: 'AL', msh16: 'NE' })));
    expect(warm.code).to.equal('CA');
    await execOnStore(gw.store, {
      sqlite: "CREATE TRIGGER fail_bad BEFORE INSERT ON messages WHEN NEW.control_id = 'Q2' BEGIN SELECT RAISE(ABORT, 'disk full'); END",
      postgres: "CREATE FUNCTION fail_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.control_id = 'Q2' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$; CREATE TRIGGER fail_bad BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION fail_bad()",
    });
    // Q0 is committed alone (nothing of the connection before it); Q1..Q5 arrive while it is, and are one batch.
    const ids = ['Q0', 'Q1', 'Q2', 'Q3', 'Q4', 'Q5'];
    client.write(Buffer.concat(ids.map((id) => Buffer.from(`\x0b${adt(id, { mrn: 'SAME2', msh15: 'AL', msh16: 'NE' })}\x1c\r`))));
    const acks: string[] = [];
    for (;;) {
      const f = await client.next();
      if (f === undefined) break;
      acks.push(msa(f).controlId);
    }
    expect(acks, 'the frames before the failed one are answered, none after').to.deep.equal(['Q0', 'Q1']);
    const stored = (await gw.store.messages.list({})).map((m) => m.controlId).filter((c) => c?.startsWith('Q')).sort();
    expect(stored, 'nothing after the failed frame is stored').to.deep.equal(['Q0', 'Q1']);
    await execOnStore(gw.store, { sqlite: 'DROP TRIGGER fail_bad', postgres: 'DROP TRIGGER fail_bad ON messages; DROP FUNCTION fail_bad()' });
    // The sender resends from the one without an ACK, in order.
    const again = await MllpClient.connect(gw.mllp[0]!.address().port);
    try {
      for (const id of ids.slice(2)) expect(msa(await again.roundTrip(adt(id, { mrn: 'SAME2', msh15: 'AL', msh16: 'NE' }))).code, id).to.equal('CA');
    } finally {
      again.close();
    }
    const rows = (await gw.store.messages.list({})).filter((m) => m.controlId?.startsWith('Q')).sort((a, b) => a.id - b.id);
    expect(rows.map((m) => m.controlId)).to.deep.equal(ids);
  });
});
