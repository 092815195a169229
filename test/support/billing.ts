/** Shared fixtures for the billing tests: examples, a deep copy helper, and a fast-check arbitrary of valid superbills. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Issue } from '../../src/domain/issues.js';
import { errorCodeOf } from '../../src/domain/issues.js';
import { npiFromBase } from '../../src/billing/npi.js';
import type { BillingEncounter } from '../../src/billing/encounter.js';

export const TODAY = '2026-06-01';

export function example(name: string): BillingEncounter {
  return JSON.parse(readFileSync(`examples/office/${name}.json`, 'utf8')) as BillingEncounter;
}

export const EXAMPLES = ['billing-encounter-office-visit', 'billing-encounter-two-payers'];

export const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** "CODE@where" for each issue, to assert code and location together. */
export const at = (issues: Issue[]): string[] => issues.map((i) => `${errorCodeOf(i)}@${i.expression?.join(',')}`);
export const errorsOf = (issues: Issue[]): Issue[] => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));
/** Valid NPIs: 9 random digits and the Luhn check digit over 80840 + those digits. */
export const npiArb = digits(9).map(npiFromBase);
const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const alnum = [...upper, ...'0123456789'.split('')];
const letter = fc.constantFrom(...upper);
const ch = fc.constantFrom(...alnum);
const word = fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), { minLength: 1, maxLength: 8 }).map((a) => a.join(''))
  .map((w) => w[0]!.toUpperCase() + w.slice(1));
const words = fc.array(word, { minLength: 1, maxLength: 3 }).map((a) => a.join(' '));
const icd = fc.tuple(letter, fc.integer({ min: 0, max: 9 }), ch, fc.option(fc.array(ch, { minLength: 1, maxLength: 4 }).map((a) => a.join('')), { nil: undefined }))
  .map(([a, b, c, d]) => `${a}${b}${c}${d ? '.' + d : ''}`);
const cpt = fc.oneof(digits(5), digits(4).map((d) => d + 'F'), digits(4).map((d) => d + 'T'));
const hcpcs = fc.tuple(fc.constantFrom(...'ABCEGHJKLMPQRSTV'.split('')), digits(4)).map(([a, b]) => a + b);
const modifier = fc.tuple(ch, ch).map(([a, b]) => a + b);
const date = fc.date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2026-05-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const id = fc.array(fc.constantFrom(...alnum, '-'), { minLength: 1, maxLength: 12 }).map((a) => 'X' + a.join(''));
const pos = fc.constantFrom('11', '02', '10', '12', '19', '20', '21', '22', '23', '31', '49', '81', '99');

/** Valid office billing encounters: every field the adapter maps, optional ones present or not. */
export const encounterArb: fc.Arbitrary<BillingEncounter> = fc.record({
  dx: fc.array(icd, { minLength: 1, maxLength: 12 }),
  lineSeeds: fc.array(fc.record({
    code: fc.oneof(cpt, hcpcs),
    modifiers: fc.option(fc.array(modifier, { minLength: 0, maxLength: 4 }), { nil: undefined }),
    units: fc.integer({ min: 1, max: 40 }),
    chargeCents: fc.integer({ min: 1, max: 500_000 }),
    pointerSeeds: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 4 }),
    ownDate: fc.boolean(),
    ownPos: fc.option(pos, { nil: undefined }),
  }), { minLength: 1, maxLength: 12 }),
  encounterId: id,
  status: fc.option(fc.constantFrom('active', 'draft', 'cancelled', 'entered-in-error') as fc.Arbitrary<BillingEncounter['status']>, { nil: undefined }),
  priority: fc.option(fc.constantFrom('stat', 'normal', 'deferred') as fc.Arbitrary<BillingEncounter['priority']>, { nil: undefined }),
  created: fc.option(date, { nil: undefined }),
  patientMrn: id,
  patientFamily: word,
  patientGiven: fc.option(words, { nil: undefined }),
  patientBirthDate: fc.option(date, { nil: undefined }),
  patientAddress: fc.option(fc.record({ line1: words, line2: fc.option(words, { nil: undefined }), city: word, state: fc.constantFrom('IL', 'NY', 'TX'), zip: digits(5) }), { nil: undefined }),
  patientGender: fc.option(fc.constantFrom('male', 'female', 'other', 'unknown') as fc.Arbitrary<NonNullable<BillingEncounter['patientGender']>>, { nil: undefined }),
  dateOfService: date,
  spanDays: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  placeOfService: pos,
  renderingProviderNpi: npiArb,
  renderingProviderFamily: fc.option(word, { nil: undefined }),
  renderingProviderGiven: fc.option(words, { nil: undefined }),
  billingProviderNpi: npiArb,
  billingProviderName: fc.option(words, { nil: undefined }),
  priorAuthorization: fc.option(id, { nil: undefined }),
  frequency: fc.option(fc.constantFrom('replacement', 'void') as fc.Arbitrary<'replacement' | 'void'>, { nil: undefined }),
  payerClaimNumber: id,
  coverages: fc.array(fc.record({ payerId: id, payerName: fc.option(words, { nil: undefined }), memberId: id }), { minLength: 1, maxLength: 3 }),
  currency: fc.option(fc.constantFrom('USD', 'CAD'), { nil: undefined }),
}).map((g) => {
  // The first line's place of service is the claim's (a FHIR Claim has none of its own), so only later lines have their own.
  const lines = g.lineSeeds.map((s, n) => {
    const pointers = [...new Set(s.pointerSeeds.map((p) => (p % g.dx.length) + 1))];
    return {
      code: s.code,
      ...(s.modifiers ? { modifiers: s.modifiers } : {}),
      units: s.units,
      charge: s.chargeCents / 100,
      pointers,
      ...(s.ownDate ? { dateOfService: g.dateOfService } : {}),
      ...(n > 0 && s.ownPos ? { placeOfService: s.ownPos } : {}),
    };
  });
  const total = g.lineSeeds.reduce((a, s) => a + s.chargeCents, 0) / 100;
  const e: BillingEncounter = {
    recordType: 'billing-encounter',
    encounterId: g.encounterId,
    patientMrn: g.patientMrn,
    patientFamily: g.patientFamily,
    dateOfService: g.dateOfService,
    placeOfService: g.placeOfService,
    renderingProviderNpi: g.renderingProviderNpi,
    billingProviderNpi: g.billingProviderNpi,
    coverages: g.coverages.map((c) => ({ payerId: c.payerId, ...(c.payerName ? { payerName: c.payerName } : {}), memberId: c.memberId })),
    diagnoses: g.dx,
    lines,
    totalCharge: total,
  };
  const opt = { status: g.status, priority: g.priority, created: g.created, patientGiven: g.patientGiven, patientBirthDate: g.patientBirthDate, patientGender: g.patientGender,
    renderingProviderFamily: g.renderingProviderFamily, renderingProviderGiven: g.renderingProviderGiven, billingProviderName: g.billingProviderName,
    priorAuthorization: g.priorAuthorization, currency: g.currency };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (e as unknown as Record<string, unknown>)[k] = v;
  if (g.patientAddress) {
    Object.assign(e, { patientAddressLine1: g.patientAddress.line1, patientCity: g.patientAddress.city, patientState: g.patientAddress.state, patientPostalCode: g.patientAddress.zip });
    if (g.patientAddress.line2) e.patientAddressLine2 = g.patientAddress.line2;
  }
  if (g.frequency) {
    // A replacement or void names the payer's claim; a void is cancelled, a replacement is not.
    e.claimFrequency = g.frequency;
    e.payerClaimNumber = g.payerClaimNumber;
    if (g.frequency === 'void' && e.status !== undefined) e.status = 'cancelled';
    if (g.frequency === 'replacement' && e.status === 'cancelled') e.status = 'active';
  }
  if (g.spanDays !== undefined) {
    const end = new Date(Date.parse(g.dateOfService) + g.spanDays * 86_400_000).toISOString().slice(0, 10);
    e.dateOfServiceEnd = end;
  }
  return e;
});
