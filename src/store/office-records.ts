/** The store interface, office records: the office-side records a message produced, in order. */
export type OfficeRecord = Record<string, unknown>;

export interface OfficeRecordStore {
  /** Replace the records of a message (a replay rewrites them rather than adding copies). */
  replace(messageId: number, records: readonly OfficeRecord[], now?: Date): Promise<void>;
  of(messageId: number): Promise<OfficeRecord[]>;
}

