/** The store interface, HL7v2 control ids: MSH-10 of the messages Frontdesk generates, allocated durably and never reused. */
export interface ControlIdRequest {
  /** The outbox idempotency key of the generated item (the same key gets the same id). */
  itemKey: string;
  destination: string;
  /** MSH-9 as 'ADT^A04'. */
  messageType: string;
  /** Letters/digits put before the number (destination setting hl7.controlIdPrefix). */
  prefix: string;
}

export interface ControlIdRow {
  seq: number;
  itemKey: string;
  destination: string;
  controlId: string;
  messageType: string;
  createdAt: string;
}

export interface ControlIdStore {
  /** The control id of this item: the one allocated before, or a new one (never one used before). */
  allocate(r: ControlIdRequest, now?: Date): Promise<string>;
  /** Every control id allocated, oldest first (of one destination when given). */
  list(destination?: string): Promise<ControlIdRow[]>;
}
