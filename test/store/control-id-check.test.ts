/**
 * PostgreSQL: a group commit's frames are stored in one round trip each (#16): while a transaction
 * has only stored frames, outside any savepoint, the duplicate check of a control id is made by the
 * insert of that message (src/store/pg/store.ts tx). What must hold whatever the check costs: a
 * control id stored before is never stored again as if new (the insert fails, and the pipeline makes
 * the commit again with savepoints, where the check reads the table); the rows a transaction
 * stored itself are found by its later checks, as a read of the table would find them.
 */
import { expect } from 'chai';
import pg from 'pg';
import { describeOn } from '../support/engine.js';
import { newMessage, tempStore, type TempStore } from './helpers.js';

describeOn('postgres', 'store: the duplicate check of a group commit on PostgreSQL', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('never stores a committed control id again as new: the insert fails and nothing of the transaction is kept', async () => {
    const first = await t.store.messages.insert(newMessage('K1'));
    const tried = t.store.transaction(async (tx) => {
      await tx.messages.insert(newMessage('K0'));
      const found = await tx.messages.findByControlId('c1', 'K1');
      if (found.length === 0) await tx.messages.insert({ ...newMessage('K1'), contentHash: 'other' });
      return found.map((r) => r.id);
    });
    await tried.then(
      (ids) => expect(ids, 'a check that answers finds the committed row').to.deep.equal([first]),
      (e: Error) => expect(e.message).to.match(/control id "K1" of channel c1 is stored already/),
    );
    expect((await t.store.messages.findByControlId('c1', 'K1')).map((r) => r.id)).to.deep.equal([first]);
    if (await tried.then(() => false, () => true)) expect(await t.store.messages.findByControlId('c1', 'K0')).to.deep.equal([]);
  });

  it('reads the table inside a savepoint: the pipeline\'s redo finds the committed row', async () => {
    const first = await t.store.messages.insert(newMessage('K2'));
    const found = await t.store.transaction((tx) => tx.savepoint((sp) => sp.messages.findByControlId('c1', 'K2')));
    expect(found.map((r) => r.id)).to.deep.equal([first]);
    // And after any other call in the transaction, without a savepoint.
    const after = await t.store.transaction(async (tx) => {
      await tx.messages.get(first);
      return tx.messages.findByControlId('c1', 'K2');
    });
    expect(after.map((r) => r.id)).to.deep.equal([first]);
  });

  it('finds the rows the transaction stored itself, as the table has them after the commit', async () => {
    const inTx = await t.store.transaction(async (tx) => {
      expect(await tx.messages.findByControlId('c1', 'K3')).to.deep.equal([]);
      const a = await tx.messages.insert({ ...newMessage('K3'), commitAck: { code: 'CA', text: 'MSH|ack' } });
      const once = await tx.messages.findByControlId('c1', 'K3');
      const b = await tx.messages.insert({ ...newMessage('K3'), contentHash: 'other', duplicateOf: a });
      const twice = await tx.messages.findByControlId('c1', 'K3');
      return { a, b, once, twice };
    });
    const table = await t.store.messages.findByControlId('c1', 'K3');
    expect(inTx.once).to.deep.equal(table.slice(0, 1));
    expect(inTx.twice).to.deep.equal(table);
    expect(table.map((r) => r.id)).to.deep.equal([inTx.a, inTx.b]);
    expect(table[1]).to.include({ duplicateOf: inTx.a, contentHash: 'other', state: 'received' });
  });

  /**
   * The pipeline's way with a group commit's frames (src/runtime/pipeline.ts flush): each frame's
   * check and insert made once the frame before it has made its insert, without waiting for it.
   */
  const storeFrames = (tx: Parameters<Parameters<TempStore['store']['transaction']>[0]>[0], frames: Array<ReturnType<typeof newMessage>>) => {
    const ids: Array<Promise<number>> = [];
    let chain = Promise.resolve();
    for (const f of frames) {
      chain = chain.then(async () => {
        const found = await tx.messages.findByControlId(f.channel, f.controlId);
        const p = tx.messages.insert({ ...f, duplicateOf: found[0]?.id });
        p.catch(() => undefined);
        ids.push(p);
      });
    }
    return chain.then(() => Promise.all(ids));
  };
  const insertsIn = async <T>(fn: () => Promise<T>): Promise<{ value: T; inserts: number }> => {
    const q = pg.Client.prototype.query;
    let inserts = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const a = args[0] as string | { text: string };
      if (/^\s*INSERT INTO messages/.test(typeof a === 'string' ? a : a.text)) inserts++;
      return (q as (...x: unknown[]) => unknown).apply(this, args);
    } as typeof q;
    try {
      return { value: await fn(), inserts };
    } finally {
      pg.Client.prototype.query = q;
    }
  };

  it('sends frames stored without waiting for each in one statement, numbered in their order, flagged as read from the table', async () => {
    const frames = [newMessage('B1'), newMessage('B2'), { ...newMessage('B1'), contentHash: 'other' }, newMessage('B3')];
    const { value: ids, inserts } = await insertsIn(() => t.store.transaction((tx) => storeFrames(tx, frames)));
    // B1 twice: the second check finds the first row, which is sent for it (a statement of its own).
    expect(inserts).to.equal(2);
    expect([...ids].sort((a, b) => a - b), 'ids follow the frames\' order').to.deep.equal(ids);
    for (const [i, f] of frames.entries()) {
      const row = await t.store.messages.get(ids[i]!);
      expect(row).to.include({ controlId: f.controlId, contentHash: f.contentHash });
    }
    expect((await t.store.messages.get(ids[2]!))!.duplicateOf).to.equal(ids[0]);
  });

  it('a committed control id among frames sent together fails them all, and nothing of the transaction is kept', async () => {
    await t.store.messages.insert(newMessage('B5'));
    const tried = t.store.transaction((tx) => storeFrames(tx, [newMessage('B4'), { ...newMessage('B5'), contentHash: 'other' }, newMessage('B6')]));
    await tried.then(() => expect.fail('stored as new'), (e: Error) => expect(e.message).to.match(/control id "B5" of channel c1.* is stored already/));
    for (const k of ['B4', 'B6']) expect(await t.store.messages.findByControlId('c1', k)).to.deep.equal([]);
    expect(await t.store.messages.findByControlId('c1', 'B5')).to.have.length(1);
  });

  it('never sends frames waiting when the transaction is undone before they go', async () => {
    const tried = t.store.transaction(async (tx) => {
      void tx.messages.findByControlId('c1', 'B7');
      await tx.messages.findByControlId('c1', 'B7');
      tx.messages.insert(newMessage('B7')).catch(() => undefined);
      throw new Error('undone');
    });
    await tried.then(() => expect.fail('committed'), (e: Error) => expect(e.message).to.equal('undone'));
    await new Promise((r) => setTimeout(r, 50));
    expect(await t.store.messages.findByControlId('c1', 'B7')).to.deep.equal([]);
  });
});
