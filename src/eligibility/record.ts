/**
 * The office eligibility record (profiles/office/eligibility.schema.json): what the front desk
 * needs from a payer's eligibility answer, whichever way it came (an X12 271 or a FHIR
 * CoverageEligibilityResponse). Both readers reduce their answer to benefit lines in X12 terms
 * (EB-01 code, EB-03 service type, EB-06 period, EB-07 amount, EB-08 percent as a fraction, EB-12
 * in network) and `summarize` picks the patient's share from them the same way.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAPPINGS_DIR } from '../paths.js';

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
  /** The service type (EB-03) the copay, coinsurance and deductible below are for. */
  serviceType?: string;
  copay?: number;
  coinsurancePercent?: number;
  deductible?: number;
  deductibleRemaining?: number;
  benefits: Array<{ code: string; meaning: string; serviceType?: string; coverageLevel?: string; period?: string; amount?: number; percent?: number; inNetwork?: string; plan?: string }>;
  rejections: Array<{ loop?: string; code: string; reason: string; followUp: string }>;
}

/** One benefit in X12 terms (a 271 EB segment, or a FHIR benefit read back into one). */
export interface BenefitLine {
  /** EB-01 eligibility or benefit information code. */
  code: string;
  /** EB-02 coverage level (IND, FAM...). */
  coverageLevel?: string | undefined;
  /** EB-03 service type. */
  serviceType?: string | undefined;
  /** EB-05 plan coverage description. */
  plan?: string | undefined;
  /** EB-06 time period qualifier (29 remaining). */
  period?: string | undefined;
  /** EB-07 monetary amount. */
  amount?: string | number | undefined;
  /** EB-08 percent, as a fraction (0.2 = 20%). */
  percent?: string | number | undefined;
  /** EB-12 in plan network (Y, N, W not applicable, U unknown). */
  inNetwork?: string | undefined;
}

export interface EligibilityCodes {
  eligibility: Record<string, string>; active: string[]; inactive: string[];
  /** FHIR benefit-type code (http://terminology.hl7.org/CodeSystem/benefit-type) an EB-01 fills, where that code system has one. */
  benefitType: Record<string, string>;
  /** Service types whose amounts the record shows first (the office visit, then the plan as a whole). */
  preferServiceTypes: string[];
  serviceTypes: Record<string, string>; periods: Record<string, string>; rejectReasons: Record<string, string>; followUp: Record<string, string>;
  coverageLevels: Record<string, string>;
}

let cache: EligibilityCodes | undefined;
export const eligibilityCodes = (): EligibilityCodes => (cache ??= JSON.parse(readFileSync(resolve(MAPPINGS_DIR, 'x12', 'eligibility-codes.json'), 'utf8')) as EligibilityCodes);

const num = (v: string | number | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

export interface SummaryInput {
  trace: string;
  memberId: string;
  payer: string;
  patientName?: string | undefined;
  serviceDate?: string | undefined;
  inquiryKey?: string | undefined;
  benefits: BenefitLine[];
  rejections: EligibilityRecord['rejections'];
  /** What the answer itself says about coverage (FHIR insurance.inforce), when it says it without an EB code. */
  inforce?: boolean | undefined;
}

/**
 * Benefit lines -> the office record: active or inactive from EB-01 (1-5 active, 6-8 inactive),
 * rejected when any AAA said so; the patient's share for the preferred service type (EB-03 98
 * office visit, else 30 plan coverage, else any), in network first (EB-12 Y, then unstated).
 */
export function summarize(s: SummaryInput): EligibilityRecord {
  const c = eligibilityCodes();
  const list = s.benefits;
  const active = list.some((b) => c.active.includes(b.code)) || (s.inforce === true && !list.some((b) => c.inactive.includes(b.code)));
  const inactive = list.some((b) => c.inactive.includes(b.code)) || s.inforce === false;
  const status: EligibilityRecord['status'] = s.rejections.length ? 'rejected' : active ? 'active' : inactive ? 'inactive' : 'unknown';
  const rank = (b: BenefitLine): number => {
    const st = c.preferServiceTypes.indexOf(b.serviceType ?? '30');
    return (st < 0 ? c.preferServiceTypes.length : st) * 3 + (b.inNetwork === 'Y' ? 0 : !b.inNetwork ? 1 : 2);
  };
  const pick = (code: string, pred: (b: BenefitLine) => boolean = () => true): BenefitLine | undefined =>
    list.filter((b) => b.code === code && pred(b)).sort((x, y) => rank(x) - rank(y))[0];
  const copay = pick('B', (b) => num(b.amount) !== undefined);
  const coins = pick('A', (b) => num(b.percent) !== undefined);
  const deductible = pick('C', (b) => b.period !== '29' && num(b.amount) !== undefined);
  const remaining = pick('C', (b) => b.period === '29' && num(b.amount) !== undefined);
  const plan = list.find((b) => c.active.includes(b.code) && b.plan)?.plan ?? list.find((b) => b.plan)?.plan;
  const shown = copay ?? coins ?? deductible;
  return {
    recordType: 'eligibility', trace: s.trace, ...(s.inquiryKey ? { inquiryKey: s.inquiryKey } : {}),
    ...(s.patientName ? { patientName: s.patientName } : {}),
    memberId: s.memberId, payer: s.payer, status, ...(plan ? { plan } : {}), ...(s.serviceDate ? { serviceDate: s.serviceDate } : {}),
    ...(shown?.serviceType ? { serviceType: shown.serviceType } : {}),
    ...(copay ? { copay: num(copay.amount)! } : {}),
    ...(coins ? { coinsurancePercent: Math.round(num(coins.percent)! * 10000) / 100 } : {}),
    ...(deductible ? { deductible: num(deductible.amount)! } : {}),
    ...(remaining ? { deductibleRemaining: num(remaining.amount)! } : {}),
    benefits: list.map((b) => ({
      code: b.code, meaning: c.eligibility[b.code] ?? b.code,
      ...(b.serviceType ? { serviceType: b.serviceType } : {}), ...(b.coverageLevel ? { coverageLevel: b.coverageLevel } : {}),
      ...(b.period ? { period: c.periods[b.period] ?? b.period } : {}), ...(num(b.amount) !== undefined ? { amount: num(b.amount)! } : {}),
      ...(num(b.percent) !== undefined ? { percent: num(b.percent)! } : {}), ...(b.inNetwork ? { inNetwork: b.inNetwork } : {}), ...(b.plan ? { plan: b.plan } : {}),
    })),
    rejections: s.rejections,
  };
}
