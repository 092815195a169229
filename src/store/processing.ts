/** The store interface, processing attempts: the processing state of a stored message (attempts, outcome, ACK). */
import type { MessageState, StoredMessage } from './messages.js';
import type { Issue } from '../domain/issues.js';
import type { JsonText } from './json-text.js';

/**
 * What processing reads of a row (not its earlier outputs, ACKs or summary, which it replaces or
 * does not need). `processedAt` null: no outcome was ever recorded for it (Outcome.first).
 */
export type ProcessingRow = Pick<StoredMessage, 'id' | 'channel' | 'contentType' | 'contentHash' | 'messageType' | 'raw' | 'rawBytes' | 'state' | 'issues' | 'processedAt'>;

/**
 * Per-patient processing order: the earliest message of the same patient (patient_mrn, PID-3.1)
 * committed before this one and not yet processed (state 'received'), wherever it is in flight.
 */
export interface ProcessingBlocker {
  id: number;
  /** Processing attempts counted so far (0: never tried; more: an internal failure or a recovery run). */
  attempts: number;
}

/** What claimForProcessing answers: the row to process, or the earlier message of its patient to wait for. */
export type ProcessingClaim =
  | { row: ProcessingRow; blockedBy?: undefined }
  | { row?: undefined; blockedBy: ProcessingBlocker };

/** What processing needs to queue a message read back from the store's backlog. */
export interface BacklogRow {
  id: number;
  channel: string;
  /** PID-3.1 (the order check's key; the processing lane on PostgreSQL). */
  patientMrn: string | null;
}

export interface Outcome {
  state: MessageState;
  flow?: string | undefined;
  issues: Issue[];
  /**
   * JSON.stringify(issues) made already (a large message's, in the processing worker), with its
   * gzip where the store keeps gzip (Store.storesGzipJson): stored instead of stringifying the
   * issues again on the event loop. Exactly the JSON of `issues` when given.
   */
  issuesJson?: JsonText | undefined;
  outputs?: unknown;
  /** HL7v2: the application ACK code (MSA-1: AA/AE/AR). */
  ackCode?: string | undefined;
  /** HTTP intake: the status answered. */
  httpStatus?: number | undefined;
  /** HL7v2: the application ACK message as sent. */
  ack?: string | undefined;
  /** HTTP intake: the JSON response body as sent (migration 5; before it, kept in `ack`). */
  httpBody?: string | undefined;
  lastError?: string | undefined;
  /**
   * Count the processing attempt in this same write (instead of a beginAttempt before it): for a
   * caller whose beginAttempt and outcome share one transaction, so the attempt is only ever
   * committed together with the outcome anyway.
   */
  countAttempt?: boolean;
  /**
   * No outcome was recorded for the message before (its row's processedAt was null when claimed,
   * in this transaction): there is nothing of an earlier one to clear (its error codes), and the
   * store may skip looking (#17: a statement per message that a first run found nothing with).
   * Only an optimisation: without it the store looks. (The attempts pointing at an earlier
   * outcome are kept by the schema's trigger, migration 18, which a first outcome does not run.)
   */
  first?: boolean;
}

/** Why a message was processed (again). 'before-history': an outcome recorded before attempts were kept, saved before its first replay. */
export type AttemptReason = 'received' | 'replay' | 'recovery' | 'before-history';

export interface NewAttempt {
  messageId: number;
  reason: AttemptReason;
  state: MessageState;
  flow?: string | undefined;
  /** As in Outcome: the ACK code and message (HL7v2), or the HTTP status and body. */
  ackCode?: string | undefined;
  httpStatus?: number | undefined;
  ack?: string | undefined;
  httpBody?: string | undefined;
  issues: Issue[];
  /** As in Outcome. */
  issuesJson?: JsonText | undefined;
  outputs?: unknown;
  /**
   * The issues and outputs are those of the outcome recorded for the message just before, in
   * this transaction (recordOutcome): the store may keep them once, in the message's row, with
   * the attempt pointing at them (migration 17; ~9 KB an ADT^A04). Before a later outcome
   * replaces them, the store copies them into the attempt, so attemptsOf reads the same either way.
   */
  inOutcome?: boolean | undefined;
  /** Internal failure message (no PHI). */
  error?: string | undefined;
  /** Hash of the mapping files the attempt ran with (src/mapping/version.ts); null when unknown. */
  mappingVersion?: string | undefined;
}

export interface ProcessingAttempt extends Required<Pick<NewAttempt, 'messageId' | 'reason' | 'state' | 'issues'>> {
  /** 1, 2, 3 ... per message, in order. */
  seq: number;
  at: string;
  flow: string | null;
  ackCode: string | null;
  httpStatus: number | null;
  ack: string | null;
  httpBody: string | null;
  outputs: unknown;
  error: string | null;
  mappingVersion: string | null;
}

export interface ProcessingStore {
  /** Keep one processing attempt (never updated or deleted); resolves to its seq. */
  recordAttempt(a: NewAttempt, now?: Date): Promise<number>;
  /** Every attempt of a message, oldest first. */
  attemptsOf(messageId: number): Promise<ProcessingAttempt[]>;
  /** The row as processing reads it, without the order check (off-thread preparation, previews). */
  getForProcessing(id: number): Promise<ProcessingRow | undefined>;
  /**
   * Claim a message for processing inside the processing transaction: its row (locked until the
   * transaction ends where the engine has row locks), unless an earlier message of the same
   * patient is still unprocessed anywhere; then that one, to wait for. The check reads and locks
   * nothing else, so it never waits for another instance. undefined when the id is unknown.
   * A row that is no longer 'received' is always returned (the caller answers from it).
   */
  claimForProcessing(id: number): Promise<ProcessingClaim | undefined>;
  /** Count a processing attempt; resolves to the attempts so far (0 when the id is unknown). */
  beginAttempt(id: number, now?: Date): Promise<number>;
  /**
   * Start-up recovery's chunk: count an attempt for each of `ids` (ascending) never attempted and
   * still 'received', from the first up to the first one that is not (that one and those after it
   * are left as they are), in one statement; resolves to those counted, in order, with their
   * patient (PID-3.1, what the order check keys on), so recovery can spread patients over connections.
   */
  beginFirstAttempts(ids: readonly number[], now?: Date): Promise<Array<{ id: number; patientMrn: string | null }>>;
  recordOutcome(id: number, o: Outcome, now?: Date): Promise<void>;
  /** Record an internal failure and the state to leave the message in ('received' = try again). */
  recordFailure(id: number, error: string, state: MessageState, now?: Date): Promise<void>;
  /** Put a message back to 'received' for replay; false when the id is unknown. */
  resetForReplay(id: number, now?: Date): Promise<boolean>;
  /** Ids committed but not processed (state 'received'), oldest first, after `afterId`. */
  pendingIds(limit?: number, afterId?: number): Promise<number[]>;
  /**
   * Ids committed and never attempted (state 'received', attempts 0) that were received before
   * `receivedBefore`, oldest first: with several instances on one store, what an instance that died
   * between commit and processing left behind, for a live one to take over.
   */
  orphanedIds(receivedBefore: Date, limit?: number): Promise<number[]>;
  /**
   * Messages committed and never attempted (state 'received', attempts 0) with `fromId <= id <=
   * toId`, oldest first, at most `limit`: the pipeline's backlog kept in the store (not in memory)
   * read back in id order as its in-memory window drains (src/runtime/store-backlog.ts).
   */
  unattemptedInRange(fromId: number, toId: number, limit: number): Promise<BacklogRow[]>;
  /** Record when acknowledgments left (many ids in one write). */
  markAcksSent(ids: readonly number[], now?: Date): Promise<void>;
}

