/**
 * Processing of one stored HL7v2 message: parse, check the channel accepts its type, validate
 * against the message profile (validateMessage), run the vertical's flow. The state says what the
 * sender hears (src/hl7/ack.ts renders it):
 *   rejected  unreadable message, type not accepted by the channel, no flow for it (AR; table 0357: 200/207)
 *   error     profile or flow errors (AE; ERR segments name the fields)
 *   processed the flow's output (AA; warnings listed as ERR with severity W)
 * Pure apart from reading stored resources through the lookup; writing is the caller's job.
 */
import { applyTolerance } from '../../hl7/tolerance.js';
import { hasErrors, issue, type Issue } from '../../domain/issues.js';
import { parseHl7, type Hl7Message } from '../../hl7/message.js';
import { validateMessage } from '../../hl7/validate.js';
import { inboundFlows, flowFor } from '../registry.js';
import type { FlowContext, InboundHl7Flow, IntakeRun } from '../types.js';
import type { ChannelConfig } from '../../config.js';

export interface Hl7Processing extends IntakeRun {
  flow?: string;
  /** The parsed message (absent when it could not be read): the ACK answers its MSH. */
  message?: Hl7Message;
}

/** Does a channel's `messageTypes` list accept this type ('ADT^A04' or 'ADT^*' entries)? */
export function channelAccepts(channel: ChannelConfig, messageType: string): boolean {
  if (!channel.messageTypes) return true;
  const code = messageType.split('^')[0];
  return channel.messageTypes.some((t) => t === messageType || t === `${code}^*`);
}

/** The flow for a message on a channel: the channel's named flow, or the registry's choice by type. */
export function flowForChannel(channel: ChannelConfig, messageType: string): InboundHl7Flow | undefined {
  if (channel.flow) {
    const f = inboundFlows.find((x) => x.name === channel.flow);
    if (!f) return undefined;
    const code = messageType.split('^')[0];
    return f.messageTypes.includes(messageType) || f.messageTypes.includes(`${code}^*`) ? f : undefined;
  }
  return flowFor(messageType);
}

export function processHl7(raw: string, channel: ChannelConfig, ctx: FlowContext, priorIssues: Issue[] = []): Hl7Processing {
  const parsed = parseHl7(raw);
  const msg = parsed.value;
  if (!msg) return { state: 'rejected', issues: [...priorIssues, ...parsed.issues] };
  const type = msg.messageType;
  if (!channelAccepts(channel, type)) {
    return {
      state: 'rejected', message: msg,
      issues: [...priorIssues, issue('HL7_MESSAGE_TYPE', `Channel "${channel.name}" does not accept ${type} (accepts ${channel.messageTypes!.join(', ')}).`, 'MSH.9')],
    };
  }
  const flow = flowForChannel(channel, type);
  if (!flow) {
    const why = channel.flow ? `flow "${channel.flow}" of channel "${channel.name}" does not handle ${type}` : `no flow handles ${type}`;
    return { state: 'rejected', message: msg, issues: [...priorIssues, issue('HL7_MESSAGE_TYPE', `Unsupported message type: ${why}.`, 'MSH.9')] };
  }
  const profileIssues = validateMessage(msg);
  const issues: Issue[] = [
    ...priorIssues,
    ...parsed.issues,
    // The channel's mode judges the profile issues (tolerance policy, src/hl7/tolerance.ts): what is tolerated goes out as ERR severity W.
    ...applyTolerance(profileIssues, channel.validation),
  ];
  if (hasErrors(issues)) return { state: 'error', flow: flow.name, message: msg, issues };
  const out = flow.run(msg, ctx);
  issues.push(...out.issues);
  if (!out.value || hasErrors(issues)) return { state: 'error', flow: flow.name, message: msg, issues };
  return { state: 'processed', flow: flow.name, message: msg, issues, output: out.value };
}
