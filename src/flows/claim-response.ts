/**
 * ClaimResponse (FHIR, from the clearinghouse / payer) -> office billing status (recordType
 * "billing-status", profiles/office/billing-status.schema.json): accepted, rejected or partially
 * rejected, the payer's reasons per line (ClaimResponse.error with itemSequence, and the reasons
 * of item adjudications), and the paid amount. The delivery worker calls this when the
 * clearinghouse answers. Never throws.
 */
import type { ClaimResponse, CodeableConcept, Money } from 'fhir/r4.js';
import { issue, prefixIssues, type Issue, type Result } from '../domain/issues.js';
import { validateOfficeRecord } from '../validation/index.js';
import { cents } from '../billing/encounter.js';
import { ENCOUNTER_ID_SYSTEM } from '../adapters/claim.js';

export interface StatusReason {
  code: string;
  system?: string;
  display?: string;
}

export interface LineStatus {
  /** Claim.item.sequence the payer answered for. */
  line: number;
  status: 'accepted' | 'rejected';
  paid?: number;
  reasons: StatusReason[];
}

export interface BillingStatus {
  recordType: 'billing-status';
  /** The practice's encounter / claim number (Claim.identifier, echoed in ClaimResponse.request). */
  encounterId: string;
  /** The payer's or clearinghouse's number for the claim (ClaimResponse.identifier). */
  payerClaimNumber?: string;
  status: 'accepted' | 'rejected' | 'partially-rejected' | 'pending';
  /** ClaimResponse.outcome as sent. */
  outcome: string;
  disposition?: string;
  /** YYYY-MM-DD the response was created. */
  received?: string;
  paidAmount: number;
  currency: string;
  /** Reasons given for the whole claim (errors without an item). */
  reasons: StatusReason[];
  lines: LineStatus[];
}

function reasonsOf(cc: CodeableConcept | undefined): StatusReason[] {
  if (!cc) return [];
  const c = cc.coding?.find((x) => x.code);
  if (c?.code) return [{ code: c.code, ...(c.system ? { system: c.system } : {}), ...(c.display ?? cc.text ? { display: (c.display ?? cc.text)! } : {}) }];
  return cc.text ? [{ code: 'text', display: cc.text }] : [];
}

const amountOf = (m: Money | undefined): number | undefined => (typeof m?.value === 'number' ? m.value : undefined);
const isCategory = (cc: CodeableConcept | undefined, code: string): boolean => !!cc?.coding?.some((c) => c.code === code);

export function claimResponseToBillingStatus(cr: ClaimResponse): Result<BillingStatus> {
  const issues: Issue[] = [];
  if ((cr as { resourceType?: unknown })?.resourceType !== 'ClaimResponse') {
    return { value: undefined, issues: [issue('FHIR_RESOURCE_TYPE', 'Expected a ClaimResponse.', 'resourceType')] };
  }
  const encounterId = cr.request?.identifier?.value ?? cr.identifier?.find((i) => i.system === ENCOUNTER_ID_SYSTEM)?.value;
  if (!encounterId) issues.push(issue('MAP_MISSING', 'ClaimResponse.request carries no claim identifier: the answer cannot be matched to an encounter.', 'ClaimResponse.request'));
  const outcome = cr.outcome ?? '';
  if (!outcome) issues.push(issue('MAP_MISSING', 'ClaimResponse.outcome is missing.', 'ClaimResponse.outcome'));

  const claimReasons: StatusReason[] = [];
  const byLine = new Map<number, LineStatus>();
  const line = (n: number): LineStatus => {
    let l = byLine.get(n);
    if (!l) { l = { line: n, status: 'accepted', reasons: [] }; byLine.set(n, l); }
    return l;
  };
  let currency = 'USD';
  for (const it of cr.item ?? []) {
    const l = line(it.itemSequence);
    let benefit: number | undefined;
    for (const adj of it.adjudication ?? []) {
      if (isCategory(adj.category, 'benefit')) {
        benefit = (benefit ?? 0) + (amountOf(adj.amount) ?? 0);
        if (adj.amount?.currency) currency = adj.amount.currency;
      }
      l.reasons.push(...reasonsOf(adj.reason));
    }
    if (benefit !== undefined) l.paid = benefit;
    // A line the payer paid nothing on and gave a reason for is denied.
    if ((benefit ?? 0) === 0 && l.reasons.length) l.status = 'rejected';
  }
  (cr.error ?? []).forEach((e) => {
    const reasons = reasonsOf(e.code);
    if (e.itemSequence !== undefined) {
      const l = line(e.itemSequence);
      l.status = 'rejected';
      l.reasons.push(...reasons);
    } else {
      claimReasons.push(...reasons);
    }
  });

  const lines = [...byLine.values()].sort((a, b) => a.line - b.line);
  const totalBenefit = (cr.total ?? []).filter((t) => isCategory(t.category, 'benefit')).reduce((s, t) => s + cents(amountOf(t.amount) ?? 0), 0);
  const lineBenefit = lines.reduce((s, l) => s + cents(l.paid ?? 0), 0);
  const paymentAmount = amountOf(cr.payment?.amount);
  if (cr.payment?.amount?.currency) currency = cr.payment.amount.currency;
  const paidAmount = paymentAmount ?? (cr.total?.some((t) => isCategory(t.category, 'benefit')) ? totalBenefit / 100 : lineBenefit / 100);

  const rejectedLines = lines.filter((l) => l.status === 'rejected').length;
  let status: BillingStatus['status'];
  // No outcome yet (or queued): nothing to post; the missing outcome is reported above.
  if (outcome === 'queued' || !outcome) status = 'pending';
  else if (outcome === 'error' || (claimReasons.length && lines.every((l) => l.status === 'rejected'))) status = 'rejected';
  else if (lines.length > 0 && rejectedLines === lines.length) status = 'rejected';
  else if (rejectedLines > 0 || claimReasons.length > 0) status = 'partially-rejected';
  else status = 'accepted';
  // A whole-claim rejection rejects every line the payer listed.
  if (status === 'rejected') for (const l of lines) l.status = 'rejected';

  const out: BillingStatus = {
    recordType: 'billing-status',
    encounterId: encounterId ?? '',
    ...(cr.identifier?.find((i) => i.system !== ENCOUNTER_ID_SYSTEM)?.value ? { payerClaimNumber: cr.identifier.find((i) => i.system !== ENCOUNTER_ID_SYSTEM)!.value! } : {}),
    status,
    outcome,
    ...(cr.disposition ? { disposition: cr.disposition } : {}),
    ...(cr.created ? { received: cr.created.slice(0, 10) } : {}),
    paidAmount,
    currency,
    reasons: claimReasons,
    lines,
  };
  // The record is checked against its own schema before anyone stores it.
  issues.push(...prefixIssues(validateOfficeRecord(out), 'office'));
  return { value: out, issues };
}
