/**
 * PostgreSQL: an upsert that changes nothing locks nothing (#17). A practice's Organization or
 * Practitioner comes unchanged in nearly every message; if writing it the same locked its row, every
 * processing transaction beside (start-up recovery on several connections, a second instance) would
 * wait for the one that wrote it until that one commits.
 */
import { expect } from 'chai';
import type { Organization } from 'fhir/r4.js';
import { describeOn } from '../support/engine.js';
import { tempStore, type TempStore } from './helpers.js';

const org = (name: string): Organization => ({ resourceType: 'Organization', id: 'payer-1', name });

describeOn('postgres', 'store: an unchanged upsert on PostgreSQL', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('holds no lock: another transaction changes the same resource while the first is still open', async () => {
    await t.store.resources.upsert(org('Synthetic Blue Cross'), null);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let wrote!: (o: string) => void;
    const written = new Promise<string>((r) => { wrote = r; });
    const first = t.store.transaction(async (tx) => {
      wrote((await tx.resources.upsert(org('Synthetic Blue Cross'), null)).outcome);
      await gate;
    });
    expect(await written).to.equal('unchanged');
    let secondDone = false;
    const second = t.store.transaction((tx) => tx.resources.upsert(org('Synthetic Blue Cross PPO'), null)).finally(() => { secondDone = true; });
    const waited = await Promise.race([second.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 3000))]);
    release();
    await first;
    expect(waited, 'the change waited for the transaction that wrote the resource unchanged').to.equal(false);
    expect(secondDone).to.equal(true);
    expect(await second).to.include({ versionId: 2, outcome: 'updated' });
    expect((await t.store.resources.get('Organization', 'payer-1'))!.resource).to.deep.equal(org('Synthetic Blue Cross PPO'));
  });

  it('a changed upsert still locks: the second writer waits, then moves the version once more', async () => {
    await t.store.resources.upsert(org('A'), null);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let wrote!: () => void;
    const written = new Promise<void>((r) => { wrote = r; });
    const first = t.store.transaction(async (tx) => { const v = await tx.resources.upsert(org('B'), null); wrote(); await gate; return v; });
    await written;
    let secondDone = false;
    const second = t.store.transaction((tx) => tx.resources.upsert(org('C'), null)).finally(() => { secondDone = true; });
    await new Promise((r) => setTimeout(r, 300));
    expect(secondDone).to.equal(false);
    release();
    expect(await first).to.include({ versionId: 2, outcome: 'updated' });
    expect(await second).to.include({ versionId: 3, outcome: 'updated' });
  });
});
