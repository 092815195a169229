import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Coverage, RelatedPerson } from 'fhir/r4.js';
import { registrationFromFhir, registrationToFhir, type RegistrationRecord } from '../../src/adapters/registration.js';
import { errorCodeOf, errorsOnly, formatIssue } from '../../src/domain/issues.js';
import { validateResource } from '../../src/validation/index.js';

const EXAMPLES = 'examples/office';
const examples = readdirSync(EXAMPLES).filter((f) => /^registration-.*\.json$/.test(f));
const load = (f: string) => JSON.parse(readFileSync(`${EXAMPLES}/${f}`, 'utf8')) as RegistrationRecord;

describe('registration adapters: office record <-> FHIR', () => {
  it('has examples', () => expect(examples.length).to.be.greaterThan(1));

  for (const f of examples) {
    it(`${f}: office -> FHIR -> office is equal, and every resource passes its profile`, () => {
      const rec = load(f);
      const fhir = registrationToFhir(rec);
      expect(errorsOnly(fhir.issues).map(formatIssue)).to.deep.equal([]);
      const r = fhir.value!;
      expect(errorsOnly(validateResource(r.patient, { profile: 'fd-patient' }))).to.deep.equal([]);
      for (const c of r.coverages) expect(errorsOnly(validateResource(c, { profile: 'fd-coverage' }))).to.deep.equal([]);
      const back = registrationFromFhir(r);
      expect(errorsOnly(back.issues)).to.deep.equal([]);
      expect(back.value).to.deep.equal(rec);
    });
  }

  it('gives the same ids for the same MRN, payer and member id, different ids otherwise', () => {
    const rec = load('registration-basic.json');
    const a = registrationToFhir(rec).value!;
    const b = registrationToFhir(structuredClone(rec)).value!;
    expect(a).to.deep.equal(b);
    const other = registrationToFhir({ ...rec, mrn: 'MRN-OTHER' }).value!;
    expect(other.patient.id).to.not.equal(a.patient.id);
    expect(other.coverages[0]!.id).to.not.equal(a.coverages[0]!.id);
    expect(other.organizations[0]!.id).to.equal(a.organizations[0]!.id); // same payer, same Organization
  });

  it('orders Coverages by policy order and links payer, beneficiary and subscriber', () => {
    const r = registrationToFhir(load('registration-two-policies.json')).value!;
    expect(r.coverages.map((c) => c.order)).to.deep.equal([1, 2]);
    const [primary, secondary] = r.coverages as [Coverage, Coverage];
    const rp = r.relatedPersons[0] as RelatedPerson;
    expect(primary.subscriber?.reference).to.equal(`RelatedPerson/${rp.id}`);
    expect(primary.relationship?.coding?.[0]?.code).to.equal('child');
    // The subscriber is the patient's parent (table 0063 PAR) when the patient is the subscriber's child.
    expect(rp.relationship?.[0]?.coding?.[0]?.code).to.equal('PAR');
    expect(rp.patient.reference).to.equal(`Patient/${r.patient.id}`);
    expect(secondary.subscriber?.reference).to.equal(`Patient/${r.patient.id}`);
    expect(secondary.beneficiary.reference).to.equal(`Patient/${r.patient.id}`);
    expect(r.organizations.map((o) => `Organization/${o.id}`)).to.include(primary.payor[0]!.reference);
    expect(primary.class?.map((c) => c.type.coding?.[0]?.code)).to.deep.equal(['group']);
  });

  it('maps race and ethnicity to US Core extensions and contacts with their roles', () => {
    const p = registrationToFhir(load('registration-basic.json')).value!.patient;
    const race = p.extension?.find((e) => e.url.endsWith('us-core-race'));
    expect(race?.extension?.[0]?.valueCoding).to.deep.include({ system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3' });
    expect(p.contact?.map((c) => c.relationship?.map((r) => r.coding?.[0]?.code))).to.deep.equal([['SPO', 'C'], ['SEL', 'BP']]);
    expect(p.maritalStatus?.coding?.[0]).to.deep.include({ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' });
  });

  it('rejects an invalid office record with issues at the fields, and a Patient lacking what the record needs', () => {
    const bad = { ...load('registration-basic.json'), sex: 'Q', birthDate: '1984-13-01' } as unknown as RegistrationRecord;
    const r = registrationToFhir(bad);
    expect(r.value).to.equal(undefined);
    const where = r.issues.map((i) => i.expression?.[0]);
    expect(where).to.include('sex');
    expect(where).to.include('birthDate');
    const noMember = structuredClone(load('registration-basic.json')) as unknown as { insurance: Array<Record<string, unknown>> };
    delete noMember.insurance[0]!.memberId;
    expect(registrationToFhir(noMember as unknown as RegistrationRecord).issues.map((i) => i.expression?.[0])).to.include('insurance[0].memberId');

    const fhir = registrationToFhir(load('registration-basic.json')).value!;
    const { gender: _g, ...noGender } = fhir.patient;
    const back = registrationFromFhir({ ...fhir, patient: noGender });
    expect(back.value).to.equal(undefined);
    expect(back.issues.map((i) => [errorCodeOf(i), i.expression?.[0]])).to.deep.include(['MAP_MISSING', 'Patient.gender']);
  });

  it('FHIR -> office trims padded values and drops the ones left empty, with or without anything to trim', () => {
    const fhir = registrationToFhir(load('registration-basic.json')).value!;
    const clean = registrationFromFhir(fhir).value!;
    const address = fhir.patient.address![0]!;
    const padded = {
      ...fhir,
      patient: { ...fhir.patient, address: [{ ...address, city: ` ${address.city} `, state: '\t', line: [`${address.line![0]}  `, ...address.line!.slice(1)] }] },
      coverages: fhir.coverages.map((c) => ({ ...c, subscriberId: ` ${c.subscriberId}` })),
    };
    const r = registrationFromFhir(padded);
    expect(errorsOnly(r.issues)).to.deep.equal([]);
    const { state: _state, ...withoutState } = clean;
    expect(r.value).to.deep.equal(withoutState);
    expect(r.value).to.not.have.property('state');
    // Nothing to trim: the same record, a fresh object each time.
    const again = registrationFromFhir(fhir).value!;
    expect(again).to.deep.equal(clean);
    expect(again).to.not.equal(clean);
  });
});
