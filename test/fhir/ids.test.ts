/** src/fhir/ids.ts: one rule per resource type, from the business identifier. */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { encounterToClaimBundle, claimBundleToEncounter } from '../../src/adapters/claim-bundle.js';
import type { BillingEncounter } from '../../src/billing/encounter.js';
import { patientId, payerOrganizationId, coverageId, deterministicId, referenceOf, urnForReference, urnOf } from '../../src/fhir/ids.js';

describe('fhir/ids: deterministic ids from business identifiers', () => {
  it('the same identifier gives the same id; FHIR id syntax', () => {
    expect(patientId({ system: 's', value: 'A1' })).to.equal(patientId({ system: 's', value: 'A1' }));
    expect(patientId({ system: 's', value: 'A1' })).to.not.equal(patientId({ system: 's', value: 'A2' }));
    expect(patientId({ system: 's', value: 'A1' })).to.match(/^patient-[0-9a-f]{32}$/);
    expect(deterministicId('Patient', 's', 'A1')).to.equal(patientId({ system: 's', value: 'A1' }));
  });

  it('ids are the SHA-256 of the parts joined by U+001F, as made with createHash (non-ASCII text included)', () => {
    // Pinned ids: a change of the hash would change every stored id (see the file comment of ids.ts).
    expect(deterministicId('Patient', 's', 'A1')).to.equal(`patient-${createHash('sha256').update('Patient\u001fs\u001fA1').digest('hex').slice(0, 32)}`);
    fc.assert(fc.property(fc.constantFrom('Patient', 'Observation', 'urn'), fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.integer(), fc.constant(undefined)), { maxLength: 6 }), (kind, parts) => {
      const input = [kind, ...parts.map((p) => (p === undefined ? '' : String(p)))].join('\u001f');
      expect(deterministicId(kind, ...parts)).to.equal(`${kind.toLowerCase()}-${createHash('sha256').update(input).digest('hex').slice(0, 32)}`);
    }), { numRuns: 500 });
  });

  it('a remembered id is the hash of its joined input: asked again, with parts that join to the same text, and past the memory\'s bound', () => {
    const hashOf = (input: string): string => createHash('sha256').update(input).digest('hex').slice(0, 32);
    const want = `observation-${hashOf('Observation\u001fF\u001fsys\u001fLAB-1\u001f\u001f2345-7\u001f\u001f1')}`;
    for (let i = 0; i < 3; i++) expect(deterministicId('Observation', 'F', 'sys', 'LAB-1', undefined, '2345-7', '', 1)).to.equal(want);
    // The same text split otherwise (one part holding the separator; '' for undefined; '1' for 1).
    expect(deterministicId('Observation', 'F\u001fsys', 'LAB-1', '', '2345-7', undefined, '1')).to.equal(want);
    expect(deterministicId('Observation', 'F', 'sys', 'LAB-1', '', '2345-7', '', '1')).to.equal(want);
    // A prefix of a remembered path is an id of its own.
    expect(deterministicId('Observation', 'F', 'sys')).to.equal(`observation-${hashOf('Observation\u001fF\u001fsys')}`);
    // More ids than it remembers (10,000): the memory starts again and every id is still the hash.
    for (let i = 0; i < 10_050; i++) deterministicId('Patient', 'bound', i);
    expect(deterministicId('Patient', 'bound', 3)).to.equal(`patient-${hashOf('Patient\u001fbound\u001f3')}`);
    expect(deterministicId('Observation', 'F', 'sys', 'LAB-1', undefined, '2345-7', '', 1)).to.equal(want);
  });

  it('urnOf(type, id) is urnForReference(`type/id`), remembered or not, and tells types with the same id apart', () => {
    const hex = createHash('sha256').update('urn\u001fObservation/observation-1').digest('hex').slice(0, 32);
    expect(urnOf('Observation', 'observation-1')).to.equal(`urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`);
    expect(urnOf('Patient', 'x')).to.not.equal(urnOf('Practitioner', 'x'));
    fc.assert(fc.property(fc.constantFrom('Patient', 'Observation', 'Practitioner'), fc.string(), (type, id) => {
      expect(urnOf(type, id)).to.equal(urnForReference(`${type}/${id}`));
      expect(urnOf(type, id)).to.equal(urnForReference(`${type}/${id}`)); // the second time from the Map
    }), { numRuns: 300 });
  });

  it('referenceOf(type, id) is `type/id`, remembered or not', () => {
    fc.assert(fc.property(fc.constantFrom('Observation', 'Specimen', 'Patient'), fc.string(), (type, id) => {
      expect(referenceOf(type, id)).to.equal(`${type}/${id}`);
      expect(referenceOf(type, id)).to.equal(`${type}/${id}`);
    }), { numRuns: 300 });
    expect(referenceOf('Observation', 'a')).to.not.equal(referenceOf('Specimen', 'a'));
  });

  it('a payer Organization id includes its name: same payer id with and without a name are two payers; case and spacing are not', () => {
    const withName = payerOrganizationId('60054', 'sys', 'Aetna');
    expect(withName).to.not.equal(payerOrganizationId('60054', 'sys', undefined));
    expect(withName).to.equal(payerOrganizationId('60054', 'sys', '  AETNA '));
    expect(withName).to.not.equal(payerOrganizationId('60054', 'other', 'Aetna'));
    expect(coverageId('p', withName, 'M1')).to.not.equal(coverageId('p', payerOrganizationId('60054', 'sys', undefined), 'M1'));
  });

  it('round trip office -> claim Bundle -> office keeps two coverages with the same payer id apart (was: seed 587357280)', () => {
    const e = {
      recordType: 'billing-encounter', encounterId: 'XA', patientMrn: 'XA', patientFamily: 'A', dateOfService: '2015-01-01', placeOfService: '11',
      renderingProviderNpi: '0000000006', billingProviderNpi: '0000000006',
      coverages: [{ payerId: 'XA', payerName: 'A', memberId: 'XA' }, { payerId: 'XA', memberId: 'XA' }],
      diagnoses: ['A0A'], lines: [{ code: '00000', units: 1, charge: 0.01, pointers: [1] }], totalCharge: 0.01,
    } as unknown as BillingEncounter;
    const back = claimBundleToEncounter(encounterToClaimBundle(e).value!);
    expect(back.issues).to.deep.equal([]);
    expect(back.value!.coverages).to.deep.equal([{ payerId: 'XA', payerName: 'A', memberId: 'XA' }, { payerId: 'XA', memberId: 'XA' }]);
  });
});
