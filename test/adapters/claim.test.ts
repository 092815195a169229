import { expect } from 'chai';
import fc from 'fast-check';
import type { Bundle, Claim } from 'fhir/r4.js';
import { claimToEncounter, encounterToClaim } from '../../src/adapters/claim.js';
import { claimBundleToEncounter, encounterToClaimBundle } from '../../src/adapters/claim-bundle.js';
import { normalizeEncounter, type BillingEncounter } from '../../src/billing/encounter.js';
import { claimEdits } from '../../src/billing/edits.js';
import { validateOfficeRecord, validateResource } from '../../src/validation/index.js';
import { EXAMPLES, TODAY, at, copy, encounterArb, errorsOf, example } from '../support/billing.js';

/** What a Claim alone carries: everything but the patient's demographics and the rendering provider's name parts (those live in the Bundle's Patient and Practitioner). */
function claimOnly(e: BillingEncounter): BillingEncounter {
  const n = normalizeEncounter(e) as unknown as Record<string, unknown>;
  for (const k of ['patientFamily', 'patientGiven', 'patientBirthDate', 'patientGender', 'patientAddressLine1', 'patientAddressLine2', 'patientCity', 'patientState', 'patientPostalCode', 'renderingProviderFamily', 'renderingProviderGiven']) delete n[k];
  return n as unknown as BillingEncounter;
}

function referencesResolve(b: Bundle): string[] {
  const urls = new Set((b.entry ?? []).map((e) => e.fullUrl));
  const bad: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string' && !urls.has(x)) bad.push(x);
        else walk(x);
      }
    }
  };
  for (const e of b.entry ?? []) walk(e.resource);
  return bad;
}

describe('billing: office billing encounter <-> FHIR Claim', () => {
  it('maps the office visit example to a professional claim', () => {
    const e = example('billing-encounter-office-visit');
    const r = encounterToClaim(e);
    expect(r.issues).to.deep.equal([]);
    const c = r.value!;
    expect(c.status).to.equal('active');
    expect(c.use).to.equal('claim');
    expect(c.type.coding?.[0]).to.include({ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' });
    expect(c.billablePeriod).to.deep.equal({ start: '2026-03-02', end: '2026-03-02' });
    expect(c.provider.identifier).to.deep.equal({ system: 'http://hl7.org/fhir/sid/us-npi', value: '1040000014' });
    expect(c.careTeam?.[0]?.provider.identifier?.value).to.equal('1234567893');
    expect(c.priority.coding?.[0]?.code).to.equal('normal');
    expect(c.insurance.map((i) => [i.sequence, i.focal])).to.deep.equal([[1, true]]);
    expect(c.insurance[0]!.coverage.identifier?.value).to.equal('W123456789');
    expect(c.diagnosis?.map((d) => [d.sequence, d.diagnosisCodeableConcept?.coding?.[0]?.system, d.diagnosisCodeableConcept?.coding?.[0]?.code]))
      .to.deep.equal([[1, 'http://hl7.org/fhir/sid/icd-10-cm', 'J06.9'], [2, 'http://hl7.org/fhir/sid/icd-10-cm', 'R05.9']]);
    const [i1, i2] = c.item!;
    expect(i1!.productOrService.coding?.[0]).to.deep.equal({ system: 'http://www.ama-assn.org/go/cpt', code: '99213' });
    expect(i1!.modifier?.[0]?.coding?.[0]?.code).to.equal('25');
    expect(i1!.diagnosisSequence).to.deep.equal([1, 2]);
    expect(i1!.quantity).to.deep.equal({ value: 1 });
    expect(i1!.unitPrice).to.deep.equal({ value: 125, currency: 'USD' });
    expect(i1!.net).to.deep.equal({ value: 125, currency: 'USD' });
    expect(i1!.servicedDate).to.equal('2026-03-02');
    expect(i1!.locationCodeableConcept?.coding?.[0]).to.include({ code: '11', display: 'Office' });
    expect(i2!.diagnosisSequence).to.deep.equal([1]);
    expect(c.total).to.deep.equal({ value: 160.5, currency: 'USD' });
  });

  it('orders insurance by coverage order (first focal), prior authorization on the focal one, HCPCS by its system', () => {
    const c = encounterToClaim(example('billing-encounter-two-payers')).value!;
    expect(c.insurance.map((i) => [i.sequence, i.focal, i.coverage.identifier?.value, i.preAuthRef])).to.deep.equal([
      [1, true, '1EG4TE5MK73', ['PA-77881']], [2, false, 'SUP-0044521', undefined],
    ]);
    expect(c.insurer?.identifier?.value).to.equal('MCR01');
    expect(c.item![2]!.productOrService.coding?.[0]).to.deep.equal({ system: 'urn:oid:2.16.840.1.113883.6.285', code: 'J3301' });
    expect(c.item![2]!.unitPrice).to.deep.equal({ value: 10, currency: 'USD' });
  });

  for (const name of EXAMPLES) {
    it(`${name}: the office record, the Claim and the claim Bundle are valid; edits pass; round trips are equal`, () => {
      const e = example(name);
      expect(errorsOf(validateOfficeRecord(e))).to.deep.equal([]);
      expect(claimEdits(e, { today: TODAY })).to.deep.equal([]);
      const claim = encounterToClaim(e).value!;
      expect(at(errorsOf(validateResource(claim, { profile: 'fd-claim' })))).to.deep.equal([]);
      expect(claimToEncounter(claim).value).to.deep.equal(claimOnly(e));
      const b = encounterToClaimBundle(e);
      expect(b.issues).to.deep.equal([]);
      expect(at(errorsOf(validateResource(b.value!)))).to.deep.equal([]);
      expect(referencesResolve(b.value!)).to.deep.equal([]);
      expect(claimEdits(b.value!, { today: TODAY })).to.deep.equal([]);
      expect(claimBundleToEncounter(b.value!).value).to.deep.equal(normalizeEncounter(e));
    });
  }

  it('a claim Bundle holds Claim, Patient, Coverage(s), payer(s), Practitioner and billing Organization with urn:uuid fullUrls', () => {
    const b = encounterToClaimBundle(example('billing-encounter-two-payers')).value!;
    expect(b.type).to.equal('collection');
    expect(b.entry!.map((e) => e.resource!.resourceType)).to.deep.equal(['Claim', 'Patient', 'Coverage', 'Coverage', 'Organization', 'Organization', 'Practitioner', 'Organization']);
    for (const e of b.entry!) expect(e.fullUrl).to.match(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const claim = b.entry![0]!.resource as Claim;
    expect(claim.patient.reference).to.equal(b.entry![1]!.fullUrl);
    const t = encounterToClaimBundle(example('billing-encounter-two-payers'), { type: 'transaction' }).value!;
    expect(t.entry!.every((e) => e.request?.method === 'PUT' && e.request.url === `${e.resource!.resourceType}/${e.resource!.id}`)).to.equal(true);
  });

  it('fd-claim (fd-clm-5): exactly one insurance is focal', () => {
    const c = encounterToClaim(example('billing-encounter-two-payers')).value!;
    c.insurance[1]!.focal = true;
    const errors = errorsOf(validateResource(c, { profile: 'fd-claim' }));
    expect(errors.map((i) => i.diagnostics?.slice(0, 9))).to.deep.equal(['fd-clm-5:']);
  });

  it('a line at another place of service keeps it (item.locationCodeableConcept); the first line\'s is the claim\'s', () => {
    const e = example('billing-encounter-office-visit');
    e.lines[1]!.placeOfService = '10';
    const c = encounterToClaim(e).value!;
    expect(c.item!.map((i) => i.locationCodeableConcept?.coding?.[0]?.code)).to.deep.equal(['11', '10']);
    const back = claimToEncounter(c);
    expect(back.issues).to.deep.equal([]);
    expect(back.value!.placeOfService).to.equal('11');
    expect(back.value!.lines.map((l) => l.placeOfService)).to.deep.equal([undefined, '10']);
    expect(claimEdits(e, { today: TODAY })).to.deep.equal([]);
    e.lines[1]!.placeOfService = '1O';
    expect(at(claimEdits(e, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@lines[1].placeOfService']);
    e.lines[1]!.placeOfService = '10';
    e.lines[0]!.placeOfService = '02';
    expect(at(claimEdits(e, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@lines[0].placeOfService']);
  });

  it('a replacement or void names the payer\'s claim (Claim.related prior by identifier); a void is cancelled; the edits require the number', () => {
    const e = example('billing-encounter-office-visit');
    e.claimFrequency = 'replacement';
    e.payerClaimNumber = '2026153000123';
    const c = encounterToClaim(e).value!;
    expect(c.status).to.equal('active');
    expect(c.related).to.deep.equal([{
      relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship', code: 'prior', display: 'Prior Claim' }] },
      claim: { identifier: { system: 'https://frontdesk.example.org/sid/payer-claim-number', value: '2026153000123' } },
    }]);
    expect([claimToEncounter(c).value!.claimFrequency, claimToEncounter(c).value!.payerClaimNumber]).to.deep.equal(['replacement', '2026153000123']);
    const v = encounterToClaim({ ...e, claimFrequency: 'void' }).value!;
    expect(v.status).to.equal('cancelled');
    expect(claimToEncounter(v).value!.claimFrequency).to.equal('void');
    expect(claimEdits(e, { today: TODAY })).to.deep.equal([]);
    expect(at(claimEdits({ ...e, payerClaimNumber: undefined }, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@payerClaimNumber']);
    expect(at(claimEdits({ ...e, claimFrequency: undefined }, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@payerClaimNumber']);
    expect(at(claimEdits({ ...e, claimFrequency: 'void', status: 'active' }, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@status']);
    expect(at(claimEdits({ ...e, status: 'cancelled' }, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@status']);
    expect(at(claimEdits({ ...c, related: [{ relationship: c.related![0]!.relationship }] }, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@Claim.related[0].claim.identifier.value']);
  });

  it('is deterministic: the same encounter gives the same Bundle', () => {
    const e = example('billing-encounter-office-visit');
    expect(encounterToClaimBundle(e).value).to.deep.equal(encounterToClaimBundle(copy(e)).value);
  });

  it('round trip office -> Claim -> office equals the normalized record for generated superbills (1,000 runs)', () => {
    fc.assert(fc.property(encounterArb, (e) => {
      const c = encounterToClaim(e);
      expect(c.issues).to.deep.equal([]);
      const back = claimToEncounter(c.value!);
      expect(back.issues).to.deep.equal([]);
      expect(back.value).to.deep.equal(claimOnly(e));
    }), { numRuns: 1000 });
  });

  it('round trip office -> claim Bundle -> office equals the normalized record, every field (1,000 runs)', () => {
    fc.assert(fc.property(encounterArb, (e) => {
      const b = encounterToClaimBundle(e);
      expect(referencesResolve(b.value!)).to.deep.equal([]);
      const back = claimBundleToEncounter(b.value!);
      expect(back.issues).to.deep.equal([]);
      expect(back.value).to.deep.equal(normalizeEncounter(e));
      expect(claimEdits(e, { today: TODAY })).to.deep.equal([]);
    }), { numRuns: 1000 });
  });

  it('generated claim Bundles pass the fd-claim-bundle profile and their office records the schema (200 runs)', () => {
    fc.assert(fc.property(encounterArb, (e) => {
      expect(at(errorsOf(validateOfficeRecord(e)))).to.deep.equal([]);
      expect(at(errorsOf(validateResource(encounterToClaimBundle(e).value!)))).to.deep.equal([]);
    }), { numRuns: 200 });
  });
});
