/**
 * The tolerance policy for inbound HL7v2 (the table in docs/hl7v2.md), applied to what the message
 * profile check (validateMessage) finds. A fault judged by what it loses:
 * - loses no identity and no meaning -> a warning, and the mapping reads what is safe to read
 *   (an out-of-order segment, an unknown table value, a too-long field, an empty optional field);
 * - loses identity or meaning -> an error naming its field (no MSH-9 type we handle, no MSH-10
 *   control id, no PID-3 identifier, no PID segment). Faults in what the mapping reads (a date
 *   that is not a date, an OBX-5 that is not its OBX-2 type, an unknown code without a safe
 *   reading) are errors raised by the mapping itself, at the same field.
 *
 * Channel modes: `strict` keeps every profile error an error (the message must conform);
 * `tolerant` (the default) applies the policy above; `lenient` makes every profile error a
 * warning and lets the mapping alone decide.
 */
import { errorCodeOf, type Issue } from '../domain/issues.js';

export const VALIDATION_MODES = ['strict', 'tolerant', 'lenient'] as const;
export type ValidationMode = (typeof VALIDATION_MODES)[number];
export const DEFAULT_VALIDATION_MODE: ValidationMode = 'tolerant';

/** Fields whose absence loses the message's or the patient's identity (HL7 location without repetition index). */
const IDENTITY_FIELDS = new Set(['MSH.9', 'MSH.10', 'PID.3']);
/** Segments without which nothing can be filed: no header, no patient. */
const IDENTITY_SEGMENTS = new Set(['MSH', 'PID']);

const withoutIndex = (loc: string): string => loc.replace(/\[\d+\]/g, '');

/** Whether a profile error stays an error in tolerant mode. */
export function losesIdentityOrMeaning(i: Issue): boolean {
  const loc = withoutIndex(i.expression?.[0] ?? '');
  switch (errorCodeOf(i)) {
    case 'HL7_MESSAGE_TYPE':
      return true;
    case 'HL7_FIELD_REQUIRED':
      return IDENTITY_FIELDS.has(loc);
    case 'HL7_SEGMENT_MISSING':
      return IDENTITY_SEGMENTS.has(loc);
    default:
      // Structure, table, length, datatype and repetition faults: the mapping reports the ones it reads.
      return false;
  }
}

const asWarning = (i: Issue): Issue => ({ ...i, severity: 'warning', diagnostics: `${i.diagnostics ?? ''} (tolerated: nothing the mapping reads is lost)` });

/** The profile issues as the channel's mode judges them. */
export function applyTolerance(issues: readonly Issue[], mode: ValidationMode = DEFAULT_VALIDATION_MODE): Issue[] {
  if (mode === 'strict') return [...issues];
  return issues.map((i) => {
    if (i.severity !== 'error' && i.severity !== 'fatal') return i;
    if (mode === 'lenient') return { ...i, severity: 'warning' as const };
    return losesIdentityOrMeaning(i) ? i : asWarning(i);
  });
}
