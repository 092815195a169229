/**
 * withStoredLookup (src/flows/stored-lookup.ts): rounds of fetches for an asynchronous reader, one
 * run for a reader that answers at once (a SQLite transaction's getSync), the same answers either way.
 */
import { expect } from 'chai';
import type { Patient, Resource } from 'fhir/r4.js';
import { storeReader, withStoredLookup, type ReadResource } from '../../src/flows/stored-lookup.js';
import type { ResourceLookup } from '../../src/flows/types.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';

const stored: Record<string, Resource> = { 'Patient/p1': { resourceType: 'Patient', id: 'p1', gender: 'female' } as Patient };

/** A flow in miniature: reads two keys, the second only after the first is found. */
function flow(lookup: ResourceLookup): string {
  const p = lookup.get('Patient', 'p1') as Patient | undefined;
  const again = lookup.get('Patient', 'p1');
  const other = p ? lookup.get('Encounter', 'e1') : undefined;
  return `${p?.gender ?? 'unknown'} ${again === p} ${other ? 'visit' : 'no visit'}`;
}

function counting(withSync: boolean) {
  const reads: string[] = [];
  const read: ReadResource = async (type, id) => { reads.push(`async ${type}/${id}`); return stored[`${type}/${id}`]; };
  if (withSync) read.sync = (type, id) => { reads.push(`sync ${type}/${id}`); return stored[`${type}/${id}`]; };
  return { read, reads };
}

describe('flows: withStoredLookup', () => {
  it('with an asynchronous reader, runs again when a miss turns out stored (two runs for a known patient)', async () => {
    const { read, reads } = counting(false);
    let runs = 0;
    const out = await withStoredLookup(read, (l) => { runs++; return flow(l); });
    expect(out).to.equal('female true no visit');
    expect(runs).to.equal(2); // p1 found after run 1; e1, asked in run 2, is not stored: run 2 stands
    expect(reads).to.deep.equal(['async Patient/p1', 'async Encounter/e1']);
  });

  it('with a reader that answers at once, runs the flow once with the same answer, each key read once', async () => {
    const { read, reads } = counting(true);
    let runs = 0;
    const out = await withStoredLookup(read, (l) => { runs++; return flow(l); });
    expect(out).to.equal('female true no visit');
    expect(runs).to.equal(1);
    expect(reads).to.deep.equal(['sync Patient/p1', 'sync Encounter/e1']);
  });

  it('a SQLite transaction answers at once and sees its own writes; the store outside a transaction does not offer it', async () => {
    const store = openSqliteStore(':memory:');
    try {
      expect(storeReader(store.resources).sync).to.equal(undefined);
      const seen = await store.transaction(async (tx) => {
        const read = storeReader(tx.resources);
        expect(read.sync).to.be.a('function');
        const before = read.sync!('Patient', 'p1');
        await tx.resources.upsert({ resourceType: 'Patient', id: 'p1', gender: 'male' } as Patient, null);
        let runs = 0;
        const after = await withStoredLookup(read, (l) => { runs++; return (l.get('Patient', 'p1') as Patient | undefined)?.gender; });
        return { before, after, runs, async: await read('Patient', 'p1') };
      });
      expect(seen.before).to.equal(undefined);
      expect(seen.after).to.equal('male');
      expect(seen.runs).to.equal(1);
      expect((seen.async as Patient).gender).to.equal('male');
    } finally {
      await store.close();
    }
  });
});
