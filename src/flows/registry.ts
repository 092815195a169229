/**
 * The registry of verticals. Each vertical adds its Converter and its InboundHl7Flows here
 * (one import line and one list entry each).
 */
import type { Converter, InboundHl7Flow } from './types.js';
import { adtRegistrationFlow, registrationConverter } from './adt/index.js';
import { oruConverter, oruFlow } from './oru/index.js';
import { billingConverter, dftFlow } from './dft/index.js';
import { schedulingConverter, siuFlow } from './siu/index.js';

export const converters: Converter[] = [
  registrationConverter,
  oruConverter,
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
