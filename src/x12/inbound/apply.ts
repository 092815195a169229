/**
 * X12 answers -> claim states. A 999 moves every claim of the transaction set it answers
 * (GS-06/ST-02 of our 837P) to acknowledged or rejected; a 277CA moves each claim it names (CLM-01)
 * by its STC category. Each answer also becomes a FHIR ClaimResponse and the office billing-status
 * record (claimResponseToBillingStatus), kept with the claim. Without a store (a one-off CLI
 * conversion) the answers are built but nothing is recorded.
 */
import type { ClaimResponse } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import type { Store, X12ClaimState } from '../../store/index.js';
import { claimResponseToBillingStatus, type BillingStatus } from '../../flows/claim-response.js';
import { statusCodes } from './codes.js';
import { claimResponseFor, fhirDate } from './claim-response.js';
import type { Ack999 } from './ack999.js';
import type { ClaimAck } from './ack277ca.js';

export interface ClaimAnswer {
  claimId: string;
  state: X12ClaimState;
  /** The answer's reason, as a line of text (what `claims show` prints). */
  detail: string;
  claimResponse: ClaimResponse;
  billingRecord?: BillingStatus | undefined;
  /** Whether the store knew the claim (false: an answer for a claim we never sent from here). */
  recorded: boolean;
}

async function record(store: Store | undefined, a: Omit<ClaimAnswer, 'recorded' | 'billingRecord'>, source: string, now: Date, issues: Issue[]): Promise<ClaimAnswer> {
  const status = claimResponseToBillingStatus(a.claimResponse);
  issues.push(...status.issues.filter((i) => i.severity === 'error'));
  const billingRecord = status.value;
  const recorded = store ? await store.x12.updateState(a.claimId, a.state, source, a.detail, now, billingRecord as unknown as Record<string, unknown>) : false;
  if (store && !recorded) issues.push(issue('MAP_CONFLICT', `The ${source} answers claim ${a.claimId}, which was not sent from here; nothing recorded for it.`, 'CLM01', 'warning'));
  return { ...a, ...(billingRecord ? { billingRecord } : {}), recorded };
}

export async function apply999(ack: Ack999, store: Store | undefined, now: Date): Promise<Result<ClaimAnswer[]>> {
  const issues: Issue[] = [];
  const out: ClaimAnswer[] = [];
  const acks = statusCodes().acknowledgments;
  for (const set of ack.sets) {
    const sent = store ? (await store.x12.inTransaction(set.groupControl, set.setControl)).map((r) => r.claimId) : [];
    const named = set.errors.map((e) => e.claimId).filter((x): x is string => !!x);
    const claimIds = [...new Set([...sent, ...named])];
    if (!claimIds.length) {
      issues.push(issue(set.accepted ? 'MAP_INFO' : 'X12_REJECTED', `999 ${acks[set.ack] ?? set.ack} for transaction set ${set.setControl} of group ${set.groupControl}, which names no claim known here.`, `AK2[${set.setControl}]`, set.accepted ? 'information' : 'warning'));
      continue;
    }
    for (const claimId of claimIds) {
      const errors = set.errors.filter((e) => !e.claimId || e.claimId === claimId);
      const state: X12ClaimState = set.accepted ? 'acknowledged' : 'rejected';
      const detail = `999 ${acks[set.ack] ?? set.ack}${errors.length ? `: ${errors.map((e) => `${e.display} at ${e.field}`).join('; ')}` : ''}`;
      const cr = claimResponseFor({
        source: '999', claimId, outcome: set.accepted ? 'queued' : 'error', created: fhirDate(ack.date) || now.toISOString().slice(0, 10),
        insurer: { name: ack.from }, disposition: detail, errors,
      });
      out.push(await record(store, { claimId, state, detail, claimResponse: cr }, '999', now, issues));
      if (!set.accepted) issues.push(issue('X12_REJECTED', `Claim ${claimId}: ${detail}`, errors[0]?.field ?? `AK2[${set.setControl}]`, 'warning'));
    }
  }
  return { value: out, issues };
}

export async function apply277ca(acks: ClaimAck[], store: Store | undefined, now: Date): Promise<Result<ClaimAnswer[]>> {
  const issues: Issue[] = [];
  const out: ClaimAnswer[] = [];
  for (const a of acks) {
    const rejected = a.state === 'rejected';
    const detail = `277CA ${a.category} ${a.categoryDisplay}${a.reasons.length ? `: ${a.reasons.map((r) => `${r.display}${r.field ? ` (837P ${r.field})` : ''}`).join('; ')}` : ''}${a.payerClaimNumber ? `, payer claim ${a.payerClaimNumber}` : ''}`;
    const cr = claimResponseFor({
      source: '277CA', claimId: a.claimId, outcome: rejected ? 'error' : 'queued', created: fhirDate(a.date) || now.toISOString().slice(0, 10),
      insurer: a.payer, patient: a.patient, payerClaimNumber: a.payerClaimNumber, disposition: detail,
      errors: rejected ? a.reasons : undefined,
    });
    out.push(await record(store, { claimId: a.claimId, state: a.state, detail, claimResponse: cr }, '277CA', now, issues));
    if (rejected) issues.push(issue('X12_REJECTED', `Claim ${a.claimId}: ${detail}`, a.reasons.find((r) => r.field)?.field ?? '2200D.STC-01', 'warning'));
  }
  return { value: out, issues };
}
