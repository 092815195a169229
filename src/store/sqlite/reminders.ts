/** Reminder hand-off records (table reminders, migration 102) on SQLite. */
import type { Db } from './db.js';
import { stmt } from './statements.js';
import type { ReminderRecord } from '../types.js';

function toReminder(r: Record<string, string | null>): ReminderRecord {
  return {
    appointmentId: r.appointment_id!, patientRef: r.patient_ref ?? null, patientName: r.patient_name ?? null, contact: r.contact ?? null,
    startsAt: r.starts_at!, place: r.place ?? null, provider: r.provider ?? null, message: r.message!, state: r.state as ReminderRecord['state'], createdAt: r.created_at!,
  };
}

export function insertReminder(db: Db, r: ReminderRecord): boolean {
  return stmt(db, `INSERT INTO reminders (appointment_id, patient_ref, patient_name, contact, starts_at, place, provider, message, state, created_at)
     VALUES (@appointmentId, @patientRef, @patientName, @contact, @startsAt, @place, @provider, @message, @state, @createdAt)
     ON CONFLICT (appointment_id) DO NOTHING`).run(r).changes === 1;
}

export function cancelReminders(db: Db, appointmentId: string): ReminderRecord[] {
  const before = (stmt(db, `SELECT * FROM reminders WHERE appointment_id = ? AND state IN ('ready', 'handed-off')`).all(appointmentId) as Array<Record<string, string | null>>).map(toReminder);
  if (before.length) stmt(db, `UPDATE reminders SET state = 'cancelled' WHERE appointment_id = ? AND state IN ('ready', 'handed-off')`).run(appointmentId);
  return before;
}

export function markRemindersHandedOff(db: Db, appointmentIds: readonly string[], onlyReady: boolean): number {
  const st = onlyReady
    ? stmt(db, `UPDATE reminders SET state = 'handed-off' WHERE appointment_id = ? AND state = 'ready'`)
    : stmt(db, `UPDATE reminders SET state = 'handed-off' WHERE appointment_id = ?`);
  return appointmentIds.reduce((n, id) => n + st.run(id).changes, 0);
}

export function listReminders(db: Db, state?: ReminderRecord['state']): ReminderRecord[] {
  const rows = (state
    ? stmt(db, 'SELECT * FROM reminders WHERE state = ? ORDER BY starts_at').all(state)
    : stmt(db, 'SELECT * FROM reminders ORDER BY starts_at').all()) as Array<Record<string, string | null>>;
  return rows.map(toReminder);
}

export function purgeReminders(db: Db, before: Date): number {
  return stmt(db, 'DELETE FROM reminders WHERE starts_at < ?').run(before.toISOString()).changes;
}
