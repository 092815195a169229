/**
 * The parties of a claim that registration owns: Patient, Coverage(s) and payer Organization(s)
 * (and a subscriber RelatedPerson when there is one). Built with registration's own codecs
 * (patientToFhir, coverageToFhir) from the encounter's patient and coverage fields, so a claim
 * Bundle's Patient and Coverage have the same ids as the ones registration stores. A DFT gives
 * its Patient (patientFromPid) instead.
 */
import type { Coverage, Organization, Patient, Resource } from 'fhir/r4.js';
import type { Result } from '../domain/issues.js';
import type { BillingEncounter } from '../billing/encounter.js';
import { coverageToFhir } from './coverage.js';
import { patientToFhir } from './patient.js';
import type { InsurancePolicy, OfficeSex, RegistrationRecord } from './registration-record.js';
import { PAYER_ID_SYSTEM } from './claim.js';

export interface ClaimParties {
  patient: Patient;
  coverages: Coverage[];
  payers: Organization[];
  /** Other resources the parties reference (e.g. a subscriber RelatedPerson). */
  extra: Resource[];
}

const SEX: Record<NonNullable<BillingEncounter['patientGender']>, OfficeSex> = { female: 'F', male: 'M', other: 'O', unknown: 'U' };

/** The registration-record view of the encounter's patient (what patientToFhir needs). */
export function registrationPart(e: BillingEncounter): Omit<RegistrationRecord, 'insurance'> {
  const [givenName, ...middle] = (e.patientGiven ?? '').split(' ').filter(Boolean);
  return {
    recordType: 'registration',
    mrn: e.patientMrn,
    familyName: e.patientFamily ?? '',
    ...(givenName ? { givenName } : {}),
    ...(middle.length ? { middleName: middle.join(' ') } : {}),
    ...(e.patientBirthDate ? { birthDate: e.patientBirthDate } : {}),
    sex: SEX[e.patientGender ?? 'unknown'],
    ...(e.patientAddressLine1 ? { addressLine1: e.patientAddressLine1 } : {}),
    ...(e.patientAddressLine2 ? { addressLine2: e.patientAddressLine2 } : {}),
    ...(e.patientCity ? { city: e.patientCity } : {}),
    ...(e.patientState ? { state: e.patientState } : {}),
    ...(e.patientPostalCode ? { postalCode: e.patientPostalCode } : {}),
  };
}

export function claimParties(e: BillingEncounter, given?: Patient): Result<ClaimParties> {
  let patient = given;
  if (!patient) {
    patient = patientToFhir(registrationPart(e));
    // Without a sex the Patient says 'unknown' (fd-patient requires gender; 837P DMG03 allows U).
    // Without a family name there is no name: the profile then reports it at the Patient entry.
    if (!e.patientFamily && patient.name?.[0]) {
      delete patient.name[0].family;
      if (!patient.name[0].given?.length) delete patient.name;
    }
  }
  const payers: Organization[] = [];
  const extra: Resource[] = [];
  const coverages = e.coverages.map((c, k) => {
    const policy: InsurancePolicy = {
      order: k + 1,
      payerId: c.payerId,
      payerIdSystem: PAYER_ID_SYSTEM,
      ...(c.payerName ? { payerName: c.payerName } : {}),
      memberId: c.memberId,
      subscriberRelationship: 'self',
    };
    const r = coverageToFhir(policy, patient!.id!);
    if (!c.memberId) delete r.coverage.subscriberId;
    if (!payers.some((p) => p.id === r.payer.id)) payers.push(r.payer);
    if (r.subscriber) extra.push(r.subscriber);
    return r.coverage;
  });
  return { value: { patient, coverages, payers, extra }, issues: [] };
}
