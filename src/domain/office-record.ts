/**
 * The office records the verticals take and produce, one union told apart by `recordType`. Each
 * type lives beside the code that maps it (registration and merge instruction in
 * src/adapters/registration-record.ts, appointment, results-inbox item, billing encounter,
 * billing status, eligibility, payment posting); its JSON Schema in profiles/office/ (one per
 * recordType) is the contract the type describes.
 */
import type { MergeInstruction, RegistrationRecord } from '../adapters/registration-record.js';
import type { OfficeAppointment } from '../adapters/appointment-record.js';
import type { ResultsInboxItem } from '../adapters/results-inbox.js';
import type { BillingEncounter } from '../billing/encounter.js';
import type { BillingStatus } from '../flows/claim-response.js';
import type { EligibilityRecord } from '../eligibility/record.js';
import type { PaymentPosting } from '../x12/inbound/remit835.js';

export type OfficeRecord =
  | RegistrationRecord
  | MergeInstruction
  | OfficeAppointment
  | ResultsInboxItem
  | BillingEncounter
  | BillingStatus
  | EligibilityRecord
  | PaymentPosting;

export type OfficeRecordType = OfficeRecord['recordType'];

/** Every recordType, one per schema in profiles/office/ (test/domain/office-record.test.ts keeps the two in step). */
export const OFFICE_RECORD_TYPES = [
  'registration', 'merge-instruction', 'appointment', 'results-inbox-item', 'billing-encounter', 'billing-status', 'eligibility', 'payment-posting',
] as const satisfies readonly OfficeRecordType[];

/** Compile-time: the list names every member of the union (an unlisted recordType makes this line an error). */
type Unlisted = Exclude<OfficeRecordType, (typeof OFFICE_RECORD_TYPES)[number]>;
export const OFFICE_RECORD_TYPES_COMPLETE: [Unlisted] extends [never] ? true : Unlisted = true;
