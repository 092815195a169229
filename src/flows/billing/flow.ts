/**
 * Inbound DFT^P03 (post detail financial transaction): EVN, PID, PV1, FT1 charges, DG1, PR1,
 * IN1 -> office billing encounter -> claim Bundle (transaction, PUT to deterministic ids).
 * The claim edits run on the encounter with the DFT locator, so a bad charge is rejected
 * naming its HL7 field (`FT1[2].11`); the Bundle is validated against fd-claim-bundle.
 */
import type { Bundle, Claim } from 'fhir/r4.js';
import { errorCodeOf, errorsOnly, hasErrors, issue, prefixIssues, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message } from '../../hl7/message.js';
import { encounterEdits, todayIn } from '../../billing/edits.js';
import type { BillingEncounter } from '../../billing/encounter.js';
import { encounterToClaimBundle } from '../../adapters/claim-bundle.js';
import { withBillingProvider } from '../../billing/identity.js';
import { validateOfficeRecord, validateResource } from '../../validation/index.js';
import type { FlowContext, FlowOutput, InboundHl7Flow } from '../types.js';
import { readDft } from './read.js';
import { keepRegistered } from '../registered-patient.js';
import { visitOfMessage } from '../recorded-visit.js';
import { urnForResource } from '../../fhir/ids.js';
import { emptyLookup } from '../types.js';

export interface DftResult {
  encounter: BillingEncounter;
  bundle: Bundle;
}

/** Validation notes (narrative, unchecked bindings) are information; keep what matters. */
export const significant = (issues: Issue[]): Issue[] => issues.filter((i) => i.severity !== 'information' || errorCodeOf(i) === 'MAP_TIMEZONE_ASSUMED');

/** One issue per element and code: the reader's specific message wins over the generic edit. */
export function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${errorCodeOf(i)}|${i.expression?.join(',')}`;
    if (errorCodeOf(i) !== 'CLAIM_EDIT') return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** DFT^P03 -> encounter + claim Bundle; value undefined (rejected) when any error remains. */
export function dftToClaim(msg: Hl7Message, ctx: Pick<FlowContext, 'timezone' | 'billingProvider'> & { today?: string; lookup?: FlowContext['lookup'] }): Result<DftResult> {
  if (msg.messageType !== 'DFT^P03') {
    return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `${msg.messageType} is not handled by the billing flow (DFT^P03 only).`, 'MSH.9')] };
  }
  const read = readDft(msg, ctx);
  const issues: Issue[] = [...read.issues];
  const r = read.value!;
  // FT1-32 empty (most practice systems): the practice's configured billing provider bills.
  const billed = withBillingProvider(r.encounter, ctx.billingProvider, r.locator.billingNpi);
  r.encounter = billed.value!;
  issues.push(...billed.issues);
  // "Not in the future" is judged by the practice's calendar.
  issues.push(...encounterEdits(r.encounter, r.locator, { today: ctx.today ?? todayIn(ctx.timezone) }));
  issues.push(...prefixIssues(errorsOnly(validateOfficeRecord(r.encounter)), 'office'));
  // A registered patient is not overwritten by a charge message: only filled.
  const pidSeg = msg.segment('PID');
  const kept = r.patient && ctx.lookup ? keepRegistered(r.patient, ctx.lookup, (n) => (pidSeg ? msg.location(pidSeg, n) : `PID.${n}`)) : undefined;
  if (kept) issues.push(...kept.issues);
  const patient = kept ? kept.value : r.patient;
  const bundle = encounterToClaimBundle(r.encounter, { type: 'transaction', ...(patient ? { patient } : {}) });
  issues.push(...bundle.issues.filter((i) => errorCodeOf(i) !== 'MAP_MISSING'));
  // PV1 -> the visit charged for: the same Encounter an ADT, SIU or ORU of that visit number makes
  // (only filled when recorded), in the Bundle beside the Claim, whose lines reference it (Claim.item.encounter).
  const patientEntry = bundle.value?.entry?.find((x) => x.resource?.resourceType === 'Patient');
  if (bundle.value && patient && patientEntry?.fullUrl) {
    const v = visitOfMessage(msg, patient, { timezone: ctx.timezone, lookup: ctx.lookup ?? emptyLookup });
    issues.push(...v.issues);
    if (v.value) {
      const visit = v.value;
      if (visit.subject?.reference === `Patient/${patient.id}`) visit.subject = { reference: patientEntry.fullUrl };
      const url = urnForResource(visit);
      for (const x of bundle.value.entry ?? []) {
        if (x.resource?.resourceType !== 'Claim') continue;
        for (const item of (x.resource as Claim).item ?? []) item.encounter = [{ reference: url }];
      }
      bundle.value.entry!.push({ fullUrl: url, resource: visit, request: { method: 'PUT', url: `Encounter/${visit.id}` } });
    }
  }
  // Profile errors only matter once the content passed the edits (they would repeat them).
  const all = dedupe(issues);
  if (!hasErrors(all)) all.push(...significant(validateResource(bundle.value)));
  if (hasErrors(all)) return { value: undefined, issues: all };
  return { value: { encounter: r.encounter, bundle: bundle.value! }, issues: all };
}

export const dftFlow: InboundHl7Flow = {
  name: 'dft-billing',
  messageTypes: ['DFT^P03'],
  run(message: Hl7Message, ctx: FlowContext): Result<FlowOutput> {
    const r = dftToClaim(message, ctx);
    if (!r.value) return { value: undefined, issues: r.issues };
    return { value: { bundle: r.value.bundle, office: [r.value.encounter] }, issues: r.issues };
  },
};
