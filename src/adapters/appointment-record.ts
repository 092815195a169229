/**
 * The office appointment record (recordType "appointment"): what a practice-management export
 * holds for one slot. Flat and CSV-friendly; its JSON Schema is profiles/office/appointment.schema.json.
 */
import type { OfficeAppointmentStatus } from './appointment-status.js';

export const OFFICE_APPOINTMENT_TYPES = ['new', 'follow-up', 'routine', 'walk-in', 'checkup', 'emergency', 'telehealth'] as const;
export type OfficeAppointmentType = (typeof OFFICE_APPOINTMENT_TYPES)[number];

export interface OfficeAppointment {
  recordType: 'appointment';
  /** The appointment id in the scheduling system that owns the slot (the filler, SCH-2). */
  id: string;
  /** Namespace (URI) of `id` when it is not the office's own (e.g. an EHR that sent the SIU). */
  idSystem?: string;
  /** The requesting system's id for the same appointment (the placer, SCH-1). */
  placerId?: string;
  placerSystem?: string;
  /** Medical record number of the patient (PID-3, type MR). */
  patientMrn: string;
  /** National Provider Identifier of the practitioner seen (AIP-3). */
  providerNpi?: string;
  /** "Given Family" as the office shows it. */
  providerName?: string;
  /** Room or site code (AIL-3.1). */
  location?: string;
  /** Start with UTC offset (local times take the practice timezone). */
  start?: string;
  end?: string;
  durationMinutes?: number;
  /** Appointment reason (SCH-7, table 0276 or the local NEW/TELEHEALTH). */
  type?: OfficeAppointmentType;
  /** Appointment type as the EHR sent it (SCH-8, table 0277 e.g. Normal/Tentative, or a local 99zzz table). */
  appointmentTypeCode?: string;
  /** Code system URI of appointmentTypeCode (kept as sent; a local CWE-3 stays urn:frontdesk:cs:<name>). */
  appointmentTypeSystem?: string;
  appointmentTypeText?: string;
  /** What is booked (AIS-3), e.g. a CPT or local service code. */
  serviceCode?: string;
  /** Code system URI of serviceCode (default: local, no system). */
  serviceSystem?: string;
  serviceText?: string;
  /** Reason for visit (PV2-3); ICD-10-CM unless reasonSystem says otherwise. */
  reasonCode?: string;
  reasonSystem?: string;
  reasonText?: string;
  status: OfficeAppointmentStatus;
  cancellationReason?: string;
  notes?: string;
}
