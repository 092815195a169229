/**
 * The MSH of a generated message as the destination's interface expects it (destination setting
 * `hl7`, src/delivery/config.ts): MSH-3/4 sending application and facility, MSH-5/6 the partner's
 * receiving application and facility, MSH-10 our durable control id, MSH-11 processing id (table
 * 0103), MSH-15/16 accept and application acknowledgment types (table 0155; absent = original mode).
 */
import type { Hl7Message } from '../../hl7/message.js';

export interface HeaderSettings {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication?: string | undefined;
  receivingFacility?: string | undefined;
  processingId: string;
  acceptAckType?: string | undefined;
  applicationAckType?: string | undefined;
}

export function applyHeader(msg: Hl7Message, h: HeaderSettings, controlId: string): void {
  const msh = msg.msh;
  msh.set(3, [h.sendingApplication]);
  msh.set(4, [h.sendingFacility]);
  msh.set(5, h.receivingApplication ? [h.receivingApplication] : '');
  msh.set(6, h.receivingFacility ? [h.receivingFacility] : '');
  msh.set(10, controlId);
  msh.set(11, h.processingId);
  // MSH-13..14 stay as built (empty); 15/16 only in enhanced mode.
  msh.set(15, h.acceptAckType ?? '');
  msh.set(16, h.applicationAckType ?? '');
  while (msh.fields.length > 3 && msh.fields[msh.fields.length - 1] === '') msh.fields.pop();
}

/** The message text with MSH-7 (time) and MSH-10 (control id) blanked: what identifies its content. */
export function contentOf(msg: Hl7Message): string {
  const f = msg.msh.fields;
  const keep = [f[7], f[10]];
  f[7] = '';
  f[10] = '';
  const text = msg.toString();
  f[7] = keep[0] ?? '';
  f[10] = keep[1] ?? '';
  return text;
}
