import { expect } from 'chai';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome, Patient } from 'fhir/r4.js';
import { useTestGateway } from '../support/gateway.js';

const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';

describe('http: FHIR search: quantity, :missing, _sort by any parameter, _revinclude, the parameter lists', () => {
  const { gw, call, search } = useTestGateway();
  const matches = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
  const put = async (r: Patient | Observation) => {
    const res = await call(`/${r.resourceType}/${r.id}`, { method: 'PUT', body: JSON.stringify(r) });
    expect(res.status, await res.clone().text()).to.equal(201);
  };
  const obs = (id: string, patient: string, value: Observation['valueQuantity'] | string): Observation => ({
    resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code: '2345-7' }] }, subject: { reference: `Patient/${patient}` },
    ...(typeof value === 'string' ? { valueString: value } : { valueQuantity: value }),
  });

  before(async () => {
    await put({ resourceType: 'Patient', id: 'q-ann', name: [{ family: 'Zeta', given: ['Ann'] }], birthDate: '1990-05-05', telecom: [{ system: 'email', value: 'ann@example.org' }] });
    await put({ resourceType: 'Patient', id: 'q-bob', name: [{ family: 'Alpha', given: ['Bob'] }], birthDate: '1960-01-01' });
    await put({ resourceType: 'Patient', id: 'q-cy', name: [{ family: 'Mu', given: ['Cy'] }] });
    await put(obs('o-90', 'q-ann', { value: 90, unit: 'mg/dL', system: UCUM, code: 'mg/dL' }));
    await put(obs('o-120', 'q-ann', { value: 120, unit: 'mg/dL', system: UCUM, code: 'mg/dL' }));
    await put(obs('o-54', 'q-bob', { value: 5.4, unit: 'mmol/L', system: UCUM, code: 'mmol/L' }));
    await put(obs('o-local', 'q-bob', { value: 95, unit: 'mg/dl (local)' }));
    await put(obs('o-text', 'q-bob', 'see note'));
  });

  it('quantity: a number (any unit), prefixes, system|code, ||code or unit, UCUM units compared in base units', async () => {
    expect(matches(await search('/Observation?value-quantity=90'))).to.deep.equal(['o-90']);
    expect(matches(await search(`/Observation?value-quantity=gt100|${UCUM}|mg/dL`))).to.deep.equal(['o-120']);
    // 0.9 g/L is 90 mg/dL: found through the canonical (base unit) columns.
    expect(matches(await search(`/Observation?value-quantity=0.9|${UCUM}|g/L`))).to.deep.equal(['o-90']);
    expect(matches(await search(`/Observation?value-quantity=ge1|${UCUM}|g/L&_sort=value-quantity`))).to.deep.equal(['o-120']);
    expect(matches(await search('/Observation?value-quantity=5.4||mmol/L'))).to.deep.equal(['o-54']);
    expect(matches(await search('/Observation?value-quantity=95||mg/dl (local)'))).to.deep.equal(['o-local']);
    expect(matches(await search('/Observation?value-quantity=ap100&_sort=value-quantity'))).to.deep.equal(['o-90', 'o-local']);
    expect(matches(await search('/Observation?value-quantity=le5.4'))).to.deep.equal(['o-54']);
    // Precision: 5 stands for [4.5, 5.5), 5.40 for [5.395, 5.405).
    expect(matches(await search('/Observation?value-quantity=5'))).to.deep.equal(['o-54']);
    expect(matches(await search('/Observation?value-quantity=5.40'))).to.deep.equal(['o-54']);
    expect(matches(await search('/Observation?value-quantity=5.3'))).to.deep.equal([]);
    expect(matches(await search('/Observation?value-quantity=ne90&_sort=_id'))).to.deep.equal(['o-120', 'o-54', 'o-local']);
    expect(matches(await search('/Observation?value-quantity=lt100,gt119&_sort=_id'))).to.deep.equal(['o-120', 'o-54', 'o-90', 'o-local']);
    const bad = await call('/Observation?value-quantity=ninety');
    expect(bad.status).to.equal(400);
    const oo = (await bad.json()) as OperationOutcome;
    expect(oo.issue[0]!.diagnostics).to.contain('value-quantity').and.to.contain('ninety');
  });

  it(':missing=true and :missing=false on any parameter type', async () => {
    expect(matches(await search('/Observation?value-quantity:missing=true'))).to.deep.equal(['o-text']);
    expect(matches(await search('/Patient?email:missing=false'))).to.deep.equal(['q-ann']);
    expect(matches(await search('/Patient?birthdate:missing=true'))).to.deep.equal(['q-cy']);
    expect(matches(await search('/Patient?birthdate:missing=false&_sort=_id'))).to.deep.equal(['q-ann', 'q-bob']);
    const bad = (await (await call('/Patient?birthdate:missing=maybe')).json()) as OperationOutcome;
    expect(bad.issue[0]!.diagnostics).to.contain('birthdate:missing').and.to.contain('maybe');
  });

  it('_sort by any parameter (dates, strings, quantities), descending with "-", several keys; missing values last', async () => {
    expect(matches(await search('/Patient?_sort=birthdate'))).to.deep.equal(['q-bob', 'q-ann', 'q-cy']);
    expect(matches(await search('/Patient?_sort=-birthdate'))).to.deep.equal(['q-ann', 'q-bob', 'q-cy']);
    expect(matches(await search('/Patient?_sort=family'))).to.deep.equal(['q-bob', 'q-cy', 'q-ann']);
    expect(matches(await search('/Patient?_sort=-family'))).to.deep.equal(['q-ann', 'q-cy', 'q-bob']);
    expect(matches(await search('/Observation?value-quantity:missing=false&_sort=-value-quantity'))).to.deep.equal(['o-120', 'o-local', 'o-90', 'o-54']);
    expect(matches(await search('/Observation?_sort=patient,-_id'))).to.deep.equal(['o-90', 'o-120', 'o-text', 'o-local', 'o-54']);
    const bad = (await (await call('/Patient?_sort=shoe-size')).json()) as OperationOutcome;
    expect(bad.issue[0]!.diagnostics).to.contain('shoe-size');
    expect(bad.issue[0]!.expression).to.deep.equal(['_sort']);
  });

  it('_revinclude: the resources referring to the matches; a parameter that cannot refer to the type is 400', async () => {
    const b = await search('/Patient?_id=q-ann&_revinclude=Observation:patient');
    expect(matches(b)).to.deep.equal(['q-ann']);
    expect(b.total).to.equal(1);
    expect(b.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource!.id)).to.deep.equal(['o-120', 'o-90']);
    const s = await search('/Patient?_id=q-bob&_revinclude=Observation:subject:Patient');
    expect(s.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource!.id)).to.deep.equal(['o-54', 'o-local', 'o-text']);
    // The references the lab flow makes: a report's results, both ways.
    const dr = { resourceType: 'DiagnosticReport', id: 'dr-1', status: 'final', code: { coding: [{ system: LOINC, code: '24323-8' }] }, subject: { reference: 'Patient/q-ann' }, result: [{ reference: 'Observation/o-90' }, { reference: 'Observation/o-120' }] };
    expect((await call('/DiagnosticReport/dr-1', { method: 'PUT', body: JSON.stringify(dr) })).status).to.equal(201);
    const inc = await search('/DiagnosticReport?_id=dr-1&_include=DiagnosticReport:result');
    expect(inc.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource!.id).sort()).to.deep.equal(['o-120', 'o-90']);
    const rev = await search('/Observation?_id=o-90&_revinclude=DiagnosticReport:result');
    expect(rev.entry!.filter((e) => e.search?.mode === 'include').map((e) => e.resource!.id)).to.deep.equal(['dr-1']);
    const bad = (await (await call('/Patient?_revinclude=Observation:code')).json()) as OperationOutcome;
    expect(bad.issue[0]!.diagnostics).to.contain('Observation:code').and.to.contain('Observation:patient');
  });

  it('_has: the resources that resources meeting a condition refer to (reverse chain, one level); a wrong reference parameter or inner parameter is 400 naming it', async () => {
    expect(matches(await search(`/Patient?_has:Observation:patient:value-quantity=gt100|${UCUM}|mg/dL`))).to.deep.equal(['q-ann']);
    expect(matches(await search(`/Patient?_has:Observation:patient:code=${LOINC}|2345-7&_sort=_id`))).to.deep.equal(['q-ann', 'q-bob']);
    expect(matches(await search('/Patient?_has:Observation:subject:value-quantity:missing=true'))).to.deep.equal(['q-bob']);
    expect(matches(await search(`/Patient?_has:Observation:patient:code=${LOINC}|2345-7&family=alp`))).to.deep.equal(['q-bob']);
    // The references the lab flow makes: the Observations a final report lists as results.
    const dr = { resourceType: 'DiagnosticReport', id: 'dr-has', status: 'final', code: { coding: [{ system: LOINC, code: '24323-8' }] }, subject: { reference: 'Patient/q-bob' }, result: [{ reference: 'Observation/o-54' }] };
    expect((await call('/DiagnosticReport/dr-has', { method: 'PUT', body: JSON.stringify(dr) })).status).to.equal(201);
    expect(matches(await search('/Observation?_has:DiagnosticReport:result:_id=dr-has'))).to.deep.equal(['o-54']);
    const oops = async (q: string) => {
      const r = await call(q);
      expect(r.status, q).to.equal(400);
      return ((await r.json()) as OperationOutcome).issue[0]!;
    };
    const wrongRef = await oops('/Patient?_has:Observation:code:status=final');
    expect(wrongRef.diagnostics).to.contain('_has:Observation:code:status').and.to.contain('patient');
    expect(wrongRef.expression).to.deep.equal(['_has:Observation:code:status']);
    expect((await oops('/Patient?_has:Observation:patient:colour=red')).diagnostics).to.contain('colour');
    expect((await oops('/Patient?_has:Observation=x')).diagnostics).to.contain('_has:<Type>:<reference parameter>:<parameter>');
    expect((await oops('/Patient?_has:Nothing:patient:code=x')).diagnostics).to.contain('Nothing');
  });

  it('a chain is complete however many targets match (more than a page of 1,000)', async function () {
    // 2,002 versioned writes with their index rows: seconds on a loaded 2-core machine, past mocha's 20 s default once.
    this.timeout(90_000);
    await gw().store.transaction(async (tx) => {
      for (let i = 0; i < 1001; i++) {
        await tx.resources.upsert({ resourceType: 'Patient', id: `chain-${i}`, name: [{ family: 'Chainfamily' }] } as Patient, null);
        await tx.resources.upsert(obs(`chain-o-${i}`, `chain-${i}`, { value: i, unit: 'mg/dL', system: UCUM, code: 'mg/dL' }), null);
      }
    });
    expect((await search('/Observation?patient.family=chainfamily&_summary=count')).total).to.equal(1001);
    expect((await search('/Observation?subject:Patient.family=chainfamily&value-quantity=ge1000&_summary=count')).total).to.equal(1);
  });

  it('the CapabilityStatement declares every parameter the issue lists, with its type, and the revincludes', async () => {
    const cs = (await (await call('/metadata')).json()) as CapabilityStatement;
    const want: Record<string, string[]> = {
      Patient: ['identifier', 'name', 'family', 'given', 'birthdate', 'gender', 'phone', 'email', 'address-postalcode'],
      Coverage: ['beneficiary', 'patient', 'payor', 'subscriber', 'identifier', 'status'],
      Appointment: ['date', 'patient', 'actor', 'practitioner', 'location', 'status', 'service-type', 'identifier'],
      Encounter: ['patient', 'date', 'class', 'identifier'],
      Claim: ['patient', 'created', 'status', 'provider', 'use'],
      DiagnosticReport: ['patient', 'code', 'date', 'status', 'category', 'identifier', 'based-on'],
      Observation: ['patient', 'code', 'date', 'value-quantity', 'category', 'status'],
    };
    for (const [type, params] of Object.entries(want)) {
      const r = cs.rest![0]!.resource!.find((x) => x.type === type)!;
      expect(r.searchParam!.map((p) => p.name), type).to.include.members(params);
    }
    const obsR = cs.rest![0]!.resource!.find((x) => x.type === 'Observation')!;
    expect(obsR.searchParam!.find((p) => p.name === 'value-quantity')!.type).to.equal('quantity');
    const patientHas = cs.rest![0]!.resource!.find((x) => x.type === 'Patient')!.searchParam!.find((p) => p.name === '_has');
    expect(patientHas?.type).to.equal('special');
    expect(patientHas?.documentation).to.contain('Observation:patient');
    expect(obsR.searchRevInclude).to.include('DiagnosticReport:result');
    expect(cs.rest![0]!.resource!.find((x) => x.type === 'Specimen')!.searchRevInclude).to.include.members(['Observation:specimen', 'DiagnosticReport:specimen']);
    const pat = cs.rest![0]!.resource!.find((x) => x.type === 'Patient')!;
    expect(pat.searchRevInclude).to.include.members(['Observation:patient', 'Coverage:beneficiary', 'Appointment:patient', 'Encounter:patient', 'Claim:patient', 'DiagnosticReport:patient']);
  });
});
