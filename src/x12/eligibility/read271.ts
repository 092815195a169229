/**
 * 271 eligibility answers (005010X279A1) in: per subscriber (2000C) or dependent (2000D) an office
 * eligibility record and a FHIR CoverageEligibilityResponse (src/eligibility/): active or inactive
 * (EB-01), the plan, and the patient's share for the service type (EB*B copay, EB*A coinsurance
 * with EB-08 a fraction, EB*C deductible with EB-06 29 = remaining); AAA rejections at any level
 * with their reason and follow-up (also X12_REJECTED warnings naming the loop).
 */
import type { CoverageEligibilityResponse } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import { readWithMap } from '../read.js';
import { fhirDate } from '../inbound/claim-response.js';
import { eligibilityCodes, summarize, type BenefitLine, type EligibilityRecord } from '../../eligibility/record.js';
import { toCoverageEligibilityResponse } from '../../eligibility/fhir.js';

export type { EligibilityRecord } from '../../eligibility/record.js';
export { ELIGIBILITY_TRACE_SYSTEM } from '../../eligibility/fhir.js';

interface Aaa { valid: string; reason: string; followUp: string }
interface Eb extends BenefitLine { rejections?: Aaa[]; messages?: Array<{ text: string }> }
interface Person { last?: string; first?: string; id?: string; dob?: string; rejections?: Aaa[]; dates?: Array<{ qualifier: string; date: string }>; benefits?: Eb[] }
interface Entry { subscriberTraces?: Array<{ type: string; number: string; originator: string }>; subscriber?: Person; dependentTraces?: Array<{ type: string; number: string }>; dependent?: Person }
interface Model271 { date: string; sources?: Array<{ source: { name: string; id: string; rejections?: Aaa[] }; receiver?: { rejections?: Aaa[] }; subscribers?: Entry[] }> }

export interface Eligibility271 {
  record: EligibilityRecord;
  response: CoverageEligibilityResponse;
}

function rejection(a: Aaa, loop: string): EligibilityRecord['rejections'][number] {
  const c = eligibilityCodes();
  return { loop, code: a.reason, reason: c.rejectReasons[a.reason] ?? `reject reason ${a.reason}`, followUp: c.followUp[a.followUp] ?? a.followUp };
}

/** Read a 271; `keys` maps our TRN-02 traces back to inquiry keys (appointment and day). */
export function read271(text: string, keys: Record<string, string> = {}): Result<Eligibility271[]> {
  const r = readWithMap<Model271>(text, '271');
  if (!r.value) return { value: undefined, issues: r.issues };
  const issues: Issue[] = [...r.issues];
  const out: Eligibility271[] = [];
  for (const { model } of r.value.sets) {
    (model.sources ?? []).forEach((src, si) => {
      const upper = [
        ...(src.source?.rejections ?? []).map((a) => rejection(a, '2100A')),
        ...(src.receiver?.rejections ?? []).map((a) => rejection(a, '2100B')),
      ];
      (src.subscribers ?? []).forEach((e, ei) => {
        const dependent = !!e.dependent;
        const who = (dependent ? e.dependent : e.subscriber) ?? {};
        // TRN*2 echoes the trace of our 270 (TRN*1 is the payer's own).
        const trace = (dependent ? e.dependentTraces : undefined)?.find((t) => t.type === '2')?.number ?? e.subscriberTraces?.find((t) => t.type === '2')?.number ?? '';
        const rejections = [
          ...upper,
          ...(e.subscriber?.rejections ?? []).map((a) => rejection(a, '2100C')),
          ...(e.dependent?.rejections ?? []).map((a) => rejection(a, '2100D')),
          ...(who.benefits ?? []).flatMap((b, bi) => (b.rejections ?? []).map((a) => rejection(a, `${dependent ? '2110D' : '2110C'}[${bi + 1}]`))),
        ];
        const memberId = e.subscriber?.id ?? '';
        const lines: BenefitLine[] = (who.benefits ?? []).map(({ rejections: _r, messages: _m, ...b }) => b);
        const record = summarize({
          trace, memberId, payer: src.source?.name ?? '', inquiryKey: keys[trace],
          patientName: who.first || who.last ? [who.first, who.last].filter(Boolean).join(' ') : undefined,
          serviceDate: fhirDate(who.dates?.find((d) => d.qualifier === '291' || d.qualifier === '307')?.date) || undefined,
          benefits: lines, rejections,
        });
        for (const x of rejections) {
          issues.push(issue('X12_REJECTED', `Eligibility for member ${memberId || '(none)'} not answered: ${x.reason} (AAA ${x.code}); ${x.followUp}.`, `${si > 0 ? `2000A[${si + 1}].` : ''}${ei > 0 ? `2000C[${ei + 1}].` : ''}${x.loop}.AAA-03`, 'warning'));
        }
        out.push({ record, response: toCoverageEligibilityResponse(record, lines, { payer: src.source, created: fhirDate(model.date) }) });
      });
    });
  }
  return { value: out, issues };
}
