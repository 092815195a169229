/** The store interface, reminders: hand-off records for the office's text or email tool, one per appointment. */
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

export interface ReminderStore {
  /** Add a reminder unless the appointment has one; true when added. */
  insertIfNew(r: ReminderRecord): Promise<boolean>;
  /** Cancel the appointment's open reminder(s) (ready or handed-off); resolves to those cancelled, as they were. */
  cancel(appointmentId: string): Promise<ReminderRecord[]>;
  /** Mark handed-off: every reminder of these appointments (`onlyReady`: only those still ready); resolves to how many. */
  markHandedOff(appointmentIds: readonly string[], opts?: { onlyReady?: boolean }): Promise<number>;
  /** By start time. */
  list(state?: ReminderRecord['state']): Promise<ReminderRecord[]>;
  /** Retention: delete reminders of appointments that started before `before`. */
  purgeBefore(before: Date): Promise<number>;
}

