/**
 * 271 eligibility answers (005010X279A1) in: per subscriber (2000C) or dependent (2000D) a FHIR
 * CoverageEligibilityResponse and an office eligibility record: active or inactive (EB-01), the
 * plan, and for the service type asked about the copay (EB*B), coinsurance (EB*A, EB-08 a
 * fraction) and deductible (EB*C; EB-06 29 = remaining); AAA rejections at any level with their
 * reason and follow-up (also X12_REJECTED warnings naming the loop).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CoverageEligibilityResponse, CoverageEligibilityResponseInsuranceItem } from 'fhir/r4.js';
import { issue, type Issue, type Result } from '../../domain/issues.js';
import { coverageEligibilityResponseId } from '../../fhir/ids.js';
import { MAPPINGS_DIR } from '../../paths.js';
import { PAYER_ID_SYSTEM } from '../../adapters/claim.js';
import { readWithMap } from '../read.js';
import { fhirDate } from '../inbound/claim-response.js';

interface Codes {
  eligibility: Record<string, string>; active: string[]; inactive: string[]; benefitType: Record<string, string>;
  serviceTypes: Record<string, string>; periods: Record<string, string>; rejectReasons: Record<string, string>; followUp: Record<string, string>;
}
let cache: Codes | undefined;
const codes = (): Codes => (cache ??= JSON.parse(readFileSync(resolve(MAPPINGS_DIR, 'x12', 'eligibility-codes.json'), 'utf8')) as Codes);

interface Aaa { valid: string; reason: string; followUp: string }
interface Eb { code: string; coverageLevel?: string; serviceType?: string; plan?: string; period?: string; amount?: string; percent?: string; inNetwork?: string; rejections?: Aaa[]; messages?: Array<{ text: string }> }
interface Person { last?: string; first?: string; id?: string; dob?: string; rejections?: Aaa[]; dates?: Array<{ qualifier: string; date: string }>; benefits?: Eb[] }
interface Entry { subscriberTraces?: Array<{ type: string; number: string; originator: string }>; subscriber?: Person; dependentTraces?: Array<{ type: string; number: string }>; dependent?: Person }
interface Model271 { date: string; sources?: Array<{ source: { name: string; id: string; rejections?: Aaa[] }; receiver?: { rejections?: Aaa[] }; subscribers?: Entry[] }> }

export interface EligibilityRecord {
  recordType: 'eligibility';
  trace: string;
  inquiryKey?: string;
  patientName?: string;
  memberId: string;
  payer: string;
  status: 'active' | 'inactive' | 'rejected' | 'unknown';
  plan?: string;
  serviceDate?: string;
  copay?: number;
  coinsurancePercent?: number;
  deductible?: number;
  deductibleRemaining?: number;
  benefits: Array<{ code: string; meaning: string; serviceType?: string; coverageLevel?: string; period?: string; amount?: number; percent?: number; inNetwork?: string; plan?: string }>;
  rejections: Array<{ loop?: string; code: string; reason: string; followUp: string }>;
}

export interface Eligibility271 {
  record: EligibilityRecord;
  response: CoverageEligibilityResponse;
}

export const ELIGIBILITY_TRACE_SYSTEM = 'https://frontdesk.example.org/sid/eligibility-trace';
const BENEFIT_TYPE = 'http://terminology.hl7.org/CodeSystem/benefit-type';
const SERVICE_TYPE_SYSTEM = 'https://x12.org/codes/service-type-codes';
const AAA_SYSTEM = 'https://x12.org/codes/reject-reason-codes';

function rejection(a: Aaa, loop: string): EligibilityRecord['rejections'][number] {
  const c = codes();
  return { loop, code: a.reason, reason: c.rejectReasons[a.reason] ?? `reject reason ${a.reason}`, followUp: c.followUp[a.followUp] ?? a.followUp };
}

/** Read a 271; `keys` maps our TRN-02 traces back to inquiry keys (appointment and day). */
export function read271(text: string, keys: Record<string, string> = {}): Result<Eligibility271[]> {
  const r = readWithMap<Model271>(text, '271');
  if (!r.value) return { value: undefined, issues: r.issues };
  const issues: Issue[] = [...r.issues];
  const c = codes();
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
        const loop = dependent ? '2100D' : '2100C';
        const trace = (dependent ? e.dependentTraces : undefined)?.find((t) => t.type === '2')?.number ?? e.subscriberTraces?.find((t) => t.type === '2')?.number ?? '';
        const rejections = [
          ...upper,
          ...(e.subscriber?.rejections ?? []).map((a) => rejection(a, '2100C')),
          ...(e.dependent?.rejections ?? []).map((a) => rejection(a, '2100D')),
          ...(who.benefits ?? []).flatMap((b, bi) => (b.rejections ?? []).map((a) => rejection(a, `${dependent ? '2110D' : '2110C'}[${bi + 1}]`))),
        ];
        const benefits = (who.benefits ?? []).map((b) => ({
          code: b.code, meaning: c.eligibility[b.code] ?? b.code,
          ...(b.serviceType ? { serviceType: b.serviceType } : {}), ...(b.coverageLevel ? { coverageLevel: b.coverageLevel } : {}),
          ...(b.period ? { period: c.periods[b.period] ?? b.period } : {}), ...(b.amount ? { amount: Number(b.amount) } : {}),
          ...(b.percent ? { percent: Number(b.percent) } : {}), ...(b.inNetwork ? { inNetwork: b.inNetwork } : {}), ...(b.plan ? { plan: b.plan } : {}),
        }));
        const active = (who.benefits ?? []).some((b) => c.active.includes(b.code));
        const inactive = (who.benefits ?? []).some((b) => c.inactive.includes(b.code));
        const status: EligibilityRecord['status'] = rejections.length ? 'rejected' : active ? 'active' : inactive ? 'inactive' : 'unknown';
        // The patient's share, in network when the payer says which (EB-12 Y), else what is given.
        const pick = (code: string, pred: (b: Eb) => boolean = () => true): Eb | undefined => {
          const list = (who.benefits ?? []).filter((b) => b.code === code && pred(b));
          return list.find((b) => b.inNetwork === 'Y') ?? list.find((b) => !b.inNetwork) ?? list[0];
        };
        const copay = pick('B');
        const coins = pick('A');
        const deductible = pick('C', (b) => b.period !== '29');
        const remaining = pick('C', (b) => b.period === '29');
        const plan = (who.benefits ?? []).find((b) => c.active.includes(b.code) && b.plan)?.plan;
        const memberId = e.subscriber?.id ?? '';
        const serviceDate = fhirDate(who.dates?.find((d) => d.qualifier === '291' || d.qualifier === '307')?.date);
        const record: EligibilityRecord = {
          recordType: 'eligibility', trace, ...(keys[trace] ? { inquiryKey: keys[trace] } : {}),
          ...(who.first || who.last ? { patientName: [who.first, who.last].filter(Boolean).join(' ') } : {}),
          memberId, payer: src.source?.name ?? '', status, ...(plan ? { plan } : {}), ...(serviceDate ? { serviceDate } : {}),
          ...(copay?.amount ? { copay: Number(copay.amount) } : {}),
          ...(coins?.percent ? { coinsurancePercent: Math.round(Number(coins.percent) * 10000) / 100 } : {}),
          ...(deductible?.amount ? { deductible: Number(deductible.amount) } : {}),
          ...(remaining?.amount ? { deductibleRemaining: Number(remaining.amount) } : {}),
          benefits, rejections,
        };
        for (const x of rejections) {
          issues.push(issue('X12_REJECTED', `Eligibility for member ${memberId || '(none)'} not answered: ${x.reason} (AAA ${x.code}); ${x.followUp}.`, `${si > 0 ? `2000A[${si + 1}].` : ''}${ei > 0 ? `2000C[${ei + 1}].` : ''}${x.loop}.AAA-03`, 'warning'));
        }
        out.push({ record, response: toResponse(record, src.source, fhirDate(model.date), who) });
      });
    });
  }
  return { value: out, issues };
}

function toResponse(rec: EligibilityRecord, source: { name: string; id: string } | undefined, created: string, who: Person): CoverageEligibilityResponse {
  const c = codes();
  const items: CoverageEligibilityResponseInsuranceItem[] = [];
  const byService = new Map<string, CoverageEligibilityResponseInsuranceItem>();
  for (const b of who.benefits ?? []) {
    const type = c.benefitType[b.code];
    if (!type) continue;
    const st = b.serviceType ?? '30';
    let item = byService.get(st);
    if (!item) {
      item = { category: { coding: [{ system: SERVICE_TYPE_SYSTEM, code: st, ...(c.serviceTypes[st] ? { display: c.serviceTypes[st] } : {}) }] }, benefit: [] };
      if (b.inNetwork === 'Y' || b.inNetwork === 'N') item.network = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-network', code: b.inNetwork === 'Y' ? 'in' : 'out' }] };
      byService.set(st, item);
      items.push(item);
    }
    const benefit = b.amount
      ? { type: { coding: [{ system: BENEFIT_TYPE, code: type }] }, ...(b.period === '29' ? { usedMoney: undefined, allowedMoney: { value: Number(b.amount), currency: 'USD' as const } } : { allowedMoney: { value: Number(b.amount), currency: 'USD' as const } }) }
      : { type: { coding: [{ system: BENEFIT_TYPE, code: type }] }, allowedString: b.percent ? `${Math.round(Number(b.percent) * 10000) / 100}%` : c.eligibility[b.code] ?? b.code };
    item.benefit!.push(JSON.parse(JSON.stringify(benefit)) as NonNullable<CoverageEligibilityResponseInsuranceItem['benefit']>[number]);
  }
  const cer: CoverageEligibilityResponse = {
    resourceType: 'CoverageEligibilityResponse',
    id: coverageEligibilityResponseId(rec.trace, rec.memberId),
    identifier: [{ system: ELIGIBILITY_TRACE_SYSTEM, value: rec.trace }],
    status: 'active',
    purpose: ['benefits', 'validation'],
    patient: { ...(rec.memberId ? { identifier: { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] }, value: rec.memberId } } : {}), display: rec.patientName ?? 'unknown' },
    ...(rec.serviceDate ? { servicedDate: rec.serviceDate } : {}),
    created: created || new Date().toISOString().slice(0, 10),
    request: { identifier: { system: ELIGIBILITY_TRACE_SYSTEM, value: rec.trace } },
    outcome: rec.status === 'rejected' ? 'error' : 'complete',
    insurer: { ...(source?.id ? { identifier: { system: PAYER_ID_SYSTEM, value: source.id } } : {}), display: source?.name || 'unknown' },
  };
  if (rec.status !== 'rejected') {
    cer.insurance = [{
      coverage: { identifier: { value: rec.memberId }, display: rec.plan ?? rec.payer },
      inforce: rec.status === 'active',
      ...(items.length ? { item: items } : {}),
    }];
  } else {
    cer.error = rec.rejections.map((x) => ({ code: { coding: [{ system: AAA_SYSTEM, code: x.code, display: x.reason }], text: `${x.reason}; ${x.followUp} (${x.loop})` } }));
  }
  return cer;
}
