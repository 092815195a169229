/**
 * Writes the claim Bundles behind the 837P golden files (examples/x12/claim-*.json) from the
 * office billing examples, adding what an 837P needs that a superbill does not carry (the
 * patient's address; a subscriber other than the patient). Synthetic people only.
 * Run: node --import tsx scripts/x12-examples.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Bundle, Coverage, Patient } from 'fhir/r4.js';
import { encounterToClaimBundle, urnFor } from '../src/adapters/claim-bundle.js';
import { coverageToFhir } from '../src/adapters/coverage.js';
import { PAYER_ID_SYSTEM } from '../src/adapters/claim.js';
import type { BillingEncounter } from '../src/billing/encounter.js';

const office = (n: string): BillingEncounter => JSON.parse(readFileSync(`examples/office/${n}.json`, 'utf8')) as BillingEncounter;
const ADDRESS = { use: 'home' as const, line: ['12 Synthetic Lane'], city: 'Springfield', state: 'IL', postalCode: '62704' };

function withAddress(b: Bundle): Bundle {
  for (const e of b.entry ?? []) if (e.resource?.resourceType === 'Patient') (e.resource as Patient).address = [ADDRESS];
  return b;
}

function write(name: string, b: Bundle): void {
  writeFileSync(`examples/x12/${name}.json`, `${JSON.stringify(b, null, 2)}\n`);
}

// 1. One service line.
const single = office('billing-encounter-office-visit');
single.encounterId = 'ENC-2026-000201';
single.lines = [{ code: '99213', units: 1, charge: 125, pointers: [1] }];
single.diagnoses = ['J06.9'];
single.totalCharge = 125;
write('claim-single-line', withAddress(encounterToClaimBundle(single).value!));

// 2. Several lines with modifiers and pointers (the office visit superbill plus a two-modifier line).
const several = office('billing-encounter-office-visit');
several.encounterId = 'ENC-2026-000202';
several.diagnoses = ['J06.9', 'R05.9', 'M25.561', 'Z23'];
several.lines = [
  ...several.lines,
  { code: '20610', modifiers: ['RT', '59'], units: 1, charge: 210, pointers: [3, 1, 2, 4] },
  { code: 'J1030', units: 2, charge: 30.5, pointers: [3] },
];
several.totalCharge = 125 + 35.5 + 210 + 30.5;
write('claim-several-lines', withAddress(encounterToClaimBundle(several).value!));

// 3. The patient is not the subscriber: a child covered by a parent's plan.
const child = office('billing-encounter-office-visit');
child.encounterId = 'ENC-2026-000203';
child.patientMrn = 'MRN-100990';
child.patientFamily = 'Testchild';
child.patientGiven = 'Sam';
child.patientBirthDate = '2015-07-21';
child.patientGender = 'male';
const childBundle = withAddress(encounterToClaimBundle(child).value!);
const patient = childBundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as Patient;
const dependent = coverageToFhir({
  order: 1, payerId: '60054', payerIdSystem: PAYER_ID_SYSTEM, payerName: 'Synthetic Health Plan', memberId: 'W123456789', groupNumber: 'GRP-4410',
  subscriberRelationship: 'child', subscriberFamilyName: 'Testparent', subscriberGivenName: 'Morgan', subscriberBirthDate: '1984-02-03', subscriberSex: 'F',
}, patient.id!);
const covEntry = childBundle.entry!.find((e) => e.resource?.resourceType === 'Coverage')!;
const cov = covEntry.resource as Coverage;
const rp = dependent.subscriber!;
rp.patient = { reference: urnFor(patient) };
cov.relationship = dependent.coverage.relationship!;
cov.subscriber = { reference: urnFor(rp) };
cov.class = dependent.coverage.class!;
childBundle.entry!.push({ fullUrl: urnFor(rp), resource: rp });
write('claim-patient-not-subscriber', childBundle);

// 4. Secondary coverage (2320/2330): the two-payer superbill.
write('claim-secondary-coverage', withAddress(encounterToClaimBundle(office('billing-encounter-two-payers')).value!));

// 5. A line at another place of service (SV1-05): an office visit, then a telehealth follow-up
//    in the patient's home (POS 10) on the claim of the office visit (POS 11, CLM05-1).
const tele = office('billing-encounter-office-visit');
tele.encounterId = 'ENC-2026-000205';
tele.dateOfServiceEnd = '2026-03-04';
tele.lines = [
  { code: '99213', units: 1, charge: 125, pointers: [1, 2] },
  { code: '99212', modifiers: ['95'], units: 1, charge: 90, pointers: [1], dateOfService: '2026-03-04', placeOfService: '10' },
];
tele.totalCharge = 215;
write('claim-line-place-of-service', withAddress(encounterToClaimBundle(tele).value!));

// 6. A replacement (CLM05-3 7) of the single-line claim the payer holds as 2026153000123 (its 835
//    CLP-07): the corrected charge, with REF*F8; 7. a void (CLM05-3 8) of that claim.
const replacement = office('billing-encounter-office-visit');
replacement.encounterId = 'ENC-2026-000201';
replacement.lines = [{ code: '99214', units: 1, charge: 165, pointers: [1] }];
replacement.diagnoses = ['J06.9'];
replacement.totalCharge = 165;
replacement.claimFrequency = 'replacement';
replacement.payerClaimNumber = '2026153000123';
write('claim-replacement', withAddress(encounterToClaimBundle(replacement).value!));
const voided = { ...single, claimFrequency: 'void' as const, payerClaimNumber: '2026153000123' };
write('claim-void', withAddress(encounterToClaimBundle(voided).value!));
