/** Reminder hand-off records (table reminders) on PostgreSQL. */
import type { Queryable } from './db.js';
import type { ReminderRecord } from '../types.js';

function toReminder(r: Record<string, string | null>): ReminderRecord {
  return {
    appointmentId: r.appointment_id!, patientRef: r.patient_ref ?? null, patientName: r.patient_name ?? null, contact: r.contact ?? null,
    startsAt: r.starts_at!, place: r.place ?? null, provider: r.provider ?? null, message: r.message!, state: r.state as ReminderRecord['state'], createdAt: r.created_at!,
  };
}

export async function insertReminder(db: Queryable, r: ReminderRecord): Promise<boolean> {
  const res = await db.query(`INSERT INTO reminders (appointment_id, patient_ref, patient_name, contact, starts_at, place, provider, message, state, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (appointment_id) DO NOTHING`,
  [r.appointmentId, r.patientRef, r.patientName, r.contact, r.startsAt, r.place, r.provider, r.message, r.state, r.createdAt]);
  return res.rowCount === 1;
}

/** The open reminders as they were before the cancel (one statement: the old row images come back). */
export async function cancelReminders(db: Queryable, appointmentId: string): Promise<ReminderRecord[]> {
  const rows = (await db.query<Record<string, string | null>>(`
    WITH before AS (SELECT * FROM reminders WHERE appointment_id = $1 AND state IN ('ready', 'handed-off') FOR UPDATE),
         upd AS (UPDATE reminders r SET state = 'cancelled' FROM before b WHERE r.appointment_id = b.appointment_id)
    SELECT * FROM before`, [appointmentId])).rows;
  return rows.map(toReminder);
}

export async function markRemindersHandedOff(db: Queryable, appointmentIds: readonly string[], onlyReady: boolean): Promise<number> {
  if (!appointmentIds.length) return 0;
  const r = await db.query(`UPDATE reminders SET state = 'handed-off' WHERE appointment_id = ANY($1::text[])${onlyReady ? " AND state = 'ready'" : ''}`, [[...appointmentIds]]);
  return r.rowCount ?? 0;
}

export async function listReminders(db: Queryable, state?: ReminderRecord['state']): Promise<ReminderRecord[]> {
  const rows = state
    ? await db.query<Record<string, string | null>>('SELECT * FROM reminders WHERE state = $1 ORDER BY starts_at', [state])
    : await db.query<Record<string, string | null>>('SELECT * FROM reminders ORDER BY starts_at');
  return rows.rows.map(toReminder);
}

export async function purgeReminders(db: Queryable, before: Date): Promise<number> {
  return (await db.query('DELETE FROM reminders WHERE starts_at < $1', [before.toISOString()])).rowCount ?? 0;
}
