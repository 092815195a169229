/**
 * Appointment reminders: for every booked appointment starting within the lead time, one hand-off
 * record (table `reminders`) for the office's text or email tool: when (in the practice's
 * timezone), where, with whom, and how to reach the patient. The tool sends; we only hand off.
 * A reminder whose appointment was cancelled since is marked cancelled. With
 * `jobs.reminderDestination` (an http destination) each record, and a later cancellation, is also
 * sent to the tool through the outbox and the record is marked handed-off.
 */
import type { Appointment, ContactPoint, Location, Patient, Practitioner } from 'fhir/r4.js';
import type { Db } from '../store/sqlite/db.js';
import { enqueue } from '../store/sqlite/outbox.js';
import type { JobDeps, JobSummary } from './context.js';
import { appointments, locationText, participant, patientName, practitionerName } from './resources.js';
import { localDateTimeText } from './time.js';
import { withWorker } from './with-worker.js';

export interface ReminderRecord {
  appointmentId: string;
  patientRef: string | null;
  patientName: string | null;
  contact: string | null;
  startsAt: string;
  place: string | null;
  provider: string | null;
  message: string;
  state: 'ready' | 'handed-off' | 'cancelled';
  createdAt: string;
}

/** How to reach the patient: a mobile number first (texts), then any phone, then email. */
function contactOf(p: Patient | undefined): string | undefined {
  const t: ContactPoint[] = (p?.telecom ?? []).filter((c) => c.value && c.use !== 'old');
  const pick = t.find((c) => (c.system === 'sms' || c.system === 'phone') && c.use === 'mobile')
    ?? t.find((c) => c.system === 'sms' || c.system === 'phone') ?? t.find((c) => c.system === 'email');
  return pick ? `${pick.system}:${pick.value}` : undefined;
}

export function buildReminder(db: Db, a: Appointment, timeZone: string, practiceName: string | undefined, now: Date): ReminderRecord {
  const p = participant<Patient>(db, a, 'Patient');
  const patient = p?.resource;
  const patientRef = patient ? `Patient/${patient.id}` : p?.ref.reference;
  const prac = participant<Practitioner>(db, a, 'Practitioner');
  const provider = practitionerName(prac?.resource) ?? prac?.ref.display;
  const loc = participant<Location>(db, a, 'Location');
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
  const insert = deps.db.prepare(
    `INSERT INTO reminders (appointment_id, patient_ref, patient_name, contact, starts_at, place, provider, message, state, created_at)
     VALUES (@appointmentId, @patientRef, @patientName, @contact, @startsAt, @place, @provider, @message, @state, @createdAt)
     ON CONFLICT (appointment_id) DO NOTHING`,
  );
  const cancel = deps.db.prepare(`UPDATE reminders SET state = 'cancelled' WHERE appointment_id = ? AND state IN ('ready', 'handed-off') RETURNING *`);
  const handedOff = deps.db.prepare(`UPDATE reminders SET state = 'handed-off' WHERE appointment_id = ?`);
  const dest = deps.config.jobs.reminderDestination;
  // With a reminder destination, each record (and a later cancellation) goes to the office tool through the outbox.
  const handOff = (r: ReminderRecord, key: string) => {
    if (!dest) return;
    enqueue(deps.db, { destination: dest, kind: 'reminder', payload: JSON.stringify({ recordType: 'appointment-reminder', ...r }), contentType: 'application/json', idempotencyKey: key }, now);
  };
  let created = 0;
  let cancelled = 0;
  for (const a of appointments(deps.db)) {
    if (!a.id || !a.start) continue;
    if (a.status === 'cancelled' || a.status === 'noshow' || a.status === 'entered-in-error') {
      deps.db.transaction(() => {
        const rows = cancel.all(a.id) as Array<Record<string, string | null>>;
        for (const row of rows) if (row.state) handOff({ ...rowToReminder(row), state: 'cancelled' }, `reminder-cancel:${a.id}`);
        cancelled += rows.length;
      })();
      continue;
    }
    if (a.status !== 'booked') continue;
    const start = new Date(a.start);
    if (start <= now || start > until) continue;
    const r = buildReminder(deps.db, a, deps.config.jobs.timezone, deps.practiceName, now);
    deps.db.transaction(() => {
      if (insert.run(r).changes === 0) return;
      created++;
      if (dest) {
        handOff({ ...r, state: 'handed-off' }, `reminder:${a.id}`);
        handedOff.run(a.id);
      }
    })();
  }
  if (dest && deps.config.destinations[dest]) {
    const sent = await withWorker(deps, (w) => w.drain({ destinations: [dest] }));
    return { created, cancelled, ...sent };
  }
  return { created, cancelled };
}

function rowToReminder(r: Record<string, string | null>): ReminderRecord {
  return {
    appointmentId: r.appointment_id!, patientRef: r.patient_ref ?? null, patientName: r.patient_name ?? null, contact: r.contact ?? null,
    startsAt: r.starts_at!, place: r.place ?? null, provider: r.provider ?? null, message: r.message!, state: r.state as ReminderRecord['state'], createdAt: r.created_at!,
  };
}

export function listReminders(db: Db, state?: ReminderRecord['state']): ReminderRecord[] {
  const rows = (state
    ? db.prepare('SELECT * FROM reminders WHERE state = ? ORDER BY starts_at').all(state)
    : db.prepare('SELECT * FROM reminders ORDER BY starts_at').all()) as Array<Record<string, string | null>>;
  return rows.map(rowToReminder);
}

/** The office tool took these reminders. */
export function markHandedOff(db: Db, appointmentIds: readonly string[]): number {
  const st = db.prepare(`UPDATE reminders SET state = 'handed-off' WHERE appointment_id = ? AND state = 'ready'`);
  return db.transaction(() => appointmentIds.reduce((n, id) => n + st.run(id).changes, 0))();
}
