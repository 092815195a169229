/**
 * Code forms a clearinghouse checks before it looks anything up: ICD-10-CM diagnosis codes,
 * CPT / HCPCS Level II procedure codes, two-character modifiers, CMS place-of-service codes.
 * Form only (no code-set membership: that needs licensed tables).
 */
import { toFhirCode } from '../mapping/tables.js';

/** ICD-10-CM: letter, digit, alphanumeric, then up to 4 more after an optional dot (J06.9, S52.521A, E1165). */
export const ICD10CM_FORM = /^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$/;
/** CPT: Category I five digits; Category II ####F, Category III ####T, PLA ####U. */
export const CPT_FORM = /^\d{4}[0-9FTU]$/;
/** HCPCS Level II: a letter A-V and four digits (J3301, G0439). */
export const HCPCS_FORM = /^[A-V]\d{4}$/;
/** Procedure modifiers (CPT and HCPCS): two letters or digits (25, 59, LT, GT, XS). */
export const MODIFIER_FORM = /^[0-9A-Z]{2}$/;

export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const CPT_SYSTEM = 'http://www.ama-assn.org/go/cpt';
export const HCPCS_SYSTEM = 'urn:oid:2.16.840.1.113883.6.285';
export const POS_SYSTEM = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
export const MODIFIER_SYSTEM = CPT_SYSTEM;
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

export type ProcedureCodeKind = 'CPT' | 'HCPCS';

/** Which code set a procedure code's form belongs to, or undefined when it fits neither. */
export function procedureCodeKind(code: string): ProcedureCodeKind | undefined {
  if (CPT_FORM.test(code)) return 'CPT';
  if (HCPCS_FORM.test(code)) return 'HCPCS';
  return undefined;
}

export const systemOfProcedure = (kind: ProcedureCodeKind): string => (kind === 'CPT' ? CPT_SYSTEM : HCPCS_SYSTEM);

export const isIcd10Cm = (code: string): boolean => ICD10CM_FORM.test(code);
export const isModifier = (code: string): boolean => MODIFIER_FORM.test(code);

/** The CMS place-of-service entry (mappings/tables/cms-place-of-service.json), or undefined. */
export function placeOfService(code: string): { code: string; display?: string } | undefined {
  if (!/^\d{2}$/.test(code)) return undefined;
  const hit = toFhirCode('cms-place-of-service', code);
  return hit ? { code: hit.fhir, ...(hit.display ? { display: hit.display } : {}) } : undefined;
}
