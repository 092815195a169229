/**
 * The error-code catalogue: every issue Frontdesk raises carries one of these codes in
 * `issue.details.coding[0].code`. Each code says how every edge treats it:
 * - `fhirType`: OperationOutcome.issue.code (FHIR value set issue-type)
 * - `http`: the HTTP status the API answers with when this is the worst issue
 * - `hl7`: HL7 table 0357 (message error condition codes) for ERR-3 in a NAK
 * - `retry`: whether sending the same thing again may succeed (transient)
 *
 * The README's error-code table is checked against this object by test/domain/errors.test.ts,
 * so add a code here and a row there together.
 */
export const ERROR_CODES = {
  // --- input and parsing
  INPUT_UNREADABLE: { fhirType: 'exception', http: 400, hl7: '207', retry: false, summary: 'Input could not be read (missing file, empty body, wrong encoding).' },
  INPUT_FORMAT_UNKNOWN: { fhirType: 'structure', http: 415, hl7: '207', retry: false, summary: 'Input is neither HL7v2 (starts with MSH), FHIR JSON nor an office record.' },
  JSON_INVALID: { fhirType: 'structure', http: 400, hl7: '207', retry: false, summary: 'Body is not valid JSON.' },
  HL7_NOT_MSH: { fhirType: 'structure', http: 400, hl7: '100', retry: false, summary: 'HL7v2 message does not start with an MSH segment.' },
  HL7_DELIMITERS: { fhirType: 'structure', http: 400, hl7: '102', retry: false, summary: 'MSH-1/MSH-2 declare missing, duplicate or unusable delimiters.' },
  HL7_SEGMENT_NAME: { fhirType: 'structure', http: 400, hl7: '100', retry: false, summary: 'A segment name is not three upper-case letters or digits.' },
  HL7_ESCAPE: { fhirType: 'value', http: 400, hl7: '102', retry: false, summary: 'An escape sequence is malformed or unterminated.' },
  HL7_CHARSET: { fhirType: 'value', http: 422, hl7: '102', retry: false, summary: 'Bytes not valid in the MSH-18 character set (read as ISO 8859-1, warning), or an unsupported MSH-18 set with non-ASCII bytes (error).' },
  // --- HL7v2 message profile
  HL7_SEGMENT_MISSING: { fhirType: 'required', http: 422, hl7: '100', retry: false, summary: 'A required segment is missing (message structure).' },
  HL7_SEGMENT_UNEXPECTED: { fhirType: 'structure', http: 422, hl7: '100', retry: false, summary: 'A segment appears where the message structure does not allow it.' },
  HL7_SEGMENT_REPEAT: { fhirType: 'structure', http: 422, hl7: '100', retry: false, summary: 'A non-repeating segment repeats.' },
  HL7_FIELD_REQUIRED: { fhirType: 'required', http: 422, hl7: '101', retry: false, summary: 'A required field is empty.' },
  HL7_FIELD_REPEAT: { fhirType: 'structure', http: 422, hl7: '102', retry: false, summary: 'A non-repeating field repeats.' },
  HL7_FIELD_LENGTH: { fhirType: 'too-long', http: 422, hl7: '102', retry: false, summary: 'A field is longer than its maximum length.' },
  HL7_DATATYPE: { fhirType: 'value', http: 422, hl7: '102', retry: false, summary: 'A field does not match its data type (DTM, NM, SI, ...).' },
  HL7_TABLE_VALUE: { fhirType: 'code-invalid', http: 422, hl7: '103', retry: false, summary: 'A coded field (ID/IS) holds a value not in its HL7 table.' },
  HL7_MESSAGE_TYPE: { fhirType: 'not-supported', http: 422, hl7: '200', retry: false, summary: 'Message type or trigger event is not supported by this channel.' },
  HL7_VERSION: { fhirType: 'not-supported', http: 422, hl7: '203', retry: false, summary: 'Message version (MSH-12) is not supported.' },
  // --- FHIR profile validation
  FHIR_STRUCTURE: { fhirType: 'structure', http: 422, hl7: '207', retry: false, summary: 'Element has the wrong JSON shape (array vs object, wrong primitive type).' },
  FHIR_UNKNOWN_ELEMENT: { fhirType: 'structure', http: 422, hl7: '207', retry: false, summary: 'Element is not defined for this resource type.' },
  FHIR_REQUIRED: { fhirType: 'required', http: 422, hl7: '101', retry: false, summary: 'Element is below its minimum cardinality.' },
  FHIR_CARDINALITY: { fhirType: 'structure', http: 422, hl7: '102', retry: false, summary: 'Element is above its maximum cardinality.' },
  FHIR_VALUE: { fhirType: 'value', http: 422, hl7: '102', retry: false, summary: 'Primitive value does not match its format (date, dateTime, id, uri, ...), or is empty.' },
  FHIR_FIXED: { fhirType: 'value', http: 422, hl7: '102', retry: false, summary: 'Value differs from the fixed or pattern value required by the profile.' },
  FHIR_CODE_INVALID: { fhirType: 'code-invalid', http: 422, hl7: '103', retry: false, summary: 'Code is not in the required value set.' },
  FHIR_REFERENCE_TARGET: { fhirType: 'structure', http: 422, hl7: '102', retry: false, summary: 'Reference points to a resource type the profile does not allow.' },
  FHIR_INVARIANT: { fhirType: 'invariant', http: 422, hl7: '207', retry: false, summary: 'A FHIRPath invariant (constraint) of the resource or profile fails.' },
  FHIR_NOT_CHECKED: { fhirType: 'informational', http: 200, hl7: '207', retry: false, summary: 'A constraint needs a server (memberOf, resolve, external value set) and was not checked.' },
  FHIR_PROFILE_UNKNOWN: { fhirType: 'not-found', http: 404, hl7: '207', retry: false, summary: 'No profile with that canonical URL or id is loaded.' },
  FHIR_PROFILE_INVALID: { fhirType: 'invalid', http: 500, hl7: '207', retry: false, summary: 'A StructureDefinition in the profile folder could not be compiled.' },
  FHIR_RESOURCE_TYPE: { fhirType: 'not-supported', http: 422, hl7: '207', retry: false, summary: 'resourceType is missing or not an R4 resource type.' },
  FHIR_NOT_TRANSACTION: { fhirType: 'invalid', http: 400, hl7: '207', retry: false, summary: 'POST /fhir takes a Bundle of type transaction; the body is another resource or another Bundle type.' },
  FHIR_EXTENSION_UNKNOWN: { fhirType: 'structure', http: 422, hl7: '207', retry: false, summary: 'An extension URL resolves to no known definition, or its definition does not allow it here.' },
  FHIR_BUNDLE_RULE: { fhirType: 'invalid', http: 422, hl7: '207', retry: false, summary: 'A Bundle rule fails (link relation repeated, fullUrl relative or not matching, search result without id).' },
  FHIR_CODE_SYSTEM: { fhirType: 'code-invalid', http: 422, hl7: '103', retry: false, summary: 'Coding.system is not an absolute URI, or names a ValueSet instead of a code system.' },
  FHIR_NARRATIVE_LINK: { fhirType: 'invalid', http: 422, hl7: '207', retry: false, summary: 'A link in the narrative points to an id that does not exist in the resource.' },
  FHIR_ID_DUPLICATE: { fhirType: 'duplicate', http: 422, hl7: '207', retry: false, summary: 'Two elements (or two Bundle entries) carry the same id.' },
  // --- office records
  OFFICE_SCHEMA: { fhirType: 'structure', http: 422, hl7: '207', retry: false, summary: 'Office record does not match its JSON Schema.' },
  // --- mapping / conversion
  MAP_UNKNOWN_CODE: { fhirType: 'code-invalid', http: 422, hl7: '103', retry: false, summary: 'A code has no entry in the mapping code table.' },
  MAP_INVALID_DATE: { fhirType: 'value', http: 422, hl7: '102', retry: false, summary: 'A date/time cannot be converted.' },
  MAP_MISSING: { fhirType: 'required', http: 422, hl7: '101', retry: false, summary: 'Data required to build the output is missing from the input.' },
  MAP_CONFLICT: { fhirType: 'conflict', http: 409, hl7: '207', retry: false, summary: 'Message conflicts with stored state (unknown appointment, update after delete, ...).' },
  MAP_TIMEZONE_ASSUMED: { fhirType: 'informational', http: 200, hl7: '207', retry: false, summary: 'A time without UTC offset was read in the practice timezone.' },
  MAP_TRIMMED: { fhirType: 'informational', http: 200, hl7: '207', retry: false, summary: 'Leading or trailing spaces were removed from a field (a warning naming it).' },
  MAP_SKIPPED: { fhirType: 'incomplete', http: 200, hl7: '207', retry: false, summary: 'One part of a message could not be mapped and was left out (a warning naming its field); the rest was kept.' },
  MAP_INFO: { fhirType: 'informational', http: 200, hl7: '207', retry: false, summary: 'Information about a mapping decision.' },
  // --- billing edits
  CLAIM_EDIT: { fhirType: 'business-rule', http: 422, hl7: '207', retry: false, summary: 'A pre-submission claim edit failed (NPI, code form, pointers, charges, dates).' },
  // --- X12 5010 (837P out; 999, 277CA, 835, 271 in)
  X12_SYNTAX: { fhirType: 'structure', http: 400, hl7: '207', retry: false, summary: 'X12 interchange unreadable: ISA not 106 characters, unusable delimiters, control numbers or counts that do not match.' },
  X12_INVALID: { fhirType: 'structure', http: 422, hl7: '207', retry: false, summary: 'X12 transaction breaks its implementation guide: a required loop, segment or element missing, a bad code, type or length.' },
  X12_UNBALANCED: { fhirType: 'business-rule', http: 422, hl7: '207', retry: false, summary: 'An 835 does not balance (charges, payments, adjustments, provider adjustments, BPR total): reported, not posted.' },
  X12_REJECTED: { fhirType: 'business-rule', http: 422, hl7: '207', retry: false, summary: 'A clearinghouse or payer rejected a transaction or claim (999 AK9/IK5 R, 277CA A3/A7, 271 AAA).' },
  // --- runtime, HTTP and delivery
  AUTH_REQUIRED: { fhirType: 'login', http: 401, hl7: '207', retry: false, summary: 'No or unknown API key, or a bearer JWT refused (expired, wrong issuer or audience, bad signature, unknown kid).' },
  AUTH_FORBIDDEN: { fhirType: 'forbidden', http: 403, hl7: '207', retry: false, summary: 'Credentials lack the scope for this endpoint (a FHIR 403 names the SMART scope missing: system/Patient.r).' },
  AUTH_UNAVAILABLE: { fhirType: 'transient', http: 503, hl7: '207', retry: true, summary: 'A bearer JWT could not be checked: the trusted keys (JWKS URL) could not be fetched.' },
  NOT_FOUND: { fhirType: 'not-found', http: 404, hl7: '207', retry: false, summary: 'No such resource, message or route.' },
  SEARCH_PARAM_INVALID: { fhirType: 'invalid', http: 400, hl7: '207', retry: false, summary: 'A search or request parameter is unknown on this resource type, or its value is malformed (the issue names both).' },
  METHOD_NOT_ALLOWED: { fhirType: 'not-supported', http: 405, hl7: '207', retry: false, summary: 'The HTTP method is not served on this path.' },
  NOT_ACCEPTABLE: { fhirType: 'not-supported', http: 406, hl7: '207', retry: false, summary: 'Accept or _format asks for a format the server does not produce (it produces FHIR JSON).' },
  GONE: { fhirType: 'deleted', http: 410, hl7: '207', retry: false, summary: 'The resource was deleted (its history keeps the tombstone version).' },
  VERSION_CONFLICT: { fhirType: 'conflict', http: 409, hl7: '207', retry: false, summary: 'A write conflicts with the stored resource (id in the body differs from the URL, resource type mismatch, a concurrent change, a delete of a resource others still refer to).' },
  THROTTLED: { fhirType: 'throttled', http: 429, hl7: '207', retry: true, summary: 'Too many failed authentications from this client address: wait for Retry-After.' },
  PRECONDITION_FAILED: { fhirType: 'conflict', http: 412, hl7: '207', retry: false, summary: 'A conditional request matched more than one resource or its version check failed.' },
  MEDIA_TYPE: { fhirType: 'not-supported', http: 415, hl7: '207', retry: false, summary: 'Content-Type is not supported by this endpoint.' },
  TOO_LARGE: { fhirType: 'too-long', http: 413, hl7: '207', retry: false, summary: 'Request or MLLP frame exceeds the configured size limit.' },
  CONFIG_INVALID: { fhirType: 'invalid', http: 500, hl7: '207', retry: false, summary: 'Configuration file has a bad or missing key.' },
  STORE_FAILED: { fhirType: 'transient', http: 503, hl7: '207', retry: true, summary: 'The durable store could not commit; nothing was acknowledged.' },
  DUPLICATE_CONFLICT: { fhirType: 'duplicate', http: 409, hl7: '205', retry: false, summary: 'Same message control id (MSH-10) arrived with different content; kept and flagged.' },
  DELIVERY_TRANSIENT: { fhirType: 'transient', http: 503, hl7: '207', retry: true, summary: 'Partner unreachable, timed out, 5xx or 429: retried with backoff.' },
  DELIVERY_REJECTED: { fhirType: 'processing', http: 422, hl7: '207', retry: false, summary: 'Partner rejected the delivery permanently (4xx with OperationOutcome, AR): dead letter.' },
  INTERNAL: { fhirType: 'exception', http: 500, hl7: '207', retry: true, summary: 'Unexpected internal error (a bug): logged without PHI, input kept.' },
} as const satisfies Record<string, ErrorCodeSpec>;

export interface ErrorCodeSpec {
  fhirType: string;
  http: number;
  hl7: string;
  retry: boolean;
  summary: string;
}

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_SYSTEM = 'https://frontdesk.example.org/CodeSystem/error-code';
