import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openStore } from '../../src/store/index.js';

describe('x12: durable control numbers and claim states (SQLite file, through the store interface)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fd-x12-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('control numbers are never reused and survive a restart; counters are independent', async () => {
    const path = join(dir, 'x12.db');
    let store = await openStore({ path });
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await store.x12.allocateControlNumber('isa:ZZ:A>ZZ:B'));
    expect(got).to.deep.equal([1, 2, 3]);
    expect(await store.x12.allocateControlNumber('gs:ZZ:A>ZZ:B')).to.equal(1);
    await store.close();
    store = await openStore({ path });
    expect(await store.x12.allocateControlNumber('isa:ZZ:A>ZZ:B')).to.equal(4);
    await store.close();
  });

  it('a claim sent keeps its history as its state moves', async () => {
    const store = await openStore({ path: join(dir, 'x12.db') });
    const t0 = new Date('2026-06-01T10:00:00Z');
    await store.x12.recordClaimsSent([{ claimId: 'ENC-1', interchange: '000000001', groupControl: '1', transactionControl: '0001', destination: 'clearinghouse', total: '125' }], t0);
    expect(await store.x12.updateState('ENC-1', 'accepted', '999', undefined, new Date('2026-06-01T11:00:00Z'))).to.equal(true);
    expect(await store.x12.updateState('ENC-404', 'accepted', '999', undefined, t0)).to.equal(false);
    const [row] = await store.x12.get('ENC-1');
    expect(row!.state).to.equal('accepted');
    expect(row!.history.map((h) => `${h.state}/${h.source}`)).to.deep.equal(['sent/837P', 'accepted/999']);
    expect(await store.x12.list()).to.have.length(1);
    expect((await store.x12.inTransaction('1', '0001')).map((r) => r.claimId)).to.deep.equal(['ENC-1']);
    await store.close();
  });
});
