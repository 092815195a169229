/** The store interface, messages: one row per inbound message, written BEFORE any positive acknowledgment. */
import type { Issue } from '../domain/issues.js';

export type MessageState = 'received' | 'processed' | 'error' | 'rejected' | 'failed';
export const MESSAGE_STATES: readonly MessageState[] = ['received', 'processed', 'error', 'rejected', 'failed'];
export type ContentType = 'hl7v2' | 'fhir' | 'office';
export type AckMode = 'original' | 'enhanced' | 'none';
export type Source = 'mllp' | 'http' | 'cli';

export interface NewMessage {
  channel: string;
  source: Source;
  peer?: string | undefined;
  contentType: ContentType;
  raw: string;
  /**
   * HL7v2: the bytes as received (raw is their decoded text) and the MSH-18 set they were read
   * with. Bytes that are plain ASCII may be left out: every supported set reads them as the same
   * text, so the text is the bytes (StoredMessage.rawBytes gives them back).
   */
  rawBytes?: Buffer | undefined;
  charset?: string | undefined;
  contentHash: string;
  controlId?: string | undefined;
  messageType?: string | undefined;
  hl7Version?: string | undefined;
  sendingApplication?: string | undefined;
  sendingFacility?: string | undefined;
  summary?: unknown;
  /** HL7v2: the patient the message is about (PID-3.1 of the first identifier; PID-5 family^given), for the console's search. */
  patientMrn?: string | undefined;
  patientName?: string | undefined;
  ackMode: AckMode;
  duplicateOf?: number | undefined;
  /** Issues known at intake (e.g. the duplicate-control-id flag). */
  issues?: Issue[];
  /** Enhanced mode: the commit ACK, stored with the row and sent only once the row is committed. */
  commitAck?: { code: string; text: string } | undefined;
}

export interface StoredMessage {
  id: number;
  channel: string;
  source: Source;
  peer: string | null;
  contentType: ContentType;
  receivedAt: string;
  controlId: string | null;
  messageType: string | null;
  hl7Version: string | null;
  sendingApplication: string | null;
  sendingFacility: string | null;
  contentHash: string;
  raw: string;
  /** The bytes as received (HL7v2 since migration 2; plain ASCII ones stored as the text only), null otherwise. */
  rawBytes: Buffer | null;
  /** MSH-18 character set the text was read with (HL7v2), null otherwise. */
  charset: string | null;
  summary: unknown;
  ackMode: AckMode;
  state: MessageState;
  attempts: number;
  flow: string | null;
  issues: Issue[];
  outputs: unknown;
  duplicateOf: number | null;
  resendCount: number;
  lastResendAt: string | null;
  commitAckCode: string | null;
  commitAck: string | null;
  /** HL7v2: the application ACK code (MSA-1) answered. */
  ackCode: string | null;
  /** HTTP intake (FHIR, office): the status answered (migration 4; before it, the status was kept as text in ackCode). */
  httpStatus: number | null;
  /** HL7v2: the application ACK message as sent. */
  ack: string | null;
  /** HTTP intake: the JSON response body as sent (migration 5; before it, kept in `ack`). */
  httpBody: string | null;
  ackSentAt: string | null;
  lastError: string | null;
  processedAt: string | null;
  updatedAt: string;
  /** HL7v2 since migration 11: PID-3.1 and PID-5 (`FAMILY^GIVEN`, upper case), null otherwise. */
  patientMrn: string | null;
  patientName: string | null;
}

/** A row without its large columns (lists). */
export type MessageSummary = Omit<StoredMessage, 'raw' | 'rawBytes' | 'outputs' | 'summary' | 'commitAck' | 'ack' | 'httpBody'>;

/** An earlier row with the same channel and control id (exact resends and conflicts). */
export type ControlIdMatch = Pick<StoredMessage, 'id' | 'contentHash' | 'state' | 'ackCode' | 'ack' | 'commitAck' | 'duplicateOf'>;

export interface MessageFilter {
  state?: MessageState | undefined;
  channel?: string | undefined;
  /** 'ADT' matches every ADT event; 'ADT^A04' one event. */
  messageType?: string | undefined;
  controlId?: string | undefined;
  /** received_at >= since (ISO date or date-time) */
  since?: string | undefined;
  /** received_at < until */
  until?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  /** Only rows with id > afterId (keyset paging). */
  afterId?: number | undefined;
  /** The patient's MRN (PID-3.1), exactly. */
  patientMrn?: string | undefined;
  /** The patient's name by prefix: `SMITH`, `SMITH^JO` (family^given, any case). */
  patientName?: string | undefined;
  /** An error code of the catalogue among the latest outcome's errors. */
  errorCode?: string | undefined;
  /** List order (default: newest first). */
  sort?: MessageSort | undefined;
  descending?: boolean | undefined;
}

export const MESSAGE_SORTS = ['received', 'channel', 'state', 'type'] as const;
export type MessageSort = (typeof MESSAGE_SORTS)[number];

export interface MessageStore {
  /** Store a new message in state 'received'; resolves to its id. */
  insert(m: NewMessage, now?: Date): Promise<number>;
  get(id: number): Promise<StoredMessage | undefined>;
  /** Earlier rows of a channel with this control id, oldest first. */
  findByControlId(channel: string, controlId: string): Promise<ControlIdMatch[]>;
  /** Count an exact resend answered from the stored ACK. */
  recordResend(id: number, now?: Date): Promise<void>;
  /** Newest first; limit 1..1000 (default 100). */
  list(f?: MessageFilter): Promise<MessageSummary[]>;
  count(f?: MessageFilter): Promise<number>;
  /** Ids matching a filter, oldest first (replay of a filtered set). */
  matchingIds(f: MessageFilter, max?: number): Promise<number[]>;
  /** Rows per channel and state (metrics gauges). */
  countsByChannelAndState(): Promise<Array<{ channel: string; state: MessageState; count: number }>>;
  /** The console's dashboard: per channel and state, in total and since `today`; received since `hourAgo`; oldest unprocessed. */
  channelStats(today: Date, hourAgo: Date): Promise<ChannelStats>;
}

/** Per-channel counts for the console's dashboard (src/console/dashboard.ts). */
export interface ChannelStats {
  /** One row per channel and state: rows in total and received since `today`; `duplicates` counts rows flagged duplicate_of (same MSH-10, other content). */
  byState: Array<{ channel: string; state: MessageState; total: number; today: number; duplicatesTotal: number; duplicatesToday: number }>;
  /** Rows received since `hourAgo`, per channel. */
  lastHour: Array<{ channel: string; count: number }>;
  /** The oldest row still in state 'received' (committed, not processed), per channel. */
  oldestUnprocessed: Array<{ channel: string; receivedAt: string }>;
}

