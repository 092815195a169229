/**
 * OBR (+ ORC) -> DiagnosticReport: code OBR-4, status OBR-25 (table 0123), effective OBR-7,
 * issued OBR-22, identifier from the filler order number (OBR-3/ORC-3), basedOn from the placer
 * order number (OBR-2/ORC-2; convert.ts points it at the order's ServiceRequest), performer: the
 * OBX-23 performing Organizations (and OBX-25 directors) by reference (convert.ts), else the
 * OBX-23 / MSH-4 (sending lab) name as a display; results interpreter OBR-32. The ordering provider (OBR-16/ORC-12) goes to the
 * results inbox: R4 DiagnosticReport has no requester.
 */
import type { DiagnosticReport, Identifier, Reference } from 'fhir/r4.js';
import { issue, type Issue } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { DATATYPES } from '../../mapping/datatypes/index.js';
import { hl7ToFhirDateTime } from '../../mapping/datetime.js';
import { fieldTree, readSegment } from '../../mapping/engine.js';
import { loadMapping, segmentMap } from '../../mapping/loader.js';
import type { OrderGroup } from './groups.js';
import { diagnosticReportId as reportId, type ReportKey } from '../../fhir/ids.js';
import { reportKey } from './order-key.js';

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const LAB_CATEGORY = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }] };
/** FHIR instant: a full time with seconds and a UTC offset. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface ReportDraft {
  report: DiagnosticReport;
  key: ReportKey;
  /** The report's effective time, inherited by Observations without OBX-14. */
  effective?: string;
  orderingProvider?: Reference;
  placer?: Identifier;
  filler?: Identifier;
  /** OBR-25 was empty: the status is to be derived from the results (see deriveReportStatus). */
  statusMissing?: boolean;
}

/**
 * OBR-25 is required, but some labs leave it empty: the report is as far along as its results
 * (all final -> final, any corrected -> corrected, any preliminary -> preliminary).
 */
export function deriveReportStatus(statuses: string[]): DiagnosticReport['status'] {
  const live = statuses.filter((s) => s !== 'entered-in-error' && s !== 'cancelled');
  if (!live.length) return statuses.length ? 'cancelled' : 'unknown';
  if (live.every((s) => s === 'final' || s === 'corrected' || s === 'amended')) {
    return live.includes('corrected') ? 'corrected' : live.includes('amended') ? 'amended' : 'final';
  }
  if (live.some((s) => s === 'preliminary')) return 'preliminary';
  if (live.every((s) => s === 'registered')) return 'registered';
  return live.some((s) => s === 'final' || s === 'corrected' || s === 'amended') ? 'partial' : 'unknown';
}

function ei(seg: Hl7Segment | undefined, field: number): Identifier | undefined {
  const rep = seg ? fieldTree(seg, field)[0] : undefined;
  return rep ? (DATATYPES.EI!.toFhir(rep, { where: '', timezone: 'UTC' }).value as Identifier | undefined) : undefined;
}

function xcn(seg: Hl7Segment | undefined, field: number): Reference | undefined {
  const rep = seg ? fieldTree(seg, field)[0] : undefined;
  return rep ? (DATATYPES.XCN!.toFhir(rep, { where: '', timezone: 'UTC' }).value as Reference | undefined) : undefined;
}

/** OBR-32 principal result interpreter (NDL: 1 name as CNN subcomponents id & family & given & ...). */
function interpreter(obr: Hl7Segment): Reference | undefined {
  const cnn = fieldTree(obr, 32)[0]?.[0];
  if (!cnn || cnn.every((s) => !s)) return undefined;
  const [id, family, given] = cnn;
  const display = [given, family].filter(Boolean).join(' ');
  if (!id && !display) return undefined;
  return { ...(id ? { identifier: { value: id } } : {}), ...(display ? { display } : {}) };
}

/** First usable date/time among candidate (segment, field) pairs, as a FHIR dateTime. */
function firstTime(msg: Hl7Message, candidates: Array<[Hl7Segment | undefined, number]>, timezone: string): { value?: string; where?: string; issues: Issue[] } {
  for (const [seg, f] of candidates) {
    const s = seg?.get(f, 1).trim();
    if (!seg || !s) continue;
    const r = hl7ToFhirDateTime(s, msg.location(seg, f), timezone);
    if (r.value) return { value: r.value, where: msg.location(seg, f), issues: r.issues };
  }
  return { issues: [] };
}

/**
 * OBR-25 Y (no order on record for this test) and Z (no record of this patient) are table 0123
 * codes, but they say the lab has no result to report: the v2-to-FHIR IG maps them to an error
 * (ConceptMap table-hl70123-queries-to-diagnostic-report-status, "IF NOT MAPPED ERROR"). The
 * error says so instead of calling them unknown codes.
 */
const NO_RESULT: Record<string, string> = { Y: 'no order on record for this test', Z: 'no record of this patient' };
function noResultStatus(msg: Hl7Message, obr: Hl7Segment, i: Issue): Issue {
  const where = msg.location(obr, 25);
  const code = obr.get(25).trim().toUpperCase();
  if (!NO_RESULT[code] || !i.expression?.includes(where)) return i;
  return { ...i, diagnostics: `${where} "${code}" (${NO_RESULT[code]}) says the lab has no result for this order: there is no report status to map (the v2-to-FHIR IG maps ${code} to an error).` };
}

export function buildReport(msg: Hl7Message, order: OrderGroup, subject: Reference | undefined, timezone: string): { value: ReportDraft; issues: Issue[] } {
  const { obr, orc } = order;
  const issues: Issue[] = [];
  const read = readSegment(msg, obr, segmentMap(loadMapping('oru'), 'OBR'), { timezone });
  // Effective and issued have fallbacks below: keep their date issues only if no fallback works.
  const dateIssues = read.issues.filter((i) => i.expression?.some((e) => e === msg.location(obr, 7) || e === msg.location(obr, 22)));
  issues.push(...read.issues.filter((i) => !dateIssues.includes(i)).map((i) => noResultStatus(msg, obr, i)));
  const body = read.value as Partial<DiagnosticReport>;

  const filler = ei(obr, 3) ?? ei(orc, 3);
  const placer = ei(obr, 2) ?? ei(orc, 2);
  const key = reportKey(filler, placer, msg.controlId, order.position);
  if (key.basis === 'message') {
    issues.push(issue('MAP_INFO', `${msg.location(obr, 3)} (filler order number) and ${msg.location(obr, 2)} (placer order number) are empty: the report id comes from MSH-10, so a later correction cannot update this report.`, msg.location(obr, 3), 'warning'));
  }

  // Effective: OBR-7, else OBR-8 (end of collection), else the specimen's collection time, else the first OBX-14.
  const firstObx = order.observations.find((o) => o.obx.get(14, 1).trim())?.obx;
  const eff = firstTime(msg, [[obr, 7], [obr, 8], [order.specimens[0]?.spm, 17], [firstObx, 14]], timezone);
  issues.push(...eff.issues);
  if (eff.value && eff.where !== msg.location(obr, 7)) {
    issues.push(issue('MAP_INFO', `${msg.location(obr, 7)} (observation date/time) is empty or unreadable; the report's effective time comes from ${eff.where}.`, msg.location(obr, 7)));
  }

  // Issued is an instant: OBR-22 when it has a time, else MSH-7 (when the lab sent the message).
  let issued: string | undefined;
  for (const [seg, f] of [[obr, 22], [msg.msh, 7]] as const) {
    const s = seg.get(f, 1).trim();
    if (!s) continue;
    const r = hl7ToFhirDateTime(s, msg.location(seg, f), timezone);
    if (r.value && INSTANT.test(r.value)) {
      issued = r.value;
      issues.push(...r.issues);
      if (seg !== obr) issues.push(issue('MAP_INFO', `${msg.location(obr, 22)} (results report date/time) is empty or has no time; issued comes from MSH-7.`, msg.location(obr, 22)));
      break;
    }
  }
  if (!eff.value) issues.push(...dateIssues.filter((i) => i.expression?.includes(msg.location(obr, 7))));
  if (!issued) {
    issues.push(...dateIssues.filter((i) => i.expression?.includes(msg.location(obr, 22))));
    issues.push(issue('MAP_MISSING', `${msg.location(obr, 22)} (results report date/time) and MSH-7 hold no full date and time: the report has no issued instant.`, msg.location(obr, 22)));
  }

  const performerName = order.observations.map((o) => o.obx.get(23, 1).trim()).find(Boolean) || msg.msh.get(4, 1).trim();
  const resultsInterpreter = interpreter(obr);
  const identifier: Identifier[] = [];
  if (filler) identifier.push({ ...filler, type: { coding: [{ system: V2_0203, code: 'FILL', display: 'Filler Identifier' }] } });
  if (placer) identifier.push({ ...placer, type: { coding: [{ system: V2_0203, code: 'PLAC', display: 'Placer Identifier' }] } });
  const conclusion = order.notes.flatMap((n) => fieldTree(n, 3).map((r) => r.map((c) => c.join('&')).join('^'))).filter(Boolean).join('\n');

  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: reportId(key),
    ...(identifier.length ? { identifier } : {}),
    status: (body.status ?? 'unknown') as DiagnosticReport['status'],
    category: [LAB_CATEGORY],
    code: body.code ?? { text: 'unknown' },
    ...(subject ? { subject } : {}),
    ...(eff.value ? { effectiveDateTime: eff.value } : {}),
    ...(issued ? { issued } : {}),
    ...(performerName ? { performer: [{ display: performerName }] } : {}),
    ...(resultsInterpreter ? { resultsInterpreter: [resultsInterpreter] } : {}),
    ...(conclusion ? { conclusion } : {}),
  };
  // ORC-12 first, OBR-16 when it is empty (the IG maps OBR-16 to the requester only then).
  const orderingProvider = xcn(orc, 12) ?? xcn(obr, 16);
  return {
    value: { report, key, ...(body.status ? {} : { statusMissing: true }), ...(eff.value ? { effective: eff.value } : {}), ...(orderingProvider ? { orderingProvider } : {}), ...(placer ? { placer } : {}), ...(filler ? { filler } : {}) },
    issues,
  };
}
