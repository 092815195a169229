/**
 * The labs flow (ORU^R01, the MLLP gateway and POST /hl7v2): the FHIR transaction Bundle and the
 * results-inbox records of ./convert.ts.
 */
import type { Result } from '../../domain/issues.js';
import type { FlowOutput, InboundHl7Flow } from '../types.js';
import { convertOru } from './convert.js';

export const ORU_MESSAGE_TYPES = ['ORU^R01'];

export const oruFlow: InboundHl7Flow = {
  name: 'oru-lab-results',
  messageTypes: ORU_MESSAGE_TYPES,
  run: (message, ctx): Result<FlowOutput> => convertOru(message, ctx),
};
