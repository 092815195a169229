/**
 * The labs Converter: `frontdesk convert <oru> --to fhir|office`, and lab FHIR (a DiagnosticReport,
 * or a Bundle of lab resources) -> the results inbox (`--to office`, and the gateway's POST /fhir
 * routing).
 */
import { hasErrors, issue } from '../../domain/issues.js';
import { validateResource } from '../../validation/index.js';
import type { DetectedInput } from '../../domain/input.js';
import { fhirOutput, officeOutput, type Converter, type FlowContext, type Target } from '../types.js';
import { convertOru } from './convert.js';
import { ORU_MESSAGE_TYPES } from './flow.js';
import { inboxFromFhir, isLabFhir } from './from-fhir.js';

export const labsConverter: Converter = {
  name: 'labs',
  accepts: (input: DetectedInput) =>
    (input.kind === 'hl7v2' && ORU_MESSAGE_TYPES.includes(input.message.messageType)) || (input.kind === 'fhir' && isLabFhir(input.resource)),
  convert(input: DetectedInput, to: Target, ctx: FlowContext) {
    if (input.kind === 'fhir') {
      if (to !== 'office') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `Lab FHIR resources convert to office (the results inbox), not to ${to}.`)] };
      // The inbox mapping trusts the FHIR types: structurally invalid input stops here, reported.
      const checked = validateResource(input.resource);
      if (hasErrors(checked)) return { value: undefined, issues: checked };
      const r = inboxFromFhir(input.resource, ctx.lookup);
      return { value: r.value ? officeOutput(r.value) : undefined, issues: r.issues };
    }
    if (input.kind !== 'hl7v2') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', 'The labs converter reads HL7v2 ORU^R01 and lab FHIR resources only.')] };
    if (to === 'hl7v2') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', 'ORU^R01 converts to fhir or office, not back to hl7v2.')] };
    const r = convertOru(input.message, ctx);
    if (!r.value) return { value: undefined, issues: r.issues };
    if (to === 'fhir') return { value: fhirOutput(r.value.bundle), issues: r.issues };
    // One inbox record per report, none left out.
    return { value: officeOutput(r.value.office), issues: r.issues };
  },
};
