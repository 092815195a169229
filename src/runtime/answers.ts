/**
 * How the edges answer, handed to the pipeline by the composition root (src/composition.ts):
 * the HL7 ACKs from src/hl7/ack.ts, the HTTP answers from src/http/answer.ts. The runtime stores
 * what they render with each outcome (store, then answer: an exact resend gets the stored answer)
 * and decides no ACK code and no HTTP status itself.
 */
import type { Issue } from '../domain/issues.js';
import type { FlowOutput } from '../flows/types.js';
import type { Hl7Message } from '../hl7/message.js';
import type { AckMode, MessageState } from '../store/index.js';
import type { EntryOutcome } from './persist.js';

/** What a processing run ends with: its state and issues, what the flow produced and what was stored of it. */
export interface RunOutcome {
  state: MessageState;
  issues: Issue[];
  output?: FlowOutput | undefined;
  entries: EntryOutcome[];
}

export interface AnswerRenderers {
  /** HL7v2 intake: the commit ACK to send once the raw message is committed, when the message asks for one. */
  commitAck(message: Hl7Message | undefined, mode: AckMode, acceptAckType: string): { code: string; text: string } | undefined;
  /** HL7v2: the application ACK of a run (`message` undefined: the text could not be read as HL7). */
  hl7(message: Hl7Message | undefined, run: RunOutcome): { code: string; text: string };
  /** HTTP intake (POST /fhir, POST /office/{kind}): the status and the body. */
  http(endpoint: 'fhir' | 'office', run: RunOutcome): { status: number; body: unknown };
}
