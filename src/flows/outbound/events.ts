/**
 * Which HL7v2 trigger event an office change becomes when it is sent to an EHR. Decided from how
 * the change moved the stored resources (created, updated, unchanged), never from the record
 * alone, so re-posting the same record sends nothing and a replay adds nothing.
 *
 *   registration  Patient created -> A04 (register a patient); otherwise changed -> A08 (update
 *                 patient information). With registrationEvents "person": A28 / A31 (HL7 v2.5.1
 *                 3.3.28 / 3.3.31, person-level, no visit).
 *   appointment   created -> S12 (new booking), or S15 / S26 / S17 when it arrives cancelled / no-show /
 *                 deleted; updated -> S15 cancelled, S26 no-show, S17 deleted (entered-in-error),
 *                 S13 rescheduled (start, end or duration moved while booked), otherwise S14 (modified).
 *   billing       Claim created or changed -> P03 (post detail financial transaction).
 *   merge         each office merge instruction -> A40 (merge patient, patient identifier list).
 */
import type { Appointment, Resource } from 'fhir/r4.js';

export type Change = 'created' | 'updated' | 'unchanged';

/** What persisting one output did to one stored resource. */
export interface ResourceChange {
  resourceType: string;
  id: string;
  change: Change;
  /** The stored resource before this output (absent when created). */
  prior?: Resource | undefined;
  /** The resource as this output wrote it. */
  current?: Resource | undefined;
}

export type RegistrationEvents = 'patient' | 'person';

const REGISTRATION_TYPES = new Set(['Patient', 'Coverage', 'RelatedPerson', 'Organization']);

const changed = (c: ResourceChange) => c.change !== 'unchanged';

export function registrationEvent(changes: readonly ResourceChange[], mode: RegistrationEvents): string | undefined {
  const mine = changes.filter((c) => REGISTRATION_TYPES.has(c.resourceType));
  if (!mine.some(changed)) return undefined;
  const created = mine.find((c) => c.resourceType === 'Patient')?.change === 'created';
  if (mode === 'person') return created ? 'A28' : 'A31';
  return created ? 'A04' : 'A08';
}

/** SIU events a status alone decides, whatever came before (mappings/appointment-status.json `outbound`). */
const STATUS_EVENTS: Partial<Record<Appointment['status'], string>> = { cancelled: 'S15', noshow: 'S26', 'entered-in-error': 'S17' };

export function appointmentEvent(changes: readonly ResourceChange[]): string | undefined {
  const c = changes.find((x) => x.resourceType === 'Appointment');
  if (!c || !changed(c)) return undefined;
  const now = c.current as Appointment | undefined;
  const before = c.prior as Appointment | undefined;
  const byStatus = now ? STATUS_EVENTS[now.status] : undefined;
  if (c.change === 'created' || !before) return byStatus ?? 'S12';
  if (byStatus && before.status !== now!.status) return byStatus;
  if (byStatus) return 'S14'; // still cancelled (or no-show): something else about it changed
  const moved = before.start !== now!.start || before.end !== now!.end || before.minutesDuration !== now!.minutesDuration;
  // S13 means "rescheduled and booked" (the status table's rule); a move of an arrived visit is a modification.
  return moved && now!.status === 'booked' ? 'S13' : 'S14';
}

export function billingEvent(changes: readonly ResourceChange[]): string | undefined {
  return changes.some((c) => c.resourceType === 'Claim' && changed(c)) ? 'P03' : undefined;
}
