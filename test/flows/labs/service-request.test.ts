import { expect } from 'chai';
import type { Observation, Organization, Practitioner, ServiceRequest } from 'fhir/r4.js';
import { converters } from '../../../src/flows/registry.js';
import { emptyLookup, officeOf } from '../../../src/flows/types.js';
import { organizationIdByIdentifier, practitionerId } from '../../../src/fhir/ids.js';
import { convert, errors, observations, reports, resources } from '../../support/labs.js';

const MSH = 'MSH|^~\\&|ACMELAB|ACME Reference Lab|FRONTDESK|SFP|20240301163000-0500||ORU^R01|SR1|P|2.5.1';
const PID = 'PID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin||19850412|F';
const ORC = 'ORC|RE|ORD77^FDORDERS|LAB77^ACMELAB||CM||||20240229101500-0500|||1234567893^Carter^Dana^Q^Jr^Dr^^^NPI^L^^^NPI';
// OBR-6 requested time, OBR-16 another provider (ORC-12 wins), OBR-25 F, OBR-31 two reasons.
const OBR = 'OBR|1|ORD77^FDORDERS|LAB77^ACMELAB|2345-7^Glucose^LN||20240301070000-0500|20240301081500-0500|||||||||9999999991^Other^Pat^^^^^^NPI^L^^^NPI||||||20240301163000-0500|||F||||||R73.9^Hyperglycemia^I10~Z00.00^Routine exam^I10';
const TQ1 = 'TQ1|1||||||20240301073000-0500';
// OBX-23 performing lab with a CLIA number (XON-7 CLIA, XON-10), OBX-24 its address, OBX-25 the medical director.
const OBX = 'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F|||20240301081500-0500|||||||||ACME Reference Lab^^^^^CLIA&2.16.840.1.113883.4.7&ISO^CLIA^^^05D0123456|100 Main St^^Springfield^IL^62701^USA|5551234^Ruiz^Ana^^^Dr^^^ACMELAB';
const msg = (...segs: string[]) => [MSH, PID, ...segs].join('\r');

describe('labs: ORC/OBR -> ServiceRequest, OBX-23/24/25 -> performer Organization and Practitioner', () => {
  const out = convert(msg(ORC, OBR, TQ1, OBX));
  const b = out.bundle;
  const sr = resources<ServiceRequest>(b, 'ServiceRequest')[0]!;
  const entryOf = (r: unknown) => b.entry!.find((e) => e.resource === r)!;

  it('converts without errors; every resource passes its profile', () => {
    expect(errors(out.issues)).to.deep.equal([]);
  });

  it('maps the order: identifiers PLAC/FILL, status ORC-5, intent, code OBR-4, subject, reasons OBR-31, authoredOn ORC-9, occurrence TQ1-7', () => {
    expect(sr.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.value])).to.deep.equal([['FILL', 'LAB77'], ['PLAC', 'ORD77']]);
    expect(sr.status).to.equal('completed');
    expect(sr.intent).to.equal('order');
    expect(sr.code?.coding?.[0]).to.deep.include({ system: 'http://loinc.org', code: '2345-7' });
    expect(sr.subject.reference).to.equal(b.entry!.find((e) => e.resource?.resourceType === 'Patient')!.fullUrl);
    expect(sr.reasonCode?.map((c) => c.coding?.[0]?.code)).to.deep.equal(['R73.9', 'Z00.00']);
    expect(sr.authoredOn).to.equal('2024-02-29T10:15:00-05:00');
    expect(sr.occurrenceDateTime).to.equal('2024-03-01T07:30:00-05:00');
  });

  it('without TQ1 the occurrence is OBR-6; without ORC-5 the status follows OBR-25', () => {
    const noTq1 = resources<ServiceRequest>(convert(msg(OBR, OBX)).bundle, 'ServiceRequest')[0]!;
    expect(noTq1.occurrenceDateTime).to.equal('2024-03-01T07:00:00-05:00');
    expect(noTq1.status).to.equal('completed');
    const prelim = resources<ServiceRequest>(convert(msg(OBR.replace('|||F|', '|||P|'), OBX)).bundle, 'ServiceRequest')[0]!;
    expect(prelim.status).to.equal('active');
    const held = convert(msg(ORC.replace('||CM||', '||HD||'), OBR, OBX));
    expect(resources<ServiceRequest>(held.bundle, 'ServiceRequest')[0]!.status).to.equal('on-hold');
    const odd = convert(msg(ORC.replace('||CM||', '||ZZ||'), OBR, OBX));
    expect(resources<ServiceRequest>(odd.bundle, 'ServiceRequest')[0]!.status).to.equal('completed');
    expect(odd.issues.filter((i) => i.severity === 'warning').map((i) => i.expression?.[0])).to.include('ORC.5');
  });

  it('requester: ORC-12 (over OBR-16) as a Practitioner, conditional create by NPI, deterministic id', () => {
    const [p] = resources<Practitioner>(b, 'Practitioner').filter((x) => x.identifier?.[0]?.value === '1234567893');
    expect(p!.id).to.equal(practitionerId('http://hl7.org/fhir/sid/us-npi', '1234567893'));
    expect(p!.name?.[0]).to.deep.equal({ family: 'Carter', given: ['Dana', 'Q'], suffix: ['Jr'], prefix: ['Dr'] });
    expect(entryOf(p).request).to.deep.equal({ method: 'POST', url: 'Practitioner', ifNoneExist: 'identifier=http://hl7.org/fhir/sid/us-npi|1234567893' });
    expect(sr.requester?.reference).to.equal(entryOf(p).fullUrl);
    const fromObr = resources<ServiceRequest>(convert(msg(OBR, OBX)).bundle, 'ServiceRequest')[0]!;
    expect(fromObr.requester?.display).to.equal('Pat Other');
  });

  it('DiagnosticReport.basedOn references the ServiceRequest entry', () => {
    expect(reports(b)[0]!.basedOn?.[0]?.reference).to.equal(entryOf(sr).fullUrl);
  });

  it('OBX-23/24 -> a performing Organization with its CLIA number and address; OBX-25 -> a Practitioner; both in Observation.performer', () => {
    const org = resources<Organization>(b, 'Organization')[0]!;
    expect(org.identifier).to.deep.equal([{ system: 'urn:oid:2.16.840.1.113883.4.7', value: '05D0123456' }]);
    expect(org.id).to.equal(organizationIdByIdentifier('urn:oid:2.16.840.1.113883.4.7', '05D0123456'));
    expect(org.name).to.equal('ACME Reference Lab');
    expect(org.address?.[0]).to.deep.include({ city: 'Springfield', state: 'IL', postalCode: '62701', line: ['100 Main St'] });
    const director = resources<Practitioner>(b, 'Practitioner').find((x) => x.identifier?.[0]?.value === '5551234')!;
    expect(director.name?.[0]?.family).to.equal('Ruiz');
    const obs = observations(b)[0] as Observation;
    expect(obs.performer?.map((r) => r.reference)).to.deep.equal([entryOf(org).fullUrl, entryOf(director).fullUrl]);
  });

  it('DiagnosticReport.performer references the performing Organization (OBX-23) and its medical director (OBX-25), each once, with their names', () => {
    const org = resources<Organization>(b, 'Organization')[0]!;
    const director = resources<Practitioner>(b, 'Practitioner').find((x) => x.identifier?.[0]?.value === '5551234')!;
    const second = OBX.replace('OBX|1|NM|2345-7^Glucose^LN||95', 'OBX|2|NM|2160-0^Creatinine^LN||0.9');
    const two = convert(msg(ORC, OBR, TQ1, OBX, second)).bundle;
    for (const bundle of [b, two]) {
      expect(reports(bundle)[0]!.performer).to.deep.equal([
        { reference: entryOf(org).fullUrl, display: 'ACME Reference Lab' },
        { reference: entryOf(director).fullUrl, display: 'Dr Ana Ruiz' },
      ]);
    }
    // The inbox still names the lab.
    expect(out.office[0]).to.deep.include({ performer: 'ACME Reference Lab' });
    // Without OBX-23 the report keeps the sending facility (MSH-4) as a name only.
    const noLab = convert(msg(OBR, 'OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F')).bundle;
    expect(reports(noLab)[0]!.performer).to.deep.equal([{ display: 'ACME Reference Lab' }]);
  });

  it('an OBX-23 without an id is an Organization by name; an XCN without XCN-1 stays a display', () => {
    const bare = OBX.replace(/\|ACME Reference Lab\^[^|]*\|/, '|Small Lab|').replace(/5551234\^/, '^');
    const o = convert(msg(OBR, bare));
    expect(errors(o.issues)).to.deep.equal([]);
    const org = resources<Organization>(o.bundle, 'Organization')[0]!;
    expect(org.identifier).to.equal(undefined);
    expect(org.name).to.equal('Small Lab');
    expect(observations(o.bundle)[0]!.performer?.at(-1)).to.deep.equal({ display: 'Dr Ana Ruiz' });
  });

  it('the same message twice gives the same ids (a replay upserts)', () => {
    const again = convert(msg(ORC, OBR, TQ1, OBX)).bundle;
    expect(again.entry!.map((e) => e.resource!.id)).to.deep.equal(b.entry!.map((e) => e.resource!.id));
  });

  it('round trip ORU -> Bundle -> inbox: the ordering provider ORC-12 comes back from ServiceRequest.requester', () => {
    const conv = converters.find((c) => c.accepts({ kind: 'fhir', resource: b }))!;
    const r = conv.convert({ kind: 'fhir', resource: b }, 'office', { timezone: 'UTC', lookup: emptyLookup });
    expect(errors(r.issues)).to.deep.equal([]);
    const rec = officeOf(r.value)?.[0];
    expect(rec).to.deep.include({ orderingProviderId: '1234567893', orderingProviderName: 'Dr Dana Q Carter Jr' });
    expect(rec).to.deep.equal(out.office[0]);
  });

  it('no PID: no ServiceRequest (its subject is required), basedOn stays the placer identifier', () => {
    const o = convert([MSH, OBR, OBX].join('\r'));
    expect(resources<ServiceRequest>(o.bundle, 'ServiceRequest')).to.deep.equal([]);
    expect(reports(o.bundle)[0]!.basedOn).to.deep.equal([{ type: 'ServiceRequest', identifier: { system: 'urn:frontdesk:ns:FDORDERS', value: 'ORD77' } }]);
  });
});
