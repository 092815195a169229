/**
 * ORU^R01 -> a FHIR transaction Bundle (Patient, and Practitioners and Organizations known by an
 * identifier, as conditional creates by identifier; ServiceRequests, Specimens, Observations and
 * DiagnosticReports as PUTs to deterministic ids) plus one results-inbox record
 * per report. Every resource is validated against its profile; a problem found there is reported
 * at the HL7 field it came from (`OBX[3].5`) as well as at its FHIRPath, ready for the ACK's ERR.
 * A result is never dropped silently: a value that cannot be read leaves the Observation with a
 * dataAbsentReason and an error naming the field.
 */
import type { Bundle, BundleEntry, DiagnosticReport, FhirResource, Identifier, Observation, Organization, Patient, Practitioner, Reference, ServiceRequest, Specimen } from 'fhir/r4.js';
import { issue, prefixIssues, type Issue, type Result } from '../../domain/issues.js';
import type { Hl7Message, Hl7Segment } from '../../hl7/message.js';
import { inboxItemFromFhir, type ResultsInboxItem } from '../../adapters/results-inbox.js';
import { validateOfficeRecord, validateResource } from '../../validation/index.js';
import { patientFromPid } from '../patient-from-pid.js';
import { keepRegistered } from '../registered-patient.js';
import { visitOfMessage } from '../recorded-visit.js';
import type { FlowContext, FlowOutput } from '../types.js';
import { groupOru, type OrderGroup } from './groups.js';
import { referenceOf, urnOf } from '../../fhir/ids.js';
import { hl7LocationOf } from './locations.js';
import { buildObservation, obxIdentity, type ObservationContext } from './observation.js';
import { buildReport, deriveReportStatus } from './report.js';
import { specimenFromObr15, specimenFromSpm } from './specimen.js';
import { buildServiceRequest } from './service-request.js';
import { organizationFromXon, practitionerFromXcn } from './practitioner.js';

/** Which segment an entry came from, to place its validation issues at an HL7 field. */
interface EntrySource { seg?: Hl7Segment; }

/** Statuses that say a result is verified; a later preliminary must not replace them. */
const SETTLED = new Set(['final', 'amended', 'corrected', 'appended']);
const UNSETTLED = new Set(['registered', 'partial', 'preliminary']);

export interface OruConversion extends FlowOutput {
  office: ResultsInboxItem[];
}

export function convertOru(msg: Hl7Message, ctx: FlowContext): Result<OruConversion> {
  const issues: Issue[] = [];
  const grouped = groupOru(msg);
  issues.push(...grouped.issues);
  const entries: BundleEntry[] = [];
  const sources: EntrySource[] = [];
  const b: Entries = { entries, sources, partiesSeen: new Set() };
  const office: ResultsInboxItem[] = [];
  // Several orders may name the same specimen (SPM-2), several PATIENT_RESULT groups the same
  // patient: one entry each, referenced by all.
  const specimensSeen = new Set<string>();
  /** Each report id with the order that made it (its key field is named only if another order collides). */
  const reportsSeen = new Map<string, OrderGroup>();
  const patientsSeen = new Set<string>();
  const visitsSeen = new Set<string>();

  if (grouped.value.patients.every((p) => p.orders.length === 0)) {
    issues.push(issue('HL7_SEGMENT_MISSING', 'The ORU^R01 has no OBR: there is no report to convert.', 'OBR'));
  }

  for (const group of grouped.value.patients) {
    let patient: Patient | undefined;
    let subject: Reference | undefined;
    if (group.pid) {
      const p = patientFromPid(msg, { timezone: ctx.timezone }, group.pid);
      issues.push(...p.issues);
      patient = p.value;
    } else {
      issues.push(issue('HL7_SEGMENT_MISSING', 'The results have no PID: they cannot be filed for a patient.', 'PID'));
    }
    if (patient) {
      const ident = patient.identifier![0]!;
      // The lab's PID must never overwrite the patient the office registered: a stored Patient is
      // only filled (keepRegistered); otherwise a conditional create, which also finds a Patient
      // stored under another id with the same identifier (registered through the FHIR API).
      if (!patientsSeen.has(patient.id!)) {
        patientsSeen.add(patient.id!);
        const pidSeg = group.pid!;
        const kept = keepRegistered(patient, ctx.lookup, (n) => msg.location(pidSeg, n));
        issues.push(...kept.issues);
        if (kept.value !== patient) put(b, kept.value!, group.pid);
        else add(b, patient, { method: 'POST', url: 'Patient', ifNoneExist: identifierQuery(ident) }, group.pid);
      }
      subject = { reference: urnOf('Patient', patient.id!) };
    }
    // PV1 -> the visit the results belong to: the same Encounter an ADT or SIU of that visit
    // number makes (only filled when recorded), referenced by the report, request and results.
    let encounter: Reference | undefined;
    if (patient && subject && group.pv1) {
      const v = visitOfMessage(msg, patient, ctx, group.pv1);
      issues.push(...v.issues);
      if (v.value) {
        const visit = v.value;
        // Inside this Bundle the Patient is its entry's urn (it may be a conditional create).
        if (visit.subject?.reference === `Patient/${patient.id}`) visit.subject = { reference: subject.reference! };
        encounter = { reference: urnOf('Encounter', visit.id!) };
        if (!visitsSeen.has(visit.id!)) { visitsSeen.add(visit.id!); put(b, visit, group.pv1); }
      }
    }
    for (const order of group.orders) {
      const r = convertOrder(msg, order, subject, ctx, encounter);
      // Two orders with the same filler (or placer) number would be one DiagnosticReport written
      // twice (bdl-7 at Bundle): an id collision, reported at the field of the later order that collides.
      if (r.report && reportsSeen.has(r.report.id!)) {
        const at = keyField(msg, order);
        issues.push(issue('MAP_CONFLICT', `${at} repeats the order number of ${keyField(msg, reportsSeen.get(r.report.id!)!)}: two orders cannot share one report; this order was not converted.`, at));
        continue;
      }
      if (r.report) reportsSeen.set(r.report.id!, order);
      issues.push(...r.issues);
      for (const s of r.specimens) {
        if (specimensSeen.has(s.resource.id!)) continue;
        specimensSeen.add(s.resource.id!);
        put(b, s.resource, s.seg);
      }
      for (const o of r.observations) put(b, o.resource, o.seg);
      if (r.report) put(b, r.report, order.obr);
      if (r.serviceRequest) put(b, r.serviceRequest, order.orc ?? order.obr);
      for (const p of r.parties) addParty(b, p.resource, p.seg);
      if (r.report) {
        office.push(inboxItemFromFhir({
          report: r.report,
          observations: r.allObservations,
          ...(patient ? { patient } : {}),
          ...(r.orderingProvider ? { orderingProvider: r.orderingProvider } : {}),
        }));
      }
    }
  }

  const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: entries };
  issues.push(...locateValidationIssues(msg, validateLabBundle(bundle), entries, sources));
  office.forEach((rec, i) => issues.push(...prefixIssues(validateOfficeRecord(rec), `office[${i}]`)));
  return { value: { bundle, office }, issues };
}

/**
 * The Bundle's entries as convertOru builds them, with the segment each came from (to place its
 * validation issues). Module-level functions over this rather than closures made per message:
 * under tsx (the tests, the bench) every named closure also costs a defineProperty of its name.
 */
interface Entries {
  entries: BundleEntry[];
  sources: EntrySource[];
  /** `Type/id` of the Practitioners and Organizations already in the Bundle. */
  partiesSeen: Set<string>;
}

function add(b: Entries, resource: FhirResource, request: BundleEntry['request'], seg?: Hl7Segment): void {
  b.entries.push({ fullUrl: urnOf(resource.resourceType, resource.id!), resource, request });
  b.sources.push(seg ? { seg } : {});
}

function put(b: Entries, r: FhirResource, seg?: Hl7Segment): void {
  add(b, r, { method: 'PUT', url: referenceOf(r.resourceType, r.id!) }, seg);
}

/** A Practitioner or Organization: created only if none has its identifier (the office's own record wins), once per Bundle. */
function addParty(b: Entries, r: Practitioner | Organization, seg: Hl7Segment): void {
  const key = `${r.resourceType}/${r.id}`;
  if (b.partiesSeen.has(key)) return;
  b.partiesSeen.add(key);
  const ident = r.identifier?.[0];
  if (ident?.value) add(b, r, { method: 'POST', url: r.resourceType, ifNoneExist: identifierQuery(ident) }, seg);
  else put(b, r, seg);
}

/** The field an order's report id comes from (reportKey: filler OBR-3 / ORC-3, else placer OBR-2 / ORC-2). */
function keyField(msg: Hl7Message, order: OrderGroup): string {
  if (order.obr.get(3)) return msg.location(order.obr, 3);
  if (order.orc?.get(3)) return msg.location(order.orc, 3);
  if (order.obr.get(2)) return msg.location(order.obr, 2);
  if (order.orc?.get(2)) return msg.location(order.orc, 2);
  return msg.location(order.obr);
}

interface OrderResult {
  report?: DiagnosticReport;
  serviceRequest?: ServiceRequest;
  /** Practitioners (ORC-12/OBR-16, OBX-25) and Organizations (OBX-23) the order's resources reference. */
  parties: Array<{ resource: Practitioner | Organization; seg: Hl7Segment }>;
  orderingProvider?: Reference;
  specimens: Array<{ resource: Specimen; seg?: Hl7Segment }>;
  /** Observations to write (a stale preliminary after a stored final is left out, with a warning). */
  observations: Array<{ resource: Observation; seg: Hl7Segment }>;
  /** Every Observation of the report as it stands after this message (for the inbox summary). */
  allObservations: Observation[];
  issues: Issue[];
}

function convertOrder(msg: Hl7Message, order: OrderGroup, subject: Reference | undefined, ctx: FlowContext, encounter?: Reference): OrderResult {
  const issues: Issue[] = [];
  const out: OrderResult = { specimens: [], observations: [], allObservations: [], parties: [], issues };
  const draft = buildReport(msg, order, subject, ctx.timezone);
  issues.push(...draft.issues);
  const { report, key } = draft.value;
  if (encounter) report.encounter = encounter;
  if (draft.value.orderingProvider) out.orderingProvider = draft.value.orderingProvider;

  // The order itself (ServiceRequest.subject is required: no patient, no request).
  if (subject) {
    const sr = buildServiceRequest(msg, order, key, report, subject, ctx.timezone, practitionerUrn);
    issues.push(...sr.issues);
    out.serviceRequest = sr.value.serviceRequest;
    if (encounter) out.serviceRequest.encounter = encounter;
    const requester = sr.value.requester?.practitioner;
    if (requester) out.parties.push({ resource: requester, seg: order.orc?.get(12).trim() ? order.orc : order.obr });
    report.basedOn = [{ reference: urnOf('ServiceRequest', out.serviceRequest.id!), type: 'ServiceRequest', ...(draft.value.placer ? { identifier: draft.value.placer } : {}) }];
  } else if (draft.value.placer) {
    report.basedOn = [{ type: 'ServiceRequest', identifier: draft.value.placer }];
  }

  // Specimens: SPM groups, else OBR-15 for pre-2.5 messages.
  const specimenRef = new Map<unknown, Reference>();
  for (const g of order.specimens) {
    const s = specimenFromSpm(msg, g.spm, key, g.position, subject, ctx.timezone);
    issues.push(...s.issues);
    out.specimens.push({ resource: s.value, seg: g.spm });
    specimenRef.set(g, { reference: referenceOf('Specimen', s.value.id!) });
  }
  if (!order.specimens.length) {
    const s = specimenFromObr15(msg, order.obr, key, subject, report.effectiveDateTime);
    if (s) {
      out.specimens.push({ resource: s, seg: order.obr });
      specimenRef.set(undefined, { reference: referenceOf('Specimen', s.id!) });
    }
  }
  const defaultSpecimen = [...specimenRef.values()][0];

  const seen = new Map<string, number>();
  // The report's performers: each performing Organization (OBX-23) and medical director (OBX-25)
  // its results name, by reference (R4 DiagnosticReport.performer: Organization | Practitioner ...).
  const labs = new Map<string, Reference>();
  const directors = new Map<string, Reference>();
  const presentedForm: NonNullable<DiagnosticReport['presentedForm']> = [];
  for (const g of order.observations) {
    const identity = obxIdentity(g);
    const occurrence = (seen.get(identity) ?? 0) + 1;
    seen.set(identity, occurrence);
    const specimen = (g.specimen && specimenRef.get(g.specimen)) ?? defaultSpecimen;
    const octx: ObservationContext = { key, timezone: ctx.timezone, occurrence };
    if (subject) octx.subject = subject;
    if (draft.value.effective) octx.effective = draft.value.effective;
    if (report.issued) octx.issued = report.issued;
    if (specimen) octx.specimen = specimen;
    const b = buildObservation(msg, g, octx);
    issues.push(...b.issues);
    if (b.value.attachment) presentedForm.push(b.value.attachment);
    const obs = b.value.observation;
    if (!obs) continue;
    if (encounter) obs.encounter = encounter;
    // OBX-23 performing organization (+ OBX-24 its address) and OBX-25 medical director (IG: Observation.performer).
    const performers: Reference[] = [];
    const lab = organizationFromXon(g.obx);
    if (lab) {
      out.parties.push({ resource: lab, seg: g.obx });
      const ref = { reference: urnOf('Organization', lab.id!), ...(lab.name ? { display: lab.name } : {}) };
      performers.push(ref);
      if (!labs.has(ref.reference)) labs.set(ref.reference, ref);
    }
    const director = practitionerFromXcn(g.obx, 25);
    if (director?.practitioner) {
      out.parties.push({ resource: director.practitioner, seg: g.obx });
      const ref = { reference: urnOf('Practitioner', director.practitioner.id!), ...(director.display ? { display: director.display } : {}) };
      performers.push(ref);
      if (!directors.has(ref.reference)) directors.set(ref.reference, ref);
    } else if (director?.display) performers.push({ display: director.display });
    if (performers.length) obs.performer = [...(obs.performer ?? []), ...performers];
    const stored = ctx.lookup.get('Observation', obs.id!) as Observation | undefined;
    if (stored && SETTLED.has(stored.status) && UNSETTLED.has(obs.status)) {
      // A preliminary that arrives after the final (queues, retries) must not undo it.
      issues.push(issue('MAP_CONFLICT', `${msg.location(g.obx, 11)} says ${obs.status}, but this result is already ${stored.status}: the stored result is kept.`, msg.location(g.obx, 11), 'warning'));
      out.allObservations.push(stored);
    } else {
      out.observations.push({ resource: obs, seg: g.obx });
      out.allObservations.push(obs);
    }
  }
  if (presentedForm.length) report.presentedForm = presentedForm;
  // Without OBX-23 the report keeps the sending lab's name (MSH-4) as a display (report.ts).
  if (labs.size) report.performer = [...labs.values(), ...directors.values()];
  if (draft.value.statusMissing && !obr25Unreadable(msg, order)) {
    report.status = deriveReportStatus(out.allObservations.map((o) => o.status));
    issues.push(issue('MAP_MISSING', `${msg.location(order.obr, 25)} (result status) is empty; the report status "${report.status}" was derived from the results' OBX-11.`, msg.location(order.obr, 25), 'warning'));
  }
  if (out.allObservations.length) report.result = out.allObservations.map((o) => ({ reference: referenceOf('Observation', o.id!) }));
  if (out.specimens.length) report.specimen = out.specimens.map((s) => ({ reference: referenceOf('Specimen', s.resource.id!) }));

  const storedReport = ctx.lookup.get('DiagnosticReport', report.id!) as DiagnosticReport | undefined;
  if (storedReport && SETTLED.has(storedReport.status) && UNSETTLED.has(report.status)) {
    issues.push(issue('MAP_CONFLICT', `${msg.location(order.obr, 25)} says ${report.status}, but this report is already ${storedReport.status}: the stored report is kept.`, msg.location(order.obr, 25), 'warning'));
    // Its order is kept as stored too: a stale message must not reopen a completed request.
    delete out.serviceRequest;
    return out;
  }
  out.report = report;
  return out;
}

/** An ordering provider's entry urn (ORC-12/OBR-16), for buildServiceRequest's requester reference. */
function practitionerUrn(id: string): string {
  return urnOf('Practitioner', id);
}

/** A conditional create's query: `identifier=system|value` (or the value alone without a system). */
function identifierQuery(ident: Identifier): string {
  return `identifier=${queryValue(ident.system ? `${ident.system}|` : '')}${queryValue(ident.value!)}`;
}

/** Percent-encode what would end or split a query parameter (%, &, #, +, space); keep the rest readable. */
function queryValue(s: string): string {
  return s.replace(/[%&#+ ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * Validate the Bundle against the lab profiles (each entry by its resource type's Frontdesk
 * profile), with large documents cut (validationView).
 */
export function validateLabBundle(bundle: Bundle): Issue[] {
  return validateResource(validationView(bundle));
}

/** Attachment data above this size is validated through a prefix (see validationView). */
const MAX_VALIDATED_DATA = 64 * 1024;

/**
 * The Bundle as the validator sees it: the same resources, except that a large embedded document
 * (an ED result, megabytes of base64 in presentedForm.data) is cut to a prefix. Its Base64 was
 * already checked in one linear pass when ED-5 was read (src/mapping/datatypes/lab.ts); checking
 * it again through the generic base64Binary pattern costs time and stack in proportion to the
 * document, for nothing. Shallow copies: the Bundle that is returned keeps the full data.
 */
function validationView(bundle: Bundle): Bundle {
  if (!(bundle.entry ?? []).some((e) => isBigReport(e.resource))) return bundle;
  return {
    ...bundle,
    entry: bundle.entry!.map((e) => {
      const r = e.resource;
      if (!isBigReport(r)) return e;
      const presentedForm = r.presentedForm!.map((a) => (a.data && a.data.length > MAX_VALIDATED_DATA ? { ...a, data: a.data.slice(0, MAX_VALIDATED_DATA) } : a));
      return { ...e, resource: { ...r, presentedForm } };
    }),
  };
}

/** A DiagnosticReport with a document above MAX_VALIDATED_DATA (module level: see Entries on tsx and closures). */
function isBigReport(r: unknown): r is DiagnosticReport {
  return (r as DiagnosticReport | undefined)?.resourceType === 'DiagnosticReport'
    && ((r as DiagnosticReport).presentedForm ?? []).some((a) => (a.data?.length ?? 0) > MAX_VALIDATED_DATA);
}

/** OBR-25 holds a code that is not in table 0123 (already an error): leave the status unknown. */
function obr25Unreadable(msg: Hl7Message, order: OrderGroup): boolean {
  return order.obr.get(25).trim() !== '';
}

/**
 * Validation issues come at `Bundle.entry[i].resource.<path>`: add the HL7 location the element
 * came from in front (ERR-2 reads the first expression), keeping the FHIRPath after it.
 */
function locateValidationIssues(msg: Hl7Message, found: Issue[], entries: BundleEntry[], sources: EntrySource[]): Issue[] {
  return found.map((i) => {
    const expr = i.expression?.[0];
    const at = expr ? entryPath(expr) : undefined;
    if (!at) return i;
    const seg = sources[at.entry]?.seg;
    const rt = entries[at.entry]?.resource?.resourceType;
    if (!seg || !rt) return i;
    const loc = hl7LocationOf(msg, seg, rt, at.path);
    return { ...i, expression: [loc, ...(i.expression ?? [])] };
  });
}

const ENTRY = 'Bundle.entry[';
const RESOURCE = '].resource';

/**
 * `Bundle.entry[<i>].resource[.<path>]` read by hand (as /^Bundle\.entry\[(\d+)\]\.resource(?:\.(.*))?$/
 * reads it: ASCII digits, and no line terminator in the path): every issue of a lab Bundle's
 * validation, most of them the dom-6 note of each entry, went through that regex.
 */
export function entryPath(expr: string): { entry: number; path: string } | undefined {
  if (!expr.startsWith(ENTRY)) return undefined;
  let i = ENTRY.length;
  while (i < expr.length) { const c = expr.charCodeAt(i); if (c < 48 || c > 57) break; i++; }
  if (i === ENTRY.length || !expr.startsWith(RESOURCE, i)) return undefined;
  const digits = expr.slice(ENTRY.length, i);
  i += RESOURCE.length;
  if (i === expr.length) return { entry: Number(digits), path: '' };
  if (expr.charCodeAt(i) !== 46 /* . */) return undefined;
  const path = expr.slice(i + 1);
  for (let k = 0; k < path.length; k++) {
    const c = path.charCodeAt(k);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return undefined;
  }
  return { entry: Number(digits), path };
}

