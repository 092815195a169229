/**
 * The labs Converter: `frontdesk convert <oru> --to fhir|office|hl7v2`, and lab FHIR (a DiagnosticReport,
 * or a Bundle of lab resources) -> the results inbox (`--to office`, and the gateway's POST /fhir
 * routing); lab FHIR or an ORU -> ORU^R01 (`--to hl7v2`, ./write.ts, checked against the message profile).
 */
import { hasErrors, issue } from '../../domain/issues.js';
import { validateResource } from '../../validation/index.js';
import type { DetectedInput } from '../../domain/input.js';
import { fhirOutput, officeOutput, type Converter, type FlowContext, type Target } from '../types.js';
import { convertOru } from './convert.js';
import { ORU_MESSAGE_TYPES } from './flow.js';
import { inboxFromFhir, isLabFhir } from './from-fhir.js';
import { labBundleToOru } from './write.js';
import { validateMessage } from '../../hl7/validate.js';
import { hl7v2Output, type Converted } from '../types.js';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import type { Issue, Result } from '../../domain/issues.js';

/** A lab Bundle (or one DiagnosticReport) -> ORU^R01 text, checked against our message profile. */
function toOru(resource: FhirResource, ctx: FlowContext, issues: Issue[]): Result<Converted> {
  const bundle: Bundle = resource.resourceType === 'Bundle' ? resource : { resourceType: 'Bundle', type: 'collection', entry: [{ resource }] };
  const m = labBundleToOru(bundle, { timezone: ctx.timezone, lookup: ctx.lookup });
  issues.push(...m.issues);
  if (!m.value || hasErrors(issues)) return { value: undefined, issues };
  issues.push(...validateMessage(m.value));
  if (hasErrors(issues)) return { value: undefined, issues };
  return { value: hl7v2Output(m.value.toString()), issues };
}

export const labsConverter: Converter = {
  name: 'labs',
  accepts: (input: DetectedInput) =>
    (input.kind === 'hl7v2' && ORU_MESSAGE_TYPES.includes(input.message.messageType)) || (input.kind === 'fhir' && isLabFhir(input.resource)),
  convert(input: DetectedInput, to: Target, ctx: FlowContext) {
    if (input.kind === 'fhir') {
      if (to === 'fhir') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', 'Lab FHIR resources convert to office (the results inbox) or hl7v2 (ORU^R01), not to fhir.')] };
      // The inbox mapping and the writer trust the FHIR types: structurally invalid input stops here, reported.
      const checked = validateResource(input.resource);
      if (hasErrors(checked)) return { value: undefined, issues: checked };
      if (to === 'hl7v2') return toOru(input.resource, ctx, [...checked]);
      const r = inboxFromFhir(input.resource, ctx.lookup);
      return { value: r.value ? officeOutput(r.value) : undefined, issues: r.issues };
    }
    if (input.kind !== 'hl7v2') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', 'The labs converter reads HL7v2 ORU^R01 and lab FHIR resources only.')] };
    const r = convertOru(input.message, ctx);
    if (!r.value) return { value: undefined, issues: r.issues };
    if (to === 'hl7v2') return hasErrors(r.issues) ? { value: undefined, issues: r.issues } : toOru(r.value.bundle, ctx, [...r.issues]);
    if (to === 'fhir') return { value: fhirOutput(r.value.bundle), issues: r.issues };
    // One inbox record per report, none left out.
    return { value: officeOutput(r.value.office), issues: r.issues };
  },
};
