/**
 * Detect what a piece of input is: an HL7v2 message (starts with MSH), a FHIR resource
 * (JSON with resourceType) or an office record (JSON with recordType).
 */
import type { FhirResource } from 'fhir/r4.js';
import { issue, type Result } from './issues.js';
import { looksLikeHl7, parseHl7, type Hl7Message } from '../hl7/message.js';
import type { OfficeRecord } from './office-record.js';

export type DetectedInput =
  | { kind: 'hl7v2'; message: Hl7Message; text: string }
  | { kind: 'fhir'; resource: FhirResource }
  /** An office record as read (JSON not yet checked against its schema) or as a flow produced it. */
  | { kind: 'office'; recordType: string; record: Record<string, unknown> | OfficeRecord };

export function detectInput(text: string): Result<DetectedInput> {
  if (text.trim() === '') return { value: undefined, issues: [issue('INPUT_UNREADABLE', 'Input is empty.')] };
  if (looksLikeHl7(text)) {
    const parsed = parseHl7(text);
    if (!parsed.value) return { value: undefined, issues: parsed.issues };
    return { value: { kind: 'hl7v2', message: parsed.value, text }, issues: parsed.issues };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const trimmed = text.trimStart();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) {
      return { value: undefined, issues: [issue('INPUT_FORMAT_UNKNOWN', 'Input is neither an HL7v2 message (starting with MSH) nor JSON.')] };
    }
    return { value: undefined, issues: [issue('JSON_INVALID', `Invalid JSON: ${(e as Error).message}`)] };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { value: undefined, issues: [issue('INPUT_FORMAT_UNKNOWN', 'JSON input must be an object: a FHIR resource (resourceType) or an office record (recordType).')] };
  }
  const obj = json as Record<string, unknown>;
  if (typeof obj.resourceType === 'string') {
    // Converters pick a Bundle by the types of its entries, so the entries must be objects.
    const entry = obj.resourceType === 'Bundle' ? obj.entry : undefined;
    if (entry !== undefined && (!Array.isArray(entry) || entry.some((e) => e === null || typeof e !== 'object' || Array.isArray(e)))) {
      return { value: undefined, issues: [issue('FHIR_STRUCTURE', 'Bundle.entry must be an array of objects.', 'Bundle.entry')] };
    }
    return { value: { kind: 'fhir', resource: obj as unknown as FhirResource }, issues: [] };
  }
  if (typeof obj.recordType === 'string') return { value: { kind: 'office', recordType: obj.recordType, record: obj }, issues: [] };
  return {
    value: undefined,
    issues: [issue('INPUT_FORMAT_UNKNOWN', 'JSON has neither "resourceType" (FHIR) nor "recordType" (office record).', ['resourceType', 'recordType'])],
  };
}
