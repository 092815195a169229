/**
 * Eligibility answers recorded for the front desk: a 271 (each 2000C/2000D) or a FHIR
 * CoverageEligibilityResponse (alone or in a Bundle) is kept on the inquiry it answers
 * (store.eligibility, by our trace or the request id), with the office eligibility record and the
 * FHIR resource. The answer is stored even when it matches no inquiry of ours (a warning says so):
 * the front desk can still find it by member id. Never throws.
 */
import { hasErrors, issue, type Issue, type Result } from '../domain/issues.js';
import type { EligibilityCheck, StoreTables } from '../store/index.js';
import { read271 } from '../x12/eligibility/read271.js';
import { eligibilityResponsesIn, fromCoverageEligibilityResponse } from './fhir.js';
import type { EligibilityRecord } from './record.js';

export interface RecordedEligibility {
  trace: string;
  status: EligibilityRecord['status'];
  /** Whether the answer matched an inquiry we sent (and so an appointment). */
  matched: boolean;
  appointmentId: string | null;
}

type Tables = Pick<StoreTables, 'eligibility'>;

async function keep(store: Tables, answers: Array<{ record: EligibilityRecord; response: object; requestId?: string | undefined }>, source: '271' | 'fhir', now: Date): Promise<Result<RecordedEligibility[]>> {
  const issues: Issue[] = [];
  const out: RecordedEligibility[] = [];
  for (const [i, a] of answers.entries()) {
    const r: { check: EligibilityCheck; matched: boolean } = await store.eligibility.recordAnswer({
      // An answer without any trace still gets a row of its own, named by member and day.
      trace: a.record.trace || `untraced:${a.record.memberId}:${a.record.serviceDate ?? now.toISOString().slice(0, 10)}:${i + 1}`,
      requestId: a.requestId, status: a.record.status, serviceDate: a.record.serviceDate,
      record: a.record as unknown as Record<string, unknown>, response: a.response as Record<string, unknown>, source,
    }, now);
    if (!r.matched) issues.push(issue('MAP_CONFLICT', `Eligibility answer ${a.record.trace || '(no trace)'} matches no inquiry sent from here; it is kept without an appointment.`, source === '271' ? 'TRN-02' : 'CoverageEligibilityResponse.request', 'warning'));
    out.push({ trace: r.check.trace, status: a.record.status, matched: r.matched, appointmentId: r.check.appointmentId });
  }
  return { value: out, issues };
}

/** A 271 -> one stored answer per subscriber or dependent. */
export async function recordEligibility271(text: string, store: Tables, now: Date): Promise<Result<RecordedEligibility[]>> {
  const r = read271(text);
  // A 271 that breaks the guide is reported (loop, segment, element) and not kept, like a 999 or 277CA.
  if (!r.value || hasErrors(r.issues)) return { value: undefined, issues: r.issues };
  const k = await keep(store, r.value, '271', now);
  return { value: k.value, issues: [...r.issues, ...k.issues] };
}

/** A FHIR answer (a CoverageEligibilityResponse, or a Bundle holding them) -> stored answers. */
export async function recordEligibilityFhir(json: unknown, store: Tables, now: Date): Promise<Result<RecordedEligibility[]>> {
  const found = eligibilityResponsesIn(json);
  if (!found.length) return { value: undefined, issues: [issue('FHIR_RESOURCE_TYPE', 'Expected a CoverageEligibilityResponse, or a Bundle holding one.', 'resourceType')] };
  const issues: Issue[] = [];
  const answers: Array<{ record: EligibilityRecord; response: object; requestId?: string | undefined }> = [];
  for (const f of found) {
    const a = fromCoverageEligibilityResponse(f.resource, f.at);
    issues.push(...a.issues);
    if (a.value) answers.push(a.value);
  }
  const k = await keep(store, answers, 'fhir', now);
  return { value: k.value, issues: [...issues, ...k.issues] };
}

/** `eligibility ingest` / POST /eligibility/inbound: a 271 (X12) or a FHIR CoverageEligibilityResponse (JSON). */
export async function recordEligibilityText(text: string, store: Tables, now: Date): Promise<Result<RecordedEligibility[]>> {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('ISA')) {
    const st01 = /(?:^|~\s*)ST\*(\d{3})/.exec(t)?.[1];
    if (st01 && st01 !== '271') return { value: undefined, issues: [issue('X12_INVALID', `This X12 holds a ${st01}; an eligibility answer is a 271 (claim answers go to claims ingest).`, 'ST-01')] };
    return recordEligibility271(text, store, now);
  }
  let json: unknown;
  try {
    json = JSON.parse(t);
  } catch {
    return { value: undefined, issues: [issue('INPUT_UNREADABLE', 'Neither an X12 271 (starts with ISA) nor FHIR JSON.', 'input')] };
  }
  return recordEligibilityFhir(json, store, now);
}
