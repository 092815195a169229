import { expect } from 'chai';
import type { Patient } from 'fhir/r4.js';
import { tempStore, type TempStore } from './helpers.js';

const p = (family: string): Patient => ({ resourceType: 'Patient', id: 'p1', name: [{ family }] });

describe('store: resource versions (history, vread, delete as a tombstone) through the Store interface', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(async () => { await t.close(); });

  it('keeps each version written, newest first; an unchanged write adds none', async () => {
    await t.store.resources.upsert(p('One'), null, new Date('2026-01-01T00:00:00Z'));
    await t.store.resources.upsert(p('Two'), null, new Date('2026-01-02T00:00:00Z'));
    await t.store.resources.upsert(p('Two'), null, new Date('2026-01-03T00:00:00Z'));
    const h = await t.store.resources.history('Patient', 'p1');
    expect(h.map((v) => [v.versionId, (v.resource as Patient).name![0]!.family])).to.deep.equal([[2, 'Two'], [1, 'One']]);
    expect((await t.store.resources.version('Patient', 'p1', 1))!.lastUpdated).to.equal('2026-01-01T00:00:00.000Z');
    expect(await t.store.resources.countHistory('Patient', 'p1')).to.equal(2);
    expect((await t.store.resources.history('Patient', 'p1', { since: '2026-01-02T00:00:00.000Z' })).length).to.equal(1);
  });

  it('a delete leaves a tombstone; the resource is gone from reads and lookups; a later write continues the versions', async () => {
    await t.store.resources.upsert(p('One'), null);
    const d = await t.store.resources.remove('Patient', 'p1');
    expect(d!.versionId).to.equal(2);
    expect(await t.store.resources.get('Patient', 'p1')).to.equal(undefined);
    expect(await t.store.resources.count('Patient')).to.equal(0);
    expect(await t.store.resources.remove('Patient', 'p1')).to.equal(undefined);
    const [last] = await t.store.resources.history('Patient', 'p1', { limit: 1 });
    expect(last).to.include({ versionId: 2, deleted: true, resource: null });
    const again = await t.store.resources.upsert(p('Back'), null);
    expect(again).to.include({ versionId: 3, outcome: 'created' });
    const types = await t.store.resources.typeHistory('Patient');
    expect(types.map((v) => v.versionId)).to.have.members([1, 2, 3]);
  });
});

describe('store: resource search through the search index (both engines)', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(async () => { await t.close(); });

  it('indexes at each write, drops a deleted resource from the index, and escapes LIKE characters', async () => {
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'a', name: [{ family: 'Alvarez' }], birthDate: '1990-02-03', gender: 'female' } as Patient, null);
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'b', name: [{ family: 'Al%bright' }], birthDate: '1991-05-06', gender: 'male' } as Patient, null);
    const find = async (where: Parameters<TempStore['store']['resources']['search']>[0]['where']) =>
      (await t.store.resources.search({ type: 'Patient', where, limit: 10, offset: 0, total: true }));
    expect((await find([[{ kind: 'string', param: 'family', mode: 'prefix', value: 'al' }]])).total).to.equal(2);
    expect((await find([[{ kind: 'string', param: 'family', mode: 'prefix', value: 'al%' }]])).resources.map((r) => r.resource.id)).to.deep.equal(['b']);
    expect((await find([[{ kind: 'date', param: 'birthdate', prefix: 'lt', lo: '1991-01-01T00:00:00.000Z', hi: '1992-01-01T00:00:00.000Z' }]])).resources.map((r) => r.resource.id)).to.deep.equal(['a']);
    expect((await find([[{ kind: 'token', param: 'gender', code: 'male', not: true }]])).resources.map((r) => r.resource.id)).to.deep.equal(['a']);
    await t.store.resources.upsert({ resourceType: 'Patient', id: 'a', name: [{ family: 'Zed' }], gender: 'female' } as Patient, null);
    expect((await find([[{ kind: 'string', param: 'family', mode: 'prefix', value: 'alv' }]])).total).to.equal(0);
    await t.store.resources.remove('Patient', 'b');
    expect((await find([])).total).to.equal(1);
  });
});
