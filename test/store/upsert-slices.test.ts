import { expect } from 'chai';
import type { DiagnosticReport } from 'fhir/r4.js';
import { tempStore, type TempStore } from './helpers.js';
import { describeOn } from '../support/engine.js';
import { INDEX_SLICE_ROWS } from '../../src/store/sqlite/resources.js';
import type { ResourceSearch } from '../../src/store/index.js';

/** A report with `n` results: n rows of its `result` search parameter, like the DiagnosticReport of an n-OBX ORU. */
const report = (n: number): DiagnosticReport => ({
  resourceType: 'DiagnosticReport', id: 'dr-big', status: 'final', code: { text: 'panel' },
  result: Array.from({ length: n }, (_, i) => ({ reference: `Observation/obs-${i}` })),
});

const byResult = (obs: string): ResourceSearch => ({ type: 'DiagnosticReport', where: [[{ kind: 'reference', param: 'result', value: obs }]], limit: 10, offset: 0, total: false });
const turn = () => new Promise<void>((r) => setImmediate(r));

describeOn('sqlite', 'store (SQLite): a resource with many search index rows is written in slices inside a transaction', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  const n = INDEX_SLICE_ROWS * 4 + 7;

  it('calls the pause between slices, and a callback scheduled before the upsert runs before it resolves; every row is there after the commit', async () => {
    let pauses = 0;
    let ticked = false;
    let tickedBeforeUpsertResolved = false;
    await t.store.transaction(async (tx) => {
      setImmediate(() => { ticked = true; });
      await tx.resources.upsert(report(n), null, undefined, { pause: () => { pauses++; return turn(); } });
      tickedBeforeUpsertResolved = ticked;
    });
    expect(pauses, 'one pause once the rows are computed, and one between each two slices').to.equal(Math.ceil(n / INDEX_SLICE_ROWS));
    expect(tickedBeforeUpsertResolved, 'the event loop ran between slices').to.equal(true);
    for (const i of [0, INDEX_SLICE_ROWS, n - 1]) expect((await t.store.resources.search(byResult(`Observation/obs-${i}`))).resources.map((r) => r.resource.id)).to.deep.equal(['dr-big']);
  });

  it('a call on the store made during a pause waits for the commit and sees the whole resource, never part of its rows', async () => {
    let seen: Promise<number> | undefined;
    await t.store.transaction(async (tx) => {
      await tx.resources.upsert(report(n), null, undefined, {
        pause: () => {
          seen ??= t.store.resources.search(byResult(`Observation/obs-${n - 1}`)).then((r) => r.resources.length);
          return turn();
        },
      });
    });
    expect(seen, 'the pause was called').to.not.equal(undefined);
    expect(await seen).to.equal(1);
  });

  it('a transaction that fails after the upsert (or during its pauses) leaves none of its rows', async () => {
    const first = await t.store.transaction(async (tx) => {
      await tx.resources.upsert({ ...report(3), id: 'dr-small' }, null);
      return 'ok';
    });
    expect(first).to.equal('ok');
    let pauses = 0;
    const failed = await t.store.transaction(async (tx) => {
      await tx.resources.upsert(report(n), null, undefined, {
        pause: () => {
          if (++pauses === 2) throw new Error('crash between slices');
          return turn();
        },
      });
    }).then(() => 'committed', (e: Error) => e.message);
    expect(failed).to.equal('crash between slices');
    expect(await t.store.resources.get('DiagnosticReport', 'dr-big')).to.equal(undefined);
    expect((await t.store.resources.search(byResult('Observation/obs-0'))).resources.map((r) => r.resource.id), 'only the committed report').to.deep.equal(['dr-small']);
    expect((await t.store.resources.search(byResult(`Observation/obs-${n - 1}`))).resources).to.have.length(0);
  });

  it('outside a transaction the pause is not called (nothing else may run inside a half-written resource)', async () => {
    let pauses = 0;
    await t.store.resources.upsert(report(n), null, undefined, { pause: () => { pauses++; return turn(); } });
    expect(pauses).to.equal(0);
    expect((await t.store.resources.search(byResult(`Observation/obs-${n - 1}`))).resources).to.have.length(1);
  });
});
