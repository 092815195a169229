/**
 * Eligibility answers as FHIR: an office eligibility record (with the benefit lines it came from)
 * -> CoverageEligibilityResponse, and a CoverageEligibilityResponse (ours, or a FHIR payer's) ->
 * benefit lines and the office record.
 *
 * A benefit keeps its X12 EB-01 code as a second coding beside the FHIR benefit-type code
 * (http://terminology.hl7.org/CodeSystem/benefit-type has copay, copay-percent, deductible; no
 * code for out-of-pocket or limitations); items group the benefits by service type (EB-03),
 * network (EB-12) and unit (EB-02). A deductible's total and its remaining part (EB-06 29) become
 * one benefit: allowed the total, used what is spent (total - remaining).
 */
import type { CoverageEligibilityResponse, CoverageEligibilityResponseInsuranceItem, CoverageEligibilityResponseInsuranceItemBenefit } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../domain/issues.js';
import { coverageEligibilityResponseId } from '../fhir/ids.js';
import { PAYER_ID_SYSTEM } from '../adapters/claim.js';
import { eligibilityCodes, summarize, type BenefitLine, type EligibilityRecord } from './record.js';

export const ELIGIBILITY_TRACE_SYSTEM = 'https://frontdesk.example.org/sid/eligibility-trace';
export const BENEFIT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/benefit-type';
/** X12 element 1390 (EB-01), an X12 internal code list: no canonical URI of its own. */
export const EB_CODE_SYSTEM = 'https://frontdesk.example.org/CodeSystem/x12-eligibility-benefit-information';
export const SERVICE_TYPE_SYSTEM = 'https://x12.org/codes/service-type-codes';
export const AAA_SYSTEM = 'https://x12.org/codes/reject-reason-codes';
const NETWORK_SYSTEM = 'http://terminology.hl7.org/CodeSystem/benefit-network';
const UNIT_SYSTEM = 'http://terminology.hl7.org/CodeSystem/benefit-unit';
const REMAINING = 'Remaining';

const money = (v: number) => ({ value: v, currency: 'USD' as const });
const cents = (v: string | number | undefined): number | undefined => (v === undefined || v === '' ? undefined : Math.round(Number(v) * 100));

export interface ResponseSource {
  payer?: { name?: string | undefined; id?: string | undefined } | undefined;
  /** YYYY-MM-DD the answer was made. */
  created: string;
}

/** The office record and its benefit lines -> CoverageEligibilityResponse. */
export function toCoverageEligibilityResponse(rec: EligibilityRecord, lines: BenefitLine[], src: ResponseSource): CoverageEligibilityResponse {
  const c = eligibilityCodes();
  const items: CoverageEligibilityResponseInsuranceItem[] = [];
  const groups = new Map<string, { item: CoverageEligibilityResponseInsuranceItem; lines: BenefitLine[] }>();
  for (const b of lines) {
    if (cents(b.amount) === undefined && (b.percent === undefined || b.percent === '')) continue;
    const st = b.serviceType || '30';
    const key = `${st}|${b.inNetwork ?? ''}|${b.coverageLevel ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      const item: CoverageEligibilityResponseInsuranceItem = { category: { coding: [{ system: SERVICE_TYPE_SYSTEM, code: st, ...(c.serviceTypes[st] ? { display: c.serviceTypes[st] } : {}) }] } };
      if (b.inNetwork === 'Y' || b.inNetwork === 'N') item.network = { coding: [{ system: NETWORK_SYSTEM, code: b.inNetwork === 'Y' ? 'in' : 'out' }] };
      const unit = c.coverageLevels[b.coverageLevel ?? ''];
      if (unit) item.unit = { coding: [{ system: UNIT_SYSTEM, code: unit }] };
      g = { item, lines: [] };
      groups.set(key, g);
      items.push(item);
    }
    g.lines.push(b);
  }
  for (const { item, lines: ls } of groups.values()) {
    const benefit: CoverageEligibilityResponseInsuranceItemBenefit[] = [];
    const used = new Set<BenefitLine>();
    for (const b of ls) {
      if (used.has(b)) continue;
      used.add(b);
      const type = {
        coding: [
          ...(c.benefitType[b.code] ? [{ system: BENEFIT_TYPE_SYSTEM, code: c.benefitType[b.code]! }] : []),
          { system: EB_CODE_SYSTEM, code: b.code, ...(c.eligibility[b.code] ? { display: c.eligibility[b.code] } : {}) },
        ],
      };
      const amount = cents(b.amount);
      if (amount !== undefined) {
        if (b.period === '29') {
          // A remaining amount whose total is in another line is folded into that one (used = total - remaining).
          if (ls.some((x) => x !== b && x.code === b.code && x.period !== '29' && cents(x.amount) !== undefined)) { used.delete(b); continue; }
          benefit.push({ type: { ...type, text: REMAINING }, allowedMoney: money(amount / 100) });
          continue;
        }
        const rest = ls.find((x) => x !== b && x.code === b.code && x.period === '29' && cents(x.amount) !== undefined);
        if (rest) used.add(rest);
        benefit.push({ type, allowedMoney: money(amount / 100), ...(rest ? { usedMoney: money((amount - cents(rest.amount)!) / 100) } : {}) });
      } else {
        const pct = Math.round(Number(b.percent) * 10000) / 100;
        benefit.push({ type, ...(Number.isInteger(pct) ? { allowedUnsignedInt: pct } : { allowedString: `${pct}%` }) });
      }
    }
    item.benefit = benefit;
  }
  const cer: CoverageEligibilityResponse = {
    resourceType: 'CoverageEligibilityResponse',
    id: coverageEligibilityResponseId(rec.trace, rec.memberId),
    identifier: [{ system: ELIGIBILITY_TRACE_SYSTEM, value: rec.trace }],
    status: 'active',
    purpose: ['benefits', 'validation'],
    patient: { ...(rec.memberId ? { identifier: { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] }, value: rec.memberId } } : {}), display: rec.patientName ?? 'unknown' },
    ...(rec.serviceDate ? { servicedDate: rec.serviceDate } : {}),
    created: src.created || new Date().toISOString().slice(0, 10),
    request: { identifier: { system: ELIGIBILITY_TRACE_SYSTEM, value: rec.trace } },
    outcome: rec.status === 'rejected' ? 'error' : 'complete',
    insurer: { ...(src.payer?.id ? { identifier: { system: PAYER_ID_SYSTEM, value: src.payer.id } } : {}), display: src.payer?.name || rec.payer || 'unknown' },
  };
  if (rec.status !== 'rejected') {
    cer.insurance = [{
      coverage: { identifier: { value: rec.memberId }, display: rec.plan ?? rec.payer },
      ...(rec.status === 'active' || rec.status === 'inactive' ? { inforce: rec.status === 'active' } : {}),
      ...(items.length ? { item: items } : {}),
    }];
  } else {
    cer.error = rec.rejections.map((x) => ({ code: { coding: [{ system: AAA_SYSTEM, code: x.code, display: x.reason }], text: `${x.reason}; ${x.followUp}${x.loop ? ` (${x.loop})` : ''}` } }));
  }
  return cer;
}

const codeIn = (cc: { coding?: Array<{ system?: string; code?: string }> } | undefined, system?: string): string | undefined =>
  cc?.coding?.find((x) => (system === undefined || x.system === system) && x.code)?.code;

export interface FhirEligibilityAnswer {
  record: EligibilityRecord;
  response: CoverageEligibilityResponse;
  /** The CoverageEligibilityRequest.id the answer references, when it references one by id. */
  requestId?: string | undefined;
}

/** A CoverageEligibilityResponse (ours or a FHIR payer's) -> the office record. `at` is its FHIRPath, for issues. */
export function fromCoverageEligibilityResponse(cer: CoverageEligibilityResponse, at = 'CoverageEligibilityResponse'): Result<FhirEligibilityAnswer> {
  const c = eligibilityCodes();
  const issues: Issue[] = [];
  const back = Object.fromEntries(Object.entries(c.benefitType).map(([eb, fhir]) => [fhir, eb]));
  const unitBack = Object.fromEntries(Object.entries(c.coverageLevels).map(([x12, fhir]) => [fhir, x12]));
  const trace = cer.request?.identifier?.value ?? cer.identifier?.[0]?.value ?? '';
  const requestId = /(?:^|\/)CoverageEligibilityRequest\/([^/]+)$/.exec(cer.request?.reference ?? '')?.[1];
  if (!trace && !requestId) issues.push(issue('MAP_MISSING', 'The CoverageEligibilityResponse names no request (request.identifier or request.reference): it cannot be matched to an appointment.', `${at}.request`, 'warning'));
  const ins = cer.insurance?.[0];
  const lines: BenefitLine[] = [];
  (ins?.item ?? []).forEach((item) => {
    const serviceType = codeIn(item.category, SERVICE_TYPE_SYSTEM) ?? codeIn(item.category);
    const network = codeIn(item.network, NETWORK_SYSTEM);
    const inNetwork = network === 'in' ? 'Y' : network === 'out' ? 'N' : undefined;
    const coverageLevel = unitBack[codeIn(item.unit, UNIT_SYSTEM) ?? ''];
    for (const b of item.benefit ?? []) {
      const code = codeIn(b.type, EB_CODE_SYSTEM) ?? back[codeIn(b.type, BENEFIT_TYPE_SYSTEM) ?? ''];
      if (!code) continue;
      const base = { code, ...(serviceType ? { serviceType } : {}), ...(inNetwork ? { inNetwork } : {}), ...(coverageLevel ? { coverageLevel } : {}) };
      const allowed = b.allowedMoney?.value;
      const pct = b.allowedUnsignedInt ?? (b.allowedString ? Number(/^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(b.allowedString)?.[1] ?? NaN) : undefined);
      if (allowed !== undefined) {
        lines.push({ ...base, amount: allowed, ...(b.type.text === REMAINING ? { period: '29' } : {}) });
        if (b.usedMoney?.value !== undefined) lines.push({ ...base, period: '29', amount: (Math.round(allowed * 100) - Math.round(b.usedMoney.value * 100)) / 100 });
      } else if (pct !== undefined && !Number.isNaN(pct)) lines.push({ ...base, percent: pct / 100 });
    }
  });
  const payer = cer.insurer?.display ?? '';
  const display = ins?.coverage?.display;
  const plan = display && display !== payer ? display : undefined;
  if (ins?.inforce !== undefined) lines.unshift({ code: ins.inforce ? '1' : '6', serviceType: '30', ...(plan ? { plan } : {}) });
  const rejections = (cer.error ?? []).map((e) => {
    const m = /^(.*); (.*?)(?: \((\w+)\))?$/.exec(e.code.text ?? '');
    const code = codeIn(e.code, AAA_SYSTEM) ?? codeIn(e.code) ?? '';
    return {
      ...(m?.[3] ? { loop: m[3] } : {}), code,
      reason: e.code.coding?.find((x) => x.display)?.display ?? m?.[1] ?? e.code.text ?? c.rejectReasons[code] ?? code,
      followUp: m?.[2] ?? '',
    };
  });
  if (cer.outcome === 'error' && !rejections.length) rejections.push({ code: '', reason: 'The payer answered with an error and gave no reason.', followUp: '' });
  const memberId = ins?.coverage?.identifier?.value ?? cer.patient?.identifier?.value ?? '';
  const record = summarize({
    trace: trace || (requestId ? `CoverageEligibilityRequest/${requestId}` : ''), memberId, payer,
    patientName: cer.patient?.display && cer.patient.display !== 'unknown' ? cer.patient.display : undefined,
    serviceDate: cer.servicedDate ?? cer.servicedPeriod?.start?.slice(0, 10), benefits: lines, rejections,
    inforce: ins?.inforce,
  });
  return { value: { record, response: cer, ...(requestId ? { requestId } : {}) }, issues };
}

/** CoverageEligibilityResponses in a FHIR answer: the resource itself, or the entries of a Bundle. */
export function eligibilityResponsesIn(json: unknown): Array<{ resource: CoverageEligibilityResponse; at: string }> {
  const r = json as { resourceType?: string; entry?: Array<{ resource?: { resourceType?: string } }> } | undefined;
  if (r?.resourceType === 'CoverageEligibilityResponse') return [{ resource: r as unknown as CoverageEligibilityResponse, at: 'CoverageEligibilityResponse' }];
  if (r?.resourceType !== 'Bundle') return [];
  return (r.entry ?? []).flatMap((e, i) => (e.resource?.resourceType === 'CoverageEligibilityResponse' ? [{ resource: e.resource as unknown as CoverageEligibilityResponse, at: `Bundle.entry[${i}].resource` }] : []));
}
