/**
 * A lab result Bundle (what `convert <oru> --to fhir` gives: Patient, Encounter, DiagnosticReport,
 * ServiceRequest, Observation, Practitioner, Organization) -> ORU^R01 (v2.5.1, structure ORU_R01),
 * the reverse of ./convert.ts, writing what it reads:
 *
 *   MSH PID [PV1] { ORC OBR [NTE] { OBX [NTE] } { SPM } }
 *
 * ORC/OBR: placer ORC-2/OBR-2, filler ORC-3/OBR-3 (the report's PLAC/FILL identifiers), order
 * status ORC-5 (table 0038), order time ORC-9, ordering provider ORC-12/OBR-16 (the requester
 * Practitioner), requested time OBR-6, code OBR-4, effective OBR-7, issued OBR-22, status OBR-25,
 * reason OBR-31; the report's conclusion as NTEs after OBR. OBX: value OBX-2/5/6 by value[x],
 * reference range OBX-7, and the fields of mappings/oru.json; performers without a reference
 * OBX-16, the performing Organization OBX-23 (XON, CLIA/NPI id) + OBX-24 (address), the medical
 * director Practitioner OBX-25; notes as NTEs after OBX; presentedForm as ED (data) or RP (url) OBX.
 * SPM after the results: SPM-2 placer/filler ids, SPM-4 type, SPM-17 collected, SPM-18 received.
 */
import type { Bundle, CodeableConcept, DiagnosticReport, Encounter, FhirResource, Identifier, Observation, Organization, Patient, Practitioner, Reference, ServiceRequest, Specimen } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import { createMessage, type FieldValue, type Hl7Message, type RepetitionValue } from '../../hl7/message.js';
import { fhirToHl7DateTime } from '../../mapping/datetime.js';
import { writeSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { toHl7Code } from '../../mapping/tables.js';
import { DATATYPES } from '../../mapping/datatypes/index.js';
import { authorityFromSystem } from '../../mapping/datatypes/identifiers.js';
import { contentControlId } from '../../fhir/ids.js';
import { patientToPid } from '../patient-from-pid.js';
import { encounterToPv1 } from '../encounter-from-pv1.js';
import { CLIA_SYSTEM } from './practitioner.js';
import { UCUM } from './values.js';
import type { ResourceLookup } from '../types.js';

const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const UNSCOPED = 'urn:frontdesk:unscoped';

export interface OruWriteOptions {
  timezone: string;
  /** MSH-7; default now (UTC). */
  now?: Date;
  /** Stored resources, for references the Bundle does not hold. */
  lookup?: ResourceLookup;
}

type Obj = Record<string, unknown>;

const hl7Time = (v: string | undefined): string | undefined => (v ? fhirToHl7DateTime(v) : undefined);
const typeCode = (i: Identifier): string | undefined => i.type?.coding?.[0]?.code;

/** Resolve a reference inside the Bundle (fullUrl or Type/id), else from the store. */
function resolver(bundle: Bundle, lookup: ResourceLookup | undefined) {
  const byRef = new Map<string, FhirResource>();
  for (const e of bundle.entry ?? []) {
    const r = e.resource as FhirResource | undefined;
    if (!r) continue;
    if (e.fullUrl) byRef.set(e.fullUrl, r);
    if (r.id) byRef.set(`${r.resourceType}/${r.id}`, r);
  }
  return <T extends FhirResource>(ref: Reference | undefined, type: T['resourceType']): T | undefined => {
    const s = ref?.reference;
    if (!s) return undefined;
    const hit = byRef.get(s) ?? byRef.get(s.split('/').slice(-2).join('/'));
    if (hit) return hit.resourceType === type ? (hit as T) : undefined;
    const [t, id] = s.split('/').slice(-2);
    return t === type && id ? (lookup?.get(type, id) as T | undefined) : undefined;
  };
}

/** XCN from a Practitioner (name parts kept apart) or, without one, from the reference itself. */
function xcn(ref: Reference | undefined, practitioner: Practitioner | undefined): RepetitionValue | undefined {
  const id = practitioner?.identifier?.[0] ?? ref?.identifier;
  const name = practitioner?.name?.[0];
  if (!name) return ref ? DATATYPES.XCN!.fromFhir({ ...(id ? { identifier: id } : {}), ...(ref.display ? { display: ref.display } : {}) }, { where: '', timezone: 'UTC' }) : undefined;
  const npi = id?.system === NPI_SYSTEM;
  const system = id?.system === UNSCOPED ? undefined : id?.system;
  return [id?.value, name.family, name.given?.[0], name.given?.slice(1).join(' '), name.suffix?.[0], name.prefix?.[0], '', '', npi ? ['NPI'] : authorityFromSystem(system), '', '', '', npi ? 'NPI' : ''];
}

/** XON (OBX-23): 1 name, 6 assigning authority, 7 identifier type (XX, NPI), 10 organization identifier. */
function xon(org: Organization): RepetitionValue {
  const id = org.identifier?.[0];
  const system = id?.system;
  // CLIA as LRI sends it: XON-6 CLIA&2.16.840.1.113883.4.7&ISO, XON-7 XX (organization identifier, table 0203).
  if (system === CLIA_SYSTEM) return [org.name, '', '', '', '', ['CLIA', CLIA_SYSTEM.slice('urn:oid:'.length), 'ISO'], 'XX', '', '', id?.value];
  if (system === NPI_SYSTEM) return [org.name, '', '', '', '', [], 'NPI', '', '', id?.value];
  const authority = !id?.value || system === UNSCOPED ? [] : authorityFromSystem(system);
  return [org.name, '', '', '', '', authority, id?.value ? 'XX' : '', '', '', id?.value];
}

const cwe = (cc: CodeableConcept): RepetitionValue | undefined => DATATYPES.CWE!.fromFhir(cc, { where: '', timezone: 'UTC' });

/** value[x] -> OBX-2 value type, OBX-5 and OBX-6 units. Undefined value type: nothing to write. */
function obxValue(o: Observation, where: string, issues: Issue[]): { type?: string; value?: FieldValue; units?: RepetitionValue } {
  const unitOf = (q: { unit?: string; code?: string; system?: string }): RepetitionValue | undefined =>
    (q.code || q.unit ? [q.code ?? q.unit, q.unit ?? q.code, q.system === UCUM ? 'UCUM' : ''] : undefined);
  if (o.valueQuantity) {
    const q = o.valueQuantity;
    const units = unitOf(q);
    // A comparator is a structured numeric (SN-1 comparator, SN-2 number).
    if (q.comparator) return { type: 'SN', value: [q.comparator, q.value], ...(units ? { units } : {}) };
    return { type: 'NM', value: q.value, ...(units ? { units } : {}) };
  }
  if (o.valueRange) {
    const units = unitOf(o.valueRange.low ?? o.valueRange.high ?? {});
    return { type: 'SN', value: ['', o.valueRange.low?.value, '-', o.valueRange.high?.value], ...(units ? { units } : {}) };
  }
  if (o.valueString !== undefined) {
    // Lines go as TX repetitions (the reader joins repetitions with a line break).
    const lines = o.valueString.split('\n');
    return lines.length > 1 ? { type: 'TX', value: { repeat: lines } } : { type: 'ST', value: o.valueString };
  }
  if (o.valueCodeableConcept) return { type: 'CWE', value: cwe(o.valueCodeableConcept) };
  if (o.valueDateTime) return { type: 'DTM', value: hl7Time(o.valueDateTime) };
  if (o.valueTime) return { type: 'TM', value: o.valueTime.replace(/:/g, '') };
  const other = Object.keys(o).find((k) => k.startsWith('value'));
  if (other) issues.push(issue('HL7_DATATYPE', `${other} has no OBX-2 value type the ORU writer sends; the result would lose its value, so it is not written.`, `${where}.${other}`));
  return {};
}

/** Build the ORU^R01 for the DiagnosticReports of a lab Bundle. Errors leave no value. */
export function labBundleToOru(bundle: Bundle, opts: OruWriteOptions): Result<Hl7Message> {
  const issues: Issue[] = [];
  const resolve = resolver(bundle, opts.lookup);
  const reports = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is DiagnosticReport => r?.resourceType === 'DiagnosticReport');
  if (!reports.length) return { value: undefined, issues: [issue('FHIR_RESOURCE_TYPE', 'The Bundle holds no DiagnosticReport: there is no ORU^R01 to write.', 'Bundle.entry')] };
  const patient = resolve<Patient>(reports[0]!.subject, 'Patient');
  if (!patient?.identifier?.some((i) => i.value)) {
    return { value: undefined, issues: [issue('MAP_MISSING', 'The report\'s subject is no Patient with an identifier in the Bundle or the store: PID-3 needs one.', 'DiagnosticReport.subject')] };
  }
  if (reports.some((r) => r.subject?.reference !== reports[0]!.subject?.reference)) {
    return { value: undefined, issues: [issue('MAP_CONFLICT', 'The reports are for different patients: one ORU^R01 is written per patient.', 'DiagnosticReport.subject')] };
  }
  const tz = opts.timezone;
  const oru = loadMapping('oru');
  const fields = (segment: string, source: Obj) => writeSegment(source, segmentMap(oru, segment), { timezone: tz });
  const now = opts.now ?? new Date();
  // A report whose performer is only a name (no OBX-23 Organization): the reader takes it from MSH-4 (sending facility).
  const labName = reports[0]!.performer?.find((p) => !p.reference && !p.identifier && p.display)?.display;
  const msg = createMessage({
    3: 'FRONTDESK', ...(labName ? { 4: labName } : {}), 5: 'EHR',
    7: hl7Time(now.toISOString().replace(/\.\d+Z$/, 'Z')),
    9: ['ORU', 'R01', 'ORU_R01'],
    // The same results give the same control id (idempotent resend).
    10: contentControlId('R01', JSON.stringify(reports)),
    11: 'P', 12: '2.5.1',
  });
  msg.add('PID', patientToPid(patient, { timezone: tz }));
  const encounter = resolve<Encounter>(reports[0]!.encounter, 'Encounter');
  if (encounter) msg.add('PV1', encounterToPv1(encounter, { timezone: tz }));

  reports.forEach((report, r) => {
    const at = `DiagnosticReport[${r}]`;
    const request = report.basedOn?.map((b) => resolve<ServiceRequest>(b, 'ServiceRequest')).find(Boolean);
    const ids = [...(report.identifier ?? []), ...(request?.identifier ?? [])];
    const filler = ids.find((i) => typeCode(i) === 'FILL');
    const placer = ids.find((i) => typeCode(i) === 'PLAC') ?? report.basedOn?.find((b) => b.identifier?.value)?.identifier;
    if (!filler?.value && !placer?.value) {
      issues.push(issue('MAP_MISSING', 'The report has no filler (FILL) or placer (PLAC) identifier: OBR-3/OBR-2 would be empty and the receiver could not update it.', `${at}.identifier`, 'warning'));
    }
    const ei = (i: Identifier | undefined) => (i ? DATATYPES.EI!.fromFhir(i, { where: '', timezone: 'UTC' }) : undefined);
    const requesterRef = request?.requester;
    const requester = xcn(requesterRef, resolve<Practitioner>(requesterRef, 'Practitioner'));
    const orc: Record<number, FieldValue> = { 1: 'RE' };
    if (placer) orc[2] = ei(placer)!;
    if (filler) orc[3] = ei(filler)!;
    const orderStatus = request?.status ? toHl7Code('0038', request.status) : undefined;
    if (orderStatus) orc[5] = orderStatus;
    if (request?.authoredOn) orc[9] = hl7Time(request.authoredOn);
    if (requester) orc[12] = requester;
    msg.add('ORC', orc);

    const obr: Record<number, FieldValue> = { 1: String(r + 1), ...fields('OBR', report as unknown as Obj) };
    if (placer) obr[2] = ei(placer)!;
    if (filler) obr[3] = ei(filler)!;
    if (request?.occurrenceDateTime) obr[6] = hl7Time(request.occurrenceDateTime);
    if (requester) obr[16] = requester;
    const reasons = (request?.reasonCode ?? []).map(cwe).filter((x): x is RepetitionValue => x !== undefined);
    if (reasons.length) obr[31] = reasons.length === 1 ? reasons[0]! : { repeat: reasons };
    msg.add('OBR', obr);
    (report.conclusion ?? '').split('\n').filter(Boolean).forEach((line, k) => msg.add('NTE', { 1: String(k + 1), 3: line }));

    (report.result ?? []).forEach((ref, k) => {
      const o = resolve<Observation>(ref, 'Observation');
      const where = `${at}.result[${k}]`;
      if (!o) {
        issues.push(issue('MAP_MISSING', `${ref.reference ?? 'A result'} is neither in the Bundle nor stored: its OBX cannot be written.`, where));
        return;
      }
      const v = obxValue(o, where, issues);
      // Performers: Organization -> OBX-23/24, Practitioner by reference -> OBX-25, a bare identifier/name -> OBX-16.
      const bare = (o.performer ?? []).filter((p) => !p.reference);
      const org = (o.performer ?? []).map((p) => resolve<Organization>(p, 'Organization')).find(Boolean);
      const directorRef = (o.performer ?? []).find((p) => p.reference && resolve<Practitioner>(p, 'Practitioner'));
      const obx: Record<number, FieldValue> = { 1: String(k + 1), ...fields('OBX', { ...o, performer: bare } as unknown as Obj) };
      if (v.type) obx[2] = v.type;
      if (v.value !== undefined) obx[5] = v.value;
      if (v.units) obx[6] = v.units;
      const range = o.referenceRange?.[0];
      const rangeText = range?.text ?? (range?.low || range?.high ? `${range.low?.value ?? ''}-${range.high?.value ?? ''}` : undefined);
      if (rangeText) obx[7] = rangeText;
      if (org) {
        obx[23] = xon(org);
        const addr = org.address?.[0] ? DATATYPES.XAD!.fromFhir(org.address[0], { where: '', timezone: 'UTC' }) : undefined;
        if (addr) obx[24] = addr;
      }
      if (directorRef) obx[25] = xcn(directorRef, resolve<Practitioner>(directorRef, 'Practitioner'))!;
      msg.add('OBX', obx);
      (o.note ?? []).forEach((n, j) => n.text && msg.add('NTE', { 1: String(j + 1), 3: n.text }));
    });

    // presentedForm (an ED/RP result the reader moved to the report): one OBX each, after the results.
    (report.presentedForm ?? []).forEach((a, k) => {
      const where = `${at}.presentedForm[${k}]`;
      const value = a.data ? DATATYPES.ED!.fromFhir(a, { where, timezone: 'UTC' }) : a.url ? DATATYPES.RP!.fromFhir(a, { where, timezone: 'UTC' }) : undefined;
      if (!value) {
        issues.push(issue('MAP_MISSING', 'The attachment has neither data nor url: there is no OBX-5 to write.', where));
        return;
      }
      // OBX-3 is required: the attachment's title (what the reader took from OBX-3), else the report's code.
      const code = a.title ? [a.title, a.title] : cwe(report.code);
      const status = toHl7Code('0085', report.status) ?? 'F';
      msg.add('OBX', { 1: String((report.result?.length ?? 0) + k + 1), 2: a.data ? 'ED' : 'RP', 3: code ?? '', 5: value, 11: status });
    });

    // SPECIMEN group (after the results): SPM-2 placer & filler ids (EIP), and mappings/oru.json's SPM fields.
    (report.specimen ?? []).forEach((ref, k) => {
      const sp = resolve<Specimen>(ref, 'Specimen');
      if (!sp) {
        issues.push(issue('MAP_MISSING', `${ref.reference ?? 'A specimen'} is neither in the Bundle nor stored: its SPM cannot be written.`, `${at}.specimen[${k}]`, 'warning'));
        return;
      }
      const eip = (code: string) => {
        const i = sp.identifier?.find((x) => typeCode(x) === code);
        return i?.value ? (DATATYPES.EI!.fromFhir(i, { where: '', timezone: 'UTC' }) as Array<string | undefined>).map((x) => x ?? '') : '';
      };
      const spm: Record<number, FieldValue> = { 1: String(k + 1), ...fields('SPM', sp as unknown as Obj) };
      if (sp.identifier?.length) spm[2] = [eip('PLAC'), eip('FILL')];
      msg.add('SPM', spm);
    });
  });
  if (issues.some((i) => i.severity === 'error')) return { value: undefined, issues };
  return { value: msg, issues };
}
