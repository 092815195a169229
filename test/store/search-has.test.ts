import { expect } from 'chai';
import type { FhirResource as Resource } from 'fhir/r4.js';
import type { SearchCondition } from '../../src/store/index.js';
import { tempStore, type TempStore } from './helpers.js';

/** Reverse chaining (`_has`) in the store's search, on the engine of this test leg (SQLite or PostgreSQL). */
describe('store: search by reverse chain (_has), in SQL', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = tempStore();
    const put = (r: Resource) => t.store.resources.upsert(r, null);
    for (const id of ['p1', 'p2', 'p3', 'p4']) await put({ resourceType: 'Patient', id, gender: id === 'p4' ? 'male' : 'female' });
    const obs = (id: string, subject: string, code: string, encounter?: string): Resource => ({
      resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] }, subject: { reference: subject },
      ...(encounter ? { encounter: { reference: encounter } } : {}),
    });
    await put(obs('o1', 'Patient/p1', '2345-7', 'Encounter/e1'));
    await put(obs('o2', 'Patient/p2', '718-7'));
    await put(obs('o3', 'Patient/p4', '2345-7'));
    // Same id, another type: must not select Patient p2 through `subject`.
    await put(obs('o4', 'Group/p2', '2345-7'));
    await put({ resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' } });
    await put({ resourceType: 'Encounter', id: 'e2', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p2' } });
    await put({ resourceType: 'Coverage', id: 'c3', status: 'active', beneficiary: { reference: 'Patient/p3' }, payor: [{ reference: 'Organization/o' }] });
  });
  afterEach(async () => { await t.close(); });

  const ids = async (type: string, where: SearchCondition[][]) =>
    (await t.store.resources.search({ type, where, limit: 50, offset: 0, total: true, sort: [{ by: '_id', desc: false }] })).resources.map((r) => r.resource.id);
  const code = (c: string): SearchCondition => ({ kind: 'token', param: 'code', system: 'http://loinc.org', code: c });

  it('selects the resources referred to by referring resources that meet the inner conditions', async () => {
    expect(await ids('Patient', [[{ kind: 'has', type: 'Observation', param: 'patient', where: [[code('2345-7')]] }]])).to.deep.equal(['p1', 'p4']);
    expect(await ids('Patient', [[{ kind: 'has', type: 'Observation', param: 'subject', where: [[code('2345-7')]] }]])).to.deep.equal(['p1', 'p4']);
    expect(await ids('Patient', [[{ kind: 'has', type: 'Observation', param: 'patient', where: [[code('2345-7'), code('718-7')]] }]])).to.deep.equal(['p1', 'p2', 'p4']);
    expect(await ids('Patient', [[{ kind: 'has', type: 'Coverage', param: 'beneficiary', where: [[{ kind: 'token', param: 'status', code: 'active' }]] }]])).to.deep.equal(['p3']);
    expect(await ids('Encounter', [[{ kind: 'has', type: 'Observation', param: 'encounter', where: [[code('2345-7')]] }]])).to.deep.equal(['e1']);
  });

  it('ANDs with the other conditions, and with no inner condition means "referred to at all"', async () => {
    expect(await ids('Patient', [
      [{ kind: 'has', type: 'Observation', param: 'patient', where: [[code('2345-7')]] }],
      [{ kind: 'token', param: 'gender', code: 'female' }],
    ])).to.deep.equal(['p1']);
    expect(await ids('Patient', [[{ kind: 'has', type: 'Encounter', param: 'patient', where: [] }]])).to.deep.equal(['p1', 'p2']);
    expect(await ids('Patient', [[{ kind: 'has', type: 'Observation', param: 'patient', where: [[code('0000-0')]] }]])).to.deep.equal([]);
  });

  it('counts the total the same way', async () => {
    const r = await t.store.resources.search({ type: 'Patient', where: [[{ kind: 'has', type: 'Observation', param: 'patient', where: [[code('2345-7')]] }]], limit: 1, offset: 0, total: true });
    expect(r.total).to.equal(2);
    expect(r.resources.length).to.equal(1);
  });
});
