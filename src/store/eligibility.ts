/**
 * The store interface, eligibility: every inquiry sent for an appointment (a 270's 2000C/2000D
 * with its TRN-02 trace, or a FHIR CoverageEligibilityRequest) and the payer's latest answer (a
 * 271 or a CoverageEligibilityResponse), so the front desk sees the result before the patient
 * arrives. One row per trace; an answer no inquiry of ours asked for gets a row of its own.
 */
export type EligibilityStatus = 'pending' | 'active' | 'inactive' | 'rejected' | 'unknown';

export interface EligibilityInquiryRow {
  /** X12 TRN-02 of our 270 (echoed in the 271's TRN*2), or the CoverageEligibilityRequest identifier value. */
  trace: string;
  /** The CoverageEligibilityRequest.id, when the inquiry went as FHIR (an answer may reference it instead). */
  requestId?: string | null | undefined;
  appointmentId: string | null;
  /** Appointment.start (ISO), for the front desk's day list. */
  appointmentStart: string | null;
  /** `Patient/<id>`. */
  patientRef: string | null;
  /** YYYY-MM-DD the service is planned (270 DTP*291). */
  serviceDate: string | null;
  destination: string | null;
  format: 'x12' | 'fhir';
}

export interface EligibilityCheck extends Required<EligibilityInquiryRow> {
  /** `pending` until an answer arrives. */
  status: EligibilityStatus;
  /** The office eligibility record (profiles/office/eligibility.schema.json) of the latest answer. */
  record: Record<string, unknown> | null;
  /** The FHIR CoverageEligibilityResponse of the latest answer. */
  response: Record<string, unknown> | null;
  /** What the latest answer came as: `271` or `fhir`. */
  source: string | null;
  requestedAt: string | null;
  answeredAt: string | null;
}

export interface EligibilityAnswer {
  trace: string;
  /** A FHIR answer that references the request by id rather than identifier. */
  requestId?: string | undefined;
  status: Exclude<EligibilityStatus, 'pending'>;
  serviceDate?: string | undefined;
  record: Record<string, unknown>;
  response: Record<string, unknown>;
  source: '271' | 'fhir';
}

export interface EligibilityStore {
  /** Note inquiries as sent (status pending); a trace already there is left as it is. */
  recordInquiries(rows: EligibilityInquiryRow[], now: Date): Promise<void>;
  /**
   * Keep an answer on the inquiry it answers (by trace, else by request id); an answer to no
   * inquiry of ours gets a row of its own. Resolves to the row as stored and whether an inquiry matched.
   */
  recordAnswer(a: EligibilityAnswer, now: Date): Promise<{ check: EligibilityCheck; matched: boolean }>;
  get(trace: string): Promise<EligibilityCheck | undefined>;
  /** Every check of one appointment, the latest first. */
  forAppointment(appointmentId: string): Promise<EligibilityCheck[]>;
  /** By service date and appointment time; `serviceDate` YYYY-MM-DD narrows to one day. */
  list(filter?: { serviceDate?: string | undefined; limit?: number | undefined }): Promise<EligibilityCheck[]>;
  /** Retention: delete checks whose service date (else request time) is before `before` (YYYY-MM-DD). */
  purgeBefore(before: string): Promise<number>;
}
