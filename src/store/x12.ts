/** The store interface, X12: control numbers allocated durably and the claims sent in 837Ps with their states (999, 277CA, 835). */
/** `held`: not sent, the claim edits (or the guide) failed; the batch job tries it again next run. */
export type X12ClaimState = 'held' | 'sent' | 'accepted' | 'rejected' | 'acknowledged' | 'pending' | 'paid' | 'denied' | 'partial';

export interface X12ClaimRow {
  /** CLM-01 (the practice's claim / encounter number). */
  claimId: string;
  /** ISA-13, GS-06, ST-02 of the 837P that carried it ('' while held). */
  interchange: string;
  groupControl: string;
  transactionControl: string;
  destination: string;
  total: string;
  state: X12ClaimState;
  /** The latest answer's reason (999 error, 277CA status, 835 payment) as text. */
  detail: string | null;
  /** The office billing-status record built from the latest answer. */
  billingRecord: Record<string, unknown> | null;
  /** The office payment-posting record of the 835 that paid it. */
  postingRecord: Record<string, unknown> | null;
  submittedAt: string;
  updatedAt: string;
  history: Array<{ at: string; state: X12ClaimState; source: string; detail?: string }>;
}

export type X12ClaimSent = Pick<X12ClaimRow, 'claimId' | 'interchange' | 'groupControl' | 'transactionControl' | 'destination' | 'total'> & {
  /** What the submission is when not an original claim (`replacement of payer claim 2026153000123`). */
  detail?: string | undefined;
};

export interface X12Store {
  /** The next value of a named counter (ISA-13, GS-06 per sender/receiver), durable before it is returned; never reused. */
  allocateControlNumber(counter: string): Promise<number>;
  /** Record claims batched in an 837P; a claim held before has its held row folded into the new one (its history kept). */
  recordClaimsSent(rows: X12ClaimSent[], now: Date): Promise<void>;
  /** A claim the batch left out (claim edits failed): one `held` row per claim, its detail the reason; history grows only when the reason changes. */
  recordClaimHeld(claimId: string, destination: string, detail: string, total: string, now: Date): Promise<void>;
  /** The latest submissions, newest first. */
  list(limit?: number): Promise<X12ClaimRow[]>;
  /** Every submission of one claim (CLM-01), the latest first. */
  get(claimId: string): Promise<X12ClaimRow[]>;
  /** The claims a group/transaction carried (a 999 answers by GS-06/ST-02). */
  inTransaction(groupControl: string, transactionControl: string): Promise<X12ClaimRow[]>;
  /** Move a claim's latest submission to a new state, keeping the history; false when the claim is unknown. */
  updateState(claimId: string, state: X12ClaimState, source: string, detail: string | undefined, now: Date, billingRecord?: Record<string, unknown>, postingRecord?: Record<string, unknown>): Promise<boolean>;
  /** Note a remittance (TRN-03 originator, TRN-02 trace) as posted; false when it already was (never post twice). */
  claimRemittance(originator: string, trace: string, amount: string, claims: number, now: Date): Promise<boolean>;
  /** Note an inbound file by content hash; false when the same content was picked up before. */
  claimInboundFile(sha256: string, name: string, now: Date): Promise<boolean>;
  /** What became of a picked-up file (its kind and outcome), for the operator. */
  finishInboundFile(sha256: string, kind: string | undefined, outcome: string): Promise<void>;
}
