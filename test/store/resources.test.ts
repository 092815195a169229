import { expect } from 'chai';
import type { Coverage, Patient } from 'fhir/r4.js';
import { at, newMessage, T0, tempStore, type TempStore } from './helpers.js';

const patient = (id: string, mrn: string, family = 'Example'): Patient => ({
  resourceType: 'Patient', id, identifier: [{ system: 'urn:mrn', value: mrn }], name: [{ family }],
});

describe('store: resources and office records through the Store interface', () => {
  let t: TempStore;
  beforeEach(() => { t = tempStore(); });
  afterEach(() => t.close());

  it('upserts by type and id: created, unchanged, updated, with versions and times', async () => {
    const r = t.store.resources;
    const mid = await t.store.messages.insert(newMessage('A'));
    // json: the resource's text, which a caller may reuse (src/runtime/bundle-text.ts).
    const text = (family = 'Example') => JSON.stringify(patient('p1', '1', family));
    expect(await r.upsert(patient('p1', '1'), mid, T0)).to.deep.equal({ versionId: 1, outcome: 'created', lastUpdated: T0.toISOString(), json: text() });
    expect(await r.upsert(patient('p1', '1'), mid, at(1))).to.deep.equal({ versionId: 1, outcome: 'unchanged', lastUpdated: T0.toISOString(), json: text() });
    expect(await r.upsert(patient('p1', '1', 'Changed'), null, at(2))).to.deep.equal({ versionId: 2, outcome: 'updated', lastUpdated: at(2).toISOString(), json: text('Changed') });
    const got = await r.get('Patient', 'p1');
    expect(got).to.deep.equal({ resource: patient('p1', '1', 'Changed'), versionId: 2, lastUpdated: at(2).toISOString(), messageId: null });
    expect(await r.get('Patient', 'nope')).to.equal(undefined);
  });

  it('says which Patient a stored Patient was merged into (its replaced-by link), and nothing for one never merged', async () => {
    const r = t.store.resources;
    await r.upsert({ ...patient('kept', '1'), link: [{ type: 'seealso', other: { reference: 'Patient/other' } }] } as Patient, null);
    await r.upsert({ ...patient('retired', '2'), link: [{ type: 'seealso', other: { reference: 'Patient/x' } }, { type: 'replaced-by', other: { reference: 'Patient/kept' } }] } as Patient, null);
    // The words in a name only: no link, so not retired.
    await r.upsert(patient('named', '3', '"replaced-by"'), null);
    expect(await r.replacedBy('retired')).to.equal('kept');
    expect(await r.replacedBy('kept')).to.equal(undefined);
    expect(await r.replacedBy('named')).to.equal(undefined);
    expect(await r.replacedBy('absent')).to.equal(undefined);
    // Only Patients: another type with that id is not one.
    await r.upsert({ resourceType: 'Coverage', id: 'cov', status: 'active', beneficiary: { reference: 'Patient/kept' }, payor: [{ display: 'P' }], extension: [{ url: 'urn:x', valueString: 'replaced-by' }] } as Coverage, null);
    expect(await r.replacedBy('cov')).to.equal(undefined);
  });

  it('finds by identifier (with or without system), by element, and lists by type', async () => {
    const r = t.store.resources;
    await r.upsert(patient('p2', '2'), null);
    await r.upsert(patient('p1', '1'), null);
    const cov: Coverage = { resourceType: 'Coverage', id: 'cov1', status: 'active', subscriberId: 'M-77', beneficiary: { reference: 'Patient/p1' }, payor: [{ display: 'Payer' }] };
    await r.upsert(cov, null);
    expect(await r.findByIdentifier('Patient', 'urn:mrn', '1')).to.deep.equal(['p1']);
    expect(await r.findByIdentifier('Patient', undefined, '2')).to.deep.equal(['p2']);
    expect(await r.findByIdentifier('Patient', 'urn:other', '1')).to.deep.equal([]);
    expect(await r.findByElement('Coverage', 'subscriberId', 'M-77')).to.deep.equal(['cov1']);
    expect(await r.findByElement('Coverage', 'subscriberId', 'M-78')).to.deep.equal([]);
    expect((await r.listOfType<Patient>('Patient')).map((p) => p.id)).to.deep.equal(['p1', 'p2']);
    expect(await r.idsOfType('Patient')).to.deep.equal(['p1', 'p2']);
    expect(await r.count('Patient')).to.equal(2);
    expect(await r.count()).to.equal(3);
  });

  it('refuses an element name that is not one (no injection through findByElement)', async () => {
    const failed = await t.store.resources.findByElement('Coverage', "x') OR 1=1 --", 'v').then(() => false, () => true);
    expect(failed).to.equal(true);
  });

  it('office records: replaced per message in order (a replay does not add copies)', async () => {
    const o = t.store.officeRecords;
    const mid = await t.store.messages.insert(newMessage('A'));
    await o.replace(mid, [{ recordType: 'registration', n: 1 }, { recordType: 'merge-instruction', n: 2 }]);
    // The texts stored, which persisting reuses for the outcome's outputs.
    expect(await o.replace(mid, [{ recordType: 'registration', n: 3 }])).to.deep.equal(['{"recordType":"registration","n":3}']);
    expect(await o.of(mid)).to.deep.equal([{ recordType: 'registration', n: 3 }]);
    expect(await o.of(mid + 1)).to.deep.equal([]);
  });
});
