/**
 * Codec: one insurance policy of a registration record <-> FHIR Coverage, plus the payer
 * Organization and, when the subscriber is not the patient, a RelatedPerson.
 * Ids follow the rules of src/fhir/ids.ts.
 */
import type { CodeableConcept, Coverage, CoverageClass, HumanName, Identifier, Organization, Patient, RelatedPerson } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { coverageId, payerOrganizationId, relatedPersonId } from '../fhir/ids.js';
import { codeTable, toFhirCode, toHl7Code } from '../mapping/tables.js';
import { V2_0063, defined } from './patient.js';
import type { InsurancePolicy, OfficeSex, SubscriberRelationship } from './registration-record.js';
import { SUBSCRIBER_RELATIONSHIP } from './registration-record.js';

export const SUBSCRIBER_REL_SYSTEM = 'http://terminology.hl7.org/CodeSystem/subscriber-relationship';
const COVERAGE_CLASS = 'http://terminology.hl7.org/CodeSystem/coverage-class';


export interface CoverageResources {
  coverage: Coverage;
  payer: Organization;
  subscriber?: RelatedPerson;
}

/**
 * Coverage.relationship says what the patient is to the subscriber (child: the patient is the
 * subscriber's child); RelatedPerson.relationship says what the subscriber is to the patient
 * (table 0063: PAR). This is that inverse.
 */
export const SUBSCRIBER_AS_0063: Record<SubscriberRelationship, string> = {
  self: 'SEL', spouse: 'SPO', common: 'DOM', child: 'PAR', parent: 'CHD', other: 'OTH',
};

function display(tableId: string, fhirCode: string): string | undefined {
  return codeTable(tableId)?.map.find((e) => e.fhir === fhirCode)?.display;
}

function classOf(type: string, value: string, name?: string): CoverageClass {
  return defined<CoverageClass>({ type: { coding: [{ system: COVERAGE_CLASS, code: type }] }, value, name });
}

/** One office policy -> Coverage (+ payer Organization, + RelatedPerson when the subscriber is someone else). */
export function coverageToFhir(p: InsurancePolicy, patientId: string): CoverageResources {
  const orgId = payerOrganizationId(p.payerId, p.payerIdSystem, p.payerName);
  const payer: Organization = defined<Organization>({
    resourceType: 'Organization',
    id: orgId,
    identifier: p.payerId ? [defined<Identifier>({ system: p.payerIdSystem, value: p.payerId })] : undefined,
    active: true,
    name: p.payerName,
  });
  let subscriber: RelatedPerson | undefined;
  if (p.subscriberRelationship !== 'self' && p.subscriberFamilyName) {
    const name = defined<HumanName>({ use: 'official', family: p.subscriberFamilyName, given: p.subscriberGivenName ? [p.subscriberGivenName] : undefined });
    const rel0063 = SUBSCRIBER_AS_0063[p.subscriberRelationship];
    subscriber = defined<RelatedPerson>({
      resourceType: 'RelatedPerson',
      id: relatedPersonId(patientId, name, p.subscriberBirthDate),
      patient: { reference: `Patient/${patientId}` },
      relationship: [{ coding: [defined({ system: V2_0063, code: rel0063, display: display('0063', rel0063) })] }],
      name: [name],
      gender: p.subscriberSex ? (toFhirCode('0001', p.subscriberSex)?.fhir as RelatedPerson['gender']) : undefined,
      birthDate: p.subscriberBirthDate,
    });
  }
  const classes: CoverageClass[] = [];
  if (p.planId) classes.push(classOf('plan', p.planId, p.planName));
  if (p.groupNumber) classes.push(classOf('group', p.groupNumber));
  const coverage: Coverage = defined<Coverage>({
    resourceType: 'Coverage',
    id: coverageId(patientId, orgId, p.memberId),
    status: 'active',
    subscriber: p.subscriberRelationship === 'self' ? { reference: `Patient/${patientId}` } : subscriber ? { reference: `RelatedPerson/${subscriber.id}` } : undefined,
    subscriberId: p.memberId,
    beneficiary: { reference: `Patient/${patientId}` },
    relationship: { coding: [defined({ system: SUBSCRIBER_REL_SYSTEM, code: p.subscriberRelationship, display: display('subscriber-relationship', p.subscriberRelationship) })] },
    period: p.effectiveDate || p.expirationDate ? defined({ start: p.effectiveDate, end: p.expirationDate }) : undefined,
    payor: [defined({ reference: `Organization/${orgId}`, display: p.payerName })],
    class: classes,
    order: p.order,
  });
  return defined({ coverage, payer, subscriber });
}

function refId(ref: string | undefined, type: string): string | undefined {
  return ref?.startsWith(`${type}/`) ? ref.slice(type.length + 1) : undefined;
}

function classValue(c: Coverage, type: string): CoverageClass | undefined {
  return c.class?.find((k) => k.type.coding?.some((x) => x.system === COVERAGE_CLASS && x.code === type));
}

function relationshipCode(cc: CodeableConcept | undefined): SubscriberRelationship | undefined {
  const code = cc?.coding?.find((c) => c.system === SUBSCRIBER_REL_SYSTEM)?.code;
  if (code === 'injured') return 'other';
  return (SUBSCRIBER_RELATIONSHIP as readonly string[]).includes(code ?? '') ? (code as SubscriberRelationship) : undefined;
}

/**
 * Coverage (+ its payer and subscriber, looked up by reference) -> an office policy.
 * `index` is the Coverage's position, used as order when Coverage.order is absent.
 */
export function coverageFromFhir(
  c: Coverage,
  index: number,
  find: { organization(id: string): Organization | undefined; relatedPerson(id: string): RelatedPerson | undefined; patient(id: string): Patient | undefined },
  where = 'Coverage',
): Result<InsurancePolicy> {
  const issues: Issue[] = [];
  if (!c.subscriberId) issues.push(issue('MAP_MISSING', 'Coverage has no subscriberId (member id).', `${where}.subscriberId`));
  const orgRef = c.payor?.[0]?.reference;
  const org = refId(orgRef, 'Organization') ? find.organization(refId(orgRef, 'Organization')!) : undefined;
  const payerId = org?.identifier?.find((i) => i.value);
  const payerName = org?.name ?? c.payor?.[0]?.display;
  if (!payerId?.value && !payerName) issues.push(issue('MAP_MISSING', 'The payer has neither an identifier nor a name (Coverage.payor -> Organization).', `${where}.payor`));
  let rel = relationshipCode(c.relationship);
  const subRef = c.subscriber?.reference;
  const rp = refId(subRef, 'RelatedPerson') ? find.relatedPerson(refId(subRef, 'RelatedPerson')!) : undefined;
  if (!rel) rel = refId(subRef, 'Patient') && refId(subRef, 'Patient') === refId(c.beneficiary?.reference, 'Patient') ? 'self' : rp ? 'other' : 'self';
  const rpName = rp?.name?.[0];
  if (rel !== 'self' && !rpName?.family) {
    issues.push(issue('MAP_MISSING', `The subscriber (relationship ${rel}) has no family name (Coverage.subscriber -> RelatedPerson.name).`, `${where}.subscriber`));
  }
  if (issues.length) return { value: undefined, issues };
  const plan = classValue(c, 'plan'), group = classValue(c, 'group');
  const policy = defined<InsurancePolicy>({
    order: c.order ?? index + 1,
    payerId: payerId?.value,
    payerIdSystem: payerId?.value ? payerId.system : undefined,
    payerName,
    memberId: c.subscriberId!,
    groupNumber: group?.value,
    planId: plan?.value,
    planName: plan?.value ? plan.name : undefined,
    effectiveDate: c.period?.start?.slice(0, 10),
    expirationDate: c.period?.end?.slice(0, 10),
    subscriberRelationship: rel,
    subscriberFamilyName: rel === 'self' ? undefined : rpName?.family,
    subscriberGivenName: rel === 'self' ? undefined : rpName?.given?.[0],
    subscriberBirthDate: rel === 'self' ? undefined : rp?.birthDate,
    subscriberSex: rel === 'self' || !rp?.gender ? undefined : (toHl7Code('0001', rp.gender) as OfficeSex),
  });
  return { value: policy, issues };
}
