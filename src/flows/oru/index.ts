/**
 * Labs vertical: ORU^R01 -> FHIR transaction Bundle + results-inbox records.
 * - `oruFlow` (InboundHl7Flow): the MLLP gateway and POST /hl7v2 call it.
 * - `oruConverter` (Converter): `frontdesk convert <oru> --to fhir|office`.
 */
import { issue, type Result } from '../../domain/issues.js';
import type { DetectedInput } from '../../domain/input.js';
import type { Converter, FlowContext, FlowOutput, InboundHl7Flow, Target } from '../types.js';
import { convertOru } from './convert.js';

export { convertOru } from './convert.js';

export const ORU_MESSAGE_TYPES = ['ORU^R01'];

export const oruFlow: InboundHl7Flow = {
  name: 'oru-lab-results',
  messageTypes: ORU_MESSAGE_TYPES,
  run: (message, ctx): Result<FlowOutput> => convertOru(message, ctx),
};

export const oruConverter: Converter = {
  name: 'lab-results',
  accepts: (input: DetectedInput) => input.kind === 'hl7v2' && ORU_MESSAGE_TYPES.includes(input.message.messageType),
  convert(input: DetectedInput, to: Target, ctx: FlowContext) {
    if (input.kind !== 'hl7v2') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', 'The lab-results converter reads HL7v2 ORU^R01 only.')] };
    if (to === 'hl7v2') return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', 'ORU^R01 converts to fhir or office, not back to hl7v2.')] };
    const r = convertOru(input.message, ctx);
    if (!r.value) return { value: undefined, issues: r.issues };
    if (to === 'fhir') return { value: r.value.bundle, issues: r.issues };
    // One report -> its inbox record; several -> all of them, none left out.
    const office = r.value.office;
    return { value: office.length === 1 ? office[0]! : { recordType: 'results-inbox-item-list', items: office }, issues: r.issues };
  },
};
