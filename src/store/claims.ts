/** The store interface, claim submissions: one row per claim sent to the clearinghouse, and its answer. */
export type ClaimSubmissionStatus = 'queued' | 'accepted' | 'rejected' | 'responded' | 'failed';

export interface ClaimSubmission {
  claimKey: string;
  claimId: string | null;
  outboxId: number | null;
  idempotencyKey: string;
  status: ClaimSubmissionStatus;
  billingStatus: string | null;
  /** The office billing-status record (recordType "billing-status") built by billing from a ClaimResponse. */
  billingRecord: Record<string, unknown> | null;
  response: string | null;
  submittedAt: string;
  answeredAt: string | null;
}

export interface ClaimAnswer {
  claimKey: string;
  outboxId: number;
  idempotencyKey: string;
  status: ClaimSubmissionStatus;
  billingStatus: string | null;
  billingRecord: unknown;
  response: string | null;
}

export interface ClaimSubmissionStore {
  /** Note a claim as queued (nothing changes when the key is already there). */
  recordQueued(claimKey: string, claimId: string | undefined, outboxId: number, idempotencyKey: string, now: Date): Promise<void>;
  /** Store the clearinghouse's final answer (creating the row when the claim was not queued by the batch). */
  recordAnswer(a: ClaimAnswer, now: Date): Promise<void>;
  get(claimKey: string): Promise<ClaimSubmission | undefined>;
  /** Every claim key submitted so far. */
  keys(): Promise<string[]>;
}

