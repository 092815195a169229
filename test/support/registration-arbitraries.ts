/**
 * fast-check generators of valid office registration records (synthetic people only). Strings
 * include the HL7 delimiters (| ^ ~ \ &) so the ADT round trip exercises escaping.
 */
import fc from 'fast-check';
import type { InsurancePolicy, RegistrationRecord } from '../../src/adapters/registration.js';
import { OFFICE_ETHNICITY, OFFICE_MARITAL, OFFICE_RACE, OFFICE_SEX } from '../../src/adapters/registration-record.js';

const REL_0063 = ['SPO', 'CHD', 'PAR', 'SIB', 'FND', 'GRD', 'EMC', 'SEL', 'OTH', 'MTH', 'FTH', 'DOM'];

/** Trimmed text (schema: no leading/trailing space), with HL7 delimiters and punctuation. */
export const text = fc.stringMatching(/^[A-Za-z0-9'.,#|^~\\&/()@-]([A-Za-z0-9 '.,#|^~\\&/()@-]{0,14}[A-Za-z0-9'.|^~\\&-])?$/);
const word = fc.stringMatching(/^[A-Za-z][A-Za-z'-]{0,9}$/);
const words = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' '));
const date = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const system = fc.constantFrom('urn:oid:1.2.840.114350.1.13', 'urn:frontdesk:ns:CLINIC2', 'https://ehr.example.org/fhir/sid/mrn', 'urn:frontdesk:ns:GOOD%20HEALTH', 'http://hl7.org/fhir/sid/us-ssn');
const sex = fc.constantFrom(...OFFICE_SEX);

/** Optional keys: each present or absent. */
function opt<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 2 });
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A payer with an id (and maybe a name), or with a name only (schema: one of the two). */
const payer = fc.oneof(
  fc.record({
    payerId: text,
    payerIdSystem: opt(fc.constantFrom('urn:frontdesk:ns:PAYERID', 'urn:oid:2.16.840.1.113883.3.221.5', 'https://payers.example.org/id')),
    payerName: opt(text),
  }),
  fc.record({ payerId: fc.constant(undefined), payerIdSystem: fc.constant(undefined), payerName: text }),
);

const policyBody = fc.record({
  payer,
  memberId: text,
  groupNumber: opt(text),
  plan: opt(fc.record({ planId: text, planName: opt(text) })),
  effectiveDate: opt(date),
  expirationDate: opt(date),
  subscriber: fc.oneof(
    fc.constant(undefined),
    fc.record({
      subscriberRelationship: fc.constantFrom('spouse', 'child', 'parent', 'common', 'other' as const),
      subscriberFamilyName: text,
      subscriberGivenName: opt(text),
      subscriberBirthDate: opt(date),
      subscriberSex: opt(sex),
    }),
  ),
});

export const policies = fc.uniqueArray(policyBody, {
  maxLength: 3,
  // Distinct payers and distinct subscribers, so deterministic ids do not merge two policies' parties.
  comparator: (a, b) => (a.payer.payerId ?? a.payer.payerName!.toLowerCase()) === (b.payer.payerId ?? b.payer.payerName!.toLowerCase()) || (!!a.subscriber && !!b.subscriber && a.subscriber.subscriberFamilyName === b.subscriber.subscriberFamilyName),
}).map((list) => list.map((p, i): InsurancePolicy => clean({
  order: i + 1,
  payerId: p.payer.payerId,
  payerIdSystem: p.payer.payerIdSystem,
  payerName: p.payer.payerName,
  memberId: p.memberId,
  groupNumber: p.groupNumber,
  planId: p.plan?.planId,
  planName: p.plan?.planName,
  // Coverage.period (per-1): start <= end.
  effectiveDate: p.effectiveDate && p.expirationDate && p.effectiveDate > p.expirationDate ? p.expirationDate : p.effectiveDate,
  expirationDate: p.effectiveDate && p.expirationDate && p.effectiveDate > p.expirationDate ? p.effectiveDate : p.expirationDate,
  subscriberRelationship: 'self' as const,
  ...(p.subscriber ? clean(p.subscriber) : {}),
})));

const person = fc.record({ family: text, given: opt(text), relationship: opt(fc.constantFrom(...REL_0063)), phone: opt(text) });

export const registrationRecord: fc.Arbitrary<RegistrationRecord> = fc.record({
  mrn: text,
  mrnSystem: opt(system),
  otherIds: opt(fc.array(fc.record({ system, value: text, type: opt(fc.constantFrom('SS', 'DL', 'PI', 'MB', 'MR')) }).map(clean), { minLength: 1, maxLength: 2 })),
  familyName: text,
  given: opt(fc.record({ givenName: text, middleName: opt(words) })),
  prefix: opt(text),
  suffix: opt(text),
  birthDate: opt(date),
  sex,
  address: opt(fc.record({ addressLine1: text, addressLine2: opt(text) })),
  city: opt(text),
  state: opt(text),
  postalCode: opt(text),
  country: opt(text),
  homePhone: opt(text),
  mobilePhone: opt(text),
  workPhone: opt(text),
  email: opt(text),
  language: opt(fc.constantFrom('en', 'es', 'fr', 'vi', 'zh', 'es-MX', 'en-US')),
  maritalStatus: opt(fc.constantFrom(...OFFICE_MARITAL)),
  race: opt(fc.constantFrom(...OFFICE_RACE)),
  ethnicity: opt(fc.constantFrom(...OFFICE_ETHNICITY)),
  emergency: opt(person),
  guarantor: opt(person),
  insurance: policies,
}).map((r) => clean<RegistrationRecord>({
  recordType: 'registration',
  mrn: r.mrn,
  mrnSystem: r.mrnSystem,
  otherIds: r.otherIds,
  familyName: r.familyName,
  givenName: r.given?.givenName,
  middleName: r.given?.middleName,
  prefix: r.prefix,
  suffix: r.suffix,
  birthDate: r.birthDate,
  sex: r.sex,
  addressLine1: r.address?.addressLine1,
  addressLine2: r.address?.addressLine2,
  city: r.city,
  state: r.state,
  postalCode: r.postalCode,
  country: r.country,
  homePhone: r.homePhone,
  mobilePhone: r.mobilePhone,
  workPhone: r.workPhone,
  email: r.email,
  language: r.language,
  maritalStatus: r.maritalStatus,
  race: r.race,
  ethnicity: r.ethnicity,
  emergencyContactFamilyName: r.emergency?.family,
  emergencyContactGivenName: r.emergency?.given,
  emergencyContactRelationship: r.emergency?.relationship,
  emergencyContactPhone: r.emergency?.phone,
  guarantorFamilyName: r.guarantor?.family,
  guarantorGivenName: r.guarantor?.given,
  guarantorRelationship: r.guarantor?.relationship,
  guarantorPhone: r.guarantor?.phone,
  insurance: r.insurance.length ? r.insurance : undefined,
}));
