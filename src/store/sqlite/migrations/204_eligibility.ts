/**
 * 204: eligibility checks for the front desk: one row per inquiry we sent (270 trace or
 * CoverageEligibilityRequest identifier) with the appointment it was for, and the payer's latest
 * answer (271 or CoverageEligibilityResponse) as the office eligibility record and the FHIR resource.
 */
import type { Migration } from './index.js';

export const m204Eligibility: Migration = {
  id: 204,
  name: 'eligibility',
  sql: `
    CREATE TABLE eligibility_checks (
      trace TEXT PRIMARY KEY,
      request_id TEXT,
      appointment_id TEXT,
      appointment_start TEXT,
      patient_ref TEXT,
      service_date TEXT,
      destination TEXT,
      format TEXT NOT NULL,
      status TEXT NOT NULL,
      record TEXT,
      response TEXT,
      source TEXT,
      requested_at TEXT,
      answered_at TEXT
    );
    CREATE INDEX eligibility_by_day ON eligibility_checks (service_date, appointment_start);
    CREATE INDEX eligibility_by_appointment ON eligibility_checks (appointment_id);
    CREATE INDEX eligibility_by_request ON eligibility_checks (request_id);
  `,
};
