/**
 * Codec: the patient part of an office registration record <-> FHIR Patient.
 * Code tables (sex 0001, marital status 0002, race 0005, ethnicity 0189, relationship 0063)
 * come from mappings/tables so the office, FHIR and HL7 sides use one vocabulary.
 */
import type { CodeableConcept, ContactPoint, Extension, HumanName, Identifier, Patient, PatientContact } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { patientId } from '../fhir/ids.js';
import { US_CORE_ETHNICITY, US_CORE_RACE } from '../mapping/datatypes/registration.js';
import { codeTable, toFhirCode, toHl7Code } from '../mapping/tables.js';
import { OFFICE_ETHNICITY, OFFICE_MARITAL, OFFICE_RACE, PRACTICE_MRN_SYSTEM, type OfficeMaritalStatus, type OfficeSex, type OtherId, type RegistrationRecord } from './registration-record.js';

export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const V2_0131 = 'http://terminology.hl7.org/CodeSystem/v2-0131';
export const V2_0063 = 'http://terminology.hl7.org/CodeSystem/v2-0063';
const V3_MARITAL = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus';
const BCP47 = 'urn:ietf:bcp:47';

/** The patient fields of a registration record (everything but insurance). */
export type PatientPart = Omit<RegistrationRecord, 'insurance'>;

/**
 * Members that are neither undefined nor an empty array (a loop: it runs for every coding and name
 * built, and for every policy read back; Object.fromEntries over entries().filter() cost several
 * times as much). Also coverage.ts's.
 */
export const defined = <T extends object>(o: T): T => {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = (o as Record<string, unknown>)[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
};

function typeConcept(code: string | undefined): CodeableConcept | undefined {
  return code ? { coding: [{ system: V2_0203, code }] } : undefined;
}

/** A coding from a code table by its FHIR code (display from the table). */
function tableCoding(tableId: string, fhirCode: string): CodeableConcept {
  const t = codeTable(tableId)!;
  const display = t.map.find((e) => e.fhir === fhirCode)?.display;
  return { coding: [defined({ system: t.fhirSystem, code: fhirCode, display })] };
}

function ombExtension(url: string, tableId: string, code: string): Extension {
  const cc = tableCoding(tableId, code);
  const coding = cc.coding![0]!;
  return { url, extension: [{ url: 'ombCategory', valueCoding: coding }, { url: 'text', valueString: coding.display ?? code }] };
}

function contact(role: string, family: string, given: string | undefined, relationship: string | undefined, phone: string | undefined): PatientContact {
  const rel: CodeableConcept[] = [];
  if (relationship) rel.push(tableCoding('0063', relationship));
  rel.push(tableCoding('0131', role));
  return defined({
    relationship: rel,
    name: defined<HumanName>({ family, given: given ? [given] : undefined }),
    telecom: phone ? [{ system: 'phone', value: phone, use: 'home' } as ContactPoint] : undefined,
  });
}

export function patientIdOf(r: Pick<RegistrationRecord, 'mrn' | 'mrnSystem'>): string {
  return patientId({ system: r.mrnSystem ?? PRACTICE_MRN_SYSTEM, value: r.mrn });
}

/** Office registration (patient part) -> FHIR Patient with the deterministic id of its MRN. */
export function patientToFhir(r: PatientPart): Patient {
  const identifier: Identifier[] = [
    { system: r.mrnSystem ?? PRACTICE_MRN_SYSTEM, value: r.mrn, type: typeConcept('MR') },
    ...(r.otherIds ?? []).map((o) => defined<Identifier>({ system: o.system, value: o.value, type: typeConcept(o.type) })),
  ];
  const given = [r.givenName, ...(r.middleName ? r.middleName.split(' ') : [])].filter((x): x is string => !!x);
  const name = defined<HumanName>({
    use: 'official', family: r.familyName, given,
    prefix: r.prefix ? [r.prefix] : undefined, suffix: r.suffix ? [r.suffix] : undefined,
  });
  const line = [r.addressLine1, r.addressLine2].filter((x): x is string => !!x);
  const hasAddress = line.length || r.city || r.state || r.postalCode || r.country;
  const telecom: ContactPoint[] = [];
  if (r.homePhone) telecom.push({ system: 'phone', value: r.homePhone, use: 'home' });
  if (r.mobilePhone) telecom.push({ system: 'phone', value: r.mobilePhone, use: 'mobile' });
  if (r.email) telecom.push({ system: 'email', value: r.email, use: 'home' });
  if (r.workPhone) telecom.push({ system: 'phone', value: r.workPhone, use: 'work' });
  const extension: Extension[] = [];
  if (r.race) extension.push(ombExtension(US_CORE_RACE, '0005', r.race));
  if (r.ethnicity) extension.push(ombExtension(US_CORE_ETHNICITY, '0189', r.ethnicity));
  const contacts: PatientContact[] = [];
  if (r.emergencyContactFamilyName) contacts.push(contact('C', r.emergencyContactFamilyName, r.emergencyContactGivenName, r.emergencyContactRelationship, r.emergencyContactPhone));
  if (r.guarantorFamilyName) contacts.push(contact('BP', r.guarantorFamilyName, r.guarantorGivenName, r.guarantorRelationship, r.guarantorPhone));
  return defined<Patient>({
    resourceType: 'Patient',
    id: patientIdOf(r),
    extension,
    identifier,
    name: [name],
    telecom,
    gender: toFhirCode('0001', r.sex)?.fhir as Patient['gender'],
    birthDate: r.birthDate,
    address: hasAddress ? [defined({ use: 'home' as const, line, city: r.city, state: r.state, postalCode: r.postalCode, country: r.country })] : undefined,
    maritalStatus: r.maritalStatus ? tableCoding('0002', r.maritalStatus) : undefined,
    contact: contacts,
    communication: r.language ? [{ language: { coding: [{ system: BCP47, code: r.language }] }, preferred: true }] : undefined,
  });
}

function hasCode(cc: CodeableConcept[] | undefined, system: string, codes: string[]): boolean {
  return !!cc?.some((c) => c.coding?.some((x) => x.system === system && codes.includes(x.code ?? '')));
}

function codeIn(cc: CodeableConcept[] | undefined, system: string): string | undefined {
  for (const c of cc ?? []) for (const x of c.coding ?? []) if (x.system === system && x.code) return x.code;
  return undefined;
}

function ombCode(p: Patient, url: string): string | undefined {
  return p.extension?.find((e) => e.url === url)?.extension?.find((e) => e.url === 'ombCategory')?.valueCoding?.code;
}

/**
 * Helpers of patientFromFhir at module level, not closures made per call: under tsx (tests, the
 * bench) each named closure also costs a defineProperty of its name.
 * A value the office record has no code for is left out with a warning, never silently.
 */
function allowed(issues: Issue[], v: string | undefined, ok: (v: string) => boolean, where: string, why: string): string | undefined {
  if (v === undefined || ok(v)) return v;
  issues.push(issue('MAP_UNKNOWN_CODE', `"${v}" ${why}; left out of the registration record.`, where, 'warning'));
  return undefined;
}

function phoneOf(p: Patient, use: string): string | undefined {
  return p.telecom?.find((t) => t.system === 'phone' && t.use === use)?.value;
}

function isBillingContact(c: PatientContact): boolean {
  return hasCode(c.relationship, V2_0131, ['BP']);
}

/**
 * FHIR Patient -> the patient part of a registration record. Fields the office record has no
 * column for (second names, extra addresses, ...) are left out; what the record needs and the
 * Patient lacks is reported at its FHIRPath.
 */
export function patientFromFhir(p: Patient): Result<PatientPart> {
  const draft = patientPartDraft(p);
  return draft.value ? { value: defined(draft.value), issues: draft.issues } : { value: undefined, issues: draft.issues };
}

/**
 * patientFromFhir's record before `defined`: every column, undefined where the Patient has
 * nothing for it (registrationFromFhir drops those in the one pass that also trims).
 */
export function patientPartDraft(p: Patient): Result<PatientPart> {
  const issues: Issue[] = [];
  const mrnId = p.identifier?.find((i) => i.value);
  if (!mrnId?.value) issues.push(issue('MAP_MISSING', 'Patient has no identifier with a value to use as the MRN.', 'Patient.identifier'));
  const name = p.name?.find((n) => n.use === 'official') ?? p.name?.[0];
  if (!name?.family) issues.push(issue('MAP_MISSING', 'Patient has no family name.', 'Patient.name.family'));
  const sex = p.gender ? (toHl7Code('0001', p.gender) as OfficeSex | undefined) : undefined;
  if (!sex) issues.push(issue('MAP_MISSING', 'Patient has no gender.', 'Patient.gender'));
  if (issues.length) return { value: undefined, issues };

  const otherIds: OtherId[] = (p.identifier ?? [])
    .filter((i) => i !== mrnId && i.value && i.system)
    .map((i) => defined<OtherId>({
      system: i.system!,
      value: i.value!,
      type: allowed(issues, i.type?.coding?.find((c) => c.system === V2_0203)?.code, (v) => /^[A-Z]{1,5}$/.test(v), `Patient.identifier[${p.identifier!.indexOf(i)}].type`, 'is not an HL7 table 0203 code'),
    }));
  const home = p.address?.find((a) => a.use === 'home') ?? p.address?.[0];
  const email = p.telecom?.find((t) => t.system === 'email')?.value;
  const language = p.communication?.find((c) => c.preferred)?.language.coding?.find((c) => c.system === BCP47)?.code
    ?? p.communication?.[0]?.language.coding?.find((c) => c.system === BCP47)?.code;
  const marital = p.maritalStatus?.coding?.find((c) => c.system === V3_MARITAL)?.code;
  const emergency = p.contact?.find((c) => !isBillingContact(c) && (hasCode(c.relationship, V2_0131, ['C', 'EP']) || hasCode(c.relationship, V2_0063, ['EMC'])));
  const guarantor = p.contact?.find((c) => hasCode(c.relationship, V2_0131, ['BP']));
  const part: PatientPart = {
    recordType: 'registration',
    mrn: mrnId!.value!,
    mrnSystem: mrnId!.system && mrnId!.system !== PRACTICE_MRN_SYSTEM ? mrnId!.system : undefined,
    otherIds,
    familyName: name!.family!,
    givenName: name!.given?.[0],
    middleName: name!.given && name!.given.length > 1 ? name!.given.slice(1).join(' ') : undefined,
    prefix: name!.prefix?.[0],
    suffix: name!.suffix?.[0],
    birthDate: p.birthDate,
    sex: sex!,
    addressLine1: home?.line?.[0],
    addressLine2: home?.line && home.line.length > 1 ? home.line.slice(1).join(', ') : undefined,
    city: home?.city,
    state: home?.state,
    postalCode: home?.postalCode,
    country: home?.country,
    homePhone: phoneOf(p, 'home'),
    mobilePhone: phoneOf(p, 'mobile'),
    workPhone: phoneOf(p, 'work'),
    email,
    language: allowed(issues, language, (v) => /^[a-z]{2}(-[A-Z]{2})?$/.test(v), 'Patient.communication.language', 'is not a language tag the office record takes (en, es-MX)'),
    maritalStatus: allowed(issues, marital, (v) => (OFFICE_MARITAL as readonly string[]).includes(v), 'Patient.maritalStatus', 'has no HL7 table 0002 equivalent') as OfficeMaritalStatus | undefined,
    race: allowed(issues, ombCode(p, US_CORE_RACE), (v) => (OFFICE_RACE as readonly string[]).includes(v), 'Patient.extension(us-core-race)', 'is not an OMB race category'),
    ethnicity: allowed(issues, ombCode(p, US_CORE_ETHNICITY), (v) => (OFFICE_ETHNICITY as readonly string[]).includes(v), 'Patient.extension(us-core-ethnicity)', 'is not an OMB ethnicity category'),
    emergencyContactFamilyName: emergency?.name?.family,
    emergencyContactGivenName: emergency?.name?.family ? emergency.name.given?.[0] : undefined,
    emergencyContactRelationship: emergency?.name?.family ? codeIn(emergency.relationship, V2_0063) : undefined,
    emergencyContactPhone: emergency?.name?.family ? emergency.telecom?.find((t) => t.system === 'phone')?.value : undefined,
    guarantorFamilyName: guarantor?.name?.family,
    guarantorGivenName: guarantor?.name?.family ? guarantor.name.given?.[0] : undefined,
    guarantorRelationship: guarantor?.name?.family ? codeIn(guarantor.relationship, V2_0063) : undefined,
    guarantorPhone: guarantor?.name?.family ? guarantor.telecom?.find((t) => t.system === 'phone')?.value : undefined,
  };
  return { value: part, issues };
}
