/**
 * Appointment reminders: for every booked appointment starting within the lead time, one hand-off
 * record (table `reminders`) for the office's text or email tool: when (in the practice's
 * timezone), where, with whom, and how to reach the patient. The tool sends; we only hand off.
 * A reminder whose appointment was cancelled since is marked cancelled. With
 * `jobs.reminderDestination` (an http destination) each record, and a later cancellation, is also
 * sent to the tool through the outbox and the record is marked handed-off.
 */
import type { Appointment, ContactPoint, Location, Patient, Practitioner } from 'fhir/r4.js';
import type { ReminderRecord, Store } from '../store/index.js';
import type { JobDeps, JobSummary } from './context.js';
import { appointments, locationText, participant, patientName, practitionerName, type Resources } from './resources.js';
import { localDateTimeText } from './time.js';
import { withWorker } from './with-worker.js';

export type { ReminderRecord } from '../store/index.js';

/** How to reach the patient: a mobile number first (texts), then any phone, then email. */
function contactOf(p: Patient | undefined): string | undefined {
  const t: ContactPoint[] = (p?.telecom ?? []).filter((c) => c.value && c.use !== 'old');
  const pick = t.find((c) => (c.system === 'sms' || c.system === 'phone') && c.use === 'mobile')
    ?? t.find((c) => c.system === 'sms' || c.system === 'phone') ?? t.find((c) => c.system === 'email');
  return pick ? `${pick.system}:${pick.value}` : undefined;
}

export async function buildReminder(store: Resources, a: Appointment, timeZone: string, practiceName: string | undefined, now: Date): Promise<ReminderRecord> {
  const p = await participant<Patient>(store, a, 'Patient');
  const patient = p?.resource;
  const patientRef = patient ? `Patient/${patient.id}` : p?.ref.reference;
  const prac = await participant<Practitioner>(store, a, 'Practitioner');
  const provider = practitionerName(prac?.resource) ?? prac?.ref.display;
  const loc = await participant<Location>(store, a, 'Location');
  const place = locationText(loc?.resource) ?? loc?.ref.display;
  const when = localDateTimeText(new Date(a.start!), timeZone);
  const who = patientName(patient);
  const message = [
    `${who ? `Hello ${who}, this` : 'This'} is a reminder of your appointment on ${when}`,
    provider ? ` with ${provider}` : '',
    place ? ` at ${place}` : '',
    practiceName ? `. ${practiceName}` : '',
    '.',
  ].join('');
  return {
    appointmentId: a.id!, patientRef: patientRef ?? null, patientName: who ?? null, contact: contactOf(patient) ?? null,
    startsAt: new Date(a.start!).toISOString(), place: place ?? null, provider: provider ?? null, message, state: 'ready', createdAt: now.toISOString(),
  };
}

export async function runReminders(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const until = new Date(now.getTime() + deps.config.jobs.reminderLeadHours * 3_600_000);
  const dest = deps.config.jobs.reminderDestination;
  // With a reminder destination, each record (and a later cancellation) goes to the office tool through the outbox.
  const handOff = async (tables: Pick<Store, 'outbox'>, r: ReminderRecord, key: string) => {
    if (!dest) return;
    await tables.outbox.enqueue({ destination: dest, kind: 'reminder', payload: JSON.stringify({ recordType: 'appointment-reminder', ...r }), contentType: 'application/json', idempotencyKey: key }, now);
  };
  let created = 0;
  let cancelled = 0;
  for (const a of await appointments(deps.store.resources)) {
    if (!a.id || !a.start) continue;
    const appointmentId = a.id;
    if (a.status === 'cancelled' || a.status === 'noshow' || a.status === 'entered-in-error') {
      // The cancellation and its hand-off commit together.
      cancelled += await deps.store.transaction(async (tx) => {
        const rows = await tx.reminders.cancel(appointmentId);
        for (const row of rows) await handOff(tx, { ...row, state: 'cancelled' }, `reminder-cancel:${appointmentId}`);
        return rows.length;
      });
      continue;
    }
    if (a.status !== 'booked') continue;
    const start = new Date(a.start);
    if (start <= now || start > until) continue;
    const r = await buildReminder(deps.store.resources, a, deps.config.jobs.timezone, deps.practiceName, now);
    // The record, its hand-off and its new state commit together.
    const added = await deps.store.transaction(async (tx) => {
      if (!(await tx.reminders.insertIfNew(r))) return false;
      if (dest) {
        await handOff(tx, { ...r, state: 'handed-off' }, `reminder:${appointmentId}`);
        await tx.reminders.markHandedOff([appointmentId]);
      }
      return true;
    });
    if (added) created++;
  }
  if (dest && deps.config.destinations[dest]) {
    const sent = await withWorker(deps, (w) => w.drain({ destinations: [dest] }));
    return { created, cancelled, ...sent };
  }
  return { created, cancelled };
}

export function listReminders(store: Pick<Store, 'reminders'>, state?: ReminderRecord['state']): Promise<ReminderRecord[]> {
  return store.reminders.list(state);
}

/** The office tool took these reminders. */
export function markHandedOff(store: Pick<Store, 'reminders'>, appointmentIds: readonly string[]): Promise<number> {
  return store.reminders.markHandedOff(appointmentIds, { onlyReady: true });
}
