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
import { normalizeEncounter } from '../../billing/encounter.js';
import { withBillingProvider } from '../../billing/identity.js';
import { claimToEncounter } from '../../adapters/claim.js';
import { claimBundleToEncounter, encounterToClaimBundle } from '../../adapters/claim-bundle.js';
import { checkOfficeRecord, validateOfficeRecord, validateResource } from '../../validation/index.js';
import { fhirOutput, hl7v2Output, officeOutput, type Converted, type Converter, type FlowContext, type OfficeRecord, type Target } from '../types.js';
import { claimResponseToBillingStatus } from '../claim-response.js';
import { validateMessage } from '../../hl7/validate.js';
import { dftToClaim, significant } from './flow.js';
import { buildDft } from './write.js';

type Out = Result<Converted>;

const isClaimBundle = (r: FhirResource): r is Bundle =>
  r.resourceType === 'Bundle' && (r.entry ?? []).some((e) => e.resource?.resourceType === 'Claim');

const noHl7 = (what: string, where: string): Out => ({
  value: undefined,
  issues: [issue('HL7_MESSAGE_TYPE', `${what} has no HL7v2 output (DFT^P03 is written from a billing encounter or a claim Bundle); use --to fhir or --to office.`, where)],
});

/** A checked claim Bundle -> DFT^P03 text, itself checked against the v2.5.1 message profile. */
function toDft(bundle: Bundle, ctx: FlowContext, issues: Issue[]): Out {
  const m = buildDft(bundle, { timezone: ctx.timezone });
  issues.push(...m.issues);
  if (m.value) issues.push(...validateMessage(m.value));
  return hasErrors(issues) || !m.value ? { value: undefined, issues } : { value: hl7v2Output(m.value.toString()), issues };
}

/** Stop at errors: an invalid document is not printed as if it were usable. */
function finish(value: FhirResource | OfficeRecord | undefined, issues: Issue[]): Out {
  if (hasErrors(issues) || !value) return { value: undefined, issues };
  return { value: 'resourceType' in value ? fhirOutput(value) : officeOutput([value]), issues };
}

function fromEncounter(record: object, to: Target, ctx: FlowContext): Out {
  // A record without a billing provider takes the practice's configured one (said, not silent).
  const billed = withBillingProvider(record, ctx.billingProvider, 'billingProviderNpi');
  const checked = checkOfficeRecord(billed.value);
  const schema = [...billed.issues, ...checked.issues];
  if (hasErrors(schema) || checked.value?.recordType !== 'billing-encounter') return { value: undefined, issues: schema };
  const e = checked.value;
  const edits = claimEdits(e);
  if (to === 'office') return finish(normalizeEncounter(e), [...schema, ...edits]);
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
  if (to === 'fhir') return { value: fhirOutput(r.value.bundle), issues: r.issues };
  const office = validateOfficeRecord(r.value.encounter);
  return finish(r.value.encounter, [...r.issues, ...office]);
}

function fromClaim(resource: Claim | Bundle, to: Target, ctx: FlowContext): Out {
  if (to === 'hl7v2' && resource.resourceType === 'Claim') return noHl7('A lone Claim', 'resourceType');
  const issues = significant(validateResource(resource));
  // The edits and the mapping trust the FHIR types: input that breaks them (a null where an
  // object belongs, a number where an array does) stops here, reported, rather than throwing.
  if (hasErrors(issues)) return { value: undefined, issues };
  issues.push(...claimEdits(resource));
  if (to === 'hl7v2') return hasErrors(issues) || resource.resourceType !== 'Bundle' ? { value: undefined, issues } : toDft(resource, ctx, issues);
  if (to === 'fhir') return finish(resource, issues);
  const enc = resource.resourceType === 'Claim' ? claimToEncounter(resource) : claimBundleToEncounter(resource);
  issues.push(...enc.issues);
  if (enc.value) issues.push(...prefixIssues(validateOfficeRecord(enc.value), 'office'));
  return finish(enc.value, issues);
}

function fromClaimResponse(cr: ClaimResponse, to: Target): Out {
  if (to === 'hl7v2') return noHl7('A ClaimResponse', 'resourceType');
  const issues = significant(validateResource(cr));
  if (hasErrors(issues)) return { value: undefined, issues };
  if (to === 'fhir') return finish(cr, issues);
  const s = claimResponseToBillingStatus(cr);
  issues.push(...s.issues);
  return finish(s.value, issues);
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
    const r = input.resource;
    if (r.resourceType === 'ClaimResponse') return fromClaimResponse(r, to);
    if (r.resourceType === 'Claim' || r.resourceType === 'Bundle') return fromClaim(r, to, ctx);
    return { value: undefined, issues: [issue('FHIR_RESOURCE_TYPE', `The billing converter takes a Claim, a claim Bundle or a ClaimResponse; got ${r.resourceType}.`, 'resourceType')] };
  },
};
