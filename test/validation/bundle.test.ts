/** Bundles: the Bundle itself, then each entry against its own profile, expressions prefixed. */
import { expect } from 'chai';
import { errorCodeOf } from '../../src/domain/issues.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadValidator, validateResource } from '../../src/validation/index.js';
import { all, errors, example } from './helpers.js';

const CLAIM_BUNDLE = 'http://frontdesk.example.org/fhir/StructureDefinition/fd-claim-bundle';

describe('validation: Bundles', () => {
  it('the example claim-submission Bundle is valid against fd-claim-bundle', () => {
    expect(errors(validateResource(example('claim-bundle.json'), { profile: CLAIM_BUNDLE }))).to.deep.equal([]);
  });

  it('validates each entry against its own profile, with Bundle.entry[i].resource expressions', () => {
    const b = example('claim-bundle.json');
    delete b.entry[1].resource.gender; // the Patient (fd-patient via meta.profile)
    b.entry[0].resource.use = 'preauthorization'; // the Claim (fd-claim)
    expect(errors(validateResource(b))).to.deep.equal([
      'FHIR_FIXED@Bundle.entry[0].resource.use',
      'FHIR_REQUIRED@Bundle.entry[1].resource.gender',
    ]);
  });

  it('an entry without meta.profile gets the Frontdesk profile of its type', () => {
    const b = example('claim-bundle.json');
    delete b.entry[2].resource.meta; // Coverage
    delete b.entry[2].resource.subscriberId;
    expect(errors(validateResource(b))).to.deep.equal(['FHIR_REQUIRED@Bundle.entry[2].resource.subscriberId']);
  });

  it('fd-cb-2: exactly one Claim', () => {
    const b = example('claim-bundle.json');
    b.entry.push({ fullUrl: 'urn:uuid:6f1c2b9e-0a4d-4c1e-9b7a-1d2e3f4a5b99', resource: { ...b.entry[0].resource, id: 'claim-2' } });
    const issues = validateResource(b, { profile: 'fd-claim-bundle' });
    expect(errors(issues)).to.deep.equal(['FHIR_INVARIANT@Bundle']);
    expect(issues.find((i) => i.severity === 'error')!.diagnostics).to.match(/^fd-cb-2/);
  });

  it('fd-cb-3: a urn:uuid reference that resolves to no entry', () => {
    const b = example('claim-bundle.json');
    b.entry[0].resource.insurance[0].coverage.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000';
    const issues = validateResource(b, { profile: 'fd-claim-bundle' });
    expect(errors(issues)).to.deep.equal(['FHIR_INVARIANT@Bundle']);
    expect(issues.find((i) => i.severity === 'error')!.diagnostics).to.match(/^fd-cb-3/);
  });

  it('fd-cb-1: a searchset is not a claim submission', () => {
    const b = example('claim-bundle.json');
    b.type = 'searchset';
    expect(errors(validateResource(b, { profile: CLAIM_BUNDLE }))).to.deep.equal(['FHIR_INVARIANT@Bundle']);
  });

  it('a urn:uuid reference resolving to an entry of the wrong type is a reference-target error', () => {
    const b = example('claim-bundle.json');
    b.entry[0].resource.patient.reference = b.entry[2].fullUrl; // the Coverage
    expect(errors(validateResource(b))).to.deep.equal(['FHIR_REFERENCE_TARGET@Bundle.entry[0].resource.patient.reference']);
  });

  it('the base Bundle rules apply too (bdl-3: a transaction entry needs a request)', () => {
    const b = example('claim-bundle.json');
    b.type = 'transaction';
    const issues = validateResource(b, { profile: CLAIM_BUNDLE });
    expect(errors(issues)).to.deep.equal(['FHIR_INVARIANT@Bundle']);
    expect(issues.find((i) => i.severity === 'error')!.diagnostics).to.match(/^bdl-3/);
  });

  it('an entry that is not a resource is reported, not thrown', () => {
    const b = example('claim-bundle.json');
    b.entry[3].resource = { name: 'no resourceType' };
    const codes = validateResource(b).map((i) => `${errorCodeOf(i)}@${i.expression}`);
    expect(codes).to.include('FHIR_RESOURCE_TYPE@Bundle.entry[3].resource.resourceType');
    expect(all(validateResource(b)).filter((s) => s.startsWith('error'))).to.have.length(1);
  });

  it('a Bundle profile that names profiles for its entries decides for them, even against base R4 otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-entry-profiles-'));
    try {
      writeFileSync(join(dir, 'patient-bundle.json'), JSON.stringify({
        resourceType: 'StructureDefinition', id: 'patient-bundle', url: 'http://practice.example.org/StructureDefinition/patient-bundle',
        name: 'PatientBundle', status: 'active', kind: 'resource', abstract: false, type: 'Bundle',
        baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Bundle', derivation: 'constraint',
        differential: { element: [
          { id: 'Bundle', path: 'Bundle' },
          { id: 'Bundle.entry.resource', path: 'Bundle.entry.resource', type: [{ code: 'Resource', profile: ['http://frontdesk.example.org/fhir/StructureDefinition/fd-patient'] }] },
        ] },
      }));
      loadValidator({ extraProfileDir: dir });
      const b = { resourceType: 'Bundle', type: 'collection', entry: [
        { fullUrl: 'urn:uuid:8d0f6f4e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', gender: 'female' } },
        { fullUrl: 'urn:uuid:8d0f6f4e-0000-4000-8000-000000000002', resource: { resourceType: 'Basic', code: { text: 'x' } } },
      ] };
      expect(errors(validateResource(b, { profile: 'patient-bundle', otherwise: 'base' }))).to.deep.equal([
        'FHIR_REQUIRED@Bundle.entry[0].resource.identifier', 'FHIR_REQUIRED@Bundle.entry[0].resource.name',
      ]);
      expect(errors(validateResource(b, { otherwise: 'base' })), 'without the Bundle profile: base types').to.deep.equal([]);
    } finally {
      loadValidator();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
