/**
 * ORC + OBR (+ TQ1) -> ServiceRequest, per the HL7 v2-to-FHIR IG (ORC[ServiceRequest],
 * OBR[ServiceRequest]): the order the results answer. Identifiers placer ORC-2/OBR-2 (PLAC) and
 * filler ORC-3/OBR-3 (FILL), status ORC-5 (table 0038) else OBR-25 (table 0123), intent `order`,
 * code OBR-4, requester ORC-12 else OBR-16 (a Practitioner), reasonCode OBR-31, authoredOn ORC-9,
 * occurrence TQ1-7 else OBR-6. Same order key, same id as the DiagnosticReport (src/fhir/ids.ts).
 */
import type { CodeableConcept, DiagnosticReport, Reference, ServiceRequest } from 'fhir/r4.js';
import { issue, type Issue } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { DATATYPES } from '../../mapping/datatypes/index.js';
import { fieldTree } from '../../mapping/engine.js';
import { hl7ToFhirDateTime } from '../../mapping/datetime.js';
import { toFhirCode } from '../../mapping/tables.js';
import type { OrderGroup } from './groups.js';
import { serviceRequestId, type ReportKey } from '../../fhir/ids.js';
import { practitionerFromXcn, type PersonDraft } from './practitioner.js';

type Status = ServiceRequest['status'];

/*
 * ORC-5 order status (table 0038) -> ServiceRequest.status as the v2-to-FHIR IG maps it
 * (mappings/tables/0038-order-status.json); when ORC-5 is empty, OBR-25 result status (table 0123)
 * says how far the order is (mappings/tables/0123-request-status.json, Frontdesk's reading).
 */
const orderStatus = (code: string): Status | undefined => toFhirCode('0038', code)?.fhir as Status | undefined;
const statusFromResult = (code: string): Status | undefined => toFhirCode('0123-request-status', code)?.fhir as Status | undefined;

export interface ServiceRequestDraft {
  serviceRequest: ServiceRequest;
  /** The ordering provider: a Practitioner to add to the Bundle when XCN-1 names one. */
  requester?: PersonDraft;
}

function time(msg: Hl7Message, seg: Hl7Segment | undefined, field: number, timezone: string, issues: Issue[]): string | undefined {
  const s = seg?.get(field, 1).trim();
  if (!seg || !s) return undefined;
  const r = hl7ToFhirDateTime(s, msg.location(seg, field), timezone);
  // A bad order time loses no result: a warning, and the element is left out.
  issues.push(...r.issues.map((i) => (i.severity === 'error' ? { ...i, severity: 'warning' as const } : i)));
  return r.value;
}

export function buildServiceRequest(
  msg: Hl7Message, order: OrderGroup, key: ReportKey, report: DiagnosticReport, subject: Reference, timezone: string,
  referenceTo: (practitionerId: string) => string,
): { value: ServiceRequestDraft; issues: Issue[] } {
  const { obr, orc, tq1 } = order;
  const issues: Issue[] = [];
  const identifier = (report.identifier ?? []).map((i) => ({ ...i }));

  let status: Status = 'unknown';
  const orc5 = orc?.get(5).trim().toUpperCase() ?? '';
  const obr25 = obr.get(25).trim().toUpperCase();
  const fromOrc = orc5 ? orderStatus(orc5) : undefined;
  if (fromOrc) status = fromOrc;
  else {
    if (orc5) issues.push(issue('MAP_UNKNOWN_CODE', `${msg.location(orc!, 5)} "${orc5}" is not an order status of table 0038; the order's status comes from OBR-25.`, msg.location(orc!, 5), 'warning'));
    status = (obr25 && statusFromResult(obr25)) || 'unknown';
  }

  const requester = practitionerFromXcn(orc, 12) ?? practitionerFromXcn(obr, 16);
  const requesterRef: Reference | undefined = requester?.practitioner
    ? { reference: referenceTo(requester.practitioner.id!), ...(requester.display ? { display: requester.display } : {}) }
    : requester?.display ? { display: requester.display } : undefined;

  const reasonCode = fieldTree(obr, 31)
    .map((rep) => DATATYPES.CWE!.toFhir(rep, { where: msg.location(obr, 31), timezone }).value as CodeableConcept | undefined)
    .filter((c): c is CodeableConcept => !!c);
  const authoredOn = time(msg, orc, 9, timezone, issues);
  // TQ1-7 start date/time (v2.5+) replaces OBR-6 requested date/time (withdrawn in v2.7).
  const occurrence = time(msg, tq1, 7, timezone, issues) ?? time(msg, obr, 6, timezone, issues);

  const serviceRequest: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: serviceRequestId(key),
    ...(identifier.length ? { identifier } : {}),
    status,
    intent: 'order',
    code: report.code,
    subject,
    ...(occurrence ? { occurrenceDateTime: occurrence } : {}),
    ...(authoredOn ? { authoredOn } : {}),
    ...(requesterRef ? { requester: requesterRef } : {}),
    ...(reasonCode.length ? { reasonCode } : {}),
  };
  return { value: { serviceRequest, ...(requester ? { requester } : {}) }, issues };
}
