/**
 * Eligibility for tomorrow: for each booked appointment tomorrow (the practice's calendar day),
 * a CoverageEligibilityRequest (purpose benefits + validation, serviced tomorrow) for the
 * patient's first active Coverage, delivered to the configured endpoint with the Patient, Coverage
 * and provider it references; to a clearinghouse with an X12 identity, one 270 for the day. One
 * request per appointment and day (idempotency key), so running the job twice queues nothing new.
 * Every inquiry is noted in store.eligibility (pending) with its appointment, so the answer (a 271
 * or CoverageEligibilityResponse, in the HTTPS response or picked up from a folder) lands on it
 * and the front desk sees it (`frontdesk eligibility list`, GET /eligibility) before the patient arrives.
 */
import type { Appointment, Bundle, CoverageEligibilityRequest, FhirResource, Organization, Patient, Practitioner, RelatedPerson } from 'fhir/r4.js';
import { build270, type EligibilityInquiry } from '../x12/eligibility/build270.js';
import { uuidFor } from '../clients/fhir-transaction.js';
import type { JobDeps, JobSummary } from './context.js';
import { appointments, coveragesOf, participant, refersTo, resolveReference } from './resources.js';
import { addDays, localDate } from './time.js';
import { withWorker } from './with-worker.js';

export const ELIGIBILITY_ID_SYSTEM = 'https://frontdesk.example.org/fhir/eligibility-request';
/** Appointment statuses worth checking coverage for (FHIR appointmentstatus). */
const CHECK_STATUSES = new Set<Appointment['status']>(['booked', 'pending', 'proposed', 'arrived', 'checked-in']);

export function appointmentsOn(all: Appointment[], date: string, timeZone: string): Appointment[] {
  return all.filter((a) => a.start && CHECK_STATUSES.has(a.status) && localDate(new Date(a.start), timeZone) === date);
}

/** The CoverageEligibilityRequest's identifier value (its trace in store.eligibility) and id for an appointment and day. */
export const fhirInquiryKey = (appointmentId: string | undefined, date: string): string => `${appointmentId}-${date}`;
export const eligibilityRequestId = (key: string): string => `cer-${uuidFor(key).slice(0, 18)}`;

export function buildEligibilityBundle(a: Appointment, patient: Patient, coverage: FhirResource & { resourceType: 'Coverage' }, provider: Practitioner | undefined, date: string, now: Date): Bundle {
  const urn = (r: { resourceType: string; id?: string | undefined }) => `urn:uuid:${uuidFor(`${r.resourceType}/${r.id}`)}`;
  const key = fhirInquiryKey(a.id, date);
  const request: CoverageEligibilityRequest = {
    resourceType: 'CoverageEligibilityRequest',
    id: eligibilityRequestId(key),
    identifier: [{ system: ELIGIBILITY_ID_SYSTEM, value: key }],
    status: 'active',
    purpose: ['benefits', 'validation'],
    patient: { reference: urn(patient) },
    servicedDate: date,
    created: now.toISOString(),
    insurer: coverage.payor[0] ?? { display: 'unknown' },
    ...(provider ? { provider: { reference: urn(provider) } } : {}),
    insurance: [{ focal: true, coverage: { reference: urn(coverage) } }],
  };
  const patientCopy = structuredClone(patient);
  const coverageCopy = structuredClone(coverage);
  coverageCopy.beneficiary = { reference: urn(patient) };
  if (refersTo(coverageCopy.subscriber, patient)) coverageCopy.subscriber = { reference: urn(patient) };
  const entry: Bundle['entry'] = [
    { fullUrl: urn(request), resource: request },
    { fullUrl: urn(patient), resource: patientCopy },
    { fullUrl: urn(coverage), resource: coverageCopy },
  ];
  if (provider) entry.push({ fullUrl: urn(provider), resource: structuredClone(provider) });
  return { resourceType: 'Bundle', type: 'collection', entry };
}

export async function runEligibility(deps: JobDeps): Promise<JobSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const dest = deps.config.jobs.eligibilityDestination;
  if (!dest || !deps.config.destinations[dest]) return { skipped: 'no eligibility destination configured (jobs.eligibilityDestination)' };
  const tz = deps.config.jobs.timezone;
  const tomorrow = addDays(localDate(now, tz), 1);
  // A clearinghouse with an X12 identity gets one 270 interchange for the day (src/x12/eligibility).
  if (deps.billing?.clearinghouses[dest]) return runEligibility270(deps, dest, tomorrow, now);
  let queued = 0;
  const noCoverage: string[] = [];
  for (const a of appointmentsOn(await appointments(deps.store.resources), tomorrow, tz)) {
    const patient = (await participant<Patient>(deps.store.resources, a, 'Patient'))?.resource;
    const coverage = patient ? (await coveragesOf(deps.store.resources, patient))[0] : undefined;
    if (!patient || !coverage) {
      noCoverage.push(`Appointment/${a.id}`);
      continue;
    }
    const provider = (await participant<Practitioner>(deps.store.resources, a, 'Practitioner'))?.resource;
    const bundle = buildEligibilityBundle(a, patient, coverage, provider, tomorrow, now);
    const idempotencyKey = `eligibility:${a.id}:${tomorrow}`;
    if (await deps.store.outbox.getByKey(idempotencyKey)) continue;
    const key = fhirInquiryKey(a.id, tomorrow);
    // The request and its pending check commit together: an answer always finds its appointment.
    await deps.store.transaction(async (tx) => {
      await tx.outbox.enqueue({
        destination: dest, kind: 'eligibility', payload: JSON.stringify(bundle), contentType: 'application/fhir+json',
        idempotencyKey, orderingKey: `Patient/${patient.id}`,
      }, now);
      await tx.eligibility.recordInquiries([{
        trace: key, requestId: eligibilityRequestId(key), appointmentId: a.id ?? null, appointmentStart: a.start ?? null,
        patientRef: `Patient/${patient.id}`, serviceDate: tomorrow, destination: dest, format: 'fhir',
      }], now);
    });
    queued++;
  }
  // The job sends its own requests now, even to a batch (clearinghouse) destination.
  const sent = await withWorker(deps, (w) => w.drain({ destinations: [dest], includeBatch: true }));
  return { date: tomorrow, queued, ...sent, ...(noCoverage.length ? { noCoverage } : {}) };
}

/** The X12 way: every appointment tomorrow in one 270 (005010X279A1), queued once per destination and day. */
async function runEligibility270(deps: JobDeps, dest: string, tomorrow: string, now: Date): Promise<JobSummary> {
  const idempotencyKey = `eligibility270:${dest}:${tomorrow}`;
  if (await deps.store.outbox.getByKey(idempotencyKey)) return { date: tomorrow, queued: 0, format: 'x12' };
  const inquiries: EligibilityInquiry[] = [];
  const byKey = new Map<string, { appointment: Appointment; patient: Patient }>();
  const noCoverage: string[] = [];
  const resources = deps.store.resources;
  for (const a of appointmentsOn(await appointments(resources), tomorrow, deps.config.jobs.timezone)) {
    const patient = (await participant<Patient>(resources, a, 'Patient'))?.resource;
    const coverage = patient ? (await coveragesOf(resources, patient))[0] : undefined;
    if (!patient || !coverage) { noCoverage.push(`Appointment/${a.id}`); continue; }
    const payer = await resolveReference<Organization>(resources, coverage.payor[0], ['Organization']);
    const subscriber = await resolveReference<RelatedPerson | Patient>(resources, coverage.subscriber, ['RelatedPerson', 'Patient']);
    const key = `${a.id}:${tomorrow}`;
    byKey.set(key, { appointment: a, patient });
    inquiries.push({ key, patient, coverage, payer, subscriber, date: tomorrow });
  }
  if (!inquiries.length) return { date: tomorrow, queued: 0, format: 'x12', ...(noCoverage.length ? { noCoverage } : {}) };
  const r = await build270(inquiries, { identity: deps.billing!, destination: dest, allocate: (c) => deps.store.x12.allocateControlNumber(c), now });
  const skipped = r.issues.filter((i) => i.severity !== 'information').map((i) => i.diagnostics ?? '');
  if (!r.value) return { date: tomorrow, queued: 0, format: 'x12', ...(skipped.length ? { skipped } : {}), ...(noCoverage.length ? { noCoverage } : {}) };
  const traces = Object.entries(r.value.traces);
  // The 270 and a pending check per 2000C/2000D trace commit together: the 271's TRN*2 finds its appointment.
  await deps.store.transaction(async (tx) => {
    await tx.outbox.enqueue({ destination: dest, kind: 'eligibility', payload: r.value!.x12, contentType: 'application/edi-x12', idempotencyKey }, now);
    await tx.eligibility.recordInquiries(traces.map(([trace, key]) => {
      const { appointment, patient } = byKey.get(key)!;
      return { trace, appointmentId: appointment.id ?? null, appointmentStart: appointment.start ?? null, patientRef: `Patient/${patient.id}`, serviceDate: tomorrow, destination: dest, format: 'x12' as const };
    }), now);
  });
  const sent = await withWorker(deps, (w) => w.drain({ destinations: [dest], includeBatch: true }));
  return { date: tomorrow, queued: 1, inquiries: traces.length, format: 'x12', ...sent, ...(skipped.length ? { skipped } : {}), ...(noCoverage.length ? { noCoverage } : {}) };
}
