/**
 * Validation of scheduling outputs against their profiles (fd-appointment, the Patient's own).
 *
 * Logical references: R4 allows a Reference with only an identifier (a practitioner by NPI, a
 * room by code). The R4 text of ref-1 (`reference.startsWith('#').not() or ...`) evaluates to
 * empty, not true, when `reference` is absent, and a validator that counts empty as failure then
 * rejects every logical reference; R5 fixed the rule as `reference.exists() implies (...)`. We
 * apply the R5 reading: a ref-1 issue on a Reference without `reference` is dropped.
 */
import type { Appointment, FhirResource } from 'fhir/r4.js';
import type { Issue } from '../../domain/issues.js';
import { validateResource } from '../../validation/index.js';
import { FD_APPOINTMENT_PROFILE } from '../../adapters/appointment.js';

/** The value at a FHIRPath like `Appointment.participant[1].actor` (simple paths only). */
function at(resource: unknown, path: string): unknown {
  let o: unknown = resource;
  for (const step of path.split('.').slice(1)) {
    const m = /^([A-Za-z]+)(?:\[(\d+)\])?$/.exec(step);
    if (!m || typeof o !== 'object' || o === null) return undefined;
    o = (o as Record<string, unknown>)[m[1]!];
    if (m[2] !== undefined) o = Array.isArray(o) ? o[+m[2]] : undefined;
    else if (Array.isArray(o)) o = o[0];
  }
  return o;
}

export function isLogicalRefFalsePositive(resource: unknown, i: Issue): boolean {
  if (!i.diagnostics?.startsWith('ref-1:')) return false;
  const where = i.expression?.[0];
  if (!where) return false;
  const ref = at(resource, where) as { reference?: unknown } | undefined;
  return typeof ref === 'object' && ref !== null && ref.reference === undefined;
}

/** Validate a resource (Appointment against fd-appointment), R5 reading of ref-1. */
export function validateOutput(resource: FhirResource): Issue[] {
  const profile = resource.resourceType === 'Appointment' ? FD_APPOINTMENT_PROFILE : undefined;
  return validateResource(resource, profile ? { profile } : {}).filter((i) => !isLogicalRefFalsePositive(resource, i));
}

export function validateAppointment(a: Appointment): Issue[] {
  return validateOutput(a);
}
