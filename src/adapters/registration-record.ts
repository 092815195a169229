/**
 * The office registration record (recordType "registration") and the merge instruction
 * (recordType "merge-instruction"). Their JSON Schemas are profiles/office/registration.schema.json
 * and profiles/office/merge-instruction.schema.json; keep these types and those files in step.
 */

/** HL7 table 0001 subset the office uses. */
export const OFFICE_SEX = ['F', 'M', 'O', 'U'] as const;
export type OfficeSex = (typeof OFFICE_SEX)[number];

/** FHIR v3-MaritalStatus codes that round-trip through HL7 table 0002. */
export const OFFICE_MARITAL = ['A', 'D', 'I', 'L', 'M', 'S', 'T', 'U', 'W'] as const;
export type OfficeMaritalStatus = (typeof OFFICE_MARITAL)[number];

/** CDC race OMB categories (table 0005) and ethnicity (table 0189). */
export const OFFICE_RACE = ['1002-5', '2028-9', '2054-5', '2076-8', '2106-3', '2131-1'] as const;
export const OFFICE_ETHNICITY = ['2135-2', '2186-5'] as const;

/** FHIR subscriber-relationship codes (Coverage.relationship). */
export const SUBSCRIBER_RELATIONSHIP = ['self', 'spouse', 'child', 'parent', 'common', 'other'] as const;
export type SubscriberRelationship = (typeof SUBSCRIBER_RELATIONSHIP)[number];

export interface OtherId {
  system: string;
  value: string;
  /** HL7 table 0203 (CX.5). */
  type?: string;
}

export interface InsurancePolicy {
  /** 1 primary, 2 secondary, ... (Coverage.order, IN1.22). */
  order: number;
  payerId?: string;
  payerIdSystem?: string;
  payerName?: string;
  /** Member id / policy number on the card (IN1.36, Coverage.subscriberId). */
  memberId: string;
  groupNumber?: string;
  planId?: string;
  planName?: string;
  effectiveDate?: string;
  expirationDate?: string;
  subscriberRelationship: SubscriberRelationship;
  /** Subscriber when not the patient (RelatedPerson). */
  subscriberFamilyName?: string;
  subscriberGivenName?: string;
  subscriberBirthDate?: string;
  subscriberSex?: OfficeSex;
}

export interface RegistrationRecord {
  recordType: 'registration';
  mrn: string;
  /** Default PRACTICE_MRN_SYSTEM. */
  mrnSystem?: string;
  otherIds?: OtherId[];
  familyName: string;
  givenName?: string;
  middleName?: string;
  prefix?: string;
  suffix?: string;
  birthDate?: string;
  sex: OfficeSex;
  addressLine1?: string;
  addressLine2?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
  homePhone?: string;
  mobilePhone?: string;
  workPhone?: string;
  email?: string;
  /** BCP-47 tag. */
  language?: string;
  maritalStatus?: OfficeMaritalStatus;
  race?: string;
  ethnicity?: string;
  emergencyContactFamilyName?: string;
  emergencyContactGivenName?: string;
  /** HL7 table 0063. */
  emergencyContactRelationship?: string;
  emergencyContactPhone?: string;
  guarantorFamilyName?: string;
  guarantorGivenName?: string;
  /** HL7 table 0063. */
  guarantorRelationship?: string;
  guarantorPhone?: string;
  insurance?: InsurancePolicy[];
}

export interface MergeInstruction {
  recordType: 'merge-instruction';
  survivingMrn: string;
  survivingMrnSystem: string;
  survivingPatientId: string;
  retiredMrn: string;
  retiredMrnSystem: string;
  retiredPatientId: string;
  /** FHIRPaths of references to the retired Patient that must point to the surviving one. */
  moveReferences: string[];
  /** Office record types whose patient MRN must change from retiredMrn to survivingMrn. */
  moveOfficeRecords?: string[];
  /** Filled when the gateway applied the merge to its store: `Type/id` of each resource re-pointed to the survivor. */
  repointed?: string[];
  event?: string;
  eventDateTime?: string;
  messageControlId?: string;
}

/** The practice's own MRN system (HL7 assigning authority FRONTDESK, mappings/tables/assigning-authority.json). */
export { PRACTICE_MRN_SYSTEM } from '../flows/patient-from-pid.js';
