import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Bundle, Claim } from 'fhir/r4.js';
import { encounterToClaim } from '../../src/adapters/claim.js';
import { encounterToClaimBundle } from '../../src/adapters/claim-bundle.js';
import { claimEdits, todayIn } from '../../src/billing/edits.js';
import { errorCodeOf } from '../../src/domain/issues.js';
import { validateResource } from '../../src/validation/index.js';
import type { BillingEncounter } from '../../src/billing/encounter.js';
import { TODAY, at, copy, example } from '../support/billing.js';

const base = (): BillingEncounter => example('billing-encounter-office-visit');
const edits = (e: BillingEncounter) => claimEdits(e, { today: TODAY });
const change = (f: (e: BillingEncounter) => void): BillingEncounter => { const e = copy(base()); f(e); return e; };

describe('billing: pre-submission claim edits', () => {
  it('the examples pass every edit', () => {
    expect(edits(base())).to.deep.equal([]);
    expect(edits(example('billing-encounter-two-payers'))).to.deep.equal([]);
  });

  describe('bad input: clear issues naming the element, no crash', () => {
    it('a line pointing at diagnosis 5 of 3', () => {
      const e = change((x) => { x.diagnoses = ['J06.9', 'R05.9', 'R50.9']; x.lines[0]!.pointers = [1, 5]; });
      const issues = edits(e);
      expect(at(issues)).to.deep.equal(['CLAIM_EDIT@lines[0].pointers[1]']);
      expect(issues[0]!.diagnostics).to.equal('Line 1 points at diagnosis 5 of 3.');
      // The same claim as FHIR: the edit names Claim.item[0].diagnosisSequence[1]; the profile's fd-clm-2 agrees.
      const claim = encounterToClaim(e).value!;
      expect(at(claimEdits(claim, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@Claim.item[0].diagnosisSequence[1]']);
      expect(validateResource(claim, { profile: 'fd-claim' }).some((i) => i.diagnostics?.startsWith('fd-clm-2'))).to.equal(true);
    });

    it('a negative charge (and the total no longer checked against it)', () => {
      const e = change((x) => { x.lines[1]!.charge = -35.5; x.totalCharge = 89.5; });
      const issues = edits(e);
      expect(at(issues)).to.deep.equal(['CLAIM_EDIT@lines[1].charge']);
      expect(issues[0]!.diagnostics).to.contain('-35.5 is not a positive amount');
      expect(at(claimEdits(encounterToClaim(e).value!, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@Claim.item[1].net']);
    });

    it('a malformed NPI and one with a wrong check digit', () => {
      const e = change((x) => { x.renderingProviderNpi = '12345'; x.billingProviderNpi = '1040000015'; });
      const issues = edits(e);
      expect(at(issues)).to.deep.equal(['CLAIM_EDIT@renderingProviderNpi', 'CLAIM_EDIT@billingProviderNpi']);
      expect(issues[0]!.diagnostics).to.contain('is not 10 digits');
      expect(issues[1]!.diagnostics).to.contain('check digit');
      expect(at(claimEdits(encounterToClaim(e).value!, { today: TODAY }))).to.deep.equal([
        'CLAIM_EDIT@Claim.careTeam[0].provider.identifier.value', 'CLAIM_EDIT@Claim.provider.identifier.value',
      ]);
    });

    it('missing and wrong get different messages (never `Place of service ""`)', () => {
      const missing = edits(change((x) => { delete (x as { placeOfService?: string }).placeOfService; x.renderingProviderNpi = ''; }));
      expect(missing.map((i) => i.diagnostics)).to.deep.equal(['Rendering provider NPI is missing.', 'Place of service is missing (a CMS place-of-service code, e.g. 11 for an office).']);
      const wrong = edits(change((x) => { x.placeOfService = '99x'; }));
      expect(wrong.map((i) => i.diagnostics)).to.deep.equal(['Place of service "99x" is not a CMS place-of-service code.']);
    });

    it('a claim with no insurance', () => {
      const e = change((x) => { x.coverages = []; });
      expect(at(edits(e))).to.deep.equal(['CLAIM_EDIT@coverages']);
      const claim = encounterToClaim(e);
      expect(claim.value, 'still converts, so every problem is reported at once').to.not.equal(undefined);
      expect(at(claim.issues)).to.deep.equal(['MAP_MISSING@coverages']);
      expect(at(claimEdits(claim.value!, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@Claim.insurance']);
      const profile = validateResource(claim.value!, { profile: 'fd-claim' }).filter((i) => i.severity === 'error');
      expect(profile.map((i) => i.expression?.[0])).to.include.members(['Claim.insurance', 'Claim.insurer']);
      const bundle = encounterToClaimBundle(e);
      expect(at(claimEdits(bundle.value!, { today: TODAY }))).to.deep.equal(['CLAIM_EDIT@Bundle.entry[0].resource.insurance']);
    });
  });

  it('ICD-10-CM, CPT/HCPCS and modifier forms', () => {
    const e = change((x) => {
      x.diagnoses = ['J06.9', '786.2', 'j069', 'S52.521A', 'E1165'];
      x.lines[0]!.code = '9921';
      x.lines[0]!.modifiers = ['25', 'X', 'lt'];
      x.lines[1]!.code = 'W1234';
      x.lines[1]!.pointers = [4, 5];
    });
    expect(at(edits(e))).to.deep.equal([
      'CLAIM_EDIT@diagnoses[1]', 'CLAIM_EDIT@diagnoses[2]',
      'CLAIM_EDIT@lines[0].code', 'CLAIM_EDIT@lines[0].modifiers[1]', 'CLAIM_EDIT@lines[0].modifiers[2]',
      'CLAIM_EDIT@lines[1].code',
    ]);
  });

  it('accepts CPT category II/III and HCPCS Level II forms', () => {
    const e = change((x) => { x.lines[0]!.code = '3044F'; x.lines[1]!.code = '0042T'; });
    expect(edits(e)).to.deep.equal([]);
    expect(edits(change((x) => { x.lines[0]!.code = 'G0439'; }))).to.deep.equal([]);
  });

  it('at most 12 diagnoses, 4 pointers and 4 modifiers; no pointer twice; at least one pointer', () => {
    const e = change((x) => {
      x.diagnoses = Array.from({ length: 13 }, (_, i) => `R${String(10 + i)}.0`);
      x.lines[0]!.pointers = [1, 2, 3, 4, 5];
      x.lines[0]!.modifiers = ['25', '59', 'LT', 'RT', 'XS'];
      x.lines[1]!.pointers = [2, 2];
    });
    expect(at(edits(e))).to.deep.equal([
      'CLAIM_EDIT@diagnoses', 'CLAIM_EDIT@lines[0].modifiers[4]', 'CLAIM_EDIT@lines[0].pointers', 'CLAIM_EDIT@lines[1].pointers[1]',
    ]);
    expect(at(edits(change((x) => { x.lines[0]!.pointers = []; })))).to.deep.equal(['CLAIM_EDIT@lines[0].pointers']);
  });

  it('total must equal the sum of the lines (to the cent)', () => {
    expect(edits(change((x) => { x.totalCharge = 160.49; })).map((i) => i.diagnostics)).to.deep.equal(['Total charge 160.49 is not the sum of the lines (160.50).']);
    // Floating point: 0.1 + 0.2 is 0.30 in cents.
    expect(edits(change((x) => { x.lines[0]!.charge = 0.1; x.lines[1]!.charge = 0.2; x.totalCharge = 0.3; }))).to.deep.equal([]);
  });

  it('date of service not in the future (claim and lines), and a real date', () => {
    expect(at(edits(change((x) => { x.dateOfService = '2026-06-02'; })))).to.deep.equal(['CLAIM_EDIT@dateOfService']);
    expect(at(edits(change((x) => { x.lines[1]!.dateOfService = '2027-01-01'; })))).to.deep.equal(['CLAIM_EDIT@lines[1].dateOfService']);
    expect(at(edits(change((x) => { x.dateOfService = '03/02/2026'; })))).to.deep.equal(['CLAIM_EDIT@dateOfService']);
    expect(edits(change((x) => { x.dateOfService = TODAY; }))).to.deep.equal([]);
  });

  it('member id present on every coverage; Bundle input names the Coverage entry', () => {
    const e = change((x) => { x.coverages.push({ payerId: 'SUP02', memberId: ' ' }); });
    expect(at(edits(e))).to.deep.equal(['CLAIM_EDIT@coverages[1].memberId']);
    const noMember = change((x) => { x.coverages[0]!.memberId = ''; });
    const b = encounterToClaimBundle(noMember).value!;
    const cov = b.entry!.findIndex((x) => x.resource?.resourceType === 'Coverage');
    expect(at(claimEdits(b, { today: TODAY }))).to.deep.equal([`CLAIM_EDIT@Bundle.entry[${cov}].resource.subscriberId`]);
  });

  it('place of service must be a CMS code (data table)', () => {
    expect(at(edits(change((x) => { x.placeOfService = '30'; })))).to.deep.equal(['CLAIM_EDIT@placeOfService']);
    expect(at(edits(change((x) => { x.placeOfService = '1'; })))).to.deep.equal(['CLAIM_EDIT@placeOfService']);
    expect(edits(change((x) => { x.placeOfService = '02'; }))).to.deep.equal([]);
  });

  it('today is the practice calendar date (todayIn), and by default the latest date anywhere', () => {
    const now = new Date('2026-03-02T03:30:00Z');
    expect(todayIn('America/New_York', now)).to.equal('2026-03-01');
    expect(todayIn('Europe/Berlin', now)).to.equal('2026-03-02');
    expect(todayIn('Not/AZone', now)).to.equal('2026-03-02');
    const latest = new Date(Date.now() + 14 * 3_600_000).toISOString().slice(0, 10);
    expect(claimEdits(change((x) => { x.dateOfService = latest; x.lines.forEach((l) => { l.dateOfService = latest; }); }))).to.deep.equal([]);
  });

  it('units must be positive', () => {
    expect(at(edits(change((x) => { x.lines[0]!.units = 0; })))).to.deep.equal(['CLAIM_EDIT@lines[0].units']);
  });

  it('a Claim naming providers and coverage only by unresolvable reference: those edits are not checked, not failed', () => {
    const claim = JSON.parse(readFileSync('examples/fhir/claim.json', 'utf8')) as Claim;
    const issues = claimEdits(claim, { today: TODAY });
    expect(at(issues)).to.deep.equal([
      'FHIR_NOT_CHECKED@Claim.careTeam[0].provider.identifier.value', 'FHIR_NOT_CHECKED@Claim.provider.identifier.value',
      'FHIR_NOT_CHECKED@Claim.insurance[0].coverage.identifier.value',
    ]);
    expect(issues.every((i) => i.severity === 'information')).to.equal(true);
    // In a Bundle the references resolve and the edits run.
    const bundle = JSON.parse(readFileSync('examples/fhir/claim-bundle.json', 'utf8')) as Bundle;
    expect(claimEdits(bundle, { today: TODAY })).to.deep.equal([]);
  });

  it('every edit issue is a CLAIM_EDIT error; garbage input does not crash', () => {
    const e = change((x) => { x.renderingProviderNpi = 'x'; x.diagnoses = ['?']; x.lines[0]!.charge = 0; x.coverages = []; });
    const issues = edits(e);
    expect(issues.length).to.be.greaterThan(3);
    for (const i of issues) { expect(errorCodeOf(i)).to.equal('CLAIM_EDIT'); expect(i.severity).to.equal('error'); expect(i.code).to.equal('business-rule'); }
    const junk = { recordType: 'billing-encounter' } as unknown as BillingEncounter;
    expect(() => claimEdits(junk)).to.not.throw();
    expect(claimEdits(junk).length).to.be.greaterThan(5);
    expect(() => claimEdits({ resourceType: 'Claim' } as Claim)).to.not.throw();
    expect(() => claimEdits({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Claim', item: [{}] } }] } as unknown as Bundle)).to.not.throw();
    expect(claimEdits({ resourceType: 'Patient' })).to.deep.equal([]);
    expect(claimEdits(null)).to.deep.equal([]);
  });
});
