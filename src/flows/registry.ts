/**
 * The registry of the verticals (registration, scheduling, labs, billing: over HL7v2 they read
 * ADT, SIU, ORU and DFT). Each vertical adds its Converter and its InboundHl7Flows here
 * (one import line and one list entry each).
 */
import type { Converter, InboundHl7Flow } from './types.js';
import { adtRegistrationFlow, registrationConverter } from './registration/index.js';
import { labsConverter, oruFlow } from './labs/index.js';
import { billingConverter, dftFlow } from './billing/index.js';
import { schedulingConverter, siuFlow } from './scheduling/index.js';

export const converters: Converter[] = [
  registrationConverter,
  labsConverter,
  billingConverter,
  schedulingConverter,
];

export const inboundFlows: InboundHl7Flow[] = [
  adtRegistrationFlow,
  oruFlow,
  dftFlow,
  siuFlow,
];

/** The flow for a message type such as 'ADT^A04' (exact match first, then 'ADT^*'). */
export function flowFor(messageType: string): InboundHl7Flow | undefined {
  const code = messageType.split('^')[0];
  return inboundFlows.find((f) => f.messageTypes.includes(messageType))
    ?? inboundFlows.find((f) => f.messageTypes.includes(`${code}^*`));
}
