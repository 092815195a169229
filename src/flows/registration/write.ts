/**
 * FHIR registration resources -> an outbound ADT message (A04, A08, A28, A31; A01/A05 too),
 * built segment by segment from objects keyed by field number with the same mappings that read
 * it (mappings/patient.json, mappings/adt.json): MSH, EVN, PID, PD1, NK1, PV1, GT1, IN1, IN2.
 */
import { createHash } from 'node:crypto';
import type { Coverage, Organization, Patient, PatientContact, RelatedPerson } from 'fhir/r4.js';
import { issue, type Result } from '../../domain/issues.js';
import { createMessage, type ComponentValue, type FieldValue, type Hl7Message } from '../../hl7/message.js';
import { fhirToHl7DateTime } from '../../mapping/datetime.js';
import { writeSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { encounterToPv1, encounterToPv2 } from '../encounter-from-pv1.js';
import { V2_0131 } from '../../adapters/patient.js';
import type { RegistrationResources } from '../../adapters/registration.js';
import { patientToPd1, patientToPid } from '../patient-from-pid.js';

/** Outbound events and their message structure (HL7 v2.5.1 chapter 3). */
export const OUTBOUND_EVENTS: Record<string, string> = {
  A01: 'ADT_A01', A04: 'ADT_A01', A08: 'ADT_A01', A05: 'ADT_A05', A28: 'ADT_A05', A31: 'ADT_A05',
};

/** Person-level events (A28 add person, A31 update person) have no visit: PV1.2 N (not applicable). */
const NO_VISIT = new Set(['A28', 'A31']);

export interface AdtWriteOptions {
  timezone: string;
  event: string;
  /** Message time (MSH.7, EVN.2); default now. */
  now?: Date;
  sendingApplication?: string;
  sendingFacility?: string;
}

function isGuarantor(c: PatientContact): boolean {
  return !!c.relationship?.some((r) => r.coding?.some((x) => x.system === V2_0131 && x.code === 'BP'));
}

/**
 * Stand-ins for IN1 fields HL7 v2.5.1 requires when the office record does not know them, marked so
 * our ADT reader (read.ts) drops them again (a local "99zzz" name, HL7 chapter 2.A):
 * - IN1-2 insurance plan id (CE, R): no plan on the Coverage -> the payer id (IN1-3.1), named the
 *   payer's, coding system (CE.3) PLAN_FROM_PAYER: "the plan is the payer's only known plan".
 * - IN1-3 insurance company id (CX, R): a payer known by name only -> its practice key (the
 *   deterministic Organization id), assigning authority (CX.4) PRACTICE_PAYER_KEY.
 */
export const PLAN_FROM_PAYER = '99FDPAYERPLAN';
export const PRACTICE_PAYER_KEY = '99FDPAYERKEY';

function fillRequiredIn1(fields: Record<number, FieldValue>, org: Partial<Organization>, payerName: string | undefined): void {
  if (fields[3] === undefined || fields[3] === '') fields[3] = [org.id ?? 'UNKNOWN', '', '', PRACTICE_PAYER_KEY];
  if (fields[2] === undefined || fields[2] === '') fields[2] = [firstLeaf(fields[3]), org.name ?? payerName ?? '', PLAN_FROM_PAYER];
}

/** The first leaf of a field value (first repetition, component, subcomponent): CX.1 of IN1-3. */
function firstLeaf(v: FieldValue | ComponentValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return firstLeaf(v[0]);
  if (typeof v === 'object') return firstLeaf(v.repeat[0]);
  return String(v);
}

export function buildAdt(r: RegistrationResources, opts: AdtWriteOptions): Result<Hl7Message> {
  const structure = OUTBOUND_EVENTS[opts.event];
  if (!structure) {
    return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `Event ${opts.event} cannot be sent for a registration; use one of ${Object.keys(OUTBOUND_EVENTS).join(', ')}.`, 'MSH.9.2')] };
  }
  const adt = loadMapping('adt');
  const ctx = { timezone: opts.timezone };
  const nowFhir = (opts.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  const now = fhirToHl7DateTime(nowFhir)!; // MSH.7
  const p: Patient = r.patient;
  const pid = patientToPid(p, ctx);
  const pd1 = patientToPd1(p, ctx);
  // MSH.10: a digest of the content, so the same registration sent twice carries the same id.
  const controlId = createHash('sha256').update(JSON.stringify([opts.event, r])).digest('hex').slice(0, 20).toUpperCase();
  const msg = createMessage({
    3: opts.sendingApplication ?? 'FRONTDESK', 4: opts.sendingFacility ?? 'FRONTDESK', 7: now,
    9: ['ADT', opts.event, structure], 10: controlId, 11: 'P', 12: '2.5.1',
  });
  msg.add('EVN', { 1: opts.event, ...writeSegment({ recorded: nowFhir }, segmentMap(adt, 'EVN'), ctx) });
  msg.add('PID', pid);
  if (pd1) msg.add('PD1', pd1);
  const contacts = p.contact ?? [];
  contacts.filter((c) => !isGuarantor(c)).forEach((c, i) => {
    msg.add('NK1', { 1: String(i + 1), ...writeSegment(c, segmentMap(adt, 'NK1'), ctx) });
  });
  // PV1.2 N (not applicable, no v3 class) for person-level events; otherwise an ambulatory class (O).
  // The visit as read (mappings/encounter.json) when the registration carries one; else PV1.2 N
  // (not applicable, no v3 class) for person-level events, otherwise an ambulatory class (O).
  const visit = NO_VISIT.has(opts.event) ? undefined : r.encounters?.[0];
  msg.add('PV1', visit ? encounterToPv1(visit, ctx) : { 1: '1', ...(NO_VISIT.has(opts.event) ? { 2: 'N' } : writeSegment({ class: 'AMB' }, segmentMap(adt, 'PV1'), ctx)) });
  const pv2 = visit ? encounterToPv2(visit, ctx) : undefined;
  if (pv2) msg.add('PV2', pv2);
  contacts.filter(isGuarantor).forEach((c, i) => {
    msg.add('GT1', { 1: String(i + 1), ...writeSegment(c, segmentMap(adt, 'GT1'), ctx) });
  });
  const byRef = <T extends { resourceType: string; id?: string }>(list: T[], ref: string | undefined) => list.find((x) => `${x.resourceType}/${x.id}` === ref);
  [...r.coverages].sort((a, b) => (a.order ?? 99) - (b.order ?? 99)).forEach((c: Coverage, i) => {
    const org: Organization | undefined = byRef(r.organizations, c.payor?.[0]?.reference);
    const rp: RelatedPerson | undefined = byRef(r.relatedPersons, c.subscriber?.reference);
    const self = c.subscriber?.reference === `Patient/${p.id}`;
    // The insured is the patient when the subscriber is self: IN1.16/18/43 repeat the patient's.
    const insured: object | undefined = rp ?? (self ? { name: p.name, birthDate: p.birthDate, gender: p.gender } : undefined);
    const fields: Record<number, FieldValue> = {
      ...(org ? writeSegment(org, segmentMap(adt, 'IN1', 'Organization'), ctx) : {}),
      ...(insured ? writeSegment(insured, segmentMap(adt, 'IN1', 'RelatedPerson'), ctx) : {}),
      ...writeSegment(c, segmentMap(adt, 'IN1', 'Coverage'), ctx),
      1: String(i + 1),
    };
    if (!fields[4] && c.payor?.[0]?.display) fields[4] = [c.payor[0].display];
    fillRequiredIn1(fields, org ?? { resourceType: 'Organization', id: c.payor?.[0]?.reference?.split('/')[1] }, c.payor?.[0]?.display);
    msg.add('IN1', fields);
    if (rp) {
      const in2 = writeSegment(rp, segmentMap(adt, 'IN2', 'RelatedPerson'), ctx);
      if (Object.keys(in2).length) msg.add('IN2', in2);
    }
  });
  return { value: msg, issues: [] };
}
