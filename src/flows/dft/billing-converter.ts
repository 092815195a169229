/**
 * The billing Converter (frontdesk convert, gateway office/FHIR endpoints):
 * - office billing-encounter -> fhir: claim-submission Bundle; -> office: the normalized record;
 *   -> hl7v2: DFT^P03 built from that Bundle (./write.ts), checked against the message profile
 * - DFT^P03 -> fhir: the transaction Bundle the flow stores; -> office: the billing encounter
 * - FHIR Claim or claim Bundle -> office: billing encounter; -> fhir: itself, checked; a claim
 *   Bundle -> hl7v2: DFT^P03 (a lone Claim lacks the Patient PID needs)
 * - FHIR ClaimResponse -> office: billing status; -> fhir: itself, checked
 * Every output is validated (profiles, office schema) and claim edits run on claims.
 */
import type { Bundle, Claim, ClaimResponse, FhirResource } from 'fhir/r4.js';
import type { DetectedInput } from '../../domain/input.js';
import { hasErrors, issue, prefixIssues, type Issue, type Result } from '../../domain/issues.js';
import { claimEdits } from '../../billing/edits.js';
import { normalizeEncounter, type BillingEncounter } from '../../billing/encounter.js';
import { withBillingProvider } from '../../billing/identity.js';
import { claimToEncounter } from '../../adapters/claim.js';
import { claimBundleToEncounter, encounterToClaimBundle } from '../../adapters/claim-bundle.js';
import { validateOfficeRecord, validateResource } from '../../validation/index.js';
import type { Converter, FlowContext, Target } from '../types.js';
import { claimResponseToBillingStatus } from '../claim-response.js';
import { validateMessage } from '../../hl7/validate.js';
import { dftToClaim, significant } from './flow.js';
import { buildDft } from './write.js';

type Out = Result<FhirResource | string | Record<string, unknown>>;

const isClaimBundle = (r: FhirResource): boolean =>
  r.resourceType === 'Bundle' && ((r as Bundle).entry ?? []).some((e) => e.resource?.resourceType === 'Claim');

const noHl7 = (what: string, where: string): Out => ({
  value: undefined,
  issues: [issue('HL7_MESSAGE_TYPE', `${what} has no HL7v2 output (DFT^P03 is written from a billing encounter or a claim Bundle); use --to fhir or --to office.`, where)],
});

/** A checked claim Bundle -> DFT^P03 text, itself checked against the v2.5.1 message profile. */
function toDft(bundle: Bundle, ctx: FlowContext, issues: Issue[]): Out {
  const m = buildDft(bundle, { timezone: ctx.timezone });
  issues.push(...m.issues);
  if (m.value) issues.push(...validateMessage(m.value));
  return hasErrors(issues) || !m.value ? { value: undefined, issues } : { value: m.value.toString(), issues };
}

/** Stop at errors: an invalid document is not printed as if it were usable. */
function finish(value: FhirResource | Record<string, unknown> | undefined, issues: Issue[]): Out {
  return hasErrors(issues) ? { value: undefined, issues } : { value, issues };
}

function fromEncounter(record: Record<string, unknown>, to: Target, ctx: FlowContext): Out {
  // A record without a billing provider takes the practice's configured one (said, not silent).
  const billed = withBillingProvider(record as unknown as BillingEncounter, ctx.billingProvider, 'billingProviderNpi');
  const schema = [...billed.issues, ...validateOfficeRecord(billed.value)];
  if (hasErrors(schema)) return { value: undefined, issues: schema };
  const e = billed.value!;
  const edits = claimEdits(e);
  if (to === 'office') return finish(normalizeEncounter(e) as unknown as Record<string, unknown>, [...schema, ...edits]);
  const b = encounterToClaimBundle(e);
  const issues = [...schema, ...edits, ...b.issues];
  if (!hasErrors(issues)) issues.push(...significant(validateResource(b.value)));
  if (to === 'hl7v2' && b.value && !hasErrors(issues)) return toDft(b.value, ctx, issues);
  return finish(b.value, issues);
}

function fromDft(input: Extract<DetectedInput, { kind: 'hl7v2' }>, to: Target, ctx: FlowContext): Out {
  if (to === 'hl7v2') return noHl7('A DFT^P03 message', 'MSH.9');
  const r = dftToClaim(input.message, ctx);
  if (!r.value) return { value: undefined, issues: r.issues };
  if (to === 'fhir') return { value: r.value.bundle, issues: r.issues };
  const office = validateOfficeRecord(r.value.encounter);
  return finish(r.value.encounter as unknown as Record<string, unknown>, [...r.issues, ...office]);
}

function fromClaim(resource: Claim | Bundle, to: Target, ctx: FlowContext): Out {
  if (to === 'hl7v2' && resource.resourceType === 'Claim') return noHl7('A lone Claim', 'resourceType');
  const issues = significant(validateResource(resource));
  // The edits and the mapping trust the FHIR types: input that breaks them (a null where an
  // object belongs, a number where an array does) stops here, reported, rather than throwing.
  if (hasErrors(issues)) return { value: undefined, issues };
  issues.push(...claimEdits(resource));
  if (to === 'hl7v2') return hasErrors(issues) ? { value: undefined, issues } : toDft(resource as Bundle, ctx, issues);
  if (to === 'fhir') return finish(resource, issues);
  const enc = resource.resourceType === 'Claim' ? claimToEncounter(resource) : claimBundleToEncounter(resource);
  issues.push(...enc.issues);
  if (enc.value) issues.push(...prefixIssues(validateOfficeRecord(enc.value), 'office'));
  return finish(enc.value as unknown as Record<string, unknown>, issues);
}

function fromClaimResponse(cr: ClaimResponse, to: Target): Out {
  if (to === 'hl7v2') return noHl7('A ClaimResponse', 'resourceType');
  const issues = significant(validateResource(cr));
  if (hasErrors(issues)) return { value: undefined, issues };
  if (to === 'fhir') return finish(cr, issues);
  const s = claimResponseToBillingStatus(cr);
  issues.push(...s.issues);
  return finish(s.value as unknown as Record<string, unknown>, issues);
}

export const billingConverter: Converter = {
  name: 'billing',
  accepts(input) {
    if (input.kind === 'hl7v2') return input.message.messageType === 'DFT^P03';
    if (input.kind === 'office') return input.recordType === 'billing-encounter';
    const rt = input.resource.resourceType;
    return rt === 'Claim' || rt === 'ClaimResponse' || isClaimBundle(input.resource);
  },
  convert(input, to, ctx) {
    if (input.kind === 'office') return fromEncounter(input.record, to, ctx);
    if (input.kind === 'hl7v2') return fromDft(input, to, ctx);
    if (input.resource.resourceType === 'ClaimResponse') return fromClaimResponse(input.resource, to);
    return fromClaim(input.resource as Claim | Bundle, to, ctx);
  },
};
