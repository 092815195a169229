/**
 * ADT -> FHIR registration resources: PID/PD1 (patientFromPid), NK1 and GT1 (Patient.contact),
 * IN1/IN2 groups (Coverage + payer Organization + subscriber RelatedPerson), through
 * mappings/patient.json and mappings/adt.json. Everything here is glue between segments:
 * ids, references, subscriber self vs. other, order, the IN1.36/IN1.49 member id rule.
 */
import type { CodeableConcept, Coverage, HumanName, Identifier, Organization, Patient, PatientContact, RelatedPerson } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { codeTable } from '../../mapping/tables.js';
import { coverageId, payerOrganizationId, relatedPersonId } from '../../fhir/ids.js';
import { SUBSCRIBER_AS_0063, SUBSCRIBER_REL_SYSTEM } from '../../adapters/coverage.js';
import { V2_0063, V2_0131 } from '../../adapters/patient.js';
import type { RegistrationResources } from '../../adapters/registration.js';
import type { SubscriberRelationship } from '../../adapters/registration-record.js';
import { encounterFromPv1 } from '../encounter-from-pv1.js';
import { patientFromPid } from '../patient-from-pid.js';
import { PLAN_FROM_PAYER, PRACTICE_PAYER_KEY } from './write.js';

export interface AdtContext { timezone: string }

type Obj = Record<string, unknown>;

/** Segments after `from` up to (not including) the next segment named in `stop`. */
function groupAfter(msg: Hl7Message, from: Hl7Segment, stop: string[]): Hl7Segment[] {
  const i = msg.segments.indexOf(from);
  const out: Hl7Segment[] = [];
  for (const s of msg.segments.slice(i + 1)) {
    if (stop.includes(s.name)) break;
    out.push(s);
  }
  return out;
}

function roleConcept(code: string): CodeableConcept {
  const display = codeTable('0131')?.map.find((e) => e.hl7 === code)?.display;
  return { coding: [{ system: V2_0131, code, ...(display ? { display } : {}) }] };
}

/** NK1 and GT1 -> Patient.contact. A GT1 contact gets role BP (billing contact person, table 0131). */
function readContacts(msg: Hl7Message, ctx: AdtContext, issues: Issue[]): PatientContact[] {
  const adt = loadMapping('adt');
  const out: PatientContact[] = [];
  for (const seg of msg.all('NK1')) {
    const r = readSegment(msg, seg, segmentMap(adt, 'NK1'), ctx);
    issues.push(...r.issues);
    const c = r.value as PatientContact;
    if (c.name || c.telecom || c.address) out.push(c);
    else if (Object.keys(c).length) issues.push(issue('MAP_MISSING', `${msg.location(seg)} has no name, phone or address; not kept as a contact.`, msg.location(seg, 2), 'warning'));
  }
  for (const seg of msg.all('GT1')) {
    const r = readSegment(msg, seg, segmentMap(adt, 'GT1'), ctx);
    issues.push(...r.issues);
    const c = r.value as PatientContact;
    if (!c.name && !c.telecom) continue;
    c.relationship = [...(c.relationship ?? []), roleConcept('BP')];
    out.push(c);
  }
  return out;
}

function relationshipOf(cov: Obj): SubscriberRelationship | undefined {
  const cc = cov.relationship as CodeableConcept | undefined;
  return cc?.coding?.find((c) => c.system === SUBSCRIBER_REL_SYSTEM)?.code as SubscriberRelationship | undefined;
}

interface InsuranceGroup { in1: Hl7Segment; in2?: Hl7Segment; position: number }

function insuranceGroups(msg: Hl7Message): InsuranceGroup[] {
  return msg.all('IN1').map((in1, i) => ({ in1, in2: groupAfter(msg, in1, ['IN1', 'PID', 'GT1', 'NK1']).find((s) => s.name === 'IN2'), position: i + 1 }));
}

/** One IN1 (+ IN2) group -> Coverage, payer Organization and maybe a RelatedPerson. */
function readInsurance(msg: Hl7Message, g: InsuranceGroup, patient: Patient, ctx: AdtContext, issues: Issue[]): { coverage: Coverage; payer: Organization; subscriber?: RelatedPerson } | undefined {
  const adt = loadMapping('adt');
  const mine: Issue[] = [];
  const cov = readSegment(msg, g.in1, segmentMap(adt, 'IN1', 'Coverage'), ctx);
  const org = readSegment(msg, g.in1, segmentMap(adt, 'IN1', 'Organization'), ctx);
  const rp = readSegment(msg, g.in1, segmentMap(adt, 'IN1', 'RelatedPerson'), ctx);
  mine.push(...cov.issues, ...org.issues, ...rp.issues);
  if (g.in2) {
    const r2 = readSegment(msg, g.in2, segmentMap(adt, 'IN2', 'RelatedPerson'), ctx, rp.value);
    mine.push(...r2.issues);
  }
  const c = cov.value as Obj;
  // IN1.36 (policy number) is where US senders put the member id; IN1.49 (insured's id number, v2.3+) is the fallback.
  // Tolerance policy (docs/hl7v2.md): an insurance that cannot become a valid Coverage (no member
  // id, no payer) is left out with a warning naming its field; the Patient and the other Coverages stay.
  const skips: Issue[] = [];
  if (!c.subscriberId) {
    const alt = g.in1.get(49, 1).trim();
    if (alt && alt !== '""') {
      c.subscriberId = alt;
      mine.push(issue('MAP_INFO', `${msg.location(g.in1, 36)} is empty; the member id was taken from ${msg.location(g.in1, 49)} (insured's id number).`, msg.location(g.in1, 49)));
    } else {
      skips.push(issue('MAP_SKIPPED', `${msg.location(g.in1, 36)} (policy/member id) is empty, and so is ${msg.location(g.in1, 49)}: this insurance cannot become a Coverage (subscriberId is required) and was left out; the patient and the other insurances are kept.`, msg.location(g.in1, 36), 'warning'));
    }
  }
  const o = org.value as Partial<Organization>;
  // Stand-ins our ADT writer puts in the required IN1-2 / IN1-3 (write.ts) carry no plan and no payer id.
  if (g.in1.get(2, 3) === PLAN_FROM_PAYER && Array.isArray(c.class)) {
    const kept = (c.class as Coverage['class'] & object).filter((k) => !k.type.coding?.some((x) => x.code === 'plan'));
    if (kept.length) c.class = kept;
    else delete c.class;
  }
  if (g.in1.repetitionCount(3) === 1 && g.in1.get(3, 4, 1) === PRACTICE_PAYER_KEY) delete o.identifier;
  if (!o.identifier?.length && !o.name) {
    skips.push(issue('MAP_SKIPPED', `${msg.location(g.in1, 3)} (insurance company id) and ${msg.location(g.in1, 4)} (name) are both empty: this insurance has no payer (Coverage.payor is required) and was left out; the patient and the other insurances are kept.`, msg.location(g.in1, 3), 'warning'));
  }
  if (typeof c.order !== 'number') {
    const setId = Number(g.in1.get(1));
    c.order = Number.isInteger(setId) && setId > 0 ? setId : g.position;
  }
  issues.push(...mine, ...skips);
  if (skips.length || mine.some((i) => i.severity === 'error' || i.severity === 'fatal')) return undefined;

  const payerIdent = o.identifier?.find((i) => i.value);
  const orgId = payerOrganizationId(payerIdent?.value, payerIdent?.system, o.name);
  const payer: Organization = { resourceType: 'Organization', id: orgId, ...o, active: true };
  const rel = relationshipOf(c);
  const person = rp.value as Partial<RelatedPerson>;
  let subscriber: RelatedPerson | undefined;
  if (rel !== 'self' && person.name?.length) {
    const rel0063 = rel ? SUBSCRIBER_AS_0063[rel] : undefined;
    subscriber = {
      resourceType: 'RelatedPerson',
      id: relatedPersonId(patient.id!, person.name[0] as HumanName, person.birthDate),
      patient: { reference: `Patient/${patient.id}` },
      ...(rel0063 ? { relationship: [{ coding: [{ system: V2_0063, code: rel0063, display: codeTable('0063')?.map.find((e) => e.hl7 === rel0063)?.display ?? rel0063 }] }] } : {}),
      ...person,
    };
  }
  const coverage: Coverage = {
    resourceType: 'Coverage',
    id: coverageId(patient.id!, orgId, c.subscriberId as string),
    status: 'active',
    ...(rel === 'self' ? { subscriber: { reference: `Patient/${patient.id}` } } : subscriber ? { subscriber: { reference: `RelatedPerson/${subscriber.id}` } } : {}),
    subscriberId: c.subscriberId as string,
    beneficiary: { reference: `Patient/${patient.id}` },
    ...(c.relationship ? { relationship: c.relationship as CodeableConcept } : {}),
    ...(c.period ? { period: c.period as Coverage['period'] } : {}),
    payor: [{ reference: `Organization/${orgId}`, ...(o.name ? { display: o.name } : {}) }],
    ...(Array.isArray(c.class) ? { class: c.class as Coverage['class'] } : {}),
    order: c.order as number,
  };
  return { coverage, payer, ...(subscriber ? { subscriber } : {}) };
}

/** Said of an empty field past the end of its segment (a module-level function: see docs/profiling.md on tsx). */
function cut(seg: Hl7Segment, n: number): string {
  return seg.fieldCount < n ? ` (the segment ends at field ${seg.fieldCount})` : '';
}

/** The registration resources of an ADT message (first PID). No value when the Patient cannot be built. */
export function readAdt(msg: Hl7Message, ctx: AdtContext): Result<RegistrationResources> {
  const issues: Issue[] = [];
  const p = patientFromPid(msg, ctx);
  issues.push(...p.issues);
  if (!p.value) return { value: undefined, issues };
  const patient = p.value;
  // Name the PID field, not just the profile path, when the Patient lacks what fd-patient needs.
  const pid = msg.segment('PID')!;
  if (!patient.gender && !issues.some((i) => i.expression?.includes(msg.location(pid, 8)))) {
    issues.push(issue('MAP_MISSING', `PID.8 (administrative sex) is empty${cut(pid, 8)}; Patient.gender is required.`, msg.location(pid, 8)));
  }
  if (!patient.name?.length) issues.push(issue('MAP_MISSING', `PID.5 (patient name) is empty${cut(pid, 5)}; Patient.name is required.`, msg.location(pid, 5)));
  const contacts = readContacts(msg, ctx, issues);
  if (contacts.length) patient.contact = contacts;
  const coverages: Coverage[] = [];
  const organizations: Organization[] = [];
  const relatedPersons: RelatedPerson[] = [];
  for (const g of insuranceGroups(msg)) {
    const r = readInsurance(msg, g, patient, ctx, issues);
    if (!r) continue;
    coverages.push(r.coverage);
    if (!organizations.some((x) => x.id === r.payer.id)) organizations.push(r.payer);
    if (r.subscriber && !relatedPersons.some((x) => x.id === r.subscriber!.id)) relatedPersons.push(r.subscriber);
  }
  coverages.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  // PV1 -> the visit (mappings/encounter.json); none for person-level events (PV1-2 N) or without a PV1.
  const visit = encounterFromPv1(msg, patient, ctx, msg.segment('PV1'), msg.triggerEvent);
  issues.push(...visit.issues);
  return { value: { patient, coverages, organizations, relatedPersons, ...(visit.value ? { encounters: [visit.value] } : {}) }, issues };
}

/** MRG.1 of a merge message -> the retired record's identifiers (systems defaulted like PID.3). */
export function readMrg(msg: Hl7Message, mrg: Hl7Segment, ctx: AdtContext): Result<Identifier[]> {
  const r = readSegment(msg, mrg, segmentMap(loadMapping('adt'), 'MRG'), ctx);
  const ids = ((r.value as Obj).identifier as Identifier[] | undefined) ?? [];
  return { value: ids.length ? ids : undefined, issues: r.issues };
}
