/**
 * PostgreSQL: a group commit's frames are stored in one round trip each (#16): while a transaction
 * has only stored frames, outside any savepoint, the duplicate check of a control id is made by the
 * insert of that message (src/store/pg/store.ts tx). What must hold whatever the check costs: a
 * control id stored before is never stored again as if new (the insert fails, and the pipeline makes
 * the commit again with savepoints, where the check reads the table); the rows a transaction
 * stored itself are found by its later checks, as a read of the table would find them.
 */
import { expect } from 'chai';
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
});
