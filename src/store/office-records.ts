/**
 * The store interface, office records: the office-side records a message produced, in order.
 * Kept as JSON; their types (src/domain/office-record.ts) are checked above the store.
 */
export type StoredOfficeRecord = Record<string, unknown>;

export interface OfficeRecordStore {
  /** Replace the records of a message (a replay rewrites them rather than adding copies). */
  replace(messageId: number, records: readonly object[], now?: Date): Promise<void>;
  of(messageId: number): Promise<StoredOfficeRecord[]>;
}
