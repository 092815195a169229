/**
 * DFT^P03 -> office billing encounter. Segments are read through mappings/dft-p03.json (PID
 * through patientFromPid); this file only assembles: which FT1 lines are billed, where each
 * line's code comes from, how FT1-19 diagnoses become pointers into the DG1 list. It also
 * returns a locator so claim edits on the result name the HL7 field (`FT1[2].11`, `DG1[1].3`).
 */
import type { CodeableConcept, Identifier, Money, Patient, Period, Reference } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import { procedureCodeKind, ICD10CM_SYSTEM, NPI_SYSTEM, CPT_SYSTEM, HCPCS_SYSTEM } from '../../billing/codes.js';
import { cents, type BillingEncounter, type EncounterCoverage, type ServiceLine } from '../../billing/encounter.js';
import type { EditLocator } from '../../billing/locations.js';
import { patientFromPid } from '../patient-from-pid.js';

interface FtRead {
  transactionId?: string; servicedPeriod?: Period; transactionType?: string; transactionCode?: CodeableConcept;
  quantity?: number; net?: Money; unitPrice?: Money; diagnosis?: CodeableConcept[]; performer?: Reference;
  procedureCode?: CodeableConcept; modifier?: CodeableConcept[]; performingFacility?: Reference;
}
interface DgRead { setId?: string; code?: CodeableConcept; priority?: number }
interface PrRead { code?: CodeableConcept; performed?: string; modifier?: CodeableConcept[] }
interface InRead { payerId?: Identifier; payerName?: string; authorization?: string; policyNumber?: string; insuredId?: Identifier }
interface PvRead { placeOfService?: string; attending?: Reference; visitNumber?: Identifier; admitted?: string }

export interface DftRead {
  encounter: BillingEncounter;
  patient?: Patient;
  /** Claim edits on `encounter` with this locator name the DFT fields. */
  locator: EditLocator;
}

const PROCEDURE_SYSTEMS = new Set([CPT_SYSTEM, HCPCS_SYSTEM]);
const firstCode = (cc: CodeableConcept | undefined) => cc?.coding?.find((c) => c.code);

/** A procedure code candidate: usable when its form is CPT/HCPCS and its system (if any) agrees. */
function procedureCandidate(cc: CodeableConcept | undefined): string | undefined {
  const c = firstCode(cc);
  if (!c?.code || !procedureCodeKind(c.code)) return undefined;
  if (c.system && !PROCEDURE_SYSTEMS.has(c.system) && !c.system.startsWith('urn:frontdesk:cs:')) return undefined;
  return c.code;
}

const date = (s: string | undefined): string | undefined => (s ? s.slice(0, 10) : undefined);

export function readDft(msg: Hl7Message, ctx: { timezone: string }): Result<DftRead> {
  const issues: Issue[] = [];
  const mapping = loadMapping('dft-p03');
  const read = <T>(seg: Hl7Segment): T => {
    const r = readSegment(msg, seg, segmentMap(mapping, seg.name), ctx);
    issues.push(...r.issues);
    return r.value as T;
  };

  // PID through the shared registration mapping (same Patient id as ADT).
  const pat = patientFromPid(msg, ctx);
  issues.push(...pat.issues);
  const patient = pat.value;
  const pidSeg = msg.segment('PID');

  const evnSeg = msg.segment('EVN');
  const evn = evnSeg ? read<{ recorded?: string; occurred?: string }>(evnSeg) : {};
  const pv1Seg = msg.segment('PV1');
  const pv1: PvRead = pv1Seg ? read<PvRead>(pv1Seg) : {};

  // DG1: the claim's diagnosis list, in message order (DG1-15 priority 1 first).
  const dgSegs = msg.all('DG1');
  const dgs = dgSegs.map((s) => ({ seg: s, v: read<DgRead>(s) }));
  const ordered = dgs.map((d, i) => ({ ...d, i })).sort((a, b) => (a.v.priority === 1 ? 0 : 1) - (b.v.priority === 1 ? 0 : 1) || a.i - b.i);
  const diagnoses: string[] = [];
  const dxWhere: string[] = [];
  for (const d of ordered) {
    const c = firstCode(d.v.code);
    if (!c?.code) continue;
    const where = msg.location(d.seg, 3);
    if (c.system && c.system !== ICD10CM_SYSTEM) {
      const sys = d.seg.get(3, 3) || c.system;
      issues.push(issue('CLAIM_EDIT', `${where} "${c.code}" is coded in ${sys}, not ICD-10-CM (CWE-3 I10): a professional claim needs ICD-10-CM diagnoses.`, where));
    }
    if (diagnoses.includes(c.code)) continue;
    diagnoses.push(c.code);
    dxWhere.push(where);
  }

  // FT1 charges; a PR1 belongs to the FT1 it follows (DFT_P03 FINANCIAL group).
  const lines: ServiceLine[] = [];
  const lineSegs: Hl7Segment[] = [];
  const ftSegs = msg.all('FT1');
  let rendering: Reference | undefined;
  let billing: Reference | undefined;
  let billingSeg: Hl7Segment | undefined;
  let renderingWhere = pv1Seg ? msg.location(pv1Seg, 7) : 'PV1.7';
  for (const seg of ftSegs) {
    const ft = read<FtRead>(seg);
    const type = ft.transactionType;
    if (type && type !== 'CG') {
      issues.push(issue('MAP_INFO', `${msg.location(seg)} is a ${type} transaction (table 0017), not a charge: not billed.`, msg.location(seg, 6)));
      continue;
    }
    const i = msg.segments.indexOf(seg);
    const next = msg.segments.slice(i + 1).find((s) => s.name === 'FT1' || s.name === 'PR1');
    const pr: PrRead | undefined = next?.name === 'PR1' ? read<PrRead>(next) : undefined;
    const code = procedureCandidate(ft.procedureCode) ?? procedureCandidate(ft.transactionCode) ?? procedureCandidate(pr?.code)
      ?? firstCode(ft.transactionCode)?.code ?? '';
    const units = ft.quantity ?? 1;
    const charge = ft.net?.value ?? (ft.unitPrice?.value !== undefined ? cents(ft.unitPrice.value * units) / 100 : undefined);
    if (charge === undefined) issues.push(issue('MAP_MISSING', `${msg.location(seg, 11)} (and FT1-12) hold no charge.`, msg.location(seg, 11)));
    // FT1-19 diagnoses -> pointers; a code not in DG1 is added to the list.
    const pointers: number[] = [];
    for (const d of ft.diagnosis ?? []) {
      const c = firstCode(d)?.code;
      if (!c) continue;
      let at = diagnoses.indexOf(c);
      if (at < 0) { diagnoses.push(c); dxWhere.push(msg.location(seg, 19)); at = diagnoses.length - 1; }
      if (!pointers.includes(at + 1)) pointers.push(at + 1);
    }
    if (pointers.length === 0 && diagnoses.length) {
      for (let p = 1; p <= Math.min(4, diagnoses.length); p++) pointers.push(p);
      issues.push(issue('MAP_INFO', `${msg.location(seg, 19)} is empty: the line points at the first ${pointers.length} DG1 diagnoses.`, msg.location(seg, 19)));
    }
    const mods = [...(ft.modifier ?? []), ...(pr?.modifier ?? [])].map((m) => firstCode(m)?.code).filter((m): m is string => !!m);
    const d = date(ft.servicedPeriod?.start) ?? date(pr?.performed);
    const line: ServiceLine = {
      code, ...(mods.length ? { modifiers: [...new Set(mods)] } : {}), units, charge: charge ?? 0, pointers, ...(d ? { dateOfService: d } : {}),
    };
    lines.push(line);
    lineSegs.push(seg);
    if (!rendering && ft.performer?.identifier?.value) { rendering = ft.performer; renderingWhere = msg.location(seg, 20); }
    if (!billing && ft.performingFacility) { billing = ft.performingFacility; billingSeg = seg; }
  }
  if (!rendering && pv1.attending) rendering = pv1.attending;
  if (lineSegs.length === 0) issues.push(issue('MAP_MISSING', 'The message has no FT1 charge (FT1-6 CG) to bill.', 'FT1'));

  // IN1: coverages in order (IN1-1 set id order as sent).
  const inSegs = msg.all('IN1');
  const coverages: EncounterCoverage[] = [];
  let priorAuthorization: string | undefined;
  for (const seg of inSegs) {
    const v = read<InRead>(seg);
    const c: EncounterCoverage = { payerId: v.payerId?.value ?? '', memberId: v.policyNumber ?? v.insuredId?.value ?? '' };
    coverages.push({ payerId: c.payerId, ...(v.payerName ? { payerName: v.payerName } : {}), memberId: c.memberId });
    if (!priorAuthorization && v.authorization) priorAuthorization = v.authorization;
  }

  const dates = lines.map((l) => l.dateOfService).filter((x): x is string => !!x).sort();
  const dateOfService = dates[0] ?? date(evn.occurred) ?? date(pv1.admitted) ?? '';
  if (!dates.length) issues.push(issue('MAP_MISSING', 'No FT1-4 transaction date: the date of service is taken from EVN/PV1.', 'FT1.4', 'warning'));
  const mrn = patient?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value ?? patient?.identifier?.[0]?.value ?? '';
  const encounterId = pv1.visitNumber?.value || pidSeg?.get(18) || msg.controlId;
  const renderingName = rendering?.display?.split(' ') ?? [];
  const total = lines.reduce((s, l) => s + cents(l.charge), 0) / 100;
  const currency = ftSegs.map((s) => s.get(11, 1, 2)).find(Boolean) || 'USD';

  const enc: BillingEncounter = {
    recordType: 'billing-encounter',
    encounterId,
    patientMrn: mrn,
    ...(patient?.name?.[0]?.family ? { patientFamily: patient.name[0].family } : {}),
    ...(patient?.name?.[0]?.given?.length ? { patientGiven: patient.name[0].given.join(' ') } : {}),
    ...(patient?.birthDate ? { patientBirthDate: patient.birthDate } : {}),
    ...(patient?.gender ? { patientGender: patient.gender } : {}),
    dateOfService,
    ...(dates.length && dates[dates.length - 1] !== dateOfService ? { dateOfServiceEnd: dates[dates.length - 1] } : {}),
    placeOfService: pv1.placeOfService ?? '11',
    renderingProviderNpi: rendering?.identifier?.value ?? '',
    ...(renderingName.length > 1 ? { renderingProviderFamily: renderingName[renderingName.length - 1], renderingProviderGiven: renderingName.slice(0, -1).join(' ') } : {}),
    billingProviderNpi: billing?.identifier?.value ?? '',
    ...(billing?.display ? { billingProviderName: billing.display } : {}),
    ...(priorAuthorization ? { priorAuthorization } : {}),
    coverages,
    diagnoses,
    lines,
    totalCharge: total,
    currency,
  };
  if (!pv1.placeOfService && pv1Seg && !pv1Seg.get(2)) issues.push(issue('MAP_INFO', 'PV1-2 is empty: place of service 11 (office) assumed.', msg.location(pv1Seg, 2)));
  if (rendering?.identifier?.system && rendering.identifier.system !== NPI_SYSTEM && !rendering.identifier.system.endsWith('2.16.840.1.113883.4.6')) {
    issues.push(issue('MAP_INFO', `${renderingWhere} identifier is not marked as an NPI; used as the rendering NPI.`, renderingWhere, 'warning'));
  }

  const ft = (n: number, f: number) => (lineSegs[n] ? msg.location(lineSegs[n]!, f) : `FT1.${f}`);
  const inl = (k: number, f: number) => (inSegs[k] ? msg.location(inSegs[k]!, f) : `IN1.${f}`);
  const locator: EditLocator = {
    encounterId: pv1Seg ? msg.location(pv1Seg, 19) : 'PV1.19',
    renderingNpi: renderingWhere,
    billingNpi: billingSeg ? msg.location(billingSeg, 32) : 'FT1.32',
    dateOfService: ft(0, 4),
    placeOfService: pv1Seg ? msg.location(pv1Seg, 2) : 'PV1.2',
    coverages: 'IN1',
    memberId: (k) => inl(k, 36),
    diagnoses: 'DG1',
    diagnosis: (i) => dxWhere[i] ?? 'DG1.3',
    line: (n) => (lineSegs[n] ? msg.location(lineSegs[n]!) : 'FT1'),
    lineCode: (n) => ft(n, 7),
    modifier: (n) => ft(n, 26),
    pointers: (n) => ft(n, 19),
    pointer: (n) => ft(n, 19),
    units: (n) => ft(n, 10),
    charge: (n) => ft(n, 11),
    lineDate: (n) => ft(n, 4),
    // A DFT line has no place of service of its own: every line is the visit's (PV1-2).
    linePlaceOfService: () => (pv1Seg ? msg.location(pv1Seg, 2) : 'PV1.2'),
    // A DFT^P03 posts charges for an original claim: it carries no frequency nor payer claim number.
    status: 'FT1',
    claimFrequency: 'FT1',
    payerClaimNumber: 'FT1',
    total: 'FT1.11',
  };
  return { value: { encounter: enc, ...(patient ? { patient } : {}), locator }, issues };
}
