/**
 * X12 at the edges (CLI convert/validate, operator API): what kind of X12 a text is, X12 -> FHIR
 * or office records, X12 validation, and a claim (office billing record, claim Bundle, DFT^P03)
 * -> 837P. Returns `{ value, issues }`; the edges decide.
 */
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../domain/issues.js';
import { claimEdits } from '../billing/edits.js';
import { detectInput } from '../domain/input.js';
import type { BillingIdentity } from '../billing/identity.js';
import { defaultBillingProvider } from '../billing/identity.js';
import { encounterToClaimBundle } from '../adapters/claim-bundle.js';
import { dftToClaim } from '../flows/billing/flow.js';
import { withBillingProvider } from '../billing/identity.js';
import type { BillingEncounter } from '../billing/encounter.js';
import { x12KindOf } from './validate.js';
import { build837p, type Batch837 } from './837p/build.js';
import { parse837 } from './837p/parse.js';
import { read999 } from './inbound/ack999.js';
import { read277ca } from './inbound/ack277ca.js';
import { apply277ca, apply999 } from './inbound/apply.js';
import { read835 } from './inbound/remit835.js';
import { remittanceRecords } from './inbound/post835.js';
import { read271 } from './eligibility/read271.js';

export type { X12Kind } from './validate.js';
export { validateX12, x12KindOf } from './validate.js';

export { looksLikeX12 } from './detect.js';

const bundleOf = (resources: FhirResource[]): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });

/**
 * X12 in -> `fhir` (a collection Bundle of ClaimResponses / CoverageEligibilityResponses, or the
 * claim Bundles an 837P carries) or `office` (billing-status, payment-posting, eligibility or
 * billing-encounter records). Nothing is recorded: a one-off conversion.
 */
export async function x12ToFhirOrOffice(text: string, to: 'fhir' | 'office'): Promise<Result<Bundle | Array<Record<string, unknown>>>> {
  const kind = x12KindOf(text);
  if (!kind.value) return { value: undefined, issues: kind.issues };
  const now = new Date();
  switch (kind.value) {
    case '837': {
      const r = parse837(text);
      if (!r.value) return { value: undefined, issues: r.issues };
      if (to === 'office') return { value: r.value.encounters as unknown as Array<Record<string, unknown>>, issues: r.issues };
      const bundles = r.value.encounters.map((e) => encounterToClaimBundle(e).value!);
      return { value: bundleOf(bundles), issues: r.issues };
    }
    case '999': {
      const r = read999(text);
      if (!r.value) return { value: undefined, issues: r.issues };
      const a = await apply999(r.value, undefined, now);
      return answers(a.value!, to, [...r.issues, ...a.issues]);
    }
    case '277': {
      const r = read277ca(text);
      if (!r.value) return { value: undefined, issues: r.issues };
      const a = await apply277ca(r.value, undefined, now);
      return answers(a.value!, to, [...r.issues, ...a.issues]);
    }
    case '835': {
      const r = read835(text);
      if (!r.value) return { value: undefined, issues: r.issues };
      const recs = remittanceRecords(r.value);
      const issues = [...r.issues, ...recs.issues];
      if (to === 'office') return { value: recs.value!.map((c) => c.posting as unknown as Record<string, unknown>), issues };
      return { value: bundleOf(recs.value!.map((c) => c.claimResponse)), issues };
    }
    case '271': {
      const r = read271(text);
      if (!r.value) return { value: undefined, issues: r.issues };
      if (to === 'office') return { value: r.value.map((x) => x.record as unknown as Record<string, unknown>), issues: r.issues };
      return { value: bundleOf(r.value.map((x) => x.response)), issues: r.issues };
    }
    default:
      return { value: undefined, issues: [issue('X12_INVALID', `A ${kind.value} is an outbound inquiry; there is nothing to convert it to.`, 'ST-01')] };
  }
}

function answers(list: Array<{ claimResponse: FhirResource; billingRecord?: unknown }>, to: 'fhir' | 'office', issues: Issue[]): Result<Bundle | Array<Record<string, unknown>>> {
  if (to === 'office') return { value: list.map((a) => a.billingRecord as Record<string, unknown>).filter(Boolean), issues };
  return { value: bundleOf(list.map((a) => a.claimResponse)), issues };
}

export interface ToX12Options {
  identity: BillingIdentity;
  destination: string;
  allocate: (counter: string) => number | Promise<number>;
  timezone: string;
}

/** An office billing record, a claim Bundle or a DFT^P03 -> one 837P (claim edits first). */
export async function claimTextToX12(text: string, o: ToX12Options): Promise<Result<Batch837>> {
  const detected = detectInput(text);
  if (!detected.value) return { value: undefined, issues: detected.issues };
  const input = detected.value;
  const issues: Issue[] = [...detected.issues];
  let bundle: Bundle | undefined;
  const billingProvider = defaultBillingProvider(o.identity);
  if (input.kind === 'office' && input.recordType === 'billing-encounter') {
    const billed = withBillingProvider(input.record as unknown as BillingEncounter, billingProvider, 'billingProviderNpi');
    issues.push(...billed.issues);
    // The edits in the record's own terms (`lines[0].pointers[0]`), before it becomes a Bundle.
    const edits = claimEdits(billed.value!);
    issues.push(...edits);
    if (hasErrors(edits)) return { value: undefined, issues };
    bundle = encounterToClaimBundle(billed.value!).value;
  } else if (input.kind === 'hl7v2' && input.message.messageType === 'DFT^P03') {
    const r = dftToClaim(input.message, { timezone: o.timezone, ...(billingProvider ? { billingProvider } : {}) });
    issues.push(...r.issues);
    if (!r.value) return { value: undefined, issues };
    bundle = r.value.bundle;
  } else if (input.kind === 'fhir' && input.resource.resourceType === 'Bundle' && (input.resource.entry ?? []).some((e) => e.resource?.resourceType === 'Claim')) {
    bundle = input.resource;
  }
  if (!bundle) return { value: undefined, issues: [...issues, issue('HL7_MESSAGE_TYPE', 'Only a claim converts to X12: an office billing-encounter, a FHIR claim Bundle or a DFT^P03.', 'input')] };
  const r = await build837p([bundle], { identity: o.identity, destination: o.destination, allocate: o.allocate });
  const rejected = r.value?.rejected.flatMap((x) => x.issues) ?? [];
  return { value: r.value, issues: [...issues, ...r.issues, ...rejected] };
}
