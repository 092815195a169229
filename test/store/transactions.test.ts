import { expect } from 'chai';
import { newMessage, tempStore, type TempStore } from './helpers.js';
import { TEST_ENGINE, schemaFor } from '../support/engine.js';

describe('store: transactions through the Store interface', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('commits every write of a transaction together, and they survive a reopen', async () => {
    const ids = await t.store.transaction(async (tx) => [await tx.messages.insert(newMessage('A')), await tx.messages.insert(newMessage('B'))]);
    const store = await t.reopen();
    expect((await store.messages.list()).map((m) => m.id).sort()).to.deep.equal([...ids].sort());
  });

  it('undoes every write when the work rejects, and passes the rejection on', async () => {
    const failed = await t.store.transaction(async (tx) => {
      await tx.messages.insert(newMessage('A'));
      throw new Error('boom');
    }).then(() => 'resolved', (e: Error) => e.message);
    expect(failed).to.equal('boom');
    expect(await t.store.messages.count()).to.equal(0);
  });

  it('a savepoint that rejects undoes only its own writes', async () => {
    await t.store.transaction(async (tx) => {
      await tx.messages.insert(newMessage('kept'));
      await tx.savepoint(async (sp) => {
        await sp.messages.insert(newMessage('undone'));
        throw new Error('inner');
      }).catch(() => undefined);
      await tx.savepoint(async (sp) => sp.messages.insert(newMessage('kept too')));
    });
    expect((await t.store.messages.list()).map((m) => m.controlId).sort()).to.deep.equal(['kept', 'kept too']);
  });

  it('a call on the store waits for the open transaction, so it never lands inside it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const order: string[] = [];
    const tx = t.store.transaction(async (x) => {
      await x.messages.insert(newMessage('in-tx'));
      await gate;
      order.push('tx work done');
      throw new Error('rolled back');
    }).catch(() => order.push('tx ended'));
    // Issued while the transaction is open: it must not see, or be part of, the rolled-back write.
    const outside = t.store.messages.insert(newMessage('outside')).then((id) => { order.push('outside insert'); return id; });
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal([]);
    release();
    await Promise.all([tx, outside]);
    expect(order).to.deep.equal(['tx work done', 'tx ended', 'outside insert']);
    expect((await t.store.messages.list()).map((m) => m.controlId)).to.deep.equal(['outside']);
  });

  it('answers a ping while a transaction is open (/health during a long processing commit)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let txDone = false;
    const tx = t.store.transaction(async (x) => {
      await x.messages.insert(newMessage('in-tx'));
      await gate;
    }).then(() => { txDone = true; });
    await new Promise((r) => setImmediate(r));
    await t.store.ping();
    expect(txDone).to.equal(false);
    release();
    await tx;
    expect(await t.store.messages.count()).to.equal(1);
  });

  it('says which engine and where, answers a ping, and reports when closed', async () => {
    expect(t.store.engine).to.equal(TEST_ENGINE);
    if (TEST_ENGINE === 'sqlite') expect(t.store.location).to.equal(t.path);
    // PostgreSQL: the URL without its password, and the schema the test's path maps to.
    else expect(t.store.location).to.match(new RegExp(`^postgres://frontdesk@127\\.0\\.0\\.1:\\d+/postgres \\(schema ${schemaFor(t.path)}\\)$`));
    await t.store.ping();
    expect(t.store.isOpen).to.equal(true);
    await t.store.close();
    expect(t.store.isOpen).to.equal(false);
    t.store = await t.reopen();
  });
});
