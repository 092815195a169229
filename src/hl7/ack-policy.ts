/**
 * When to send which acknowledgment (HL7 v2 chapter 2, table 0155 accept/application
 * acknowledgment conditions in MSH-15 and MSH-16).
 * - Original mode (MSH-15 and MSH-16 empty): one application ACK (AA/AE/AR) after processing.
 * - Enhanced mode: a commit ACK (CA) once the message is durably stored, then an application ACK
 *   after processing, each sent only when its condition asks for it:
 *   AL always, NE never, ER only on error/reject, SU only on success.
 */
import type { AckMode } from '../store/index.js';

export type AppAckCode = 'AA' | 'AE' | 'AR';

/** Whether a commit ACK CA goes out after the commit (a commit that failed sends nothing at all). */
export function sendCommitAck(mode: AckMode, acceptAckType: string): boolean {
  if (mode !== 'enhanced') return false;
  // Empty MSH-15 in an enhanced message: the standard's default for accept acks is AL.
  return acceptAckType === '' || acceptAckType === 'AL' || acceptAckType === 'SU';
}

/** Whether the application ACK goes out on the connection. */
export function sendAppAck(mode: AckMode, appAckType: string, code: AppAckCode): boolean {
  if (mode === 'original') return true;
  if (mode === 'none') return false;
  switch (appAckType) {
    case '':
    case 'AL':
      return true;
    case 'NE':
      return false;
    case 'ER':
      return code !== 'AA';
    case 'SU':
      return code === 'AA';
    default:
      return true;
  }
}
