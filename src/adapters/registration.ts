/**
 * Codec: office registration record <-> FHIR Patient + Coverage(s) (+ RelatedPerson for a
 * subscriber who is not the patient, + Organization per payer). Both directions validate:
 * the record against profiles/office/registration.schema.json, the resources against the
 * Frontdesk profiles (fd-patient, fd-coverage; base R4 for RelatedPerson and Organization).
 */
import type { Bundle, BundleEntry, Coverage, Encounter, FhirResource, Organization, Patient, RelatedPerson } from 'fhir/r4.js';
import { hasErrors, issue, type Issue, type Result } from '../domain/issues.js';
import { validateOfficeRecord, validateResource } from '../validation/index.js';
import { coverageFromFhir, coverageToFhir } from './coverage.js';
import { patientPartDraft, patientToFhir } from './patient.js';
import type { InsurancePolicy, RegistrationRecord } from './registration-record.js';

export type { RegistrationRecord, InsurancePolicy, MergeInstruction } from './registration-record.js';
export { PRACTICE_MRN_SYSTEM } from './registration-record.js';
export { patientIdOf } from './patient.js';

export interface RegistrationResources {
  patient: Patient;
  coverages: Coverage[];
  relatedPersons: RelatedPerson[];
  organizations: Organization[];
  /** The visit (PV1) when the message carries one; the office record has no visit, so it stays FHIR/HL7 only. */
  encounters?: Encounter[];
}

const PROFILE: Record<string, string | undefined> = { Patient: 'fd-patient', Coverage: 'fd-coverage', Encounter: 'fd-encounter' };

/** Validate each resource against its Frontdesk profile; issues are placed at `Type/id`-less FHIRPaths (`Coverage[1].payor`). */
export function validateRegistrationResources(r: RegistrationResources): Issue[] {
  const out: Issue[] = [];
  checkInto(out, r.patient, 'Patient');
  r.coverages.forEach((c, i) => checkInto(out, c, r.coverages.length > 1 ? `Coverage[${i}]` : 'Coverage'));
  r.relatedPersons.forEach((p, i) => checkInto(out, p, r.relatedPersons.length > 1 ? `RelatedPerson[${i}]` : 'RelatedPerson'));
  r.organizations.forEach((o, i) => checkInto(out, o, r.organizations.length > 1 ? `Organization[${i}]` : 'Organization'));
  (r.encounters ?? []).forEach((e, i) => checkInto(out, e, (r.encounters ?? []).length > 1 ? `Encounter[${i}]` : 'Encounter'));
  return out;
}

/**
 * One resource of validateRegistrationResources (a module-level function, not a closure per call:
 * under tsx, which the tests and the bench run, each named closure also costs a defineProperty).
 */
function checkInto(out: Issue[], res: FhirResource, prefix: string): void {
  const found = validateResource(res, PROFILE[res.resourceType] ? { profile: PROFILE[res.resourceType]! } : {});
  const rt = res.resourceType;
  // Validator expressions start with the resource type (`Coverage.payor`); name the instance (`Coverage[1].payor`).
  out.push(...found.map((i) => ({ ...i, expression: (i.expression ?? [rt]).map((e) => (e.startsWith(rt) ? prefix + e.slice(rt.length) : `${prefix}.${e}`)) })));
}

/** Office registration record -> FHIR resources (validated). No value when the record or the output has errors. */
export function registrationToFhir(record: RegistrationRecord): Result<RegistrationResources> {
  const schemaIssues = validateOfficeRecord(record);
  if (hasErrors(schemaIssues)) return { value: undefined, issues: schemaIssues };
  const patient = patientToFhir(record);
  const coverages: Coverage[] = [];
  const relatedPersons: RelatedPerson[] = [];
  const organizations: Organization[] = [];
  const seen = new Set<string>();
  for (const policy of [...(record.insurance ?? [])].sort((a, b) => a.order - b.order)) {
    const { coverage, payer, subscriber } = coverageToFhir(policy, patient.id!);
    coverages.push(coverage);
    if (!seen.has(`Organization/${payer.id}`)) { seen.add(`Organization/${payer.id}`); organizations.push(payer); }
    if (subscriber && !seen.has(`RelatedPerson/${subscriber.id}`)) { seen.add(`RelatedPerson/${subscriber.id}`); relatedPersons.push(subscriber); }
  }
  const value = { patient, coverages, relatedPersons, organizations };
  const issues = [...schemaIssues, ...validateRegistrationResources(value)];
  return hasErrors(issues) ? { value: undefined, issues } : { value, issues };
}

export interface RegistrationFhirInput {
  patient: Patient;
  coverages?: Coverage[];
  relatedPersons?: RelatedPerson[];
  organizations?: Organization[];
  encounters?: Encounter[];
}

/**
 * A lookup by id in one list. Module-level helpers here and below rather than named closures made
 * per call: under tsx (tests, the bench) each named closure also costs a defineProperty of its name.
 */
function byId<T extends { id?: string }>(list: T[] | undefined): (id: string) => T | undefined {
  return (id) => list?.find((x) => x.id === id);
}

/** FHIR resources -> office registration record (checked against its schema). */
export function registrationFromFhir(input: RegistrationFhirInput): Result<RegistrationRecord> {
  const issues: Issue[] = [];
  const p = patientPartDraft(input.patient);
  issues.push(...p.issues);
  const find = { organization: byId(input.organizations), relatedPerson: byId(input.relatedPersons), patient: byId([input.patient]) };
  const coverages = (input.coverages ?? []).filter((c) => c.status !== 'cancelled' && c.status !== 'entered-in-error');
  const insurance = coverages.map((c, i) => coverageFromFhir(c, i, find, coverages.length > 1 ? `Coverage[${i}]` : 'Coverage'));
  for (const r of insurance) issues.push(...r.issues);
  if (!p.value || hasErrors(issues)) return { value: undefined, issues };
  const policies = insurance.map((r) => r.value!).sort((a, b) => a.order - b.order);
  // HL7 senders pad fields ("Ann Arbor "); office columns are trimmed.
  const record = recordOf(p.value as unknown as Record<string, unknown>, policies);
  const schema = validateOfficeRecord(record);
  issues.push(...schema);
  return hasErrors(schema) ? { value: undefined, issues } : { value: record, issues };
}

/**
 * The registration record from patientPartDraft's columns and the policies: what patientFromFhir's
 * `defined` leaves out (undefined, empty lists) left out, every string trimmed and what trims to ''
 * left out (trimmed), the policies last: `trimmed({ ...defined(draft), insurance })` in one copy of
 * the record instead of three. The record is made by an object literal of its keys (literalOf):
 * stored member by member into `{}`, V8 turns an object of more than about 16 members into a
 * dictionary, and every later read of it (the schema check, JSON.stringify) is then a hash lookup.
 */
function recordOf(draft: Record<string, unknown>, policies: InsurancePolicy[]): RegistrationRecord {
  const keys = Object.keys(draft);
  if (keys.length <= MAX_LITERAL_KEYS) {
    const kept: string[] = [];
    const values: unknown[] = [];
    // Which of the draft's keys are kept, as bits (the draft is one literal, so its keys come in one order).
    let sig = 1;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = draft[k];
      sig *= 2;
      if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      const x = trimmed(v);
      if (x === '') continue;
      kept.push(k);
      values.push(x);
      sig += 1;
    }
    sig *= 2;
    if (policies.length) {
      kept.push('insurance');
      values.push(trimmed(policies));
      sig += 1;
    }
    const out = literalOf(sig, kept, values);
    if (out !== undefined) return out as unknown as RegistrationRecord;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = draft[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    const x = trimmed(v);
    if (x === '') continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, writable: true, enumerable: true, configurable: true });
    else out[k] = x;
  }
  if (policies.length) out.insurance = trimmed(policies);
  return out as unknown as RegistrationRecord;
}

/** Keys a draft may have for recordOf's bit signature to stay an exact integer (2^52). */
const MAX_LITERAL_KEYS = 50;

interface LiteralMaker {
  keys: string[];
  make: (values: unknown[]) => Record<string, unknown>;
}

/** Object-literal makers by key list (recordOf's signature; the keys are compared too), compiled once each. */
const literalMakers = new Map<number, LiteralMaker>();

/**
 * `{ [keys[0]]: values[0], ... }` in that key order from a literal compiled once per key list, so
 * the object has fast properties. Undefined (the caller copies member by member) for a key list
 * it does not compile: `__proto__` (a literal would set the prototype), or past 256 lists.
 */
function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function literalOf(sig: number, keys: string[], values: unknown[]): Record<string, unknown> | undefined {
  let m = literalMakers.get(sig);
  if (m === undefined || !sameKeys(m.keys, keys)) {
    if (literalMakers.size >= 256 || keys.includes('__proto__')) return undefined;
    const body = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
    m = { keys, make: new Function('v', `return { ${body} };`) as LiteralMaker['make'] };
    literalMakers.set(sig, m);
  }
  return m.make(values);
}

function trimmed<T>(v: T): T {
  if (typeof v === 'string') return v.trim() as T;
  if (Array.isArray(v)) return v.map(trimmed) as T;
  if (v && typeof v === 'object') {
    // Loop rather than fromEntries(entries.map.filter): this runs over every record the flows emit.
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = trimmed((v as Record<string, unknown>)[k]);
      if (x === '') continue;
      if (k === '__proto__') Object.defineProperty(out, k, { value: x, writable: true, enumerable: true, configurable: true });
      else out[k] = x;
    }
    return out as T;
  }
  return v;
}

function putEntry(res: FhirResource): BundleEntry {
  return { fullUrl: `${res.resourceType}/${res.id}`, resource: res, request: { method: 'PUT', url: `${res.resourceType}/${res.id}` } };
}

/** All resources as a transaction Bundle of PUTs to their deterministic ids (Patient first). */
export function registrationBundle(r: RegistrationResources, extra: FhirResource[] = []): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [r.patient, ...extra, ...r.organizations, ...r.relatedPersons, ...r.coverages, ...(r.encounters ?? [])].map(putEntry),
  };
}

/** Pick the registration resources out of a Bundle (or a single Patient/Coverage). */
export function resourcesFromFhir(res: FhirResource): Result<RegistrationFhirInput> {
  const list: FhirResource[] = res.resourceType === 'Bundle' ? ((res as Bundle).entry ?? []).map((e) => e.resource).filter((x): x is FhirResource => !!x) : [res];
  const patients = list.filter((x): x is Patient => x.resourceType === 'Patient');
  const patient = patients.find((x) => x.active !== false) ?? patients[0];
  if (!patient) return { value: undefined, issues: [issue('MAP_MISSING', 'The input holds no Patient.', res.resourceType === 'Bundle' ? 'Bundle.entry' : res.resourceType)] };
  return {
    value: {
      patient,
      coverages: list.filter((x): x is Coverage => x.resourceType === 'Coverage'),
      relatedPersons: list.filter((x): x is RelatedPerson => x.resourceType === 'RelatedPerson'),
      organizations: list.filter((x): x is Organization => x.resourceType === 'Organization'),
      encounters: list.filter((x): x is Encounter => x.resourceType === 'Encounter'),
    },
    issues: [],
  };
}
