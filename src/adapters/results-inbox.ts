/**
 * FHIR -> office results inbox: one flat record per DiagnosticReport, so the office sees what is
 * new (status, correction), for whom (patient, ordering provider) and what is abnormal (a flag
 * summary over the report's Observations, from OBX-8 via Observation.interpretation).
 * The inbox is read-only for the office (HL7 -> FHIR -> office), so this codec goes one way;
 * profiles/office/results-inbox-item.schema.json is its contract.
 */
import type { DiagnosticReport, Identifier, Observation, Patient, Reference } from 'fhir/r4.js';
import { referenceOf } from '../fhir/ids.js';

export const RESULTS_INBOX_RECORD_TYPE = 'results-inbox-item';

export type AbnormalFlag = 'none' | 'normal' | 'abnormal' | 'critical';

export interface ResultsInboxItem {
  recordType: typeof RESULTS_INBOX_RECORD_TYPE;
  /** The DiagnosticReport id (stable across preliminary, final and corrected versions). */
  id: string;
  reportReference: string;
  patientReference?: string;
  patientIdentifier?: string;
  patientIdentifierSystem?: string;
  patientName?: string;
  patientBirthDate?: string;
  orderingProviderId?: string;
  orderingProviderName?: string;
  placerOrderNumber?: string;
  fillerOrderNumber?: string;
  reportCode: string;
  reportCodeSystem?: string;
  reportName?: string;
  reportStatus: DiagnosticReport['status'];
  /** True when the report or any result is a correction (OBR-25/OBX-11 = C) or amendment. */
  isCorrection: boolean;
  effective?: string;
  issued?: string;
  performer?: string;
  resultCount: number;
  abnormalCount: number;
  criticalCount: number;
  abnormalFlag: AbnormalFlag;
  /** e.g. "Hemoglobin L; Leukocytes HH" (name and flag of each abnormal result). */
  abnormalSummary: string;
  observationReferences: string[];
  /** The report carries a document (an ED/RP result, as presentedForm). */
  hasDocument: boolean;
}

export interface InboxSource {
  report: DiagnosticReport;
  observations: Observation[];
  patient?: Patient;
  orderingProvider?: Reference;
}

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
/** Table 0078 flags that call for immediate attention (panic values). */
const CRITICAL = new Set(['LL', 'HH', 'AA']);
/** Flags that say "as expected": normal, negative, not detected, non-reactive, susceptible, better. */
const NOT_ABNORMAL = new Set(['N', 'NEG', 'ND', 'NR', 'S', 'B', 'EXP', 'IND']);

const NO_FLAGS: string[] = [];

/** OBX-8 flags of a result (Observation.interpretation codings of v3-ObservationInterpretation), in order. Loops: it runs for every result of every report. */
function flagsOf(o: Observation): string[] {
  const ccs = o.interpretation;
  if (ccs === undefined) return NO_FLAGS;
  let out: string[] | undefined;
  for (let i = 0; i < ccs.length; i++) {
    const coding = ccs[i]!.coding;
    if (coding === undefined) continue;
    for (let k = 0; k < coding.length; k++) {
      const c = coding[k]!;
      if (c.system === INTERPRETATION && c.code) (out ??= []).push(c.code);
    }
  }
  return out ?? NO_FLAGS;
}

function nameOf(cc: Observation['code']): string {
  return cc.text ?? cc.coding?.find((c) => c.display)?.display ?? cc.coding?.[0]?.code ?? 'result';
}

function patientName(p: Patient | undefined): string | undefined {
  const n = p?.name?.find((x) => x.use === 'official') ?? p?.name?.[0];
  if (!n) return undefined;
  const given = (n.given ?? []).join(' ');
  return n.family ? (given ? `${n.family}, ${given}` : n.family) : given || undefined;
}

const identifierOf = (ids: Identifier[] | undefined, code: string): string | undefined =>
  ids?.find((i) => i.type?.coding?.some((c) => c.code === code))?.value;

/** Report statuses that make the item a correction (with an Observation corrected or amended). */
const CORRECTED_REPORT = new Set<string>(['corrected', 'amended', 'appended']);
const isCorrected = (o: Observation): boolean => o.status === 'corrected' || o.status === 'amended';
const observationReference = (o: Observation): string => referenceOf('Observation', o.id!);

export function inboxItemFromFhir(src: InboxSource): ResultsInboxItem {
  const { report, patient } = src;
  const live = src.observations.filter((o) => o.status !== 'entered-in-error' && o.status !== 'cancelled');
  let abnormal = 0, critical = 0, flagged = 0;
  const summary: string[] = [];
  for (const o of live) {
    const flags = flagsOf(o);
    if (!flags.length) continue;
    flagged++;
    const bad = flags.filter((f) => !NOT_ABNORMAL.has(f));
    if (!bad.length) continue;
    abnormal++;
    if (bad.some((f) => CRITICAL.has(f))) critical++;
    summary.push(`${nameOf(o.code)} ${bad.join(',')}`);
  }
  const abnormalFlag: AbnormalFlag = critical ? 'critical' : abnormal ? 'abnormal' : flagged ? 'normal' : 'none';
  const pid = patient?.identifier?.[0];
  const coding = report.code.coding?.[0];
  const provider = src.orderingProvider;
  // Members assigned in the record's order (its JSON is stored and compared byte for byte),
  // rather than a spread object per optional member; each lookup made once.
  const item = {
    recordType: RESULTS_INBOX_RECORD_TYPE,
    id: report.id!,
    reportReference: referenceOf('DiagnosticReport', report.id!),
  } as ResultsInboxItem;
  if (patient?.id) item.patientReference = referenceOf('Patient', patient.id);
  if (pid?.value) item.patientIdentifier = pid.value;
  if (pid?.system) item.patientIdentifierSystem = pid.system;
  const name = patientName(patient);
  if (name) item.patientName = name;
  if (patient?.birthDate) item.patientBirthDate = patient.birthDate;
  if (provider?.identifier?.value) item.orderingProviderId = provider.identifier.value;
  if (provider?.display) item.orderingProviderName = provider.display;
  const placer = identifierOf(report.identifier, 'PLAC');
  if (placer) item.placerOrderNumber = placer;
  const filler = identifierOf(report.identifier, 'FILL');
  if (filler) item.fillerOrderNumber = filler;
  item.reportCode = coding?.code ?? report.code.text ?? '';
  if (coding?.system) item.reportCodeSystem = coding.system;
  const reportName = report.code.text ?? coding?.display;
  if (reportName) item.reportName = reportName;
  item.reportStatus = report.status;
  item.isCorrection = CORRECTED_REPORT.has(report.status) || src.observations.some(isCorrected);
  if (report.effectiveDateTime) item.effective = report.effectiveDateTime;
  if (report.issued) item.issued = report.issued;
  if (report.performer?.[0]?.display) item.performer = report.performer[0].display;
  item.resultCount = live.length;
  item.abnormalCount = abnormal;
  item.criticalCount = critical;
  item.abnormalFlag = abnormalFlag;
  item.abnormalSummary = summary.join('; ');
  item.observationReferences = src.observations.map(observationReference);
  item.hasDocument = (report.presentedForm?.length ?? 0) > 0;
  return item;
}
