/**
 * Post an 835: only a balanced remittance, only once (TRN-03 originator + TRN-02 trace), and all
 * of it in one store transaction: each claim's state (paid, partial, denied), its ClaimResponse's
 * office billing-status record and its payment-posting record. An unbalanced 835 is reported and
 * nothing is posted; a second copy of a posted 835 is reported and nothing changes.
 */
import type { ClaimResponse } from 'fhir/r4.js';
import { hasErrors, issue, prefixIssues, type Issue, type Result } from '../../domain/issues.js';
import type { Store, X12ClaimState } from '../../store/index.js';
import { claimResponseToBillingStatus, type BillingStatus } from '../../flows/claim-response.js';
import { validateOfficeRecord } from '../../validation/index.js';
import type { PaymentPosting, Remittance } from './remit835.js';

export interface PostedClaim {
  claimId: string;
  state: X12ClaimState;
  claimResponse: ClaimResponse;
  billingRecord?: BillingStatus | undefined;
  posting: PaymentPosting;
  recorded: boolean;
}

export interface Posting835 {
  posted: boolean;
  claims: PostedClaim[];
}

export function stateOf(p: PaymentPosting): X12ClaimState {
  if (p.paid === 0) return 'denied';
  return p.lines.some((l) => l.paid === 0) ? 'partial' : 'paid';
}

/** Build every claim's records (no store involved): what `convert remit.835 --to fhir` shows. */
export function remittanceRecords(rem: Remittance): Result<PostedClaim[]> {
  const issues: Issue[] = [];
  const out = rem.claims.map((c, i) => {
    const status = claimResponseToBillingStatus(c.claimResponse);
    issues.push(...prefixIssues(status.issues.filter((x) => x.severity === 'error'), `claims[${i}]`));
    issues.push(...prefixIssues(validateOfficeRecord(c.posting), `claims[${i}].posting`));
    return { claimId: c.posting.claimId, state: stateOf(c.posting), claimResponse: c.claimResponse, ...(status.value ? { billingRecord: status.value } : {}), posting: c.posting, recorded: false };
  });
  return { value: out, issues };
}

export async function post835(rem: Remittance, readIssues: Issue[], store: Store, now: Date): Promise<Result<Posting835>> {
  const built = remittanceRecords(rem);
  const issues: Issue[] = [...built.issues];
  if (!rem.balanced || hasErrors(readIssues) || hasErrors(built.issues)) {
    issues.push(issue('X12_UNBALANCED', `The 835 (trace ${rem.payment.trace || 'unknown'}) is not posted: ${rem.balanced ? 'it breaks its guide' : 'it does not balance'}; nothing was recorded.`, rem.balanced ? 'ST' : 'BPR-02', 'warning'));
    return { value: { posted: false, claims: built.value! }, issues };
  }
  const claims = built.value!;
  const posted = await store.transaction(async (tx) => {
    const first = await tx.x12.claimRemittance(rem.payment.originator, rem.payment.trace, String(rem.payment.amount), claims.length, now);
    if (!first) return false;
    for (const c of claims) {
      // The payer's claim number is what a replacement or void of this claim must name (837P REF*F8).
      const detail = `835 ${c.posting.claimStatus}: paid ${c.posting.paid} of ${c.posting.charged}, payer claim ${c.posting.payerClaimNumber} (${rem.payment.method} ${rem.payment.trace} ${rem.payment.date})`;
      c.recorded = await tx.x12.updateState(c.claimId, c.state, '835', detail, now, c.billingRecord as unknown as Record<string, unknown>, c.posting as unknown as Record<string, unknown>);
      if (!c.recorded) issues.push(issue('MAP_CONFLICT', `The 835 pays claim ${c.claimId}, which was not sent from here; its posting record is returned but not kept with a claim.`, 'CLP01', 'warning'));
    }
    return true;
  });
  if (!posted) issues.push(issue('DUPLICATE_CONFLICT', `The 835 with trace ${rem.payment.trace} from ${rem.payment.originator} was already posted; it is not posted twice.`, 'TRN-02', 'warning'));
  return { value: { posted, claims }, issues };
}
