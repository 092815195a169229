/**
 * Where a FHIR element of a lab resource came from in the HL7 message, so a validation issue on
 * `Observation.valueQuantity.value` is reported at `OBX[3].5` (ERR-2 of the ACK).
 */
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';

/** First FHIRPath element name -> HL7 field, per segment. Unlisted elements point at the segment. */
const FIELDS: Record<string, Record<string, number>> = {
  OBX: {
    code: 3, valueQuantity: 5, valueCodeableConcept: 5, valueString: 5, valueRange: 5, valueRatio: 5, valueDateTime: 5, valueTime: 5,
    value: 5, dataAbsentReason: 5, referenceRange: 7, interpretation: 8, status: 11, effective: 14, effectiveDateTime: 14, performer: 16, method: 17,
  },
  OBR: { code: 4, effective: 7, effectiveDateTime: 7, issued: 22, status: 25, identifier: 3, basedOn: 2, resultsInterpreter: 32 },
  SPM: { identifier: 2, type: 4, collection: 17, receivedTime: 18, },
  PID: { identifier: 3, name: 5, birthDate: 7, gender: 8, address: 11, telecom: 13 },
};

export function hl7LocationOf(msg: Hl7Message, seg: Hl7Segment, resourceType: string, path: string): string {
  const head = path.slice(0, lettersAt(path));
  // A Specimen built from OBR-15 (pre-2.5 messages) comes from that one field.
  if (seg.name === 'OBR' && resourceType === 'Specimen') return msg.location(seg, 15);
  // OBX-6 units: a Quantity's unit, system or code.
  if (seg.name === 'OBX' && path.startsWith('value') && /^value(Quantity|Range)\b.*\.(unit|system|code)$/.test(path)) return msg.location(seg, 6);
  const field = FIELDS[seg.name]?.[head];
  return field ? msg.location(seg, field) : msg.location(seg);
}

/** How many ASCII letters the path starts with (its first element name; /^([A-Za-z]+)/ without a match array). */
function lettersAt(path: string): number {
  let i = 0;
  while (i < path.length) {
    const c = path.charCodeAt(i) | 32;
    if (c < 97 || c > 122) break;
    i++;
  }
  return i;
}
