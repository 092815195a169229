/**
 * FHIR -> office results inbox: one flat record per DiagnosticReport, so the office sees what is
 * new (status, correction), for whom (patient, ordering provider) and what is abnormal (a flag
 * summary over the report's Observations, from OBX-8 via Observation.interpretation).
 * The inbox is read-only for the office (HL7 -> FHIR -> office), so this codec goes one way;
 * profiles/office/results-inbox-item.schema.json is its contract.
 */
import type { DiagnosticReport, Identifier, Observation, Patient, Reference } from 'fhir/r4.js';

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

function flagsOf(o: Observation): string[] {
  return (o.interpretation ?? []).flatMap((cc) => (cc.coding ?? []).filter((c) => c.system === INTERPRETATION && c.code).map((c) => c.code!));
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

export function inboxItemFromFhir(src: InboxSource): ResultsInboxItem {
  const { report, patient } = src;
  const live = src.observations.filter((o) => o.status !== 'entered-in-error' && o.status !== 'cancelled');
  let abnormal = 0, critical = 0, flagged = 0;
  const summary: string[] = [];
  for (const o of live) {
    const flags = flagsOf(o);
    if (flags.length) flagged++;
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
  const item: ResultsInboxItem = {
    recordType: RESULTS_INBOX_RECORD_TYPE,
    id: report.id!,
    reportReference: `DiagnosticReport/${report.id}`,
    ...(patient?.id ? { patientReference: `Patient/${patient.id}` } : {}),
    ...(pid?.value ? { patientIdentifier: pid.value } : {}),
    ...(pid?.system ? { patientIdentifierSystem: pid.system } : {}),
    ...(patientName(patient) ? { patientName: patientName(patient)! } : {}),
    ...(patient?.birthDate ? { patientBirthDate: patient.birthDate } : {}),
    ...(provider?.identifier?.value ? { orderingProviderId: provider.identifier.value } : {}),
    ...(provider?.display ? { orderingProviderName: provider.display } : {}),
    ...(identifierOf(report.identifier, 'PLAC') ? { placerOrderNumber: identifierOf(report.identifier, 'PLAC')! } : {}),
    ...(identifierOf(report.identifier, 'FILL') ? { fillerOrderNumber: identifierOf(report.identifier, 'FILL')! } : {}),
    reportCode: coding?.code ?? report.code.text ?? '',
    ...(coding?.system ? { reportCodeSystem: coding.system } : {}),
    ...(report.code.text ?? coding?.display ? { reportName: (report.code.text ?? coding?.display)! } : {}),
    reportStatus: report.status,
    isCorrection: ['corrected', 'amended', 'appended'].includes(report.status) || src.observations.some((o) => o.status === 'corrected' || o.status === 'amended'),
    ...(report.effectiveDateTime ? { effective: report.effectiveDateTime } : {}),
    ...(report.issued ? { issued: report.issued } : {}),
    ...(report.performer?.[0]?.display ? { performer: report.performer[0].display } : {}),
    resultCount: live.length,
    abnormalCount: abnormal,
    criticalCount: critical,
    abnormalFlag,
    abnormalSummary: summary.join('; '),
    observationReferences: src.observations.map((o) => `Observation/${o.id}`),
    hasDocument: (report.presentedForm?.length ?? 0) > 0,
  };
  return item;
}
