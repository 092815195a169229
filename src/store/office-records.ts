/**
 * The store interface, office records: the office-side records a message produced, in order.
 * Kept as JSON; their types (src/domain/office-record.ts) are checked above the store.
 */
export type StoredOfficeRecord = Record<string, unknown>;

export interface OfficeRecordStore {
  /**
   * Replace the records of a message (a replay rewrites them rather than adding copies).
   * `first`: no outcome was ever recorded for the message (Outcome.first), so it has no records
   * to replace: the engine may skip removing them. Returns JSON.stringify of each record, the
   * text stored (a caller that also serializes the records takes them: src/runtime/persist.ts).
   */
  replace(messageId: number, records: readonly object[], now?: Date, opts?: { first?: boolean }): Promise<string[]>;
  of(messageId: number): Promise<StoredOfficeRecord[]>;
}
