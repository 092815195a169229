import { expect } from 'chai';
import type { Bundle, CapabilityStatement, Coverage, OperationOutcome, Patient } from 'fhir/r4.js';
import { useTestGateway } from '../support/gateway.js';

const SYS = 'urn:test:mrn';
const patient = (mrn: string, family: string, given: string, birthDate: string, gender: Patient['gender'], postal = '62701'): Patient => ({
  resourceType: 'Patient', identifier: [{ system: SYS, value: mrn }], name: [{ family, given: [given] }], birthDate, gender,
  telecom: [{ system: 'phone', value: `555-01${mrn.slice(-2)}` }, { system: 'email', value: `${given.toLowerCase()}@example.org` }], address: [{ postalCode: postal }],
});

describe('http: FHIR search through the search index', () => {
  const { gw, call, search } = useTestGateway();
  const families = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => (e.resource as Patient).name![0]!.family).sort();
  const ids: Record<string, string> = {};

  before(async () => {
    const rows: Patient[] = [
      patient('S-01', 'Müller', 'Anna', '1980-04-02', 'female'),
      patient('S-02', 'Mullins', 'Ben', '1980-11-30', 'male'),
      patient('S-03', 'Okafor', 'Chidi', '1975-01-15', 'male', '10001'),
      patient('S-04', 'Smith', 'Dana', '2001-06-09', 'other'),
    ];
    for (const p of rows) {
      const r = (await (await call('/Patient', { method: 'POST', body: JSON.stringify(p) })).json()) as Patient;
      ids[p.identifier![0]!.value!] = r.id!;
    }
    const cov: Coverage = { resourceType: 'Coverage', status: 'active', beneficiary: { reference: `Patient/${ids['S-03']}` }, payor: [{ reference: 'Organization/payer-1' }], identifier: [{ system: 'urn:test:member', value: 'M-3' }] };
    expect((await call('/Coverage', { method: 'POST', body: JSON.stringify(cov) })).status).to.equal(201);
  });

  it('token: identifier system|value and value alone, gender, :not', async () => {
    expect(families(await search(`/Patient?identifier=${SYS}|S-02`))).to.deep.equal(['Mullins']);
    expect(families(await search('/Patient?identifier=S-03'))).to.deep.equal(['Okafor']);
    expect(families(await search('/Patient?identifier=other-system|S-03'))).to.deep.equal([]);
    expect(families(await search('/Patient?gender=male'))).to.deep.equal(['Mullins', 'Okafor']);
    expect(families(await search('/Patient?gender:not=male'))).to.deep.equal(['Müller', 'Smith']);
    expect(families(await search('/Patient?gender=female,other'))).to.deep.equal(['Müller', 'Smith']);
  });

  it('answers a searchset with its length in bytes (non-ASCII names), HEAD with the headers alone, and records both', async () => {
    const r = await call(`/Patient?family:exact=Müller`);
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('application/fhir+json; charset=utf-8');
    expect(r.headers.get('cache-control')).to.equal('no-store');
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(Number(r.headers.get('content-length'))).to.equal(bytes.length);
    expect(families(JSON.parse(bytes.toString('utf8')) as Bundle)).to.deep.equal(['Müller']);
    const h = await call(`/Patient?family:exact=Müller`, { method: 'HEAD' });
    expect(h.status).to.equal(200);
    expect(Number(h.headers.get('content-length'))).to.equal(bytes.length);
    expect(await h.text()).to.equal('');
    const rows = await gw().store.audit.list({ action: 'search', entity: 'Patient' });
    expect(rows.filter((x) => x.query === 'family:exact=M%C3%BCller').map((x) => x.method).sort()).to.deep.equal(['GET', 'HEAD']);
  });

  it('string: prefix, case and accents folded, :exact, :contains; phone, email, postal code', async () => {
    expect(families(await search('/Patient?family=mul'))).to.deep.equal(['Mullins', 'Müller']);
    expect(families(await search('/Patient?name=MUELL'))).to.deep.equal([]);
    expect(families(await search('/Patient?family:exact=Müller'))).to.deep.equal(['Müller']);
    expect(families(await search('/Patient?family:exact=müller'))).to.deep.equal([]);
    expect(families(await search('/Patient?given:contains=hid'))).to.deep.equal(['Okafor']);
    expect(families(await search('/Patient?address-postalcode=10001'))).to.deep.equal(['Okafor']);
    expect(families(await search('/Patient?email=dana@example.org'))).to.deep.equal(['Smith']);
    expect(families(await search('/Patient?phone=555-0102'))).to.deep.equal(['Mullins']);
  });

  it('date: prefixes and partial dates; _lastUpdated', async () => {
    expect(families(await search('/Patient?birthdate=1980'))).to.deep.equal(['Mullins', 'Müller']);
    expect(families(await search('/Patient?birthdate=1980-04'))).to.deep.equal(['Müller']);
    expect(families(await search('/Patient?birthdate=lt1980'))).to.deep.equal(['Okafor']);
    expect(families(await search('/Patient?birthdate=ge2000-01-01'))).to.deep.equal(['Smith']);
    expect(families(await search('/Patient?birthdate=ge1980&birthdate=le1980-06'))).to.deep.equal(['Müller']);
    expect(families(await search('/Patient?birthdate=ne1980-04-02&gender=female'))).to.deep.equal([]);
    expect((await search(`/Patient?_lastUpdated=ge${new Date(Date.now() - 3_600_000).toISOString()}`)).total).to.equal(4);
    expect((await search('/Patient?_lastUpdated=lt2000')).total).to.equal(0);
  });

  it('reference, a chain of one level, _include, _id', async () => {
    const b = await search(`/Coverage?beneficiary=Patient/${ids['S-03']}`);
    expect(b.total).to.equal(1);
    expect((await search(`/Coverage?patient=${ids['S-03']}`)).total).to.equal(1);
    expect((await search(`/Coverage?beneficiary.identifier=${SYS}|S-03`)).total).to.equal(1);
    expect((await search(`/Coverage?beneficiary.identifier=${SYS}|S-01`)).total).to.equal(0);
    expect((await search('/Coverage?patient.family=okaf')).total).to.equal(1);
    const inc = await search('/Coverage?status=active&_include=Coverage:beneficiary');
    expect(inc.entry!.map((e) => e.search!.mode)).to.deep.equal(['match', 'include']);
    expect(inc.entry![1]!.resource!.id).to.equal(ids['S-03']);
    expect(families(await search(`/Patient?_id=${ids['S-04']},${ids['S-01']}`))).to.deep.equal(['Müller', 'Smith']);
  });

  it('paging: _count, total, next and previous links, _sort, _summary=count, _total=none, _elements', async () => {
    const p1 = await search('/Patient?_count=3&_sort=_id');
    expect(p1.total).to.equal(4);
    expect(p1.entry).to.have.length(3);
    const next = p1.link!.find((l) => l.relation === 'next')!.url;
    const p2 = await search(next.replace(/^.*\/fhir/, ''));
    expect(p2.entry).to.have.length(1);
    expect(p2.link!.some((l) => l.relation === 'previous')).to.equal(true);
    expect(p2.link!.some((l) => l.relation === 'next')).to.equal(false);
    const all = [...p1.entry!, ...p2.entry!].map((e) => e.resource!.id);
    expect(all).to.deep.equal([...all].sort());
    const c = await search('/Patient?gender=male&_summary=count');
    expect(c.total).to.equal(2);
    expect(c.entry).to.equal(undefined);
    expect((await search('/Patient?_total=none')).total).to.equal(undefined);
    const el = await search(`/Patient?_id=${ids['S-01']}&_elements=birthDate`);
    expect(Object.keys(el.entry![0]!.resource!).sort()).to.deep.equal(['birthDate', 'id', 'meta', 'resourceType']);
    expect((await search('/Patient?_count=100000')).link![0]!.url).to.contain('_count=1000');
  });

  it('400 naming an unknown parameter or a malformed value; lenient handling ignores with a warning', async () => {
    const bad = await call('/Patient?shoe-size=42');
    expect(bad.status).to.equal(400);
    const oo = (await bad.json()) as OperationOutcome;
    expect(oo.issue[0]!.diagnostics).to.contain('"shoe-size"');
    expect(oo.issue[0]!.expression).to.deep.equal(['shoe-size']);
    const badDate = (await (await call('/Patient?birthdate=yesterday')).json()) as OperationOutcome;
    expect(badDate.issue[0]!.diagnostics).to.contain('birthdate').and.to.contain('yesterday');
    expect((await call('/Patient?family:near=x')).status).to.equal(400);
    const lenient = await call('/Patient?shoe-size=42&gender=other', { headers: { prefer: 'handling=lenient' } });
    expect(lenient.status).to.equal(200);
    const lb = (await lenient.json()) as Bundle;
    expect(lb.total).to.equal(1);
    expect(lb.entry!.find((e) => e.search?.mode === 'outcome')!.resource!.resourceType).to.equal('OperationOutcome');
  });

  it('conditional create by any search criteria; the CapabilityStatement lists the search parameters with their types', async () => {
    const r = await call('/Patient', { method: 'POST', headers: { 'if-none-exist': 'family:exact=Okafor&birthdate=1975-01-15' }, body: JSON.stringify(patient('S-99', 'Okafor', 'Chidi', '1975-01-15', 'male')) });
    expect(r.status).to.equal(200);
    expect(((await r.json()) as Patient).id).to.equal(ids['S-03']);
    const cs = (await (await call('/metadata')).json()) as CapabilityStatement;
    const p = cs.rest![0]!.resource!.find((x) => x.type === 'Patient')!;
    expect(p.searchParam!.find((s) => s.name === 'birthdate')!.type).to.equal('date');
    expect(p.searchParam!.find((s) => s.name === 'identifier')!.type).to.equal('token');
    expect(cs.rest![0]!.resource!.find((x) => x.type === 'Coverage')!.searchInclude).to.include('Coverage:beneficiary');
  });

  it('flows write the index too: a resource written by the store is found', async () => {
    const flowPatient: Patient = { resourceType: 'Patient', id: 'flow-written', identifier: [{ system: SYS, value: 'FLOW-1' }], name: [{ family: 'Fromflow' }] };
    await gw().store.resources.upsert(flowPatient, null);
    expect(families(await search('/Patient?identifier=FLOW-1'))).to.deep.equal(['Fromflow']);
  });
});
