/**
 * Validation of scheduling outputs against their profiles: the Appointment against
 * fd-appointment, anything else (the Patient) against its own default profile.
 */
import type { Appointment, FhirResource } from 'fhir/r4.js';
import type { Issue } from '../../domain/issues.js';
import { validateResource } from '../../validation/index.js';
import { FD_APPOINTMENT_PROFILE } from '../../adapters/appointment.js';

export function validateOutput(resource: FhirResource): Issue[] {
  const profile = resource.resourceType === 'Appointment' ? FD_APPOINTMENT_PROFILE : undefined;
  return validateResource(resource, profile ? { profile } : {});
}

export function validateAppointment(a: Appointment): Issue[] {
  return validateOutput(a);
}
