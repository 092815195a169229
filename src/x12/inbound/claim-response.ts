/**
 * A FHIR ClaimResponse for one claim from an X12 answer (999, 277CA, 835), in the shape the
 * billing flow already reads (claimResponseToBillingStatus): request.identifier is CLM-01 with the
 * encounter-id system, errors carry the X12 code and the 837P element they point at.
 */
import type { ClaimResponse, ClaimResponseError } from 'fhir/r4.js';
import { claimResponseId } from '../../fhir/ids.js';
import { ENCOUNTER_ID_SYSTEM, PAYER_ID_SYSTEM } from '../../adapters/claim.js';
import { PAYER_CLAIM_NUMBER_SYSTEM } from './codes.js';

export interface ClaimAnswerError {
  system: string;
  code: string;
  display?: string | undefined;
  /** The 837P element the answer points at (`2010AA.NM1-09`), when it names one. */
  field?: string | undefined;
  /** Claim.item.sequence, when the answer is about one service line. */
  item?: number | undefined;
}

export interface ClaimAnswerInput {
  /** What answered: '999', '277CA', '835'. */
  source: string;
  claimId: string;
  outcome: ClaimResponse['outcome'];
  /** YYYY-MM-DD or an ISO date-time. */
  created: string;
  insurer: { name?: string | undefined; id?: string | undefined };
  patient?: { name?: string | undefined; memberId?: string | undefined } | undefined;
  payerClaimNumber?: string | undefined;
  disposition?: string | undefined;
  errors?: ClaimAnswerError[] | undefined;
}

export function errorOf(e: ClaimAnswerError): ClaimResponseError {
  const text = [e.display, e.field ? `(837P ${e.field})` : undefined].filter(Boolean).join(' ');
  return {
    ...(e.item !== undefined ? { itemSequence: e.item } : {}),
    code: { coding: [{ system: e.system, code: e.code, ...(e.display ? { display: e.display } : {}) }], ...(text ? { text } : {}) },
  };
}

export function claimResponseFor(a: ClaimAnswerInput): ClaimResponse {
  const cr: ClaimResponse = {
    resourceType: 'ClaimResponse',
    id: claimResponseId(a.source, a.claimId, a.payerClaimNumber ?? '', a.created),
    ...(a.payerClaimNumber ? { identifier: [{ system: PAYER_CLAIM_NUMBER_SYSTEM, value: a.payerClaimNumber }] } : {}),
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    patient: {
      ...(a.patient?.memberId ? { identifier: { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] }, value: a.patient.memberId } } : {}),
      display: a.patient?.name || 'patient of claim ' + a.claimId,
    },
    created: a.created,
    insurer: {
      ...(a.insurer.id ? { identifier: { system: PAYER_ID_SYSTEM, value: a.insurer.id } } : {}),
      display: a.insurer.name || 'unknown',
    },
    request: { identifier: { system: ENCOUNTER_ID_SYSTEM, value: a.claimId } },
    outcome: a.outcome,
    ...(a.disposition ? { disposition: a.disposition } : {}),
  };
  if (a.errors?.length) cr.error = a.errors.map(errorOf);
  return cr;
}

/** X12 CCYYMMDD -> FHIR date. */
export const fhirDate = (d: string | undefined): string => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : '');
